"""Checks what WeChat's order-shipping management and logistics tracking component need from the
merchant (is_trade_managed, the settlement confirmation, the message jump path, carrier ids, the
component), sets the message jump path, and prints what is in place and what is still to do.

    python manage.py check_wechat_shipping_setup [--jump-path pages/order/detail]

Exits with status 1 while something is left to do that an API can check.
"""

from django.core.management.base import BaseCommand

from logistics import trade_management


class Command(BaseCommand):
    help = "Check WeChat order-shipping management and the tracking component; print what the merchant must still do."

    def add_arguments(self, parser):
        parser.add_argument("--jump-path", default=None, help="page opened from WeChat's shipping messages")

    def handle(self, *args, jump_path=None, **options):
        done, todo = trade_management.check_setup(jump_path=jump_path)
        for line in done:
            self.stdout.write(self.style.SUCCESS(f"[OK]   {line}"))
        for line in todo:
            self.stdout.write(self.style.WARNING(f"[TODO] {line}"))
        # The plug-in declaration is always listed: only a person can check the mini program's app.json.
        if len(todo) > 1:
            raise SystemExit(1)
