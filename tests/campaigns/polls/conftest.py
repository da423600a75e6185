"""Builders of the poll stories: a survey with one question of each kind."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from campaigns.polls.models import Choice, Poll, Question


@dataclass
class Survey:
    poll: Poll
    favourite: Question  # single choice
    when: Question  # multiple choice, at most 2
    rating: Question  # 1 to 5
    comment: Question  # free text, optional

    def choice(self, question, text):
        return question.choices.get(text=text).pk

    def answers(self, *, favourite="明前龙井", when=("早上",), rating=5, comment=""):
        return [
            {"question": self.favourite.pk, "choices": [self.choice(self.favourite, favourite)]},
            {"question": self.when.pk, "choices": [self.choice(self.when, t) for t in when]},
            {"question": self.rating.pk, "rating": rating},
            {"question": self.comment.pk, "text": comment},
        ]


def survey(**fields) -> Survey:
    now = timezone.now()
    poll = Poll.objects.create(
        **{
            "title": "春季新茶口味调查",
            "kind": Poll.Kind.SURVEY,
            "starts_at": now - dt.timedelta(days=1),
            "ends_at": now + dt.timedelta(days=7),
            **fields,
        }
    )
    favourite = Question.objects.create(poll=poll, position=1, text="你最喜欢哪款春茶？", kind="single")
    for i, text in enumerate(("明前龙井", "祁门红茶", "白毫银针")):
        Choice.objects.create(question=favourite, position=i, text=text)
    when = Question.objects.create(poll=poll, position=2, text="什么时候喝茶？", kind="multiple", max_choices=2)
    for i, text in enumerate(("早上", "午后", "晚上")):
        Choice.objects.create(question=when, position=i, text=text)
    rating = Question.objects.create(poll=poll, position=3, text="打个分", kind="rating", rating_max=5)
    comment = Question.objects.create(poll=poll, position=4, text="想说的话", kind="text", required=False)
    return Survey(poll, favourite, when, rating, comment)
