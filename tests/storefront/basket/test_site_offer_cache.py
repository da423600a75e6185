"""Site offers come from the cache between changes, and a marketer's change shows at once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import child_sku, site_offer, sku

pytestmark = pytest.mark.django_db


def add(api, product, quantity=1):
    response = api.post("/api/v1/basket/lines/", {"sku": product.pk, "quantity": quantity}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def read(api):
    with CaptureQueriesContext(connection) as queries:
        body = api.get("/api/v1/basket/").json()
    offer_reads = [q for q in queries.captured_queries if 'FROM "offer_conditionaloffer"' in q["sql"]]
    return body, len(offer_reads)


def test_the_site_offers_are_read_once_between_changes(member_api):
    tea = sku(price="50.00", stock=9)
    site_offer(value="5.00", products=[tea])
    add(member_api, tea)
    first, _ = read(member_api)
    again, offer_reads = read(member_api)
    assert again == first and first["discount"] == "5.00"
    assert offer_reads == 0


def test_an_offer_a_marketer_adds_or_closes_applies_on_the_next_read(member_api):
    tea = sku(price="50.00", stock=9)
    add(member_api, tea)
    assert read(member_api)[0]["discount"] == "0.00"
    offer = site_offer(value="8.00", products=[tea])
    assert read(member_api)[0]["discount"] == "8.00"
    offer.status = offer.SUSPENDED
    offer.save()
    assert read(member_api)[0]["discount"] == "0.00"


def test_a_changed_benefit_applies_on_the_next_read(member_api):
    tea = sku(price="50.00", stock=9)
    offer = site_offer(value="8.00", products=[tea])
    add(member_api, tea)
    assert read(member_api)[0]["discount"] == "8.00"
    benefit = offer.benefit
    benefit.value = 12
    benefit.save()
    assert read(member_api)[0]["discount"] == "12.00"


def test_an_offer_starts_and_ends_on_the_second_though_nothing_was_saved(member_api):
    tea = sku(price="50.00", stock=9)
    now = timezone.now().replace(microsecond=0)
    offer = site_offer(value="6.00", products=[tea])
    offer.start_datetime, offer.end_datetime = now + timedelta(seconds=10), now + timedelta(seconds=20)
    offer.save()
    with freeze_time(now):
        add(member_api, tea)
        assert read(member_api)[0]["discount"] == "0.00"
    with freeze_time(now + timedelta(seconds=10)):
        assert read(member_api)[0]["discount"] == "6.00"
    with freeze_time(now + timedelta(seconds=21)):
        assert read(member_api)[0]["discount"] == "0.00"


def test_adding_to_a_basket_costs_the_same_few_queries_with_one_line_or_eight(member_api, other_api):
    def queries_to_add(api, lines):
        for _ in range(lines):
            add(api, child_sku(price="20.00", stock=50))
        extra = child_sku(price="30.00", stock=50)
        add(api, child_sku(price="25.00", stock=50))  # the offers are cached for this catalog version
        with CaptureQueriesContext(connection) as queries:
            add(api, extra)
        return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]

    small, big = queries_to_add(member_api, 1), queries_to_add(other_api, 8)
    assert len(small) == len(big)
    # The token, the SKU and its stock, the member's lock, the basket, its lines as ids, the
    # insert, then the answer: lines, attributes, stock, two image reads, vouchers. 26 before.
    assert len(small) <= 14, "\n".join(small)
    assert not [sql for sql in small if 'FROM "offer_conditionaloffer"' in sql]
