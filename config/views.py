"""Project-level endpoints: the health check."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes


@extend_schema(
    summary="Health check for load balancers",
    responses={
        200: inline_serializer(
            "Health",
            {"status": serializers.CharField(), "database": serializers.CharField(), "cache": serializers.CharField()},
        ),
        503: inline_serializer("Unhealthy", {"status": serializers.CharField()}),
    },
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # any failure means unhealthy; report it, never 500
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("kit:healthz", "1", timeout=10)
        checks["cache"] = "ok" if cache.get("kit:healthz") == "1" else "error: value not kept"
    except Exception as exc:
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    checks["worker_heartbeat"] = cache.get("kit:worker-heartbeat") if healthy else None
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)
