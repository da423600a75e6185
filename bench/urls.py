"""The kit's URLs plus the ceiling: a trivial DRF endpoint on the same stack."""

from django.urls import path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.response import Response

from config.urls import urlpatterns as kit_urlpatterns


@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def ceiling(request):
    return Response({"ok": True})


urlpatterns = [path("bench/ceiling/", ceiling), *kit_urlpatterns]
