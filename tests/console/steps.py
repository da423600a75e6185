"""Steps of the console's browser tests: signing in through the login page, and reading a
page the way a person sees it."""

import re
from pathlib import Path

from django.conf import settings

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def sign_in(page, live_server, username: str, password: str):
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def screenshot(page, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def visible_text(page, selector: str = "body") -> str:
    return re.sub(r"\s+", " ", page.inner_text(selector))
