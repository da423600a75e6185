"""Our merchant accounts at the payment providers: the ids a genuine notification carries and
the address the providers notify."""

from django.conf import settings
from django.urls import reverse


def merchant_ids(provider_name: str) -> tuple[str, str]:
    """(app id, merchant id) a genuine notification for this shop carries."""
    if provider_name == "wechat":
        return settings.WECHAT_APP_ID, settings.WECHATPAY_MCH_ID
    return settings.ALIPAY_APP_ID, settings.ALIPAY_SELLER_ID


def notify_url(provider_name: str) -> str:
    name = "payments-notify-wechatpay" if provider_name == "wechat" else "payments-notify-alipay"
    return settings.SITE_URL + reverse(name)
