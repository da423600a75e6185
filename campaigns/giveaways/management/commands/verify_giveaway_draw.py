"""Re-run a scheduled draw from its proof and say whether the published winners are the ones
the algorithm gives.

    manage.py verify_giveaway_draw 42                 # the proof of giveaway 42, as the API shows it
    manage.py verify_giveaway_draw --proof proof.json # a proof downloaded from GET giveaways/{id}/proof/

Checks sha256(seed) against the commitment, the entries against entries_hash, then ranks the
entries by HMAC-SHA256(seed, entry id) and takes one winner per member until every prize unit
is given (campaigns/giveaways/draw.py). Exits with status 1 when anything does not add up.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaigns.giveaways import draw, selectors
from campaigns.giveaways.models import Giveaway


class Command(BaseCommand):
    help = "Re-run a giveaway's draw from its published proof and compare the winners."

    def add_arguments(self, parser):
        parser.add_argument("giveaway", nargs="?", type=int, help="The giveaway's id.")
        parser.add_argument("--proof", help="A proof JSON file (GET /api/v1/campaigns/giveaways/{id}/proof/).")

    def handle(self, *args, giveaway=None, proof=None, **options):
        if proof:
            data = json.loads(Path(proof).read_text(encoding="utf-8"))
        elif giveaway:
            found = Giveaway.objects.filter(pk=giveaway).first()
            if found is None:
                raise CommandError(f"No giveaway {giveaway}.")
            data = selectors.proof_of(found)
        else:
            raise CommandError("Name a giveaway id or --proof FILE.")
        problems = draw.check_proof(data)
        if problems:
            for problem in problems:
                self.stderr.write(f"✗ {problem}")
            raise SystemExit(1)
        members = {int(k): v for k, v in data["entry_members"].items()}
        units = sum(int(p["quantity"]) for p in data["prizes"])
        winners = draw.winners_of(data["seed"], members, units)
        self.stdout.write(f"algorithm {data['algorithm']}: commitment and entries_hash match")
        self.stdout.write(f"{len(data['entries'])} entries, {units} prize units")
        self.stdout.write("winners (entry ids, in order): " + ", ".join(str(w) for w in winners))
        self.stdout.write(self.style.SUCCESS("✓ the published winners are the ones the algorithm gives"))
