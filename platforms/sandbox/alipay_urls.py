"""Alipay sandbox endpoints (owned by the Alipay half of the platform layer), under /sandbox/alipay/.

gateway/ is where platforms.transport sends the SDK's calls to https://openapi.alipay.com/gateway.do;
gateway.do is the same view for anyone pointing a client at the sandbox over real HTTP.
"""

from django.urls import include, path

from platforms.sandbox import alipay_views

alipay = [
    path("gateway/", alipay_views.gateway, name="sandbox-alipay-gateway"),
    path("gateway.do", alipay_views.gateway),
    path("qrcode.png", alipay_views.qrcode_png, name="sandbox-alipay-qrcode"),
    path("bills/download.zip", alipay_views.bill_download, name="sandbox-alipay-bill"),
    # Control endpoints: the shopper's phone and Alipay's back office.
    path("login-code/", alipay_views.LoginCodeView.as_view(), name="sandbox-alipay-login-code"),
    path("phone-response/", alipay_views.PhoneResponseView.as_view(), name="sandbox-alipay-phone-response"),
    path("complete/", alipay_views.CompleteView.as_view(), name="sandbox-alipay-complete"),
    path("refunds/settle/", alipay_views.SettleRefundsView.as_view(), name="sandbox-alipay-settle-refunds"),
    path("faults/", alipay_views.FaultsView.as_view(), name="sandbox-alipay-faults"),
]

urlpatterns = [path("alipay/", include(alipay))]
