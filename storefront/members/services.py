"""Members: login from WeChat or Alipay, bearer tokens, profile, consents, phone binding and
the merge of two members that turn out to be one person.

Login exchanges the mini program's one-time code through the platform layer
(`platforms.base.get_miniprogram`), finds or creates the member behind the identity and
hands out a knox bearer token. When a verified phone number already belongs to another
member, the two become one (`merge_members`): the OLDER member (earlier `date_joined`,
then lower id) survives, because its id is what older orders, points and campaign entries
already point at; everything of the newer one moves over inside one transaction.

Other apps hear of a merge through `storefront.members.events.member_merged`, sent after
the merge commits, and move their own rows (points, campaign entries, notice grants) from the
absorbed member to the survivor.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from knox.models import get_token_model

from config.errors import KitError
from platforms import base as platforms
from storefront.members import events
from storefront.members.errors import (  # noqa: F401
    AccountClosed,
    AppLoginRequired,
    ContentRisky,
    InvalidLoginCode,
    InvalidPhoneCode,
    PhoneInUse,
    TooManyLogins,
)
from storefront.members.models import Address, Consent, Identity, MemberMerge, MemberSource

logger = logging.getLogger(__name__)

# --- errors --------------------------------------------------------------------------------


def _call_platform(call, *, invalid_code_error: type[KitError] | None = None):
    """Runs one platform call and turns its failures into API errors."""
    try:
        return call()
    except platforms.InvalidCode:
        if invalid_code_error is None:
            raise platforms.PlatformUnavailable("the platform refused a code it issued")
        raise invalid_code_error()
    except platforms.PlatformUnavailable:
        raise
    except platforms.PlatformError as error:
        # A refusal the shopper cannot fix by changing input: answered as 503, retry later.
        logger.warning("platform call failed: %s %s (%s)", error.platform, error.code, error.message)
        raise platforms.PlatformUnavailable(error.message, code=error.code, platform=error.platform) from error


# --- login and tokens ------------------------------------------------------------------------
@dataclass(frozen=True)
class LoginOutcome:
    member: object
    token: str
    expires_at: datetime | None
    is_new: bool


def _seen_code_key(platform: str, code: str) -> str:
    return f"members:login-code:{platform}:{hashlib.sha256(code.encode()).hexdigest()}"


def login_with_platform(*, platform: str, code: str, scene: str = "", ref: str = "") -> LoginOutcome:
    """Exchanges a login code for a bearer token of the member behind it (created when new)."""
    # The platforms accept a code once; refusing a replay ourselves spares them the call and
    # makes a code replayed within the window fail even if a platform were lenient.
    seen_key = _seen_code_key(platform, code)
    if not cache.add(seen_key, 1, timeout=settings.MEMBER_LOGIN_CODE_SEEN_SECONDS):
        raise InvalidLoginCode()
    miniprogram = platforms.get_miniprogram(platform)
    try:
        result = _call_platform(lambda: miniprogram.login(code), invalid_code_error=InvalidLoginCode)
    except platforms.PlatformUnavailable:
        cache.delete(seen_key)  # the code was not spent: let the shopper retry with it
        raise
    member, is_new = find_or_create_member(result=result, scene=scene, ref=ref)
    if not member.is_active:
        raise AccountClosed()
    _count_login(member)
    if not is_new and ref:
        events.send_after_commit(events.member_logged_in, sender=type(member), member_id=member.pk, ref=ref[:64])
    token, expires_at = issue_token(member=member)
    return LoginOutcome(member=member, token=token, expires_at=expires_at, is_new=is_new)


def _count_login(member) -> None:
    """At most MEMBER_LOGINS_PER_MINUTE logins of one member a minute (before a token is issued)."""
    key = f"members:logins:{member.pk}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > settings.MEMBER_LOGINS_PER_MINUTE:
        raise TooManyLogins()


def find_or_create_member(*, result: platforms.LoginResult, scene: str = "", ref: str = ""):
    """The member behind a platform identity: known identity, else a WeChat app of the same
    brand (unionid), else a new member. Safe under concurrent first logins: the unique
    (platform, app_id, openid) constraint lets one transaction win; the others retry and find it."""
    now = timezone.now()
    for attempt in range(3):
        try:
            with transaction.atomic():
                identity = (
                    Identity.objects.select_related("member")
                    .filter(platform=result.platform, app_id=result.app_id, openid=result.openid)
                    .first()
                )
                if identity is not None:
                    updates = {"last_login_at": now}
                    if result.unionid and identity.unionid != result.unionid:
                        updates["unionid"] = result.unionid
                    Identity.objects.filter(pk=identity.pk).update(**updates)
                    get_user_model().objects.filter(pk=identity.member_id).update(last_login=now)
                    return identity.member, False
                member = None
                if result.unionid:
                    sibling = (
                        Identity.objects.select_related("member")
                        .filter(platform=result.platform, unionid=result.unionid)
                        .order_by("created_at", "id")
                        .first()
                    )
                    member = sibling.member if sibling else None
                is_new = member is None
                if is_new:
                    member = get_user_model().objects.create_member(last_login=now)
                    MemberSource.objects.create(member=member, platform=result.platform, scene=scene[:32], ref=ref[:64])
                    events.send_after_commit(events.member_joined, sender=type(member), member_id=member.pk)
                Identity.objects.create(
                    member=member,
                    platform=result.platform,
                    app_id=result.app_id,
                    openid=result.openid,
                    unionid=result.unionid,
                    last_login_at=now,
                )
                return member, is_new
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info("concurrent first login for %s:%s, retrying", result.platform, result.openid)
    raise AssertionError("unreachable")


def issue_token(*, member) -> tuple[str, datetime | None]:
    instance, token = get_token_model().objects.create(user=member)
    return token, instance.expiry


def refresh_token(*, member, current_token) -> tuple[str, datetime | None]:
    """A fresh token for the member; the one used for this call stops working."""
    with transaction.atomic():
        token, expires_at = issue_token(member=member)
        get_token_model().objects.filter(pk=current_token.pk).delete()
    return token, expires_at


def logout(*, current_token) -> None:
    get_token_model().objects.filter(pk=current_token.pk).delete()


# --- profile and consents -------------------------------------------------------------------
def _platform_of(member) -> str:
    """The platform the member used most recently: content checks go to that platform."""
    latest = member.identities.order_by(F("last_login_at").desc(nulls_last=True), "-id")
    return latest.values_list("platform", flat=True).first() or "wechat"


def check_member_text(*, member, text: str) -> None:
    miniprogram = platforms.get_miniprogram(_platform_of(member))
    # The check takes the openid of this mini program: the member's account in another of the
    # brand's apps (same unionid) is refused by the platform as not matching the appid.
    openid = (
        member.identities.filter(platform=miniprogram.name, app_id=miniprogram.app_id)
        .values_list("openid", flat=True)
        .first()
        or ""
    )
    if not openid and miniprogram.name == "wechat":
        # WeChat checks text only against an openid of this app; without one the call is refused.
        raise AppLoginRequired()
    verdict = _call_platform(lambda: miniprogram.check_text(text, openid=openid))
    if not verdict.passed:
        raise ContentRisky(fields={"nickname": f"content check: {verdict.suggest} {verdict.label}".strip()})


PROFILE_FIELDS = ("nickname", "birthday", "gender")


def update_profile(*, member, changes: dict):
    """Nickname (checked by the platform before it is stored), birthday, gender."""
    changes = {key: value for key, value in changes.items() if key in PROFILE_FIELDS}
    nickname = changes.get("nickname")
    if nickname and nickname != member.nickname:
        # Outside call before any transaction: no row lock is held while the platform answers.
        check_member_text(member=member, text=nickname)
    for key, value in changes.items():
        setattr(member, key, value)
    if changes:
        member.save(update_fields=list(changes))
    return member


def record_consents(*, member, privacy_version: str | None = None, marketing: bool | None = None) -> None:
    with transaction.atomic():
        if privacy_version is not None:
            Consent.objects.create(member=member, kind=Consent.Kind.PRIVACY, version=privacy_version, granted=True)
        if marketing is not None:
            Consent.objects.create(member=member, kind=Consent.Kind.MARKETING, granted=marketing)


# --- phone binding and merge ------------------------------------------------------------------
@dataclass(frozen=True)
class PhoneOutcome:
    member: object  # the member the caller now is (the survivor after a merge)
    merged: bool
    token: str = ""  # a new token when the caller's member was absorbed (its tokens are revoked)
    expires_at: datetime | None = None


def bind_phone(*, member, platform: str, code: str = "", encrypted_response: str = "") -> PhoneOutcome:
    """Binds the verified phone number to the member; merges with the member who had it."""
    openid = member.identities.filter(platform=platform).values_list("openid", flat=True).first() or ""
    miniprogram = platforms.get_miniprogram(platform)
    number = _call_platform(
        lambda: miniprogram.phone_number(code=code, encrypted_response=encrypted_response, openid=openid),
        invalid_code_error=InvalidPhoneCode,
    )
    phone = number.phone
    for attempt in range(2):
        try:
            survivor, merged = _bind_phone_in_transaction(member=member, phone=phone)
            break
        except IntegrityError:
            # Another member took the number between our check and our write: merge with them.
            if attempt == 1:
                raise
    if survivor.pk != member.pk:
        token, expires_at = issue_token(member=survivor)
        return PhoneOutcome(member=survivor, merged=True, token=token, expires_at=expires_at)
    return PhoneOutcome(member=survivor, merged=merged)


@transaction.atomic
def _bind_phone_in_transaction(*, member, phone: str):
    User = get_user_model()
    owner_id = User.objects.filter(phone=phone).exclude(pk=member.pk).values_list("pk", flat=True).first()
    if owner_id is None:
        locked = User.objects.select_for_update().get(pk=member.pk)
        locked.phone = phone
        locked.save(update_fields=["phone"])
        events.send_after_commit(events.phone_bound, sender=User, member_id=locked.pk)
        return locked, False
    # Both rows locked in primary-key order, so two merges of the same pair cannot deadlock.
    users = list(User.objects.select_for_update().filter(pk__in=[member.pk, owner_id]).order_by("pk"))
    by_pk = {user.pk: user for user in users}
    owner = by_pk.get(owner_id)
    if owner is None or owner.phone != phone:
        raise IntegrityError("phone owner changed while locking")
    if owner.is_staff:
        raise PhoneInUse()
    target, source = sorted(users, key=lambda user: (user.date_joined, user.pk))
    merge_members(source=source, target=target, phone=phone, initiated_by=by_pk[member.pk])
    events.send_after_commit(events.phone_bound, sender=User, member_id=target.pk)
    return target, True


def merge_members(*, source, target, phone: str, initiated_by) -> MemberMerge:
    """Moves everything of `source` to `target`; `source` is left inactive, without phone and
    tokens. Runs inside the caller's transaction with both user rows locked."""
    User = get_user_model()
    with transaction.atomic():
        moved = {
            "identities": Identity.objects.filter(member=source).update(member=target),
            "orders": apps.get_model("order", "Order").objects.filter(user=source).update(user=target),
            "basket_lines": _merge_baskets(source=source, target=target),
            "consents": Consent.objects.filter(member=source).update(member=target),
        }
        moved["addresses"], moved["addresses_dropped"] = _merge_addresses(source=source, target=target)
        moved["oscar_addresses"] = _merge_oscar_addresses(source=source, target=target)
        if not MemberSource.objects.filter(member=target).exists():
            MemberSource.objects.filter(member=source).update(member=target)
        for field in ("nickname", "avatar", "birthday"):
            if not getattr(target, field) and getattr(source, field):
                setattr(target, field, getattr(source, field))
        if target.gender == User.Gender.UNKNOWN:
            target.gender = source.gender
        events.send_after_commit(events.member_merged, sender=User, source_id=source.pk, target_id=target.pk)
        moved["tokens_revoked"] = get_token_model().objects.filter(user=source).delete()[0]
        source.phone = None
        source.is_active = False
        source.save(update_fields=["phone", "is_active"])
        target.phone = phone
        target.save(update_fields=["phone", "nickname", "avatar", "birthday", "gender"])
        audit = MemberMerge.objects.create(
            source=source,
            target=target,
            source_member_id=source.pk,
            target_member_id=target.pk,
            phone=phone,
            initiated_by_id=initiated_by.pk,
            moved=moved,
        )
    logger.info("merged member %s into %s: %s", source.pk, target.pk, moved)
    return audit


def _merge_baskets(*, source, target) -> int:
    Basket = apps.get_model("basket", "Basket")
    Line = apps.get_model("basket", "Line")
    moved_lines = Line.objects.filter(basket__owner=source, basket__status=Basket.OPEN).count()
    open_target = Basket.objects.filter(owner=target, status=Basket.OPEN).order_by("pk").first()
    for basket in Basket.objects.filter(owner=source, status=Basket.OPEN).order_by("pk"):
        if open_target is None:
            basket.owner = target
            basket.save(update_fields=["owner"])
            open_target = basket
        else:
            # Oscar's own merge: same product lines add up, the emptied basket is marked merged.
            open_target.merge(basket, add_quantities=True)
    Basket.objects.filter(owner=source).update(owner=target)
    return moved_lines


def _address_key(address) -> tuple:
    return (address.name, address.phone, address.province, address.city, address.district, address.detail)


def _merge_addresses(*, source, target) -> tuple[int, int]:
    """Source addresses follow unless they duplicate one of the target's or exceed the limit
    (the most recently used are kept). The target's default stays the default."""
    kept = list(Address.objects.filter(member=target))
    keys = {_address_key(address) for address in kept}
    has_default = any(address.is_default for address in kept)
    room = settings.MEMBER_MAX_ADDRESSES - len(kept)
    moved = dropped = 0
    for address in Address.objects.filter(member=source).order_by("-is_default", "-updated_at", "-id"):
        if room <= 0 or _address_key(address) in keys:
            address.delete()
            dropped += 1
            continue
        address.member = target
        if address.is_default and has_default:
            address.is_default = False
        has_default = has_default or address.is_default
        address.save(update_fields=["member", "is_default"])
        keys.add(_address_key(address))
        room -= 1
        moved += 1
    if not has_default:
        first = Address.objects.filter(member=target).order_by("-updated_at", "-id").first()
        if first is not None:
            Address.objects.filter(pk=first.pk).update(is_default=True)
    return moved, dropped


def _merge_oscar_addresses(*, source, target) -> int:
    """Oscar's own address book (unique per user and address hash)."""
    UserAddress = apps.get_model("address", "UserAddress")
    target_hashes = set(UserAddress.objects.filter(user=target).values_list("hash", flat=True))
    UserAddress.objects.filter(user=source, hash__in=target_hashes).delete()
    return UserAddress.objects.filter(user=source).update(user=target)
