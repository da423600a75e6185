"""Key files of the sandbox: generated on first use in settings.SANDBOX_DIR, never committed."""

import json
import os
import tempfile
from pathlib import Path


def load_or_create(target: Path, generate) -> dict:
    """The JSON key set at `target`, written from generate() the first time.

    link() refuses to replace an existing file: when two processes start together, the first
    one's keys win and both read the same set."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-")
        with os.fdopen(fd, "w") as handle:
            json.dump(generate(), handle)
        try:
            os.link(tmp, target)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return json.loads(target.read_text())
