"""Shopper API of polls under /api/v1/campaigns/: the polls, one poll with its questions (and
its results once answered), and a member's response."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.polls import selectors, services
from campaigns.polls.errors import PollNotFound
from campaigns.polls.serializers import PollDetailSerializer, PollPageSerializer, RespondSerializer, ResponseSerializer
from config.pagination import PagePagination
from storefront.throttles import ShopperWriteThrottle

TAGS = ["campaigns"]


class PollListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="polls_list",
        summary="Polls and surveys, newest first",
        responses={200: PollPageSerializer},
    )
    def get(self, request):
        paginator = PagePagination()
        page = paginator.paginate_queryset(selectors.polls(), request, view=self)
        answered = selectors.answered_ids(request.user, [p.pk for p in page])
        response = paginator.get_paginated_response(page)
        response.data = PollPageSerializer(response.data, context={"answered": answered}).data
        return response


class PollDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="polls_retrieve",
        summary="One poll with its questions; its results once the caller answered",
        responses={200: PollDetailSerializer, 404: OpenApiResponse(description="`poll_not_found`.")},
    )
    def get(self, request, pk):
        poll = selectors.poll(pk)
        if poll is None:
            raise PollNotFound()
        answered = selectors.answered_ids(request.user, [poll.pk])
        results = selectors.results(poll) if answered and poll.results_public else None
        return Response(PollDetailSerializer(poll, context={"answered": answered, "results": results}).data)


class RespondView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=TAGS,
        operation_id="polls_responses_create",
        summary="Answer a poll (once)",
        description='Body: `{"answers": [{"question": id, "choices": [ids]} | {"question": id, "rating": n} | '
        '{"question": id, "text": "..."}]}`. Written answers go through the platform\'s text check.',
        request=RespondSerializer,
        responses={
            201: ResponseSerializer,
            400: OpenApiResponse(description="`invalid_answers` (`error.fields`), `content_risky`, `invalid_input`."),
            404: OpenApiResponse(description="`poll_not_found`."),
            409: OpenApiResponse(description="`already_answered`, `poll_closed`, `poll_full`."),
        },
    )
    def post(self, request, pk):
        data = RespondSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        response = services.respond(member=request.user, poll_id=pk, answers=data.validated_data["answers"])
        return Response(ResponseSerializer(response).data, status=201)
