"""The vote and poll scenarios' data, read and written in-process with the server's settings.

`python -m bench.votes prepare` creates a UGC campaign with voting open and 20 approved
entries (by members of their own, so no voter meets their own entry), and a poll of one
single-choice question with a quota of 300 answers; it prints their ids. `python -m
bench.votes verify <campaign> <poll>` prints what the database says afterwards: votes, the
counters beside them, doubled votes, answers against the quota."""

import json
import sys

import django

ENTRIES, POLL_QUOTA = 20, 300


def prepare():
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from campaigns.polls.models import Choice, Poll, Question
    from campaigns.ugc.models import Submission, UgcCampaign, Verdict

    now = timezone.now()
    campaign = UgcCampaign.objects.create(
        title="压测投票",
        slug=f"bench-votes-{now.timestamp():.0f}",
        consent_text="我同意品牌展示我的投稿。",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=7),
        voting_enabled=True,
        voting_starts_at=now - dt.timedelta(days=1),
        voting_ends_at=now + dt.timedelta(days=7),
        daily_votes=0,
    )
    User = get_user_model()
    entries = []
    for n in range(ENTRIES):
        author = User.objects.create(username=f"bench-author-{now.timestamp():.0f}-{n}", nickname=f"作者{n}")
        entries.append(
            Submission.objects.create(
                campaign=campaign,
                member=author,
                number=1,
                text=f"压测投稿 {n}",
                consent_text=campaign.consent_text,
                consented_at=now,
                verdict=Verdict.PASS,
                text_verdict=Verdict.PASS,
                status=Submission.Status.APPROVED,
            ).pk
        )
    poll = Poll.objects.create(
        title="压测问卷",
        kind=Poll.Kind.POLL,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=7),
        quota=POLL_QUOTA,
    )
    question = Question.objects.create(poll=poll, position=1, text="你最喜欢哪款春茶？", kind="single")
    choices = [Choice.objects.create(question=question, position=i, text=t).pk for i, t in enumerate(("龙井", "红茶"))]
    return {"campaign": campaign.pk, "entries": entries, "poll": poll.pk, "question": question.pk, "choices": choices}


def verify(campaign_id, poll_id):
    from django.db.models import Count, Sum

    from campaigns.polls.models import Answer, Poll, Response
    from campaigns.ugc.models import Submission, Vote

    votes = Vote.objects.filter(campaign_id=campaign_id)
    doubled = votes.values("submission", "voter").annotate(n=Count("pk")).filter(n__gt=1).count()
    counted = Submission.objects.filter(campaign_id=campaign_id).aggregate(s=Sum("vote_count"))["s"] or 0
    responses = Response.objects.filter(poll_id=poll_id)
    return {
        "votes": votes.count(),
        "vote_counts_sum": counted,
        "votes_doubled": doubled,
        "responses": responses.count(),
        "responses_counter": Poll.objects.get(pk=poll_id).responses_count,
        "members_answering_twice": responses.values("member").annotate(n=Count("pk")).filter(n__gt=1).count(),
        "answers": Answer.objects.filter(response__poll_id=poll_id).count(),
    }


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "prepare":
        print(json.dumps(prepare()))
    elif sys.argv[1] == "verify":
        print(json.dumps(verify(int(sys.argv[2]), int(sys.argv[3]))))
