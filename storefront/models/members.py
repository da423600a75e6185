"""The user model: shoppers (members), marketers and operations staff in one table.

It lives in `storefront` because shoppers are the storefront's people and every other
app (loyalty, campaigns, logistics) already depends on the storefront; a separate
accounts app would hold one model and be imported by everything. It is custom from the
first migration because a mini program shopper has no e-mail address and no password,
only platform identities (see `identities.py`) and perhaps a phone number.
"""

import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    nickname = models.CharField(_("nickname"), max_length=64, blank=True)
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
