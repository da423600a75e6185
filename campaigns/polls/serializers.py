"""Input and output of the polls API. They never write."""

from django.utils import timezone
from rest_framework import serializers

MAX_BIG_ID = 2**63 - 1


class AnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField(min_value=1, max_value=MAX_BIG_ID)
    choices = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_BIG_ID), required=False, default=list, max_length=50
    )
    rating = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0, max_value=100)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class RespondSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(many=True, max_length=100)


class ChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.CharField(help_text="`single`, `multiple`, `rating` or `text`.")
    required = serializers.BooleanField()
    max_choices = serializers.IntegerField(allow_null=True)
    rating_max = serializers.IntegerField()
    max_length = serializers.IntegerField()
    choices = ChoiceSerializer(many=True)


class PollSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text="`poll` or `survey`.")
    description = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    is_open = serializers.SerializerMethodField()
    quota = serializers.IntegerField(allow_null=True)
    responses_count = serializers.IntegerField()
    answered = serializers.SerializerMethodField(help_text="The caller has answered this poll.")

    def get_is_open(self, poll) -> bool:
        return poll.is_open(timezone.now())

    def get_answered(self, poll) -> bool:
        return poll.pk in self.context.get("answered", ())


class ChoiceResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text="Of those who answered the question, 0 to 1.")


class QuestionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    answered = serializers.IntegerField()
    choices = ChoiceResultSerializer(many=True)
    average = serializers.FloatField(allow_null=True)


class PollDetailSerializer(PollSerializer):
    questions = QuestionSerializer(many=True)
    results = serializers.SerializerMethodField(
        help_text="Shares per choice and average ratings, once the caller has answered and when the poll shows them."
    )

    def get_results(self, poll) -> list | None:
        results = self.context.get("results")
        if results is None:
            return None
        return QuestionResultSerializer([q for q in results.questions if q.kind != "text"], many=True).data


class PollPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PollSerializer(many=True)


class ResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    poll = serializers.IntegerField(source="poll_id")
    created_at = serializers.DateTimeField()
