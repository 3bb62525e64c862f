"""The server log must hold no unhandled exception: every test is checked as it ends.

The app logs each request it could not answer ("Unhandled error on …", app/core/errors.py;
Flask's own "Exception on …" if an error handler itself failed), and Python reports each
exception that escapes a thread. A test during which any of these happened fails with what was
logged, unless it is marked `server_error_expected` (the test of the 500 page itself). The run
ends with the count over the whole suite (tests/conftest.py).
"""

import logging
import threading

import pytest

RECORDS: list[str] = []
# Loggers that hold unhandled exceptions: the app's error handler and Flask's app logger.
LOGGERS = ("jointly.errors", "app")


class _Collector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        RECORDS.append(self.format(record))


def install() -> None:
    collector = _Collector(level=logging.ERROR)
    collector.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    for name in LOGGERS:
        logging.getLogger(name).addHandler(collector)
    previous = threading.excepthook

    def thread_failed(args):
        RECORDS.append(f"exception in thread {args.thread.name if args.thread else '?'}: {args.exc_value!r}")
        previous(args)

    threading.excepthook = thread_failed


@pytest.fixture(autouse=True)
def no_unhandled_server_errors(request):
    start = len(RECORDS)
    yield
    logged = RECORDS[start:]
    del RECORDS[start:]
    expected = request.node.get_closest_marker("server_error_expected") is not None
    request.node.user_properties.append(("unhandled_server_errors", 0 if expected else len(logged)))
    if logged and not expected:
        pytest.fail("the server logged an unhandled exception during this test:\n" + "\n\n".join(logged[:3]),
                    pytrace=False)
