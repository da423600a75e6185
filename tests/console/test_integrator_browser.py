"""The integrator's pages in a real browser: /api/docs/ renders every operation of the schema
from our own static files under the content security policy and says how to get a sandbox
token; the /sandbox/ page is in Chinese and hands out a login code and switches a fault on
with forms, and the code it gives logs a shopper in. Screenshots: var/screenshots/."""

import pytest
from django.test import Client

from platforms.sandbox import faults
from tests.console.steps import screenshot, visible_text

pytestmark = pytest.mark.django_db(transaction=True)


def operations_in_the_schema() -> int:
    schema = Client().get("/api/schema/?format=json").json()
    methods = {"get", "post", "put", "patch", "delete"}
    return sum(1 for item in schema["paths"].values() for method in item if method in methods)


def test_the_api_docs_render_every_operation_and_say_how_to_get_a_token(live_server, browser_page):
    page = browser_page
    expected = operations_in_the_schema()

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path")

    assert expected > 50
    assert page.locator(".opblock").count() == expected
    description = visible_text(page, ".information-container")
    assert "/sandbox/" in description and "POST /api/v1/auth/wechat/" in description and "Authorize" in description
    screenshot(page, "console-api-docs")
    assert page.outside_requests == []
    assert page.csp_violations == []


def test_the_sandbox_page_gives_a_login_code_and_switches_a_fault_with_forms(live_server, browser_page):
    page = browser_page
    faults.clear_faults()

    page.goto(f"{live_server.url}/sandbox/")
    assert page.title() == "平台沙箱"
    assert "微信登录码" in visible_text(page, "#login-code") and "故障模拟" in visible_text(page, "#faults")

    # A login code, shown on the page; the shopper API logs in with it.
    page.fill("#login-code input[name=phone]", "13800138000")
    page.click("#login-code button[type=submit]")
    code = page.locator("#issued-code code").first.inner_text()
    answer = Client().post("/api/v1/auth/wechat/", {"code": code}, content_type="application/json")
    assert answer.status_code in (200, 201), answer.content
    assert answer.json()["token"]
    screenshot(page, "console-sandbox")

    # A fault: WeChat Pay busy for the next two calls.
    page.select_option("#faults select[name=platform]", "wechatpay")
    page.select_option("#faults select[name=mode]", "busy")
    page.fill("#faults input[name=times]", "2")
    page.click("#faults button:not([name=clear])")
    page.wait_for_url(f"{live_server.url}/sandbox/")
    assert faults.active_faults("wechatpay") == {"busy": 2}
    assert "wechatpay:busy" in visible_text(page) and "还剩 2 次" in visible_text(page)
    page.click("#faults button[name=clear]")
    page.wait_for_url(f"{live_server.url}/sandbox/")
    assert faults.active_faults() == {}

    assert page.outside_requests == []
    assert page.csp_violations == []
