"""Shopper API: categories, product list and product detail. Public (no login needed).

Responses are cached per catalog version (services.catalog.catalog_version, bumped on any
product, price, stock, image or category change) and carry an ETag of that version: a
client that sends it back in If-None-Match gets a 304 without a database query.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config.pagination import PagePagination
from storefront.catalog import selectors
from storefront.catalog.serializers import (
    CategorySerializer,
    ProductDetailSerializer,
    ProductListQuerySerializer,
    ProductPageSerializer,
    ProductSummarySerializer,
)
from storefront.catalog.services import CATALOG_VERSION_KEY, catalog_version
from storefront.throttles import ClientAddressMixin


class BrowseThrottle(ClientAddressMixin, AnonRateThrottle):
    """Per client IP; generous, it only stops scrapers hammering the catalog."""

    scope = "browse"


class PublicCatalogView(APIView):
    # No authentication: the catalog is the same for everyone, which is what makes the
    # shared cache safe. A brand strategy that prices per member must set CATALOG_CACHE_SECONDS=0.
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [BrowseThrottle]

    def cached(self, request, build):
        """`build()` once per catalog version and URL; 304 when the client has it already.

        One cache round trip per request: the answer is stored under a key of the URL alone,
        together with the catalog version it was built for, and fetched in the same
        get_many as the current version."""
        params = sorted(request.query_params.lists())
        url_key = hashlib.sha256(repr((request.get_host(), request.path, params)).encode()).hexdigest()[:32]
        key = f"catalog:response:{url_key}"
        seconds = settings.CATALOG_CACHE_SECONDS
        found = cache.get_many([CATALOG_VERSION_KEY, key] if seconds else [CATALOG_VERSION_KEY])
        version = found.get(CATALOG_VERSION_KEY) or catalog_version()
        fingerprint = hashlib.sha256(f"{version}:{url_key}".encode()).hexdigest()[:32]
        etag = f'"{fingerprint}"'
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=304, headers=headers)
        stored = found.get(key)
        if stored is not None and stored[0] == version:
            return Response(stored[1], headers=headers)
        data = build()
        if seconds:
            cache.set(key, (version, data), seconds)
        return Response(data, headers=headers)


IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag of an earlier answer: 304 when nothing changed since.",
)
NOT_MODIFIED = OpenApiResponse(description="Not modified since the ETag sent in If-None-Match.")


class CategoryTreeView(PublicCatalogView):
    @extend_schema(
        operation_id="categories_tree",
        tags=["catalog"],
        auth=[],
        parameters=[IF_NONE_MATCH],
        responses={200: CategorySerializer(many=True), 304: NOT_MODIFIED},
        summary="The category tree",
    )
    def get(self, request):
        return self.cached(request, selectors.category_tree)


class BrowsePagination(PagePagination):
    """The pagination of the public product and store lists."""

    def paginate_queryset(self, queryset, request, view=None):
        # A page past the end is bad input naming its field, not a missing resource.
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise ValidationError({"page": "No such page."})


class ProductListView(PublicCatalogView):
    @extend_schema(
        operation_id="products_list",
        tags=["catalog"],
        auth=[],
        parameters=[ProductListQuerySerializer, IF_NONE_MATCH],
        responses={200: ProductPageSerializer, 304: NOT_MODIFIED},
        summary="Products: filter, search, sort, page",
    )
    def get(self, request):
        def build():
            # Validated on a cache miss only: bad input raises here and is never cached.
            query = ProductListQuerySerializer(data=request.query_params.dict())
            query.is_valid(raise_exception=True)
            params = query.validated_data
            category = None
            if params.get("category"):
                category = selectors.get_public_category(params["category"])
            products = selectors.product_list(
                category=category,
                q=params.get("q", ""),
                min_price=params.get("min_price"),
                max_price=params.get("max_price"),
                in_stock=params.get("in_stock"),
                ordering=params.get("ordering", ""),
            )
            paginator = BrowsePagination()
            paginator.page_size = params["page_size"]
            page = paginator.paginate_queryset(products, request, view=self)
            summaries = selectors.summarise(page, request=request)
            return paginator.get_paginated_response(ProductSummarySerializer(summaries, many=True).data).data

        return self.cached(request, build)


class ProductDetailView(PublicCatalogView):
    @extend_schema(
        operation_id="products_retrieve",
        tags=["catalog"],
        auth=[],
        parameters=[IF_NONE_MATCH],
        responses={200: ProductDetailSerializer, 304: NOT_MODIFIED},
        summary="A product with its images, attributes and SKUs",
    )
    def get(self, request, product_id):
        def build():
            detail = selectors.product_detail(product_id=product_id, request=request)
            return ProductDetailSerializer(detail).data

        return self.cached(request, build)


urlpatterns = [
    path("categories/", CategoryTreeView.as_view(), name="categories"),
    path("products/", ProductListView.as_view(), name="products"),
    path("products/<int:product_id>/", ProductDetailView.as_view(), name="product-detail"),
]
