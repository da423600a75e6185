"""Everything that reads polls for the API and the admin: the polls shoppers see, a poll with
its questions, and the results (counts per choice, ratings, written answers) in a fixed number
of queries whatever the number of responses."""

from dataclasses import dataclass, field

from django.db.models import Avg, Count, Prefetch
from django.utils import timezone

from campaigns.polls.models import Answer, Choice, Poll, Question, Response


def polls(*, now=None):
    """Active polls that have started, newest first; finished ones stay listed, closed."""
    now = now or timezone.now()
    return Poll.objects.filter(is_active=True, starts_at__lte=now).order_by("-starts_at", "-pk")


def poll(poll_id: int) -> Poll | None:
    return (
        polls()
        .filter(pk=poll_id)
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("position", "pk").prefetch_related(
                    Prefetch("choices", queryset=Choice.objects.order_by("position", "pk"))
                ),
            )
        )
        .first()
    )


def answered_ids(member, poll_ids) -> set[int]:
    if member is None or not member.is_authenticated:
        return set()
    return set(Response.objects.filter(member=member, poll_id__in=list(poll_ids)).values_list("poll_id", flat=True))


@dataclass
class ChoiceResult:
    id: int
    text: str
    count: int
    share: float  # of the responses that answered the question, 0..1


@dataclass
class QuestionResult:
    id: int
    text: str
    kind: str
    answered: int
    choices: list[ChoiceResult] = field(default_factory=list)
    ratings: list[tuple[int, int]] = field(default_factory=list)  # (rating, count)
    average: float | None = None
    texts: list[str] = field(default_factory=list)  # the newest written answers


@dataclass
class Results:
    poll: Poll
    responses: int
    questions: list[QuestionResult]


def results(poll: Poll, *, texts: int = 20) -> Results:
    questions = list(poll.questions.order_by("position", "pk").prefetch_related("choices"))
    answered = dict(
        Answer.objects.filter(question__poll=poll)
        .values("question")
        .annotate(n=Count("response", distinct=True))
        .values_list("question", "n")
    )
    per_choice = dict(
        Answer.objects.filter(question__poll=poll, choice__isnull=False)
        .values("choice")
        .annotate(n=Count("pk"))
        .values_list("choice", "n")
    )
    ratings = {}
    for question_id, rating, n in (
        Answer.objects.filter(question__poll=poll, rating__isnull=False)
        .values("question", "rating")
        .annotate(n=Count("pk"))
        .values_list("question", "rating", "n")
    ):
        ratings.setdefault(question_id, {})[rating] = n
    averages = dict(
        Answer.objects.filter(question__poll=poll, rating__isnull=False)
        .values("question")
        .annotate(avg=Avg("rating"))
        .values_list("question", "avg")
    )
    out = []
    for question in questions:
        total = answered.get(question.pk, 0)
        result = QuestionResult(id=question.pk, text=question.text, kind=question.kind, answered=total)
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            result.choices = [
                ChoiceResult(
                    id=c.pk,
                    text=c.text,
                    count=per_choice.get(c.pk, 0),
                    share=(per_choice.get(c.pk, 0) / total) if total else 0.0,
                )
                for c in sorted(question.choices.all(), key=lambda c: (c.position, c.pk))
            ]
        elif question.kind == Question.Kind.RATING:
            counts = ratings.get(question.pk, {})
            result.ratings = [(r, counts.get(r, 0)) for r in range(1, question.rating_max + 1)]
            average = averages.get(question.pk)
            result.average = round(float(average), 2) if average is not None else None
        else:
            result.texts = list(
                Answer.objects.filter(question=question)
                .exclude(text="")
                .order_by("-pk")
                .values_list("text", flat=True)[:texts]
            )
        out.append(result)
    return Results(poll=poll, responses=poll.responses.count(), questions=out)


def export_rows(poll: Poll):
    """The results as rows for a CSV: a header, then one row per response (oldest first)."""
    questions = list(poll.questions.order_by("position", "pk"))
    yield ["答卷编号", "提交时间", *[q.text for q in questions]]
    responses = (
        Response.objects.filter(poll=poll)
        .order_by("created_at", "pk")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("choice").order_by("pk")))
    )
    for response in responses.iterator(chunk_size=500):
        by_question = {}
        for answer in response.answers.all():
            value = answer.choice.text if answer.choice_id else (str(answer.rating) if answer.rating else answer.text)
            by_question.setdefault(answer.question_id, []).append(value)
        yield [
            response.pk,
            timezone.localtime(response.created_at).strftime("%Y-%m-%d %H:%M"),
            *["；".join(by_question.get(q.pk, [])) for q in questions],
        ]


def export_responses(member) -> dict:
    """The member's responses for their personal data export."""
    responses = (
        Response.objects.filter(member=member)
        .select_related("poll")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question", "choice")))
        .order_by("pk")
    )
    return {
        "poll_responses": [
            {
                "poll": r.poll.title,
                "created_at": r.created_at.isoformat(),
                "answers": [
                    {
                        "question": a.question.text,
                        "choice": a.choice.text if a.choice_id else None,
                        "rating": a.rating,
                        "text": a.text,
                    }
                    for a in r.answers.all()
                ],
            }
            for r in responses
        ]
    }
