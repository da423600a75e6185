"""Shopper API of entry points, visits and shares under /api/v1/.

- `GET campaigns/scenes/{scene}/` (anyone): the page and parameters a scanned code opens.
- `POST visits/` (anyone, rate limited per client): the mini program's launch; 202.
- `POST shares/` (members): a share reference for a product, a campaign or their own order.
"""

import secrets

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from campaigns import services
from campaigns.serializers import (
    SceneSerializer,
    ShareInputSerializer,
    ShareSerializer,
    VisitInputSerializer,
    VisitSerializer,
)
from storefront.throttles import ClientAddressMixin

TAGS = ["campaigns"]


def share_path(share) -> str:
    """The page a share card opens, with the share reference in its query."""
    if share.kind == "product":
        return f"pages/product/detail?id={share.product_id}&share_ref={share.ref}"
    if share.kind == "campaign":
        return f"{share.entry_point.page}?scene={share.entry_point.scene}&share_ref={share.ref}"
    return f"pages/index/index?share_ref={share.ref}"  # an order shown off: the shop's home


def error(description):
    return OpenApiResponse(response={"$ref": "#/components/schemas/Error"}, description=description)


class VisitThrottle(ClientAddressMixin, SimpleRateThrottle):
    """Per client: the member when logged in, else the client's address."""

    scope = "visits"

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = f"m{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SceneView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=TAGS,
        summary="The page and parameters a scanned mini program code opens",
        responses={
            200: SceneSerializer,
            400: error("`scene_too_long` (over 32 characters) or `scene_invalid` (characters WeChat refuses)"),
            404: error("`scene_not_found`"),
            410: error("`scene_expired`: the entry point has ended or not started"),
        },
    )
    def get(self, request, scene):
        entry = services.resolve_scene(scene=scene)
        return Response(
            SceneSerializer({"page": entry.page, "params": entry.params, "kind": entry.kind, "scene": entry.scene}).data
        )


class VisitView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [VisitThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Record a launch of the mini program (anonymous or logged in)",
        request=VisitInputSerializer,
        responses={
            202: VisitSerializer,
            400: error("`invalid_input`: the client may ignore it, the launch goes on"),
            429: error("`rate_limited`"),
        },
    )
    def post(self, request):
        data = VisitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["visitor"] = values.get("visitor") or secrets.token_urlsafe(16)
        member = request.user if request.user.is_authenticated else None
        visit = services.record_visit(
            member=member,
            visitor=values["visitor"],
            launch=values["launch"],
            platform=values["platform"],
            scene_value=values.get("scene"),
            path=values["path"],
            query=values["query"],
            share_ref=values["share_ref"],
        )
        body = {"pk": visit.pk, "visitor": visit.visitor, "entry_point": visit.entry_point_id is not None}
        return Response(VisitSerializer(body).data, status=202)


class ShareView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="A share reference for a product, a campaign or one of your orders",
        request=ShareInputSerializer,
        responses={
            201: ShareSerializer,
            400: error("`invalid_input`: exactly one of product, campaign, order"),
            404: error("`share_target_not_found`: no such product or campaign, or not your order"),
        },
    )
    def post(self, request):
        data = ShareInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        share = services.share(
            member=request.user,
            product_id=given.get("product"),
            campaign=given.get("campaign", ""),
            order_number=given.get("order", ""),
        )
        body = {"ref": share.ref, "kind": share.kind, "path": share_path(share)}
        return Response(ShareSerializer(body).data, status=201)


urlpatterns = [
    path("campaigns/scenes/<path:scene>/", SceneView.as_view(), name="campaigns-scene"),
    path("visits/", VisitView.as_view(), name="campaigns-visits"),
    path("shares/", ShareView.as_view(), name="campaigns-shares"),
]
