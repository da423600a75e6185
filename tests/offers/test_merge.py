"""Two members become one (the shopper bound the phone of an older account): the absorbed
member's coupons follow the survivor, numbered after the survivor's own, none lost or doubled."""

import pytest

from offers import services
from offers.models import MemberCoupon
from storefront.members.services import merge_members
from tests.factories import MemberFactory, coupon_batch, coupon_for

pytestmark = pytest.mark.django_db


def test_the_absorbed_members_coupons_follow_the_survivor(committed):
    target, source = MemberFactory(), MemberFactory(phone="13800138007")
    shared = coupon_batch(per_member_limit=2)
    kept = coupon_for(target, shared)
    moved_same_batch = coupon_for(source, shared)
    moved_other = coupon_for(source, value="5.00")

    with committed():
        merge_members(source=source, target=target, phone=source.phone, initiated_by=target)

    held = MemberCoupon.objects.filter(member=target).order_by("pk")
    assert [c.pk for c in held] == [kept.pk, moved_same_batch.pk, moved_other.pk]
    assert {(c.batch_id, c.claim_number) for c in held} == {(shared.pk, 1), (shared.pk, 2), (moved_other.batch_id, 1)}
    assert not MemberCoupon.objects.filter(member=source).exists()
    # The task delivered twice moves nothing more.
    assert services.move_coupons(source_id=source.pk, target_id=target.pk) == 0
