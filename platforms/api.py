"""Shopper endpoints of the platform layer (subscribe-message grants) and the WeChat push
endpoint, where WeChat delivers asynchronous events such as image check verdicts."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import KitError
from config.schema import ERROR_SCHEMA
from platforms import events, services
from platforms.base import InvalidNotification
from platforms.serializers import GrantsInputSerializer, GrantsOutputSerializer
from platforms.wechat import push


class GrantsView(APIView):
    throttle_scope = "shopper_write"

    @extend_schema(
        operation_id="notifications_grants_record",
        tags=["notifications"],
        summary="Record what the shopper accepted in wx.requestSubscribeMessage",
        description=(
            "Send the template ids from the `wx.requestSubscribeMessage` result: those answered "
            "`accept` in `accepted`, those answered `reject`, `ban` or `filter` in `rejected`. Each "
            "accept allows one more message of that template. Answers the shopper's remaining grants "
            "for the templates named. Errors: 400 `invalid_input` (no ids, or an id that is not a "
            "configured template)."
        ),
        request=GrantsInputSerializer,
        responses={200: GrantsOutputSerializer},
    )
    def post(self, request):
        data = GrantsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grants = services.record_grants(member=request.user, **data.validated_data)
        return Response(GrantsOutputSerializer({"grants": grants}).data)


class RawBodyParser(BaseParser):
    """WeChat's push body is read raw: the signature covers it exactly as sent."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream else b""


class InvalidPush(KitError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid_signature"


SIGNATURE_PARAMS = [
    OpenApiParameter(
        name,
        str,
        OpenApiParameter.QUERY,
        required=name != "echostr" and name != "msg_signature" and name != "encrypt_type",
    )
    for name in ("signature", "timestamp", "nonce", "echostr", "encrypt_type", "msg_signature")
]


class WeChatPushView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [RawBodyParser]

    @extend_schema(
        operation_id="notify_wechat_verify",
        tags=["notify"],
        summary="WeChat's check of the push server URL",
        description="Answers `echostr` as plain text when the signature verifies; 400 otherwise.",
        parameters=SIGNATURE_PARAMS,
        responses={
            (200, "text/plain"): OpenApiTypes.STR,
            400: OpenApiResponse(
                ERROR_SCHEMA, description="`invalid_signature`, `missing_signature`, `not_configured`"
            ),
        },
    )
    def get(self, request):
        try:
            echo = push.verify_echo(request.query_params)
        except InvalidNotification as exc:
            raise InvalidPush(exc.message, code=exc.code) from exc
        return HttpResponse(echo, content_type="text/plain")

    @extend_schema(
        operation_id="notify_wechat_push",
        tags=["notify"],
        summary="WeChat push messages (JSON, plain or safe mode)",
        description=(
            "Verified (signature, 5-minute timestamp window, msg_signature and decryption in safe "
            "mode) before the event is dispatched to the handlers registered with "
            "`platforms.events.on(<Event>)`. Answers `success`; 400 with a stable code "
            "(missing_signature, invalid_signature, stale_timestamp, decrypt_failed, wrong_app, "
            "malformed) when the message cannot be trusted, and nothing is dispatched."
        ),
        parameters=SIGNATURE_PARAMS,
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            (200, "text/plain"): OpenApiTypes.STR,
            400: OpenApiResponse(
                ERROR_SCHEMA,
                description="invalid push: `invalid_signature`, `missing_signature`, `stale_timestamp`, `not_configured`, ...",
            ),
        },
    )
    def post(self, request):
        try:
            message = push.open_message(request.query_params, request.data)
        except InvalidNotification as exc:
            raise InvalidPush(exc.message, code=exc.code) from exc
        event = message.get("Event") or message.get("MsgType") or ""
        events.dispatch(event, message)
        return HttpResponse("success", content_type="text/plain")
