"""`manage.py verify_points`: ledger, lots and accounts compared for every member (see
loyalty/verification.py). Exits with status 1 when any account drifted."""

from django.core.management.base import BaseCommand, CommandError

from loyalty.verification import verify_points


class Command(BaseCommand):
    help = "Checks that the points ledger, the lots and the accounts agree for every member."

    def add_arguments(self, parser):
        parser.add_argument("--no-record", action="store_true", help="Do not keep the run as a PointsCheck.")

    def handle(self, *args, **options):
        check = verify_points(record=not options["no_record"])
        for item in check.details:
            self.stdout.write(f"account {item['account']} (member {item['member']}): " + "; ".join(item["problems"]))
        if check.drifted:
            raise CommandError(f"{check.drifted} of {check.accounts} accounts drifted")
        self.stdout.write(self.style.SUCCESS(f"{check.accounts} accounts agree with their ledger and lots"))
