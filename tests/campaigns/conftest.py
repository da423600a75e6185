"""Fixtures of the entry-point stories: the on-commit work of events run as a commit would."""

import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the on-commit work scheduled inside (events, their tasks)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
