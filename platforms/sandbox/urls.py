"""The sandbox's own pages and the emulated platform endpoints (mounted only with the sandbox on).

WeChat's paths live under wechat/ and WeChat Pay's under wechatpay/, exactly as the real
hosts have them (see platforms/transport.py for how the adapters get here); Alipay's
endpoints come from alipay_urls (the Alipay half) and the tracking provider's from
tracking_urls (logistics).
"""

from django.urls import include, path, re_path

from platforms.sandbox import (
    logistics_views,
    views,
    wechat_logistics,
    wechat_views,
    wechatpay_transfer,
    wechatpay_views,
)

wechat = [
    # Control endpoints: the shopper's phone.
    path("login-code/", views.LoginCodeView.as_view(), name="sandbox-wechat-login-code"),
    path("phone-code/", views.PhoneCodeView.as_view(), name="sandbox-wechat-phone-code"),
    path("expire-tokens/", views.ExpireTokensView.as_view(), name="sandbox-wechat-expire-tokens"),
    # WeChat's own paths.
    path("cgi-bin/token", wechat_views.token),
    path("cgi-bin/stable_token", wechat_views.stable_token),
    path("sns/jscode2session", wechat_views.jscode2session),
    path("wxa/business/getuserphonenumber", wechat_views.getuserphonenumber),
    path("wxa/msg_sec_check", wechat_views.msg_sec_check),
    path("wxa/media_check_async", wechat_views.media_check_async),
    path("wxa/getuserriskrank", wechat_views.getuserriskrank),
    path("wxa/getwxacodeunlimit", wechat_views.getwxacodeunlimit),
    path("wxa/generate_urllink", wechat_views.generate_urllink),
    path("cgi-bin/message/subscribe/send", wechat_views.subscribe_send),
    path("wxa/sec/order/upload_shipping_info", wechat_views.upload_shipping_info),
    path("wxa/search/wxaapi_submitpages", wechat_views.submitpages),
    # The logistics tracking component and order-shipping management (wechat_logistics).
    path("cgi-bin/express/delivery/open_msg/get_delivery_list", wechat_logistics.get_delivery_list),
    path("cgi-bin/express/delivery/open_msg/trace_waybill", wechat_logistics.trace_waybill),
    path("cgi-bin/express/delivery/open_msg/query_trace", wechat_logistics.query_trace),
    path("cgi-bin/express/delivery/open_msg/update_waybill_goods", wechat_logistics.update_waybill_goods),
    path("cgi-bin/express/delivery/open_msg/follow_waybill", wechat_logistics.follow_waybill),
    path("cgi-bin/express/delivery/open_msg/query_follow_trace", wechat_logistics.query_follow_trace),
    path("wxa/sec/order/get_order", wechat_logistics.get_order),
    path("wxa/sec/order/notify_confirm_receive", wechat_logistics.notify_confirm_receive),
    path("wxa/sec/order/opspecialorder", wechat_logistics.opspecialorder),
    path("wxa/sec/order/set_msg_jump_path", wechat_logistics.set_msg_jump_path),
    path("wxa/sec/order/is_trade_managed", wechat_logistics.is_trade_managed),
    path(
        "wxa/sec/order/is_trade_management_confirmation_completed",
        wechat_logistics.is_trade_management_confirmation_completed,
    ),
    # Controls: WeChat's side of the component and of order-shipping management.
    path("trade-push/", logistics_views.TradePushView.as_view(), name="sandbox-wechat-trade-push"),
    path("waybill-status/", logistics_views.WaybillStatusView.as_view(), name="sandbox-wechat-waybill-status"),
    path("console/", logistics_views.ConsoleView.as_view(), name="sandbox-wechat-console"),
]

wechatpay = [
    path("complete/", views.WeChatPayCompleteView.as_view(), name="sandbox-wechatpay-complete"),
    path("v3/pay/transactions/jsapi", wechatpay_views.jsapi),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>/close", wechatpay_views.close_trade),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>", wechatpay_views.query_trade),
    path("v3/refund/domestic/refunds", wechatpay_views.refunds),
    re_path(r"^v3/refund/domestic/refunds/(?P<out_refund_no>[\w\-|*@]+)$", wechatpay_views.query_refund),
    path("v3/certificates", wechatpay_views.certificates),
    path("v3/bill/tradebill", wechatpay_views.tradebill),
    path("v3/billdownload/file", wechatpay_views.billdownload),
    # Merchant transfer to a user (cash prizes), and the shopper's wx.requestMerchantTransfer.
    path("v3/fund-app/mch-transfer/transfer-bills", wechatpay_transfer.transfer_bills),
    path("v3/fund-app/mch-transfer/transfer-bills/out-bill-no/<str:out_bill_no>", wechatpay_transfer.query_bill),
    path(
        "transfer-confirm/", wechatpay_transfer.TransferConfirmView.as_view(), name="sandbox-wechatpay-transfer-confirm"
    ),
]

urlpatterns = [
    path("", views.index, name="sandbox-index"),
    path("faults/", views.FaultsView.as_view(), name="sandbox-faults"),
    # The page's forms (a person, not a program): a login code shown on the page, faults.
    path("page/login-code/", views.page_login_code, name="sandbox-page-login-code"),
    path("page/faults/", views.page_faults, name="sandbox-page-faults"),
    path("deliveries/flush/", views.FlushDeliveriesView.as_view(), name="sandbox-deliveries-flush"),
    path("wechat/", include(wechat)),
    path("wechatpay/", include(wechatpay)),
    path("", include("platforms.sandbox.alipay_urls")),
    path("tracking/", include("platforms.sandbox.tracking_urls")),
]
