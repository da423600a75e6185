"""The settings the tests run with (pyproject.toml): the kit's own, with DEBUG and so the
sandbox on, as `make run` has them. The kit's defaults keep both off when nothing is set;
processes the tests start inherit DEBUG=true unless a test sets it otherwise."""

import os

os.environ.setdefault("DEBUG", "true")

from config.settings import *  # noqa: E402, F403
