"""WeChat Pay's merchant-transfer callback (MCHTRANSFER.BILL.FINISHED) for cash prizes, at
/api/v1/notify/wechatpay/transfer-bills/. The signature is verified first: an unverifiable
request changes nothing and answers 4xx in WeChat Pay's form, which makes WeChat Pay retry.
As at notify/wechatpay/, a body larger than any real notification (413) or not UTF-8 (400) is
refused unread."""

import logging

from django.conf import settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from campaigns.giveaways import services
from platforms.base import InvalidNotification, PlatformError

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def transfer_notification(request):
    from platforms.wechat.transfer import get_merchant_transfer

    transfer = get_merchant_transfer()
    body = request.body
    if len(body) > settings.NOTIFY_MAX_BODY_BYTES:
        logger.warning("transfer notification refused unread: %d bytes", len(body))
        response = transfer.pay.acknowledge(ok=False, message="notification too large")
        response.status_code = 413
        return response
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        logger.warning("transfer notification refused: the body is not UTF-8")
        return transfer.pay.acknowledge(ok=False, message="body is not UTF-8")
    try:
        bill = transfer.parse_notification(headers=dict(request.headers), body=body)
    except (InvalidNotification, PlatformError) as exc:
        return transfer.pay.acknowledge(ok=False, message=exc.code)
    services.record_transfer_result(bill=bill)
    return transfer.pay.acknowledge(ok=True)


urlpatterns = [
    path("notify/wechatpay/transfer-bills/", transfer_notification, name="giveaways-transfer-notify"),
]
