"""Parallel address writes cannot pass the limit or leave two defaults (PostgreSQL row locks)."""

import pytest

from storefront.members import addresses as members_addresses
from storefront.members.models import Address
from tests.concurrency import run_concurrently
from tests.factories import AddressFactory, MemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PICKED = {"name": "张三", "phone": "13800138000", "province": "上海市", "city": "上海市", "detail": "漕溪北路88号"}


def test_parallel_adds_stop_at_twenty(settings):
    member = MemberFactory()
    AddressFactory.create_batch(settings.MEMBER_MAX_ADDRESSES - 2, member=member)

    results = run_concurrently(lambda i: members_addresses.create_address(member=member, data=PICKED), times=6)

    assert results.count_ok == 2
    assert len(results.errors_of(members_addresses.TooManyAddresses)) == 4
    assert Address.objects.filter(member=member).count() == settings.MEMBER_MAX_ADDRESSES


def test_parallel_new_defaults_leave_exactly_one_default():
    member = MemberFactory()
    AddressFactory(member=member, is_default=True)

    results = run_concurrently(
        lambda i: members_addresses.create_address(member=member, data={**PICKED, "is_default": True}), times=5
    )

    assert results.errors == []
    assert Address.objects.filter(member=member, is_default=True).count() == 1
