"""Children that read untrusted files (app/limited.py) start with only what their work imports."""

import subprocess

import pytest

from app.limited import CHILD_ENVIRONMENT, ROOT, Limits, child_command

pytestmark = pytest.mark.engine_independent

LIMITS = Limits(cpu_seconds=20, memory_mb=512, wall_seconds=60)
# What a child never needs: the web framework and the database layer (the app package's __init__).
NOT_NEEDED = ("flask", "flask_sqlalchemy", "sqlalchemy", "flask_login", "flask_wtf", "wtforms", "jinja2")


def _imported(module: str, data: bytes) -> set[str]:
    """The modules a child imported while it read `data` (Python's -X importtime log)."""
    command = child_command(module, LIMITS)
    command[1:1] = ["-X", "importtime"]
    done = subprocess.run(command, input=data, capture_output=True, cwd=ROOT, env=CHILD_ENVIRONMENT,  # noqa: S603
                          timeout=LIMITS.wall_seconds, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    lines = done.stderr.decode().splitlines()
    return {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")}


@pytest.mark.parametrize("module, data", [
    ("app.attachments.extraction", b"text\nFlood defences: inspected in May.\n"),
    ("app.plan_import.reading", b"# Risks\n\nA joint board.\n"),
    ("app.evidence.inspection", b"not a zip"),
], ids=["attachment text", "plan import", "evidence pack"])
def test_a_child_reads_its_input_without_the_web_framework_or_the_database_layer(module, data):
    imported = _imported(module, data)
    assert "app.limited" in imported  # the log is read: the child's own imports are in it
    assert not {name for name in imported if name.split(".")[0] in NOT_NEEDED}
