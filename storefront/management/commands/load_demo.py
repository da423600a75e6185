"""`manage.py load_demo`: the demo brand, 青山茶舍 Qingshan Tea House, and its staff accounts.

Idempotent: run it as often as you like, the data ends up the same. Refuses to run with
the sandbox off (production), because the demo accounts have published passwords.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from storefront.demo.brand import load_brand, run_extra_loaders
from storefront.demo.images import has_cjk_font
from storefront.demo.staff import ACCOUNTS


class Command(BaseCommand):
    help = "Load (or refresh) the demo brand: catalogue, stores, staff accounts. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-sandbox",
            action="store_true",
            help="Load even with PLATFORM_SANDBOX off. The demo passwords are public: never on a live store.",
        )

    def handle(self, *args, allow_without_sandbox=False, **options):
        if not settings.PLATFORM_SANDBOX and not allow_without_sandbox:
            raise CommandError(
                "The sandbox is off, so this looks like production: the demo accounts have public "
                "passwords. Pass --allow-without-sandbox if you really mean it."
            )
        started = time.monotonic()
        summary = load_brand()
        extra_lines = run_extra_loaders()
        elapsed = time.monotonic() - started

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo brand {settings.OSCAR_SHOP_NAME} loaded in {elapsed:.1f}s: {summary.categories} categories, "
                f"{summary.products} products ({summary.skus} SKUs), {summary.stores} stores."
            )
        )
        if not has_cjk_font():
            self.stdout.write("No CJK font found (fc-list): product pictures are labelled in English.")
        for line in extra_lines:
            self.stdout.write(line)
        base = settings.SITE_URL
        self.stdout.write("")
        self.stdout.write(f"  API docs (Swagger)  {base}/api/docs/")
        self.stdout.write(f"  Django admin        {base}/admin/")
        if settings.PLATFORM_SANDBOX:
            self.stdout.write(f"  Platform sandbox    {base}/sandbox/")
        self.stdout.write("")
        self.stdout.write("  Demo accounts (username / password):")
        for account in ACCOUNTS:
            role = "superuser" if account.is_superuser else f"group {account.role.group}"
            self.stdout.write(f"    {account.username:<11} / {account.password:<20} {role}")
