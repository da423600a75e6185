"""The demo's giveaways: welcome-gift with exactly 20 prizes, an instant-win one, and a finished
draw of 50 entries whose proof checks out; loading twice changes nothing."""

import pytest

from campaigns.giveaways import demo, draw, selectors
from campaigns.giveaways.models import Entry, Giveaway, Win

pytestmark = pytest.mark.django_db


def test_the_demo_giveaways_load_once_and_the_finished_draw_checks_out():
    demo.load_demo()
    demo.load_demo()

    welcome = Giveaway.objects.get(slug="welcome-gift")
    assert welcome.mode == "first_come" and welcome.status == "published"
    assert sum(p.quantity for p in welcome.prizes.all()) == 20
    assert (welcome.entries_per_member, welcome.entry_cost_points) == (1, 0)
    assert Giveaway.objects.get(slug="spring-lucky-draw").mode == "instant"
    drawn = Giveaway.objects.get(slug="autumn-tea-draw")
    assert drawn.status == "drawn" and Entry.objects.filter(giveaway=drawn).count() == 50
    assert Win.objects.filter(giveaway=drawn).count() == 5
    assert draw.check_proof(selectors.proof_of(drawn)) == []
    assert Giveaway.objects.count() == 3
