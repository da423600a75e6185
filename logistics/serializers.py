"""Output serializers of shipments: the shopper's GET shipments/{id}/ and the "shipments"
section of the storefront's order detail (nest `ShipmentSerializer(many=True)`)."""

from rest_framework import serializers

from .models import Shipment, TrackingStatus


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


class ShipmentSerializer(serializers.ModelSerializer):
    """One parcel: carrier, number, status and its timeline, newest event first."""

    order_number = serializers.CharField(source="order.number")
    carrier = CarrierSerializer()
    status = serializers.ChoiceField(choices=TrackingStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    lines = ShipmentLineSerializer(many=True)
    timeline = TrackingEventSerializer(source="events", many=True)

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
        ]


def order_detail_shipments(order) -> list[dict]:
    """The "shipments" section of the storefront's order detail (registered in apps.py):
    the order's parcels as ShipmentSerializer renders them, oldest first; three queries."""
    from .selectors import shipments_for_orders

    return ShipmentSerializer(shipments_for_orders([order.pk])[order.pk], many=True).data
