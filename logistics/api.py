"""Logistics API: the shopper's view of a parcel, and the tracking provider's push callback."""

import logging

from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from config.client import client_ip
from platforms.base import InvalidNotification
from platforms.tracking import get_tracking_provider

from . import selectors, services
from .serializers import ShipmentSerializer

logger = logging.getLogger(__name__)


class ShipmentDetailView(APIView):
    @extend_schema(
        operation_id="shipments_retrieve",
        summary="One of the shopper's parcels: carrier, tracking number, status and timeline",
        responses={200: ShipmentSerializer},
        tags=["shipments"],
    )
    def get(self, request, shipment_id):
        shipment = selectors.shipment_for_member(member=request.user, shipment_id=shipment_id)
        return Response(ShipmentSerializer(shipment).data)


@method_decorator(csrf_exempt, name="dispatch")
class TrackingPushView(APIView):
    """Kuaidi100-style push: form fields `param` (JSON) and `sign`. Answers the provider's
    own acknowledgement; a push that does not verify changes nothing and gets a 400."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [parsers.FormParser, parsers.MultiPartParser]

    @extend_schema(
        operation_id="notify_tracking",
        summary="Tracking provider push (signed; for the provider, not the mini program)",
        request={
            "application/x-www-form-urlencoded": {
                "type": "object",
                "properties": {"param": {"type": "string"}, "sign": {"type": "string"}},
            }
        },
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, description='{"result": true, "returnCode": "200", "message": "成功"}'
            ),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='signature does not verify: {"result": false, "returnCode": "500", "message"}',
            ),
        },
        tags=["notify"],
        auth=[],
    )
    def post(self, request):
        provider = get_tracking_provider()
        data = {key: request.data.get(key) for key in ("param", "sign")}
        try:
            services.handle_tracking_push(data=data)
        except InvalidNotification as exc:
            logger.warning(
                "tracking push rejected (%s) from %s: %s",
                exc.message,
                client_ip(request),
                (data.get("param") or "")[:500],
            )
            return provider.acknowledge(ok=False, message=exc.message)
        return provider.acknowledge(ok=True)
