"""A shopper shares a product, a campaign or their own order; a friend opening the card is a
visit through the sharer's reference. Another member's order cannot be shared: 404."""

import pytest

from campaigns.models import EntryPoint, Share, Visit
from tests.conftest import client_for
from tests.factories import EntryPointFactory, MemberFactory, address_of, buy, sku

pytestmark = pytest.mark.django_db


def share(member, **body):
    return client_for(member).post("/api/v1/shares/", body, format="json")


def test_a_product_share_gives_one_reference_and_a_card_path_with_it():
    member, product = MemberFactory(), sku()

    first = share(member, product=product.pk)
    again = share(member, product=product.pk)

    assert first.status_code == 201
    assert first.json()["ref"] == again.json()["ref"]
    assert first.json()["path"] == f"pages/product/detail?id={product.pk}&share_ref={first.json()['ref']}"
    assert Share.objects.count() == 1


def test_a_campaign_is_shared_by_its_entry_points_scene():
    campaign = EntryPointFactory(kind=EntryPoint.Kind.CAMPAIGN, campaign="giveaway:spring", page="pages/giveaway/index")
    answer = share(MemberFactory(), campaign=campaign.scene)
    assert answer.status_code == 201
    assert answer.json()["path"].startswith(f"pages/giveaway/index?scene={campaign.scene}&share_ref=")


def test_a_shopper_shares_their_own_order_but_another_members_order_is_404():
    owner, stranger = MemberFactory(), MemberFactory()
    order = buy(owner, sku(), 1, address=address_of(owner))

    assert share(owner, order=order.number).status_code == 201
    theirs = share(stranger, order=order.number)

    assert theirs.status_code == 404
    assert theirs.json()["error"]["code"] == "share_target_not_found"
    assert not Share.objects.filter(sharer=stranger).exists()


@pytest.mark.parametrize("body", [{}, {"product": 1, "order": "X1"}, {"product": "abc"}, {"campaign": "x" * 40}])
def test_a_share_names_exactly_one_target(body):
    answer = share(MemberFactory(), **body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_input"


def test_an_unknown_product_cannot_be_shared():
    assert share(MemberFactory(), product=999999).json()["error"]["code"] == "share_target_not_found"


def test_a_friend_opening_the_card_is_a_visit_through_the_sharer_but_the_sharer_themselves_is_not():
    sharer, friend = MemberFactory(), MemberFactory()
    ref = share(sharer, product=sku().pk).json()["ref"]

    client_for(friend).post(
        "/api/v1/visits/", {"scene": 1007, "share_ref": ref, "visitor": "friend-0001"}, format="json"
    )
    client_for(sharer).post(
        "/api/v1/visits/", {"scene": 1007, "share_ref": ref, "visitor": "sharer-0001"}, format="json"
    )

    assert Visit.objects.get(member=friend).sharer == sharer
    assert Visit.objects.get(member=sharer).sharer is None
