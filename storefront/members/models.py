"""Shoppers: the user model, who a shopper is on the platforms, their delivery addresses, and
the records the personal information law asks for.

The user model holds shoppers (members), marketers and operations staff in one table. It
lives in `storefront` because shoppers are the storefront's people and every other app
(loyalty, campaigns, logistics) already depends on the storefront; a separate accounts app
would hold one model and be imported by everything. It is custom from the first migration
because a mini program shopper has no e-mail address and no password, only platform
identities and perhaps a phone number.

A member (`User`) has one `Identity` per mini program account they logged in from:
(platform, app id, openid) for WeChat, (platform, app id, user id) for Alipay. WeChat's
unionid ties several WeChat apps of one brand to the same member. `MemberSource` keeps
where a new member came from (scene or `ref`) for campaign attribution. `Consent` is the
history of privacy-policy and marketing choices; `MemberMerge` audits two members becoming
one after a phone binding; `PersonalDataRequest` logs exports and deletions. `Address` is a
delivery address in the fields the mini programs' address pickers return
(wx.chooseAddress / my.getAddress).
"""

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.text import SafeTextValidator
from platforms.base import Platform

# Staff typing in the admin meet the same refusal as shoppers in the API (config/text.py):
# no invisible or direction-control characters in what couriers and support read.
SAFE_TEXT = [SafeTextValidator()]


class MemberManager(UserManager):
    def create_member(self, **fields):
        """A shopper account: generated username, no usable password."""
        fields.setdefault("username", new_member_username())
        user = self.model(**fields)
        user.set_unusable_password()
        user.save(using=self._db)
        return user


def new_member_username() -> str:
    return "m_" + secrets.token_hex(8)


class User(AbstractUser):
    class Gender(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    email = models.EmailField(_("email address"), blank=True)
    nickname = models.CharField(_("nickname"), max_length=64, blank=True, validators=SAFE_TEXT)
    # Mainland mobile numbers as the platforms return them (purePhoneNumber), no country code.
    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True, unique=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)

    objects = MemberManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("member or staff")
        verbose_name_plural = _("members and staff")
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.nickname or self.username

    @property
    def is_member(self) -> bool:
        return not self.is_staff


class Identity(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities")
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    app_id = models.CharField(_("app id"), max_length=64)
    # WeChat openid, or Alipay user_id / open_id.
    openid = models.CharField(_("openid or user id"), max_length=128)
    unionid = models.CharField(_("unionid"), max_length=128, blank=True, db_index=True)
    created_at = models.DateTimeField(_("first login"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        ordering = ["-last_login_at", "id"]
        verbose_name = _("platform identity")
        verbose_name_plural = _("platform identities")
        constraints = [
            models.UniqueConstraint(fields=["platform", "app_id", "openid"], name="one_identity_per_platform_account"),
        ]
        # Lives here rather than on User so that the members area owns it; the codename is
        # what counts: "storefront.view_full_phone".
        permissions = [("view_full_phone", _("Can see members' full phone numbers"))]

    def __str__(self):
        return f"{self.platform}:{self.openid}"


class MemberSource(models.Model):
    """Where a member came from at their first login (mini program scene value, `ref`)."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signup_source")
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    scene = models.CharField(_("scene"), max_length=32, blank=True)
    ref = models.CharField(_("ref"), max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member source")
        verbose_name_plural = _("member sources")

    def __str__(self):
        return f"{self.platform} scene={self.scene} ref={self.ref}"


class Consent(models.Model):
    """One choice a member made; the newest row of each kind is the current state."""

    class Kind(models.TextChoices):
        PRIVACY = "privacy", _("Privacy policy")
        MARKETING = "marketing", _("Marketing notices")

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    version = models.CharField(_("policy version"), max_length=32, blank=True)
    granted = models.BooleanField(_("granted"))
    created_at = models.DateTimeField(_("given at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="privacy") | ~Q(version=""), name="privacy_consent_has_version"),
        ]

    def __str__(self):
        return f"{self.kind} {self.version} {'yes' if self.granted else 'no'}"


class MemberMerge(models.Model):
    """Audit of two members becoming one: `source` was absorbed into `target`."""

    source = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="merges")
    source_member_id = models.BigIntegerField(_("absorbed member id"))
    target_member_id = models.BigIntegerField(_("surviving member id"))
    phone = models.CharField(_("phone that joined them"), max_length=20)
    initiated_by_id = models.BigIntegerField(_("member who bound the phone"))
    moved = models.JSONField(_("what moved"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("member merge")
        verbose_name_plural = _("member merges")

    def __str__(self):
        return f"{self.source_member_id} -> {self.target_member_id}"


class PersonalDataRequest(models.Model):
    """Log of data exports and deletions asked for by members (kept after the deletion)."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        DELETE = "delete", _("Deletion")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="data_requests"
    )
    member_id_snapshot = models.BigIntegerField(_("member id"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")

    def __str__(self):
        return f"{self.kind} by member {self.member_id_snapshot}"


class Member(User):
    """Shoppers only, as the admin shows them to marketers and operations (a proxy of the
    user model: staff accounts, passwords and permissions stay in the superusers' user admin)."""

    class Meta:
        proxy = True
        verbose_name = _("member")
        verbose_name_plural = _("members")


class Address(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delivery_addresses")
    name = models.CharField(_("recipient"), max_length=64, validators=SAFE_TEXT)
    phone = models.CharField(_("phone"), max_length=20, validators=SAFE_TEXT)
    province = models.CharField(_("province"), max_length=32, validators=SAFE_TEXT)
    city = models.CharField(_("city"), max_length=32, validators=SAFE_TEXT)
    district = models.CharField(_("district"), max_length=32, blank=True, validators=SAFE_TEXT)
    detail = models.CharField(_("street and number"), max_length=200, validators=SAFE_TEXT)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True, validators=SAFE_TEXT)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(is_default=True), name="one_default_address_per_member"
            ),
        ]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self):
        return f"{self.name} {self.province}{self.city}{self.district}{self.detail}"

    @property
    def one_line(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"
