"""Shared fixtures: an API client per shopper, tasks run eagerly, a private cache per test."""

import os

import pytest
from django.conf import settings as django_settings
from pytest_django.fixtures import _set_suffix_to_test_databases
from rest_framework.test import APIClient

from tests.factories import MemberFactory

pytest_plugins = ["tests.browser"]


def pytest_configure(config):
    django_settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    django_settings.CELERY_TASK_ALWAYS_EAGER = True
    # The WeChat sandbox's notifications are dispatched in-process, no server needed.
    django_settings.SANDBOX_DELIVERY = "inline"
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


def pytest_collection_modifyitems(config, items):
    """Race tests need real row locks: on SQLite they are skipped with the reason said."""
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://... (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Each pytest process gets its own PostgreSQL test database (test_kit_gw0_p1234), so two
    runs on one server (a developer's two terminals) do not drop each other's database."""
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        _set_suffix_to_test_databases(suffix=f"p{os.getpid()}")


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_may_join_results():
    """Celery runs an eager task with a process-wide "joining would block" flag set and
    restores the value it saw on entry. Threads racing eager tasks (the PostgreSQL race
    tests) can restore each other's True, which leaves every later `.get()` in the process
    refusing with "Never call result.get() within a task!". No test runs inside a worker,
    so every test starts with the flag down."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@pytest.fixture
def api():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def member_api(member):
    """An API client logged in as `member` with a real bearer token."""
    return client_for(member)


def client_for(user):
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
