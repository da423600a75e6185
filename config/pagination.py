"""Page-number pagination with the contract's envelope: count, next, previous, results."""

from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 50


def paginated(request, view, queryset, page_serializer, context=None):
    """One page of `queryset` in the contract's envelope, serialized by `page_serializer`
    (a serializer of count/next/previous/results), with `context` passed to it."""
    paginator = PagePagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    response = paginator.get_paginated_response(page)
    response.data = page_serializer(response.data, context=context or {}).data
    return response
