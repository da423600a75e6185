"""Reads about members for the API and the admin: consent state, addresses, the personal
data a member may export."""

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.conf import settings

from storefront.members.models import Address, Consent, Identity, MemberMerge, MemberSource, PersonalDataRequest


@dataclass(frozen=True)
class ConsentStatus:
    privacy_version: str
    privacy_accepted_at: datetime | None
    current_privacy_version: str
    marketing: bool
    marketing_updated_at: datetime | None

    @property
    def privacy_accepted(self) -> bool:
        return self.privacy_version == self.current_privacy_version


def consent_status_of(member) -> ConsentStatus:
    privacy = Consent.objects.filter(member=member, kind=Consent.Kind.PRIVACY, granted=True).first()
    marketing = Consent.objects.filter(member=member, kind=Consent.Kind.MARKETING).first()
    return ConsentStatus(
        privacy_version=privacy.version if privacy else "",
        privacy_accepted_at=privacy.created_at if privacy else None,
        current_privacy_version=settings.PRIVACY_POLICY_VERSION,
        marketing=bool(marketing and marketing.granted),
        marketing_updated_at=marketing.created_at if marketing else None,
    )


def platforms_of(member) -> list[str]:
    return sorted(set(Identity.objects.filter(member=member).values_list("platform", flat=True)))


def addresses_of(member):
    return Address.objects.filter(member=member).order_by("-is_default", "-updated_at", "-id")


def address_of(member, address_id) -> Address | None:
    return Address.objects.filter(member=member, pk=address_id).first()


def mask_phone(phone: str | None) -> str:
    """138****8000: what people without the view_full_phone permission see."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def member_label(member) -> str:
    """A member as staff screens name them: nickname (or username) and the masked phone."""
    if member is None:
        return "—"
    name = member.nickname or member.username
    return f"{name}（{mask_phone(member.phone)}）" if member.phone else name


def _iso(value):
    return value.isoformat() if value else None


def personal_data_of(member) -> dict:
    """Everything the storefront holds about the member, as plain JSON-ready data."""
    Order = apps.get_model("order", "Order")
    source = MemberSource.objects.filter(member=member).first()
    orders = Order.objects.filter(user=member).select_related("shipping_address").order_by("-date_placed")
    return {
        "profile": {
            "id": member.pk,
            "nickname": member.nickname,
            "phone": member.phone or "",
            "avatar": member.avatar.url if member.avatar else "",
            "birthday": _iso(member.birthday),
            "gender": member.gender,
            "email": member.email,
            "date_joined": _iso(member.date_joined),
            "last_login": _iso(member.last_login),
        },
        "source": (
            {
                "platform": source.platform,
                "scene": source.scene,
                "ref": source.ref,
                "created_at": _iso(source.created_at),
            }
            if source
            else None
        ),
        "identities": [
            {
                "platform": identity.platform,
                "app_id": identity.app_id,
                "openid": identity.openid,
                "unionid": identity.unionid,
                "created_at": _iso(identity.created_at),
                "last_login_at": _iso(identity.last_login_at),
            }
            for identity in Identity.objects.filter(member=member).order_by("created_at", "id")
        ],
        "addresses": [
            {
                "id": address.pk,
                "name": address.name,
                "phone": address.phone,
                "province": address.province,
                "city": address.city,
                "district": address.district,
                "detail": address.detail,
                "postcode": address.postcode,
                "is_default": address.is_default,
            }
            for address in addresses_of(member)
        ],
        "consents": [
            {
                "kind": consent.kind,
                "version": consent.version,
                "granted": consent.granted,
                "created_at": _iso(consent.created_at),
            }
            for consent in Consent.objects.filter(member=member).order_by("created_at", "id")
        ],
        "orders": [
            {
                "number": order.number,
                "status": order.status,
                "total": str(order.total_incl_tax),
                "currency": order.currency,
                "date_placed": _iso(order.date_placed),
                "shipping_address": (
                    {
                        "name": order.shipping_address.first_name,
                        "phone": str(order.shipping_address.phone_number or ""),
                        "address": " ".join(
                            part
                            for part in (
                                order.shipping_address.state,
                                order.shipping_address.line4,
                                order.shipping_address.line1,
                                order.shipping_address.line2,
                            )
                            if part
                        ),
                    }
                    if order.shipping_address
                    else None
                ),
            }
            for order in orders
        ],
        "wish_lists": [
            {"name": wish_list.name, "products": [line.title for line in wish_list.lines.all()]}
            for wish_list in apps.get_model("wishlists", "WishList")
            .objects.filter(owner=member)
            .prefetch_related("lines")
        ],
        "product_alerts": [
            {"product_id": alert.product_id, "status": alert.status, "created_at": _iso(alert.date_created)}
            for alert in apps.get_model("customer", "ProductAlert").objects.filter(user=member)
        ],
        "searches": [
            {"query": search.query, "created_at": _iso(search.date_created)}
            for search in apps.get_model("analytics", "UserSearch").objects.filter(user=member)
        ],
        "reviews": [
            {"product_id": review.product_id, "title": review.title, "body": review.body, "score": review.score}
            for review in apps.get_model("reviews", "ProductReview").objects.filter(user=member)
        ],
        "merges": [
            {"absorbed_member_id": merge.source_member_id, "phone": merge.phone, "created_at": _iso(merge.created_at)}
            for merge in MemberMerge.objects.filter(target=member)
        ],
        "data_requests": [
            {"kind": request.kind, "created_at": _iso(request.created_at)}
            for request in PersonalDataRequest.objects.filter(member=member)
        ],
    }
