"""`make run`'s two processes: the Celery worker (with the beat schedule embedded) and
Django's development server, started together and stopped together.

    python -m config.devserver [--host 127.0.0.1] [--port 8000]

Ctrl-C or SIGTERM stops both within seconds: each child is asked once (SIGTERM to the
worker, which shuts down warm; SIGINT to the server), given STOP_SECONDS, then killed. When
either child ends on its own, the other is stopped the same way and its exit status is
ours. (The shell trap this replaces re-signalled its own process group from inside the
trap, which ran the trap again: thousands of "Warm shutdown" lines and a RecursionError.)
"""

import argparse
import os
import signal
import subprocess
import sys
import time

STOP_SECONDS = 8


def commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    celery = os.path.join(os.path.dirname(python), "celery")
    return {
        "worker": [
            celery,
            "-A",
            "config",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=WARNING",
            "--schedule=var/celerybeat-schedule",
        ],
        "server": [python, "manage.py", "runserver", f"{host}:{port}"],
    }


def stop(children: dict[str, subprocess.Popen]) -> None:
    """Asks every running child to stop once, then kills those still running after STOP_SECONDS."""
    polite = {"worker": signal.SIGTERM, "server": signal.SIGINT}
    for name, child in children.items():
        if child.poll() is None:
            child.send_signal(polite.get(name, signal.SIGTERM))
    deadline = time.monotonic() + STOP_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    for folder in ("var/celery/queue", "var/celery/processed", "var/celery/control"):
        os.makedirs(folder, exist_ok=True)

    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)  # handled in the loop below, once

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    # The children get their own process group, so the terminal's Ctrl-C reaches only us and
    # each child is asked to stop exactly once.
    children = {
        name: subprocess.Popen(command, start_new_session=True)  # noqa: S603 (our own fixed commands)
        for name, command in commands(args.host, args.port).items()
    }
    print(f"Worker (periodic jobs) and server on http://{args.host}:{args.port}/ ; Ctrl-C stops both.", flush=True)
    status = 0
    while not stopping:
        ended = [child for child in children.values() if child.poll() is not None]
        if ended:
            status = ended[0].returncode or 0
            break
        time.sleep(0.2)
    stop(children)
    return status


if __name__ == "__main__":
    sys.exit(main())
