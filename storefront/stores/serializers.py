"""Store input and output serializers."""

import math

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from storefront.catalog.serializers import absolute_url
from storefront.stores.selectors import is_open


class CoordinateField(serializers.FloatField):
    """A latitude or longitude: a finite number in range (NaN and infinity are refused)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class PositionQuerySerializer(serializers.Serializer):
    lat = CoordinateField(required=False, min_value=-90, max_value=90, help_text="Shopper's latitude (GCJ-02).")
    lng = CoordinateField(required=False, min_value=-180, max_value=180, help_text="Shopper's longitude (GCJ-02).")

    def validate(self, attrs):
        if ("lat" in attrs) != ("lng" in attrs):
            missing = "lng" if "lat" in attrs else "lat"
            raise serializers.ValidationError({missing: "Give lat and lng together."})
        return attrs


class StoreListQuerySerializer(PositionQuerySerializer):
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=50, default=20)


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"})
class ClockTimeField(serializers.TimeField):
    """A time of day as the mini program shows it, "09:00" (not OpenAPI's `format: time`,
    which means RFC 3339 "09:00:00+08:00"); the store's local time, Asia/Shanghai."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class StoreHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 = Monday ... 6 = Sunday.")
    opens = ClockTimeField()
    closes = ClockTimeField(help_text="Earlier than `opens`: closes the next day.")


class StoreHoursExceptionSerializer(serializers.Serializer):
    date = serializers.DateField()
    is_closed = serializers.BooleanField()
    opens = ClockTimeField(allow_null=True)
    closes = ClockTimeField(allow_null=True)
    note = serializers.CharField()


class StorePhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    caption = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="Display size (at most the detail width).")
    thumbnail = serializers.SerializerMethodField(help_text="List size.")

    def _rendition(self, photo, url: str) -> str | None:
        """A stored rendition of this upload; the original until the task has made it."""
        if not photo.image:
            return None
        return absolute_url(url if photo.renditions_of == photo.image.name else photo.image.url)

    def get_url(self, photo) -> str | None:
        return self._rendition(photo, photo.display_url)

    def get_thumbnail(self, photo) -> str | None:
        return self._rendition(photo, photo.thumbnail_url)


class StoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    address = serializers.CharField()
    full_address = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    phone = serializers.CharField()
    description = serializers.CharField()
    offers_pickup = serializers.BooleanField()
    distance_m = serializers.SerializerMethodField(help_text="Metres from the position given; null without one.")
    open_now = serializers.SerializerMethodField(help_text="Open at this moment (Asia/Shanghai time).")
    hours = StoreHoursSerializer(many=True, source="hours.all")
    exceptions = serializers.SerializerMethodField(help_text="Holidays and other days with other hours, next 30 days.")
    photos = StorePhotoSerializer(many=True, source="photos.all")

    def get_distance_m(self, store) -> int | None:
        distance = getattr(store, "distance_m", None)
        return None if distance is None else round(distance)

    @extend_schema_field(StoreHoursExceptionSerializer(many=True))
    def get_exceptions(self, store):
        today = self.context["now"].date()
        upcoming = [e for e in store.upcoming_exceptions if e.date >= today]
        return StoreHoursExceptionSerializer(upcoming, many=True).data

    def get_open_now(self, store) -> bool:
        return is_open(store, self.context["now"])


class StorePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StoreSerializer(many=True)
