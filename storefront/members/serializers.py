"""Input and output shapes of the member API (login, profile, phone, consents, addresses,
personal data)."""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.text import CleanCharField
from storefront.members.models import Address

# [0-9], not \d: \d also matches other scripts' digits (Arabic-Indic, Devanagari, ...), which
# NFKC leaves as they are. Matched with fullmatch: "$" would accept a final newline.
MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
# Mainland landline: area code 0xx or 0xxx, 7-8 digit number, optional extension.
LANDLINE_RE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?")
POSTCODE_RE = re.compile(r"[0-9]{6}")


# --- login and tokens ------------------------------------------------------------------------
class LoginInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=256, help_text="The code from wx.login / my.getAuthCode (one-time).")
    scene = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="The mini program's launch scene or the scene value of a mini program code.",
    )
    ref = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="A referral or campaign value recorded for new members (attribution).",
    )


class LoginMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()
    phone_bound = serializers.SerializerMethodField()

    def get_phone_bound(self, member) -> bool:
        return bool(member.phone)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`.")
    expires_at = serializers.DateTimeField(allow_null=True)


class LoginOutputSerializer(TokenSerializer):
    is_new = serializers.BooleanField(help_text="True when this login created the member.")
    member = LoginMemberSerializer()


# --- profile ----------------------------------------------------------------------------------
class ConsentStatusSerializer(serializers.Serializer):
    privacy_version = serializers.CharField(help_text="Version of the privacy policy last accepted; empty if none.")
    privacy_accepted = serializers.BooleanField(help_text="True when the current version has been accepted.")
    privacy_accepted_at = serializers.DateTimeField(allow_null=True)
    current_privacy_version = serializers.CharField()
    marketing = serializers.BooleanField(help_text="Consent to marketing notices.")
    marketing_updated_at = serializers.DateTimeField(allow_null=True)


class ProfileSerializer(serializers.Serializer):
    """Built from the member plus `consents` and `platforms` given in the context."""

    id = serializers.IntegerField()
    nickname = serializers.CharField()
    avatar = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    phone_bound = serializers.SerializerMethodField()
    birthday = serializers.DateField(allow_null=True)
    gender = serializers.ChoiceField(choices=get_user_model().Gender.choices)
    platforms = serializers.SerializerMethodField()
    privacy_accepted = serializers.SerializerMethodField()
    consents = serializers.SerializerMethodField()
    date_joined = serializers.DateTimeField()

    def get_avatar(self, member) -> str:
        if not member.avatar:
            return ""
        request = self.context.get("request")
        return request.build_absolute_uri(member.avatar.url) if request else member.avatar.url

    def get_phone(self, member) -> str:
        return member.phone or ""

    def get_phone_bound(self, member) -> bool:
        return bool(member.phone)

    def get_platforms(self, member) -> list[str]:
        return self.context["platforms"]

    def get_privacy_accepted(self, member) -> bool:
        return self.context["consents"].privacy_accepted

    @extend_schema_field(ConsentStatusSerializer)
    def get_consents(self, member) -> dict:
        return ConsentStatusSerializer(self.context["consents"]).data


class ProfileUpdateSerializer(serializers.Serializer):
    # Emoji are welcome; invisible and direction-control characters are refused (config/text.py).
    nickname = CleanCharField(max_length=64, min_length=1, required=False)
    birthday = serializers.DateField(required=False, allow_null=True)
    gender = serializers.ChoiceField(choices=get_user_model().Gender.choices, required=False)

    def validate_birthday(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError("The birthday cannot be in the future.")
        return value


class AvatarInputSerializer(serializers.Serializer):
    # A plain file field: ImageField would decode the whole image before our pixel limit.
    avatar = serializers.FileField(help_text="JPEG, PNG or WebP, at most 5 MB and 4096x4096 pixels.")


class ConsentInputSerializer(serializers.Serializer):
    privacy_version = serializers.CharField(max_length=32, required=False, help_text="The version being accepted.")
    marketing = serializers.BooleanField(required=False, help_text="Consent to marketing notices (true or false).")

    def validate_privacy_version(self, value):
        if value != settings.PRIVACY_POLICY_VERSION:
            raise serializers.ValidationError(
                f"Only the current version {settings.PRIVACY_POLICY_VERSION} can be accepted."
            )
        return value

    def validate(self, attrs):
        if "privacy_version" not in attrs and "marketing" not in attrs:
            raise serializers.ValidationError("Send privacy_version, marketing or both.")
        return attrs


class PhoneInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=256, required=False, help_text="WeChat: the code from getPhoneNumber.")
    response = serializers.CharField(
        max_length=4096, required=False, help_text="Alipay: the encrypted response of my.getPhoneNumber (as sent)."
    )

    def validate(self, attrs):
        if bool(attrs.get("code")) == bool(attrs.get("response")):
            raise serializers.ValidationError("Send either code (WeChat) or response (Alipay).")
        return attrs


class PhoneOutputSerializer(ProfileSerializer):
    merged = serializers.SerializerMethodField()
    token = serializers.SerializerMethodField()
    expires_at = serializers.SerializerMethodField()

    def get_merged(self, member) -> bool:
        return self.context["outcome"].merged

    def get_token(self, member) -> str:
        """Non-empty when this phone joined the caller to an older member: the caller's old
        token is revoked and this one must be used from now on."""
        return self.context["outcome"].token

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_expires_at(self, member) -> str | None:
        expires_at = self.context["outcome"].expires_at
        return serializers.DateTimeField().to_representation(expires_at) if expires_at else None


# --- addresses ---------------------------------------------------------------------------------
class AddressSerializer(serializers.ModelSerializer):
    # Every text field is cleaned (config/text.py): what the courier prints is what was typed,
    # with no invisible or direction-control character; full-width letters and digits become
    # ASCII, and the phone and postcode are read in NFKC.
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CleanCharField,
    }

    class Meta:
        model = Address
        fields = ("id", "name", "phone", "province", "city", "district", "detail", "postcode", "is_default")
        read_only_fields = ("id",)
        extra_kwargs = {
            "name": {"min_length": 1, "fold_width": True},
            "phone": {"nfkc": True},
            "province": {"min_length": 1, "fold_width": True},
            "city": {"min_length": 1, "fold_width": True},
            "district": {"fold_width": True},
            "detail": {"min_length": 2, "fold_width": True},
            "postcode": {"nfkc": True},
            "is_default": {"required": False},
        }

    def validate_phone(self, value):
        value = value.replace(" ", "")
        if not (MOBILE_RE.fullmatch(value) or LANDLINE_RE.fullmatch(value)):
            raise serializers.ValidationError(
                "Enter a mainland mobile number (11 digits) or a landline with area code."
            )
        return value

    def validate_postcode(self, value):
        if value and not POSTCODE_RE.fullmatch(value):
            raise serializers.ValidationError("A postcode has 6 digits.")
        return value


# --- personal data -------------------------------------------------------------------------------
class DeleteInputSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(help_text="Must be true: deletion cannot be undone.")
