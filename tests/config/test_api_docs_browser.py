"""The integrator's API docs in a real browser: Swagger UI renders every route from our own
static files, under the content security policy, with nothing fetched from a CDN."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_render_offline_under_the_policy(live_server, browser_page):
    page = browser_page

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path")

    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/loyalty/check-in/" in [path.replace("\u200b", "") for path in paths]
    assert page.outside_requests == []
    assert page.csp_violations == []
