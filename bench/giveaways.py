"""The giveaway scenario's data, read and written in-process with the server's settings.

`python -m bench.giveaways prepare` creates a first-come giveaway with exactly 20 prizes (one
entry per member, no points cost) and prints {"giveaway": id}; `python -m bench.giveaways
verify <id>` prints what the database says afterwards: entries, winners, prizes left and the
most entries one member has."""

import json
import sys

import django


def prepare():
    import datetime as dt

    from django.utils import timezone

    from campaigns.giveaways import services
    from campaigns.giveaways.models import Giveaway, Prize

    now = timezone.now()
    giveaway = Giveaway.objects.create(
        title="压测抽奖",
        slug=f"bench-{now.timestamp():.0f}",
        mode=Giveaway.Mode.FIRST_COME,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(days=1),
        entries_per_member=1,
    )
    Prize.objects.create(giveaway=giveaway, name="100 积分", kind=Prize.Kind.POINTS, quantity=20, points=100)
    services.publish(giveaway=giveaway)
    return {"giveaway": giveaway.pk}


def verify(giveaway_id):
    from django.db.models import Count, Max

    from campaigns.giveaways.models import Entry, Prize, Win

    per_member = Entry.objects.filter(giveaway_id=giveaway_id).values("member").annotate(n=Count("pk"))
    return {
        "entries": Entry.objects.filter(giveaway_id=giveaway_id).count(),
        "winners": Win.objects.filter(giveaway_id=giveaway_id).count(),
        "winning_members": Win.objects.filter(giveaway_id=giveaway_id).values("member").distinct().count(),
        "prizes_left": Prize.objects.get(giveaway_id=giveaway_id).remaining,
        "most_entries_of_a_member": per_member.aggregate(m=Max("n"))["m"] or 0,
    }


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "prepare":
        print(json.dumps(prepare()))
    elif sys.argv[1] == "verify":
        print(json.dumps(verify(int(sys.argv[2]))))
