"""`make run`'s worker and server stop together, within seconds, on Ctrl-C or SIGTERM.

Found from outside: the shell trap that ran them re-signalled itself, so stopping `make run`
printed thousands of "Warm shutdown" lines and ended in a RecursionError. This starts the
real pair (config/devserver.py) on a free port, waits for the server to answer, signals it,
and reads what it printed."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(port, process, seconds=90):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # answered (503 without a migrated database is still an answer)
        except OSError as error:
            last = error
            time.sleep(0.3)
    # Stopped as make run stops it, so its server and worker go too and the output pipe closes.
    process.send_signal(signal.SIGTERM)
    try:
        printed, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        printed = "(it did not stop within 20 s either)"
    pytest.fail(f"the development server did not answer ({last!r}); it printed:\n{printed[-3000:]}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_make_runs_worker_and_server_stop_within_seconds_and_quietly(tmp_path, signum):
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "true",
        "PLATFORM_SANDBOX": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "REDIS_URL": "",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "config.devserver", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_until_answering(port, process)
        process.send_signal(signum)
        started = time.monotonic()
        output, _ = process.communicate(timeout=20)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert took < 15
    # (The worker's periodic jobs may fail on this unmigrated database; that is not the point.)
    assert "RecursionError" not in output and "KeyboardInterrupt" not in output, output
    assert output.count("Warm shutdown") <= 2, output
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the server is still listening"


def test_make_run_starts_them_through_that_runner():
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "-m config.devserver" in recipe and "trap" not in recipe
