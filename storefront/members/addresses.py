"""A member's delivery addresses: at most MEMBER_MAX_ADDRESSES, exactly one default.

The member's row is locked for every write, so two requests adding addresses at once cannot
pass the limit, and changing the default is one transaction (the partial unique constraint
`one_default_address_per_member` guards it in the database as well).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from config.errors import NotFound
from storefront.members.errors import TooManyAddresses  # noqa: F401
from storefront.members.models import Address

ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "detail", "postcode")


def _lock_member(member) -> None:
    get_user_model().objects.select_for_update().filter(pk=member.pk).first()


def _get_own(member, address_id) -> Address:
    address = Address.objects.select_for_update().filter(member=member, pk=address_id).first()
    if address is None:
        raise NotFound("No such address.")
    return address


@transaction.atomic
def create_address(*, member, data: dict) -> Address:
    _lock_member(member)
    count = Address.objects.filter(member=member).count()
    if count >= settings.MEMBER_MAX_ADDRESSES:
        raise TooManyAddresses()
    make_default = bool(data.get("is_default")) or count == 0
    if make_default:
        Address.objects.filter(member=member, is_default=True).update(is_default=False)
    fields = {key: data[key] for key in ADDRESS_FIELDS if key in data}
    return Address.objects.create(member=member, is_default=make_default, **fields)


@transaction.atomic
def update_address(*, member, address_id, data: dict) -> Address:
    _lock_member(member)
    address = _get_own(member, address_id)
    for key in ADDRESS_FIELDS:
        if key in data:
            setattr(address, key, data[key])
    if data.get("is_default") and not address.is_default:
        Address.objects.filter(member=member, is_default=True).update(is_default=False)
        address.is_default = True
    # Unsetting the default by hand is ignored: the member always has one default address.
    address.save()
    return address


@transaction.atomic
def delete_address(*, member, address_id) -> None:
    _lock_member(member)
    address = _get_own(member, address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(member=member).order_by("-updated_at", "-id").first()
        if successor is not None:
            Address.objects.filter(pk=successor.pk).update(is_default=True)
