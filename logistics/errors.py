"""The errors logistics raises, each with its stable code (config.errors turns them into the
API's error body; the admin and the CSV import show their message)."""

from rest_framework import status

from config.errors import Conflict, KitError


class InvalidShipment(KitError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid_shipment"
    message = "The shipment is not valid."


class InvalidTrackingNumber(InvalidShipment):
    code = "invalid_tracking_number"
    message = "The tracking number does not match the carrier's format."


class UnknownCarrier(InvalidShipment):
    code = "unknown_carrier"
    message = "Unknown carrier."


class TooManyItems(InvalidShipment):
    code = "too_many_items"
    message = "More items than were ordered and are left to ship."


class OrderNotShippable(Conflict):
    code = "order_not_shippable"
    message = "Only paid orders that are not yet fully shipped can be shipped."


class PickupOrderNotShipped(Conflict):
    code = "pickup_order"
    message = "A store pickup order is handed over with its pickup code, not shipped."


class TrackingNumberInUse(Conflict):
    code = "tracking_number_in_use"
    message = "This tracking number is already used by another shipment."
