"""Who brought a member and their orders: first and last touch, the touch a member is bound to
under the marketer's window (permanent, N days, last touch), the staff member credited with a
store's new members, and orders credited to the entry point and the sharer."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Attribution, AttributionRules, OrderAttribution, Visit
from storefront.orders.events import order_paid, send_after_commit
from tests.factories import EntryPointFactory, MemberFactory, address_of, buy, sku, staff_code

pytestmark = pytest.mark.django_db


def visit(member, entry=None, *, days_ago=0, sharer=None, visitor="visitor-0001-abcdef"):
    made = services.record_visit(
        member=None, visitor=visitor, scene_value=1047, query={"scene": entry.scene} if entry else {}
    )
    Visit.objects.filter(pk=made.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago), sharer=sharer)
    if member is not None:
        services.join_visits(member_id=member.pk, visitor=visitor)
    return made


def rules(window, days=30):
    return AttributionRules.objects.update_or_create(pk=1, defaults={"window": window, "days": days})[0]


@pytest.mark.parametrize(
    ("window", "bound"),
    [
        (AttributionRules.Window.PERMANENT, "poster"),
        (AttributionRules.Window.DAYS, "article"),  # the poster's 7 days ran out before the article
        (AttributionRules.Window.LAST_TOUCH, "card"),
    ],
)
def test_the_window_decides_which_touch_a_member_is_bound_to(window, bound):
    rules(window, days=7)
    member = MemberFactory()
    touches = {name: EntryPointFactory(name=name) for name in ("poster", "article", "card")}
    visit(member, touches["poster"], days_ago=20)
    visit(member, touches["article"], days_ago=10)
    visit(member, touches["card"], days_ago=8)

    attribution = Attribution.objects.get(member=member)

    assert attribution.first_entry_point == touches["poster"]
    assert attribution.last_entry_point == touches["card"]
    assert attribution.bound_entry_point == touches[bound]


def test_a_new_member_is_credited_once_to_the_staff_member_whose_code_they_scanned():
    entry = staff_code(nickname="店员 阿May")
    member = MemberFactory()
    visit(None, entry)

    services.join_visits(member_id=member.pk, visitor="visitor-0001-abcdef", joined=True)
    services.join_visits(member_id=member.pk, visitor="visitor-0001-abcdef", joined=True)

    attribution = Attribution.objects.get(member=member)
    assert (attribution.credited_staff, attribution.credited_store) == (entry.staff, entry.store)
    assert Attribution.objects.filter(joined_entry_point=entry).count() == 1


def test_an_order_is_credited_to_the_bound_entry_point_and_its_paid_amount_to_the_gmv(committed):
    rules(AttributionRules.Window.PERMANENT)
    entry = staff_code()
    member = MemberFactory()
    visit(member, entry)

    with committed():
        order = buy(member, sku(price="68.00"), 2, address=address_of(member))
    credited = OrderAttribution.objects.get(order=order)
    assert (credited.entry_point, credited.paid_total) == (entry, None)

    with committed():
        send_after_commit(order_paid, sender=type(order), order=order)
        send_after_commit(order_paid, sender=type(order), order=order)  # a repeated event: counted once
    credited.refresh_from_db()
    assert credited.paid_total == order.total_incl_tax >= Decimal("136.00")
    assert OrderAttribution.objects.filter(order=order).count() == 1


def test_after_the_window_an_order_is_credited_to_no_entry_point(committed):
    rules(AttributionRules.Window.DAYS, days=7)
    member = MemberFactory()
    visit(member, EntryPointFactory(), days_ago=8)

    with committed():
        order = buy(member, sku(), 1, address=address_of(member))

    assert OrderAttribution.objects.get(order=order).entry_point is None
    assert OrderAttribution.objects.get(order=order).first_entry_point is not None


def test_an_order_through_a_shared_card_is_credited_to_the_sharer(committed):
    sharer, friend = MemberFactory(nickname="分享人"), MemberFactory()
    product = sku()
    share = services.share(member=sharer, product_id=product.pk)
    services.record_visit(member=friend, visitor="friend-visitor-01", scene_value=1007, share_ref=share.ref)

    with committed():
        order = buy(friend, product, 1, address=address_of(friend))

    assert OrderAttribution.objects.get(order=order).sharer == sharer


def test_a_merged_members_visits_and_credit_move_to_the_survivor():
    entry = staff_code()
    older, newer = MemberFactory(), MemberFactory()
    visit(None, entry)
    services.join_visits(member_id=newer.pk, visitor="visitor-0001-abcdef", joined=True)

    services.move_visits_of_merged_member(source_id=newer.pk, target_id=older.pk)

    assert Visit.objects.filter(member=older).count() == 1
    survivor = Attribution.objects.get(member=older)
    assert survivor.joined_entry_point == entry and survivor.credited_staff == entry.staff
    assert not Attribution.objects.filter(member=newer).exists()
