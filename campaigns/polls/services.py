"""Everything that writes polls: a member's response.

A response is checked whole before anything is written (every question known, required ones
answered, choices of their own question, ratings in range, free text through the platform's
text check, outside any transaction). Then one transaction: the response row under the unique
(poll, member) constraint, and one conditional UPDATE that takes a place of the quota
(`responses_count < quota`); either failing rolls the response back, so concurrent responses
beyond the quota end with exactly the quota.
"""

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from campaigns.polls import tasks
from campaigns.polls.errors import AlreadyAnswered, AnswerRisky, InvalidAnswers, PollClosed, PollFull, PollNotFound
from campaigns.polls.models import Answer, Poll, Question, Response
from campaigns.ugc import content


def _validated(poll, answers: list[dict]) -> list[Answer]:
    """Answer rows (unsaved, without their response) from the input, or InvalidAnswers."""
    questions = {q.pk: q for q in poll.questions.prefetch_related("choices")}
    problems, rows, seen = {}, [], set()
    for item in answers:
        question = questions.get(item.get("question"))
        if question is None:
            problems[f"answers.{item.get('question')}"] = "no such question in this poll"
            continue
        if question.pk in seen:
            problems[f"answers.{question.pk}"] = "answered twice"
            continue
        seen.add(question.pk)
        key = f"answers.{question.pk}"
        choices, rating, text = item.get("choices") or [], item.get("rating"), (item.get("text") or "").strip()
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            own = {c.pk: c for c in question.choices.all()}
            if any(c not in own for c in choices) or len(set(choices)) != len(choices):
                problems[key] = "a choice of another question, or the same choice twice"
            elif question.kind == Question.Kind.SINGLE and len(choices) > 1:
                problems[key] = "one choice only"
            elif question.max_choices and len(choices) > question.max_choices:
                problems[key] = f"at most {question.max_choices} choices"
            elif choices:
                rows += [Answer(question=question, choice=own[c]) for c in choices]
        elif question.kind == Question.Kind.RATING:
            if rating is not None and not 1 <= rating <= question.rating_max:
                problems[key] = f"a rating from 1 to {question.rating_max}"
            elif rating is not None:
                rows.append(Answer(question=question, rating=rating))
        elif text:
            if len(text) > question.max_length:
                problems[key] = f"at most {question.max_length} characters"
            else:
                rows.append(Answer(question=question, text=text))
    answered = {row.question_id for row in rows}
    for question in questions.values():
        if question.required and question.pk not in answered and f"answers.{question.pk}" not in problems:
            problems[f"answers.{question.pk}"] = "required"
    if problems:
        raise InvalidAnswers(fields=problems)
    return rows


def respond(*, member, poll_id: int, answers: list[dict], now=None) -> Response:
    """The member's response. Refusals, with nothing written: 404 `poll_not_found`, 409
    `poll_closed`, 409 `poll_full`, 409 `already_answered`, 400 `invalid_answers`, 400
    `content_risky` (a written answer the platform judged risky: `error.risky_words`)."""
    now = now or timezone.now()
    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is None or not poll.is_active:
        raise PollNotFound()
    if not poll.starts_at <= now < poll.ends_at:
        raise PollClosed()
    if Response.objects.filter(poll=poll, member=member).exists():
        raise AlreadyAnswered()
    if poll.quota is not None and poll.responses_count >= poll.quota:
        raise PollFull()  # a cheap early answer; the conditional UPDATE below decides
    rows = _validated(poll, answers)
    written = "\n".join(row.text for row in rows if row.text)
    if written:
        _platform, verdict = content.check_text(member=member, text=written)
        if verdict.suggest == "risky":
            raise AnswerRisky(extra={"risky_words": list(verdict.words)})
    try:
        with transaction.atomic():
            response = Response.objects.create(poll=poll, member=member)
            taken = Poll.objects.filter(pk=poll.pk).filter(Q(quota__isnull=True) | Q(responses_count__lt=F("quota")))
            if not taken.update(responses_count=F("responses_count") + 1):
                raise PollFull()
            for row in rows:
                row.response = response
            Answer.objects.bulk_create(rows)
    except IntegrityError:
        raise AlreadyAnswered() from None
    transaction.on_commit(lambda: tasks.award_poll_bonus.delay(response.pk))
    return response


def award_poll_bonus(*, response_id: int) -> None:
    """The loyalty bonus for answering, once per member and poll."""
    from loyalty.services import award_bonus

    response = Response.objects.select_related("member").filter(pk=response_id).first()
    if response is not None:
        award_bonus(member=response.member, kind="poll_answered", reference=f"poll:{response.poll_id}")


def move_responses_of_merged_member(*, source_id: int, target_id: int) -> int:
    """Two members became one: the absorbed member's responses follow, except to polls the
    survivor answered too (those stay with the inactive account, still counted in results)."""
    with transaction.atomic():
        answered = set(Response.objects.filter(member_id=target_id).values_list("poll_id", flat=True))
        return Response.objects.filter(member_id=source_id).exclude(poll_id__in=answered).update(member_id=target_id)


def erase_answers_of_member(*, member_id: int) -> int:
    """A member erased their personal data: what they wrote is blanked; their choices and ratings
    stay in the results, tied to the erased (anonymous) account."""
    return Answer.objects.filter(response__member_id=member_id).exclude(text="").update(text="")
