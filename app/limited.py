"""Running work on untrusted input in a child process with CPU-time, memory and wall-clock limits.

A file someone uploads may be built to be slow or huge (a PDF to /verify, a Word plan to import).
Reading it therefore never runs in the web process: `run_limited` runs MODULE as a child's
main module (as `python -m MODULE` would), whose `main` calls `limit_self` before reading the
input from stdin and writes its answer to stdout. The parent kills it when the wall-clock limit
passes. Whatever the input does, it costs at most those limits, and the caller gets
`LimitReached` saying which one stopped it.
"""

import contextlib
import os
import resource
import signal
import subprocess  # nosec B404 - runs a module of this app with the same interpreter, argument list only
import sys
from dataclasses import dataclass

MEMORY_EXIT = 75  # the child ran out of its memory allowance


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int
    memory_mb: int
    wall_seconds: float


class LimitReached(Exception):  # noqa: N818 - reads as what happened
    """The child was stopped by a limit: `which` is "time", "cpu" or "memory"."""

    def __init__(self, which: str, limits: Limits):
        super().__init__(which)
        self.which, self.limits = which, limits


class ChildFailed(Exception):  # noqa: N818 - reads as what happened
    """The child stopped with an error of its own (its stderr's tail is the message)."""


# How the child starts MODULE. `python -m app.x.y` would first run the `app` package's
# __init__, which imports Flask, SQLAlchemy and the app's extensions: most of a second of a child
# that reads one file, and nothing its work uses. The packages above MODULE are made empty
# instead, so the child loads MODULE and what it imports, then runs it as `python -m` does.
_START_CHILD = """\
import os, runpy, sys, types
module = sys.argv.pop(1)
parts = module.split(".")
for n in range(1, len(parts)):
    package = types.ModuleType(".".join(parts[:n]))
    package.__path__ = [os.path.join(os.getcwd(), *parts[:n])]
    sys.modules[package.__name__] = package
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD_ENVIRONMENT = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": ROOT, "LANG": "C.UTF-8"}


def child_command(module: str, limits: Limits) -> list[str]:
    """The child's argument list (run in ROOT with CHILD_ENVIRONMENT)."""
    return [sys.executable, "-c", _START_CHILD, module, str(limits.cpu_seconds), str(limits.memory_mb)]


def run_limited(module: str, data: bytes, limits: Limits) -> bytes:
    """What MODULE, run as `python -m MODULE CPU MEMORY` would, wrote to stdout, given `data`
    on stdin."""
    process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell  # nosec B603
        child_command(module, limits), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=ROOT, env=CHILD_ENVIRONMENT, start_new_session=True,
    )
    try:
        out, err = process.communicate(data, timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired as error:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise LimitReached("time", limits) from error
    if process.returncode == MEMORY_EXIT:
        raise LimitReached("memory", limits)
    if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise LimitReached("cpu", limits)
    if process.returncode != 0:
        raise ChildFailed(err.decode(errors="replace")[-2000:])
    return out


RESERVE = 4 * 1024 * 1024  # held by the child until its work ends, to report with if the work exhausts the rest


def serve(work) -> int:
    """The child's side: MODULE, run as `python -m MODULE CPU MEMORY`, calls
    `sys.exit(serve(work))`, where `work(data) -> str` does the module's job on stdin's bytes
    (after its imports, which the limits do not count). Its answer goes to stdout; running out
    of memory, however the interpreter or a library reports it (MemoryError, a SystemError from
    a failed allocation, a finding), exits with MEMORY_EXIT."""
    reserve = bytearray(RESERVE)
    ceiling = limit_self(int(sys.argv[1]), int(sys.argv[2]))
    data = sys.stdin.buffer.read()
    try:
        answer = work(data)
    except BaseException as error:
        del reserve  # room to look at what happened
        if isinstance(error, MemoryError) or reached(ceiling):
            return MEMORY_EXIT
        raise
    del reserve
    if reached(ceiling):
        return MEMORY_EXIT
    sys.stdout.write(answer)
    return 0


def limit_self(cpu_seconds: int, memory_mb: int) -> int:
    """In the child, after its imports (the limits bound the work on the input, not the
    interpreter): cap CPU time and address space. Returns the address-space ceiling."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime) + cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    with open("/proc/self/statm") as handle:
        virtual = int(handle.read().split()[0]) * resource.getpagesize()
    ceiling = virtual + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    return ceiling


def reached(ceiling: int, margin: int = 8 * 1024 * 1024) -> bool:
    """Whether the address space came within `margin` of the limit: an allocation was then
    refused somewhere, whatever error the libraries made of it."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmPeak:"):
                return int(line.split()[1]) * 1024 >= ceiling - margin
    return False
