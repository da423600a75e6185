"""Fixtures of the platform tests: the sandbox's keys in a temporary folder, fresh shared
clients for every test, and the adapters under test (the production classes)."""

import pytest

from platforms import base
from platforms.wechat import client as wechat_client


@pytest.fixture(scope="session")
def _sandbox_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("sandbox"))


@pytest.fixture(autouse=True)
def _sandbox(settings, _sandbox_dir):
    settings.SANDBOX_DIR = _sandbox_dir
    settings.PLATFORM_SANDBOX = True
    settings.SANDBOX_DELIVERY = "inline"
    base.reset_platform_clients()
    wechat_client.reset_shared_client()
    yield
    base.reset_platform_clients()
    wechat_client.reset_shared_client()


@pytest.fixture
def wechat(db):
    return base.get_miniprogram("wechat")


@pytest.fixture
def wechatpay(db):
    return base.get_payment_provider("wechat")
