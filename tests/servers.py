"""Real servers the suite starts (gunicorn, Varnish, ``make serve``): ports, waiting, skipping."""

import os
import socket
import time

import pytest


def unavailable(reason, what):
    """Skip for want of ``reason``; under CI (``CI`` set) fail instead: there ``what`` must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so {what} must run")
    pytest.skip(reason)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port, process, log, seconds=30):
    """Until something listens on ``port``; fails with ``process``'s log if it exits or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on {port} after {seconds} s:\n{log.read_text()}")
