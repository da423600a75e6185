"""Published products and campaign pages go to WeChat search (搜一搜数据推送) in the data push
format, in batches, within WeChat's limits: 47004 halves the batch, 40066 (refused by the
sitemap) marks the one page refused, 47006 (daily quota) leaves the rest for the next day."""

import pytest

from campaigns import services
from campaigns.models import EntryPoint, SearchPage
from platforms.base import PlatformError
from platforms.sandbox.models import SearchSubmission
from tests.factories import EntryPointFactory, standalone

pytestmark = pytest.mark.django_db


class FakeWeChat:
    """Answers like WeChat: at most `most` pages a call, `quota` pages a day, `blocked` paths refused."""

    def __init__(self, *, most=100, quota=1000, blocked=()):
        self.most, self.quota, self.blocked, self.calls, self.accepted = most, quota, set(blocked), [], []

    def submit_pages(self, pages):
        self.calls.append(len(pages))
        if len(pages) > self.most:
            raise PlatformError("too many pages", code="47004", platform="wechat")
        if len(self.accepted) + len(pages) > self.quota:
            raise PlatformError("quota", code="47006", platform="wechat")
        if any(p["query"] in self.blocked for p in pages):
            raise PlatformError("sitemap", code="40066", platform="wechat")
        self.accepted.extend(pages)


@pytest.fixture
def wechat(monkeypatch):
    def use(**limits):
        fake = FakeWeChat(**limits)
        monkeypatch.setattr(services.platforms, "get_miniprogram", lambda name: fake)
        return fake

    return use


def queue(count):
    for n in range(count):
        SearchPage.objects.create(path="pages/product/detail", query=f"id={n}", data={"content_id": f"product-{n}"})


def test_pages_go_in_batches_with_their_data_list(settings, wechat):
    settings.CAMPAIGNS_SEARCH_BATCH = 4
    fake = wechat()
    queue(10)

    outcome = services.submit_search_pages()

    assert outcome == {"sent": 10, "blocked": 0, "quota": False}
    assert fake.calls == [4, 4, 2]
    assert fake.accepted[0] == {
        "path": "pages/product/detail",
        "query": "id=0",
        "data_list": [{"content_id": "product-0"}],
    }
    assert not SearchPage.objects.exclude(status="sent").exists()


def test_too_many_pages_in_one_call_halves_the_batch(settings, wechat):
    settings.CAMPAIGNS_SEARCH_BATCH = 8
    fake = wechat(most=3)
    queue(6)

    assert services.submit_search_pages()["sent"] == 6
    assert fake.calls == [6, 4, 2, 2, 2]  # refused twice, then halved batches go through


def test_a_page_the_sitemap_refuses_is_marked_and_the_others_go(settings, wechat):
    settings.CAMPAIGNS_SEARCH_BATCH = 5
    wechat(blocked={"id=2"})
    queue(5)

    outcome = services.submit_search_pages()

    assert outcome == {"sent": 4, "blocked": 1, "quota": False}
    assert SearchPage.objects.get(query="id=2").status == "blocked"


def test_the_daily_quota_leaves_the_rest_pending(settings, wechat):
    settings.CAMPAIGNS_SEARCH_BATCH = 3
    wechat(quota=4)
    queue(9)

    outcome = services.submit_search_pages()

    assert outcome["quota"] is True and outcome["sent"] == 3
    assert SearchPage.objects.filter(status="pending").count() == 6


def test_a_published_product_and_a_campaign_page_reach_the_sandbox(settings, django_capture_on_commit_callbacks):
    settings.CAMPAIGNS_SEARCH_SUBMIT = True
    with django_capture_on_commit_callbacks(execute=True):
        product = standalone("明前龙井")
        EntryPointFactory(
            kind=EntryPoint.Kind.CAMPAIGN,
            campaign="giveaway:spring",
            page="pages/campaign/index",
            submit_to_search=True,
        )

    sent = [page for submission in SearchSubmission.objects.all() for page in submission.pages if "data_list" in page]
    product_page = next(p for p in sent if p["path"] == "pages/product/detail")
    assert product_page["query"] == f"id={product.pk}"
    assert product_page["data_list"][0]["title"] == "明前龙井"
    assert any(p["path"] == "pages/campaign/index" for p in sent)
    assert not SearchPage.objects.exclude(status="sent").exists()
