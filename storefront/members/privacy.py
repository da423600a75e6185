"""Personal data requests under PIPL: export everything we hold about a member, or erase it.

Other apps take part without this module importing them (storefront.members.events):
receivers of `member_data_exported` return their sections of the export; receivers of
`member_erased`, sent after the erasure commits, erase what their app holds.

Erasure keeps Oscar orders for accounting but blanks their personal fields; the user row
stays (inactive, anonymised) so that orders and ledgers keep a valid foreign key.
"""

import logging

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from knox.models import get_token_model

from storefront.members import events
from storefront.members.errors import DeletionNotConfirmed  # noqa: F401
from storefront.members.models import Address, Consent, Identity, MemberSource, PersonalDataRequest, new_member_username
from storefront.members.selectors import personal_data_of

logger = logging.getLogger(__name__)

ADDRESS_BLANKS = {
    "title": "",
    "first_name": "",
    "last_name": "",
    "line1": "",
    "line2": "",
    "line3": "",
    "line4": "",
    "state": "",
    "postcode": "",
    "search_text": "",
}


# Oscar's own records about a person (browsing, searches, reviews, e-mails, notifications,
# saved cards, stock alerts, wish lists): erased with the member.
OSCAR_PERSONAL_RECORDS = (
    ("analytics", "UserRecord", "user"),
    ("analytics", "UserProductView", "user"),
    ("analytics", "UserSearch", "user"),
    ("reviews", "Vote", "user"),
    ("reviews", "ProductReview", "user"),
    ("communication", "Email", "user"),
    ("communication", "Notification", "recipient"),
    ("payment", "Bankcard", "user"),
    ("customer", "ProductAlert", "user"),
    ("wishlists", "WishList", "owner"),
)


def export_personal_data(*, member, ip: str | None = None) -> dict:
    data = personal_data_of(member)
    for _receiver, sections in events.member_data_exported.send(sender=type(member), member=member):
        data.update(sections or {})
    data["exported_at"] = timezone.now().isoformat()
    PersonalDataRequest.objects.create(
        member=member,
        member_id_snapshot=member.pk,
        kind=PersonalDataRequest.Kind.EXPORT,
        ip=ip,
        details={"sections": sorted(data)},
    )
    logger.info("personal data exported for member %s", member.pk)
    return data


@transaction.atomic
def erase_member(*, member, confirm: bool, ip: str | None = None) -> None:
    """Erases the member's personal data, closes the account and revokes every token."""
    if confirm is not True:
        raise DeletionNotConfirmed()
    User = member.__class__
    User.objects.select_for_update().filter(pk=member.pk).first()
    Order = apps.get_model("order", "Order")
    orders = Order.objects.filter(user=member)
    counts = {
        "identities": Identity.objects.filter(member=member).delete()[0],
        "addresses": Address.objects.filter(member=member).delete()[0],
        "consents": Consent.objects.filter(member=member).delete()[0],
        "tokens": get_token_model().objects.filter(user=member).delete()[0],
        "orders_blanked": orders.count(),
    }
    MemberSource.objects.filter(member=member).delete()
    apps.get_model("address", "UserAddress").objects.filter(user=member).delete()
    for app_label, model_name, field in OSCAR_PERSONAL_RECORDS:
        apps.get_model(app_label, model_name).objects.filter(**{field: member}).delete()
    Basket = apps.get_model("basket", "Basket")
    # Submitted baskets belong to orders kept for accounting; the others are the member's.
    Basket.objects.filter(owner=member).exclude(status=Basket.SUBMITTED).delete()
    apps.get_model("order", "ShippingAddress").objects.filter(order__user=member).update(
        **ADDRESS_BLANKS, phone_number="", notes=""
    )
    apps.get_model("order", "BillingAddress").objects.filter(order__user=member).update(**ADDRESS_BLANKS)
    orders.update(guest_email="")
    events.send_after_commit(events.member_erased, sender=User, member_id=member.pk)
    if member.avatar:
        avatar_name = member.avatar.name
        storage = member.avatar.storage
        # The file goes only once the erasure is committed: a rollback must not lose it.
        transaction.on_commit(lambda: storage.delete(avatar_name))
    member.username = "deleted_" + new_member_username()[2:]
    member.nickname = member.email = member.first_name = member.last_name = ""
    member.phone = None
    member.avatar = ""
    member.birthday = None
    member.gender = User.Gender.UNKNOWN
    member.is_active = False
    member.set_unusable_password()
    member.save()
    PersonalDataRequest.objects.create(
        member=member,
        member_id_snapshot=member.pk,
        kind=PersonalDataRequest.Kind.DELETE,
        ip=ip,
        details=counts,
    )
    logger.info("personal data of member %s erased: %s", member.pk, counts)
