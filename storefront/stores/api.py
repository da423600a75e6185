"""Shopper API: the brand's offline stores, nearest first when the shopper shares a
position. Public (no login needed); not cached, since `open_now` changes with the clock."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from storefront.catalog.api import BrowsePagination, BrowseThrottle
from storefront.stores import selectors
from storefront.stores.serializers import (
    PositionQuerySerializer,
    StoreListQuerySerializer,
    StorePageSerializer,
    StoreSerializer,
)


class PublicStoreView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [BrowseThrottle]


class StoreListView(PublicStoreView):
    @extend_schema(
        operation_id="stores_list",
        tags=["stores"],
        auth=[],
        parameters=[StoreListQuerySerializer],
        responses=StorePageSerializer,
        summary="Stores, nearest first when lat/lng are given",
    )
    def get(self, request):
        query = StoreListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        now = selectors.stores_now()
        stores = selectors.store_list(lat=params.get("lat"), lng=params.get("lng"), today=now.date())
        paginator = BrowsePagination()
        paginator.page_size = params["page_size"]
        page = paginator.paginate_queryset(stores, request, view=self)
        data = StoreSerializer(page, many=True, context={"now": now}).data
        return paginator.get_paginated_response(data)


class StoreDetailView(PublicStoreView):
    @extend_schema(
        operation_id="stores_retrieve",
        tags=["stores"],
        auth=[],
        parameters=[PositionQuerySerializer],
        responses=StoreSerializer,
        summary="A store with its hours, exceptions and photos",
    )
    def get(self, request, store_id):
        query = PositionQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        now = selectors.stores_now()
        store = selectors.store_detail(
            store_id=store_id,
            lat=query.validated_data.get("lat"),
            lng=query.validated_data.get("lng"),
            today=now.date(),
        )
        return Response(StoreSerializer(store, context={"now": now}).data)


urlpatterns = [
    path("stores/", StoreListView.as_view(), name="stores"),
    path("stores/<int:store_id>/", StoreDetailView.as_view(), name="store-detail"),
]
