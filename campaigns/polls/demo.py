"""Demo data of polls (settings.DEMO_EXTRA_LOADERS): an active survey with a single choice, a
multiple choice, a rating and a free-text question, and a dozen responses of demo shoppers so
its results chart in the admin shows something.

The poll is found by its title and written only when something differs; questions, choices and
responses are made once (a second load changes nothing).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from storefront.demo.upsert import upsert

from .models import Answer, Choice, Poll, Question, Response

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN_FROM = dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)
OPEN_UNTIL = dt.datetime(2036, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)
TITLE = "春季新茶口味调查"
FAVOURITES = ("明前龙井", "祁门红茶", "白毫银针", "大红袍")
WHEN = ("早上", "午后", "晚上")
# (favourite, [when], rating, text) of each demo response
RESPONSES = (
    (0, [0], 5, "希望有小包装试饮"),
    (0, [1], 4, ""),
    (1, [1, 2], 5, "红茶配点心很好"),
    (0, [0, 1], 4, ""),
    (2, [2], 3, "包装可以更环保"),
    (1, [1], 4, ""),
    (0, [0], 5, ""),
    (3, [2], 4, "想要冷泡的做法"),
    (0, [1], 5, ""),
    (1, [0], 3, ""),
    (2, [1], 4, ""),
    (0, [0, 2], 5, ""),
)


def load_poll() -> Poll:
    poll = upsert(
        Poll,
        lookup={"title": TITLE},
        values={
            "kind": Poll.Kind.SURVEY,
            "description": "花一分钟告诉我们你的口味，答完可得积分。",
            "starts_at": OPEN_FROM,
            "ends_at": OPEN_UNTIL,
            "quota": 500,
            "results_public": True,
        },
        initial={"is_active": True},
    )
    if poll.questions.exists():
        return poll
    with transaction.atomic():
        favourite = Question.objects.create(poll=poll, position=1, text="你最喜欢哪款春茶？", kind=Question.Kind.SINGLE)
        for i, text in enumerate(FAVOURITES):
            Choice.objects.create(question=favourite, position=i, text=text)
        when = Question.objects.create(
            poll=poll, position=2, text="你通常什么时候喝茶？", kind=Question.Kind.MULTIPLE, max_choices=3
        )
        for i, text in enumerate(WHEN):
            Choice.objects.create(question=when, position=i, text=text)
        Question.objects.create(poll=poll, position=3, text="给我们的茶打个分", kind=Question.Kind.RATING, rating_max=5)
        Question.objects.create(
            poll=poll, position=4, text="还有什么想对我们说的？", kind=Question.Kind.TEXT, required=False
        )
    return poll


def load_responses(poll) -> int:
    if poll.responses.exists():
        return 0
    User = get_user_model()
    favourite, when, rating, text = list(poll.questions.order_by("position"))
    favourites, whens = list(favourite.choices.order_by("position")), list(when.choices.order_by("position"))
    with transaction.atomic():
        for i, (fav, times, score, words) in enumerate(RESPONSES, start=1):
            member = upsert(User, lookup={"username": f"demo_poll_{i}"}, values={"nickname": f"问卷茶友{i}"})
            response = Response.objects.create(poll=poll, member=member)
            rows = [Answer(response=response, question=favourite, choice=favourites[fav])]
            rows += [Answer(response=response, question=when, choice=whens[t]) for t in times]
            rows.append(Answer(response=response, question=rating, rating=score))
            if words:
                rows.append(Answer(response=response, question=text, text=words))
            Answer.objects.bulk_create(rows)
        Poll.objects.filter(pk=poll.pk).update(responses_count=F("responses_count") + len(RESPONSES))
    return len(RESPONSES)


def load_demo() -> str:
    poll = load_poll()
    made = load_responses(poll)
    poll.refresh_from_db()
    return f"polls: {poll.title} (#{poll.pk}), {poll.responses_count} responses ({made} new)"
