"""The console in a real browser: Debian's Chromium driven by Playwright (never a browser
Playwright downloads), in Chinese and Asia/Shanghai time, cut off from everything but the
live server so a page that loads a script or font from a CDN is caught.

`browser_page` skips, saying why, where /usr/bin/chromium or the playwright package is
missing; with KIT_REQUIRE_BROWSER=1 (set by .ci/run) it fails instead, so CI cannot pass
without having driven the browser.
"""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"


def _missing(reason: str):
    if os.environ.get("KIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (KIT_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture
def browser_page(live_server, monkeypatch):
    if not os.path.exists(CHROMIUM):
        _missing(f"no Chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk (CI does)")
    try:
        from playwright import sync_api
    except ImportError:
        _missing("playwright is not installed (requirements-dev.txt)")
    # Playwright's sync API keeps an event loop running in this thread; the ORM calls of
    # the test body are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        page.outside_requests = []
        # What the browser refused under the content security policy (an inline script, a
        # style or image from elsewhere): a page that needs one is broken for staff.
        page.csp_violations = []
        page.on(
            "console",
            lambda message: (
                page.csp_violations.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )

        def only_the_live_server(route):
            if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:"):
                route.continue_()
            else:
                page.outside_requests.append(route.request.url)
                route.abort()

        page.route("**/*", only_the_live_server)
        yield page
        browser.close()


def fits_the_window(page) -> bool:
    """No horizontal scrolling: the page is no wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def drawn_as_a_control(page, selector: str) -> bool:
    """The field or button can be seen as one: a border or a filled background (the theme's
    reset leaves a plain widget as bare text on the page)."""
    return page.locator(selector).first.evaluate(
        """e => { const s = getComputedStyle(e);
                  return parseFloat(s.borderTopWidth) > 0 || !['rgba(0, 0, 0, 0)', 'transparent'].includes(s.backgroundColor); }"""
    )
