"""Input and output of the platform layer's shopper endpoints."""

from rest_framework import serializers

from platforms.base import Platform
from platforms.models import NoticeGrant, NoticeTemplate


class GrantsInputSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices, default=Platform.WECHAT)
    accepted = serializers.ListField(
        child=serializers.CharField(max_length=128),
        required=False,
        default=list,
        max_length=20,
        help_text="Template ids the shopper accepted (one send each).",
    )
    rejected = serializers.ListField(
        child=serializers.CharField(max_length=128),
        required=False,
        default=list,
        max_length=20,
        help_text="Template ids the shopper rejected, banned or filtered.",
    )

    def validate(self, attrs):
        asked = set(attrs["accepted"]) | set(attrs["rejected"])
        if not asked:
            raise serializers.ValidationError({"accepted": "List at least one template id."})
        known = set(
            NoticeTemplate.objects.filter(platform=attrs["platform"], template_id__in=asked).values_list(
                "template_id", flat=True
            )
        )
        unknown = sorted(asked - known)
        if unknown:
            raise serializers.ValidationError({"accepted": f"Unknown template id: {unknown[0]}"})
        return attrs


class GrantSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeGrant
        fields = ["platform", "template_id", "remaining"]


class GrantsOutputSerializer(serializers.Serializer):
    grants = GrantSerializer(many=True)
