"""Input and output of the entry point, visit and share endpoints (they never write)."""

import re

from rest_framework import serializers

VISITOR = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")


class SceneSerializer(serializers.Serializer):
    page = serializers.CharField(help_text="The mini program page to open, without query.")
    params = serializers.DictField(help_text="The page's parameters.")
    kind = serializers.CharField(help_text="campaign, product, store, staff or channel.")
    scene = serializers.CharField()


class VisitInputSerializer(serializers.Serializer):
    scene = serializers.IntegerField(
        min_value=1000,
        max_value=9999,
        required=False,
        allow_null=True,
        help_text="The launch scene value (1047 code scan, 1007/1008 card, 1058 article, 1065 URL scheme, 1129 crawler).",
    )
    query = serializers.JSONField(
        required=False,
        default=dict,
        help_text="The launch query as an object; a code's scene id arrives in it as `scene`.",
    )
    path = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    share_ref = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    visitor = serializers.RegexField(
        VISITOR,
        required=False,
        help_text="The client's own key (8 to 64 of A-Z a-z 0-9 _ -), kept in storage; sent as `ref` at login "
        "it joins the visits made before. Given by the first answer when not sent.",
    )
    launch = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="One id per launch: a repeat is one visit.",
    )
    platform = serializers.ChoiceField(choices=["wechat", "alipay"], required=False, allow_blank=True, default="")

    def validate_query(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("The launch query is an object.")
        if len(str(value)) > 1024 or any(not isinstance(v, (str, int, float, bool)) for v in value.values()):
            raise serializers.ValidationError("At most 1024 characters of plain values.")
        return {str(k)[:64]: str(v)[:256] for k, v in value.items()}


class VisitSerializer(serializers.Serializer):
    visit = serializers.IntegerField(source="pk")
    visitor = serializers.CharField()
    entry_point = serializers.BooleanField(help_text="True when the launch came through a known entry point.")


class ShareInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(required=False, min_value=1)
    campaign = serializers.CharField(required=False, max_length=32, help_text="The campaign entry point's scene.")
    order = serializers.CharField(required=False, max_length=32, help_text="The number of one of your orders.")

    def validate(self, data):
        if len(data) != 1:
            raise serializers.ValidationError("Give exactly one of product, campaign or order.")
        return data


class ShareSerializer(serializers.Serializer):
    ref = serializers.CharField(help_text="Put it in the share card's path as `share_ref`.")
    kind = serializers.CharField()
    path = serializers.CharField()
