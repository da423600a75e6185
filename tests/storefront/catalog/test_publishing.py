"""A marketer publishes a product: its page is queued for WeChat search through the
platform layer (the sandbox here), after commit, retried while WeChat is busy."""

import pytest
from oscar.core.loading import get_model

from platforms import base
from platforms.base import PlatformError
from platforms.sandbox import faults
from platforms.sandbox.models import SearchSubmission
from tests.factories import catalog as f

pytestmark = pytest.mark.django_db
Product = get_model("catalogue", "Product")


@pytest.fixture(autouse=True)
def _sandbox(settings, tmp_path):
    settings.SANDBOX_DIR = str(tmp_path / "sandbox")
    settings.PLATFORM_SANDBOX = True
    base.reset_platform_clients()
    yield
    base.reset_platform_clients()


def submitted():
    return [page for submission in SearchSubmission.objects.order_by("id") for page in submission.pages]


def test_a_new_public_product_is_submitted_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = f.standalone("明前龙井")
    assert submitted() == [{"path": "pages/product/index", "query": f"id={product.pk}"}]


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        f.standalone("明前龙井")
    assert callbacks  # queued for after commit, so a rollback sends nothing
    assert submitted() == []


def test_publishing_a_hidden_product_submits_it_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = f.standalone("秋茶", is_public=False)
    assert submitted() == []
    with django_capture_on_commit_callbacks(execute=True):
        product.is_public = True
        product.save()
    with django_capture_on_commit_callbacks(execute=True):
        product.title = "秋茶 新品"
        product.save()  # already public: not submitted again
    assert submitted() == [{"path": "pages/product/index", "query": f"id={product.pk}"}]


def test_skus_are_not_submitted_only_their_product(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        parent = f.with_skus("白牡丹", [{"size": "50g"}, {"size": "100g"}])
    assert submitted() == [{"path": "pages/product/index", "query": f"id={parent.pk}"}]


def test_wechat_busy_is_retried(django_capture_on_commit_callbacks, caplog):
    from storefront.catalog.tasks import submit_product_page_to_wechat

    with django_capture_on_commit_callbacks(execute=False):
        product = f.standalone("金骏眉")
    assert base.get_miniprogram("wechat").client.access_token  # warms up the token
    faults.set_fault("wechat", "busy")  # the next call fails once
    # Run as a worker would; an eager run performs the retry at once instead of after the countdown.
    result = submit_product_page_to_wechat.apply(args=(product.pk,), throw=False)
    assert "retry: Retry in" in caplog.text
    assert result.state == "SUCCESS"
    assert submitted() == [{"path": "pages/product/index", "query": f"id={product.pk}"}]


def test_a_product_unpublished_before_the_task_ran_is_not_sent(django_capture_on_commit_callbacks):
    from storefront.catalog.tasks import submit_product_page_to_wechat

    with django_capture_on_commit_callbacks(execute=False):
        product = f.standalone("大红袍")
    Product.objects.filter(pk=product.pk).update(is_public=False)
    submit_product_page_to_wechat.apply(args=(product.pk,))
    assert submitted() == []


class RefusingWeChat:
    calls = 0

    def submit_pages(self, pages):
        RefusingWeChat.calls += 1
        raise PlatformError("page path not found", code="40066", retryable=False, platform="wechat")


def test_a_refusal_is_not_retried(django_capture_on_commit_callbacks, caplog):
    base._instances[("miniprogram", "wechat")] = RefusingWeChat()
    with django_capture_on_commit_callbacks(execute=True):
        f.standalone("正山小种")
    assert RefusingWeChat.calls == 1
    assert "40066" in caplog.text
