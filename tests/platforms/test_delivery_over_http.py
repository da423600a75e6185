"""In the demo the sandbox sends notifications over real HTTP from a thread, after the
request that caused them has been answered: here against a live server."""

import time

import pytest

from platforms import events
from platforms.sandbox.models import Delivery
from platforms.wechat.miniprogram import WeChatMiniProgram


@pytest.mark.django_db(transaction=True)
def test_an_image_verdict_is_pushed_over_http_after_the_check_answered(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.SANDBOX_DELIVERY = "thread"
    received = []
    handler = events.on("wxa_media_check")(received.append)
    try:
        trace_id = WeChatMiniProgram().check_image_async("https://cdn.example.com/ugc/3.jpg", openid="o1")
        deadline = time.monotonic() + 10
        # The thread records the answer after the kit's push endpoint has handled it.
        while not Delivery.objects.filter(status_code__isnull=False).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        events.off("wxa_media_check", handler)
    assert [m["trace_id"] for m in received] == [trace_id]
    delivery = Delivery.objects.get()
    assert delivery.url.startswith(live_server.url) and delivery.status_code == 200
