"""Winners claim their prizes and each is fulfilled by its kind, once: points, a coupon, a
product as a zero-price order that ships through logistics, cash through WeChat Pay's merchant
transfer (the sandbox). Prizes given outside a draw (UGC winners) follow the same steps."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.giveaways import services
from campaigns.giveaways.errors import PrizeSoldOut
from campaigns.giveaways.models import Giveaway, Prize, Win
from loyalty.models import Account
from offers.models import MemberCoupon
from tests.factories import AddressFactory, MemberFactory, carriers, coupon_batch, giveaway, sku, tracking_number

pytestmark = pytest.mark.django_db


def won(member, *, kind=Prize.Kind.POINTS, **prize_fields):
    gw = giveaway(mode="first_come", prizes=[(kind, 3, prize_fields)])
    entry, _ = services.enter(member=member, giveaway_id=gw.pk)
    assert entry.result == "won"
    return entry.win


def claim(member, win, **body):
    return member.api.post(f"/api/v1/campaigns/prizes/{win.pk}/claim/", body, format="json")


def test_a_points_prize_is_credited_once_when_claimed(shopper):
    win = won(shopper, points=300)

    answer = claim(shopper, win)
    again = claim(shopper, win)

    assert answer.status_code == 200, answer.content
    assert answer.json()["claim_status"] == "claimed" and answer.json()["fulfilment"] == "done"
    assert again.status_code == 409 and again.json()["error"]["code"] == "prize_already_claimed"
    assert Account.objects.get(member=shopper).available == 300


def test_a_coupon_prize_grants_the_coupon(shopper):
    batch = coupon_batch(total=10)
    win = won(shopper, kind=Prize.Kind.COUPON, coupon_batch=batch)

    answer = claim(shopper, win)

    coupon = MemberCoupon.objects.get(member=shopper)
    assert answer.json()["coupon"] == coupon.pk
    assert coupon.source == MemberCoupon.Source.GRANTED


def test_a_product_prize_ships_as_a_zero_price_order_through_logistics(shopper):
    from logistics import services as logistics

    carriers()
    tea = sku(price="88.00", stock=5)
    address = AddressFactory(member=shopper)
    win = won(shopper, kind=Prize.Kind.PRODUCT, sku=tea)

    answer = claim(shopper, win, address_id=address.pk)

    assert answer.status_code == 200, answer.content
    win.refresh_from_db()
    order = win.order
    assert order.total_incl_tax == 0 and order.status == "paid"
    assert order.lines.get().product == tea
    assert answer.json()["order"] == order.number
    shipment = logistics.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"))
    order.refresh_from_db()
    assert shipment.order == order and order.status == "shipped"
    assert tea.stockrecords.get().num_in_stock == 4


def test_a_product_prize_needs_one_of_my_addresses(shopper):
    tea = sku()
    win = won(shopper, kind=Prize.Kind.PRODUCT, sku=tea)
    someone_elses = AddressFactory(member=MemberFactory())

    missing = claim(shopper, win)
    foreign = claim(shopper, win, address_id=someone_elses.pk)

    assert missing.status_code == 400 and missing.json()["error"]["code"] == "prize_address_required"
    assert foreign.status_code == 400
    win.refresh_from_db()
    assert win.claim_status == Win.Claim.AWAITING and win.order is None


def test_claiming_someone_elses_prize_is_not_found(shopper):
    win = won(MemberFactory())
    answer = claim(shopper, win)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "prize_not_found"
    win.refresh_from_db()
    assert win.claim_status == Win.Claim.AWAITING


def test_a_claim_after_the_deadline_is_refused_and_the_prize_lapses(shopper):
    win = won(shopper)
    Win.objects.filter(pk=win.pk).update(claim_deadline=timezone.now() - dt.timedelta(minutes=1))

    answer = claim(shopper, win)
    lapsed = services.lapse_unclaimed()

    assert answer.status_code == 409 and answer.json()["error"]["code"] == "prize_claim_expired"
    assert lapsed == 1
    win.refresh_from_db()
    assert win.claim_status == Win.Claim.LAPSED


def test_an_unclaimed_drawn_prize_passes_to_the_reserve_list():
    gw = giveaway(mode="draw", unclaimed=Giveaway.Unclaimed.RESERVE, prizes=[(Prize.Kind.POINTS, 1)])
    members = MemberFactory.create_batch(4)
    for member in members:
        services.enter(member=member, giveaway_id=gw.pk)
    gw = services.run_draw(giveaway=gw, now=gw.ends_at)
    first = Win.objects.get(giveaway=gw)
    Win.objects.filter(pk=first.pk).update(claim_deadline=timezone.now() - dt.timedelta(seconds=1))

    services.lapse_unclaimed()

    first.refresh_from_db()
    reserve = Win.objects.get(giveaway=gw, source=Win.Source.RESERVE)
    assert first.claim_status == Win.Claim.PASSED_ON
    assert reserve.member != first.member and reserve.prize == first.prize


# --- award_prize: prizes given outside a draw ---------------------------------------------------
def awarded_giveaway(quantity=2):
    gw = giveaway(mode=Giveaway.Mode.AWARDED, prizes=[(Prize.Kind.POINTS, quantity, {"points": 50})])
    return gw.prizes.get()


def test_award_prize_gives_one_unit_and_is_idempotent_on_its_reference(shopper, prize_won_template, committed):
    from platforms.models import NoticeLog
    from tests.factories import wechat_identity

    prize = awarded_giveaway()
    wechat_identity(shopper)

    with committed():
        win = services.award_prize(prize=prize, member=shopper, source="ugc", reference="submission:42")
    again = services.award_prize(prize=prize, member=shopper, source="ugc", reference="submission:42")

    prize.refresh_from_db()
    assert again.pk == win.pk and prize.remaining == 1
    assert win.source == "ugc" and win.reference == "submission:42" and win.entry is None
    assert NoticeLog.objects.filter(member=shopper, event="prize_won").count() == 1
    answer = claim(shopper, win)
    assert answer.json()["fulfilment"] == "done"
    assert Account.objects.get(member=shopper).available == 50


def test_award_prize_raises_prize_sold_out_when_none_is_left():
    prize = awarded_giveaway(quantity=1)
    services.award_prize(prize=prize, member=MemberFactory(), source="ugc", reference="submission:1")
    with pytest.raises(PrizeSoldOut):
        services.award_prize(prize=prize, member=MemberFactory(), source="ugc", reference="submission:2")
    assert Win.objects.filter(prize=prize).count() == 1


# --- cash: WeChat Pay's merchant transfer ----------------------------------------------------------
def test_a_cash_prize_is_paid_through_the_merchant_transfer_once_the_shopper_confirms(wechat_shopper):
    from platforms.sandbox.wechatpay_transfer import confirm_transfer

    win = won(wechat_shopper, kind=Prize.Kind.CASH, cash_amount="8.88")

    answer = claim(wechat_shopper, win)

    body = answer.json()
    assert answer.status_code == 200, answer.content
    assert body["fulfilment"] == "in_progress"
    transfer = body["transfer"]
    assert transfer["package"] and transfer["mchId"] and transfer["appId"]

    confirm_transfer(transfer["package"], success=True)  # wx.requestMerchantTransfer in WeChat

    win.refresh_from_db()
    assert win.fulfilment == Win.Fulfilment.DONE and win.transfer_state == "SUCCESS"
    assert win.transfer_bill_no


def test_a_cash_prize_needs_a_wechat_shopper(shopper):
    win = won(shopper, kind=Prize.Kind.CASH)
    answer = claim(shopper, win)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "prize_needs_wechat"


def test_the_transfer_query_settles_a_transfer_whose_notification_never_came(wechat_shopper, settings):
    from platforms.sandbox.wechatpay_transfer import _key

    win = won(wechat_shopper, kind=Prize.Kind.CASH)
    claim(wechat_shopper, win)
    win.refresh_from_db()
    from django.core.cache import cache

    bill = cache.get(_key(win.out_bill_no))
    bill.update(state="SUCCESS", notify_url="")
    cache.set(_key(win.out_bill_no), bill)

    services.refresh_cash_prize(win_id=win.pk)

    win.refresh_from_db()
    assert win.fulfilment == Win.Fulfilment.DONE


def test_an_unsigned_transfer_notification_changes_nothing(wechat_shopper, api):
    win = won(wechat_shopper, kind=Prize.Kind.CASH)
    claim(wechat_shopper, win)

    answer = api.post(
        "/api/v1/notify/wechatpay/transfer-bills/",
        {"event_type": "MCHTRANSFER.BILL.FINISHED", "resource": {}},
        format="json",
    )

    assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
    win.refresh_from_db()
    assert win.fulfilment == Win.Fulfilment.IN_PROGRESS


def test_a_transfer_outage_keeps_the_claim_and_leaves_the_transfer_to_the_task(wechat_shopper, monkeypatch):
    from platforms.base import PlatformUnavailable

    def outage(self, **kwargs):
        raise PlatformUnavailable("timeout", platform="wechatpay")

    monkeypatch.setattr("platforms.wechat.transfer.MerchantTransfer.create_bill", outage)
    win = won(wechat_shopper, kind=Prize.Kind.CASH)

    answer = claim(wechat_shopper, win)

    assert answer.status_code == 200
    assert answer.json()["claim_status"] == "claimed" and answer.json()["fulfilment"] == "pending"
    assert answer.json()["transfer"] is None
