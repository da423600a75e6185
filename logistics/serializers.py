"""Output serializers of shipments: the shopper's GET shipments/{id}/ and the "shipments"
section of the storefront's order detail (nest `ShipmentSerializer(many=True)`)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from platforms.wechat.miniprogram import LOGISTICS_PLUGIN

from .models import Shipment, TrackingStatus, WechatWaybill


class CarrierSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TrackingEventSerializer(serializers.Serializer):
    time = serializers.DateTimeField(source="happened_at")
    status = serializers.ChoiceField(choices=TrackingStatus.choices)
    text = serializers.CharField()
    place = serializers.CharField()


class ShipmentLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    title = serializers.CharField(source="line.title")
    quantity = serializers.IntegerField()


class WechatPluginSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="requirePlugin(name)")
    provider = serializers.CharField(help_text="the plug-in's appid, declared in app.json")
    method = serializers.CharField(help_text="call it with {waybillToken}")


class WechatTrackingSerializer(serializers.Serializer):
    """What the mini program needs to open the parcel in WeChat's logistics tracking component:
    requirePlugin("logisticsPlugin").openWaybillTracking({waybillToken})."""

    waybill_token = serializers.CharField()
    plugin = WechatPluginSerializer()


class ShipmentSerializer(serializers.ModelSerializer):
    """One parcel: carrier, number, status and its timeline, newest event first; for a WeChat-paid
    order whose parcel WeChat's tracking component knows, `wechat_tracking` (null otherwise)."""

    order_number = serializers.CharField(source="order.number")
    carrier = CarrierSerializer()
    status = serializers.ChoiceField(choices=TrackingStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    lines = ShipmentLineSerializer(many=True)
    timeline = TrackingEventSerializer(source="events", many=True)
    wechat_tracking = serializers.SerializerMethodField()

    class Meta:
        model = Shipment
        fields = [
            "id",
            "order_number",
            "carrier",
            "tracking_number",
            "status",
            "status_label",
            "shipped_at",
            "delivered_at",
            "lines",
            "timeline",
            "wechat_tracking",
        ]

    @extend_schema_field(WechatTrackingSerializer(allow_null=True))
    def get_wechat_tracking(self, shipment):
        try:
            waybill = shipment.wechat_waybill
        except WechatWaybill.DoesNotExist:
            return None
        if waybill.state != WechatWaybill.State.READY or not waybill.waybill_token:
            return None
        return {"waybill_token": waybill.waybill_token, "plugin": dict(LOGISTICS_PLUGIN)}


def order_detail_shipments(order) -> list[dict]:
    """The "shipments" section of the storefront's order detail (registered in apps.py):
    the order's parcels as ShipmentSerializer renders them, oldest first; three queries."""
    from .selectors import shipments_for_orders

    return ShipmentSerializer(shipments_for_orders([order.pk])[order.pk], many=True).data
