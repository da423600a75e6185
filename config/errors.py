"""One error shape for the whole API.

Every error a shopper can meet leaves through `api_exception_handler` as
`{"error": {"code": "...", "message": "...", "fields": {...}}}`. Services raise
`KitError` subclasses with a stable code; DRF's own exceptions (validation, 404,
authentication, throttling) are mapped to codes here, so views never build error bodies.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class KitError(Exception):
    """A domain error with a stable machine-readable code.

    Subclass it per use case (`OutOfStock`, `InvalidOrderState`), or raise it directly
    with a code. `status_code` is the HTTP status the API answers with.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(self, message=None, *, code=None, fields=None, status_code=None, extra=None):
        self.message = str(message or self.message)
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.fields = fields or {}
        self.extra = extra or {}
        super().__init__(self.message)


class NotFound(KitError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    message = "Not found."


class Conflict(KitError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


# DRF exception class -> stable code
_DRF_CODES = {
    exceptions.ValidationError: "invalid_input",
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
}


def error_body(code, message, fields=None, **extra):
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def _flatten_fields(detail):
    """DRF's nested validation detail -> {field: "first message"} (nested fields dotted)."""
    fields = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            if value and all(not isinstance(v, (dict, list)) for v in value):
                fields[prefix or "non_field_errors"] = str(value[0])
            else:
                for index, sub in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), sub)
        else:
            fields[prefix or "non_field_errors"] = str(value)

    walk("", detail)
    return fields


def api_exception_handler(exc, context):
    from platforms.base import PlatformError, PlatformUnavailable

    # Services turn platform failures into their own errors; this is the safety net so that
    # a platform outage a service did not expect still reaches the shopper as a clear error.
    if isinstance(exc, RecursionError):
        # JSON nested thousands deep: the parser gives up with RecursionError, not ValueError.
        exc = exceptions.ParseError("The JSON body is nested too deeply.")
    elif isinstance(exc, RequestDataTooBig):
        exc = KitError("The request body is too large.", code="request_too_large", status_code=413)
    elif isinstance(exc, PlatformUnavailable):
        # The one PlatformUnavailable (platforms.base): services let it rise, the shopper
        # reads 503 and may retry. Its own code (timeout, http_5xx, ...) stays in the logs.
        exc = KitError(
            "The payment or mini program platform is not answering; please try again.",
            code="platform_unavailable",
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    elif isinstance(exc, PlatformError):
        exc = KitError("The platform refused the request.", code="platform_error", status_code=502)
    if isinstance(exc, KitError):
        return Response(error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling and logging take over

    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        first = next(iter(fields.items()), None)
        message = f"{first[0]}: {first[1]}" if first else "Invalid input."
    else:
        detail = exc.detail
        message = str(detail.get("detail", detail) if isinstance(detail, dict) else detail)
        detail_code = getattr(detail, "code", None)
        # Authentication errors carry their own precise code (token_expired, token_invalid).
        if isinstance(exc, exceptions.AuthenticationFailed) and detail_code not in (
            None,
            "authentication_failed",
        ):
            code = detail_code
    extra = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = int(exc.wait)
    response.data = error_body(code, message, fields, **extra)
    return response


def json_error_view(status_code, code, message):
    def view(request, *args, **kwargs):
        return JsonResponse(error_body(code, message), status=status_code)

    return view


# Plain Django 404/500 pages under /api/ answer in the same shape (see config/urls.py).
api_bad_request = json_error_view(400, "bad_request", "The request could not be understood.")
api_not_found = json_error_view(404, "not_found", "Not found.")
api_server_error = json_error_view(500, "server_error", "Something went wrong on our side.")
