"""Fixtures of the giveaway stories: shoppers with API clients, a WeChat shopper, the notice
template of "prize won", and the on-commit work run as a commit would."""

import pytest

from tests.conftest import client_for
from tests.factories import MemberFactory, NoticeTemplateFactory, wechat_identity


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def shopper(db):
    member = MemberFactory()
    member.api = client_for(member)
    return member


@pytest.fixture
def wechat_shopper(db):
    member = MemberFactory()
    wechat_identity(member)
    member.api = client_for(member)
    return member


@pytest.fixture
def prize_won_template(db):
    return NoticeTemplateFactory(
        event="prize_won",
        field_map={"thing1": "{giveaway}", "thing2": "{prize}", "time4": "{drawn_at}"},
        page="pages/giveaway/index?id={giveaway_id}",
    )


def entries_url(giveaway):
    return f"/api/v1/campaigns/giveaways/{giveaway.pk}/entries/"
