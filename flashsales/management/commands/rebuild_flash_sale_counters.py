"""Sets the flash sales' fast counters from the database (`remaining`), e.g. after Redis was
emptied or restarted."""

from django.core.management.base import BaseCommand

from flashsales import services


class Command(BaseCommand):
    help = "Rebuild the flash-sale counters from the database."

    def add_arguments(self, parser):
        parser.add_argument("--sale", type=int, default=None, help="Only this sale's items.")

    def handle(self, *args, sale=None, **options):
        count = services.rebuild_counters(sale_id=sale)
        self.stdout.write(f"{count} flash-sale counters set from the database.")
