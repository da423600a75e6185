"""Marketers push coupons (a service the giveaways use for prizes, and the admin action), see
their batches' results in the admin, and members hear once that a coupon is about to end."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loyalty.models import Account, Tier
from offers import demo, services
from offers.errors import CouponSoldOut
from offers.models import CouponBatch, MemberCoupon
from platforms import demo as notice_demo
from platforms.models import NoticeGrant, NoticeLog
from tests.factories import MemberFactory, StaffFactory, coupon_batch, coupon_for, wechat_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer():
    browser = Client()
    browser.force_login(StaffFactory(is_superuser=True))
    return browser


def test_a_prize_coupon_is_granted_beyond_the_claim_limit_and_draws_on_what_is_left():
    batch = coupon_batch(total=2, per_member_limit=1, is_public=False)
    member = MemberFactory()

    first = services.grant_coupon(batch=batch, member=member, reason="抽奖奖品")
    second = services.grant_coupon(batch=batch, member=member, reason="抽奖奖品")

    assert (first.source, first.reason, first.claim_number, second.claim_number) == ("granted", "抽奖奖品", 1, 2)
    with pytest.raises(CouponSoldOut):
        services.grant_coupon(batch=batch, member=MemberFactory(), reason="抽奖奖品")
    batch.refresh_from_db()
    assert batch.remaining == 0 and MemberCoupon.objects.count() == 2


def test_the_admin_action_pushes_a_coupon_to_a_tier_and_named_members(marketer):
    gold = Tier.objects.create(code="gold", name="金卡", threshold=5000)
    gold_members = MemberFactory.create_batch(2)
    for member in gold_members:
        Account.objects.create(member=member, tier=gold)
    named = MemberFactory(phone="13900001111")
    MemberFactory()  # neither gold nor named: gets nothing
    batch = coupon_batch(total=10)

    picked = marketer.post(
        reverse("admin:offers_couponbatch_changelist"),
        {"action": "grant_selected", "_selected_action": [batch.pk]},
    )
    sent = marketer.post(
        reverse("admin:offers_couponbatch_grant", args=[batch.pk]),
        {"tier": gold.pk, "members": "13900001111\n", "reason": "会员日回馈"},
    )

    assert picked.status_code == 302 and sent.status_code == 302
    holders = set(MemberCoupon.objects.values_list("member", flat=True))
    assert holders == {m.pk for m in gold_members} | {named.pk}
    assert set(MemberCoupon.objects.values_list("reason", flat=True)) == {"会员日回馈"}


def test_the_batch_list_shows_claimed_used_remaining_and_the_redemption_rate(marketer):
    batch = coupon_batch(total=10, name="满99减10")
    members = MemberFactory.create_batch(4)
    coupons = [coupon_for(m, batch) for m in members]
    MemberCoupon.objects.filter(pk=coupons[0].pk).update(status="used")

    page = marketer.get(reverse("admin:offers_couponbatch_changelist")).content.decode()
    coupons_page = marketer.get(reverse("admin:offers_membercoupon_changelist") + "?state=used")

    assert "满99减10" in page and "核销率" in page and "25.0%" in page
    assert coupons_page.status_code == 200 and "已使用" in coupons_page.content.decode()


def test_a_coupon_about_to_end_sends_its_notice_once():
    notice_demo.load_demo()
    member = MemberFactory()
    wechat_identity(member)
    NoticeGrant.objects.create(
        member=member, platform="wechat", template_id=notice_demo.template_id("wechat", "coupon_expiring"), remaining=5
    )
    soon = coupon_for(member)
    later = coupon_for(member)
    MemberCoupon.objects.filter(pk=soon.pk).update(expires_at=timezone.now() + timedelta(hours=3))
    MemberCoupon.objects.filter(pk=later.pk).update(expires_at=timezone.now() + timedelta(days=10))

    assert services.send_expiry_notices() == 1
    assert services.send_expiry_notices() == 0

    log = NoticeLog.objects.get(event="coupon_expiring", platform="wechat")
    assert log.status in ("queued", "sent"), (log.status, log.error)
    assert NoticeGrant.objects.get(member=member).remaining == 4


def test_the_demo_has_a_new_member_coupon_of_exactly_50_one_each_and_a_general_one():
    first = demo.load_demo()
    again = demo.load_demo()

    new_member = CouponBatch.objects.get(name=demo.NEW_MEMBER_COUPON)
    assert (new_member.total, new_member.remaining, new_member.per_member_limit) == (50, 50, 1)
    assert new_member.audience == "new_members"
    assert CouponBatch.objects.filter(name=demo.GENERAL_COUPON, audience="anyone").exists()
    assert CouponBatch.objects.count() == 2 and first == again
