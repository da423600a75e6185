"""The console's menu, organised by what each role does rather than by app: 商品, 营销, 会员,
订单, 物流, 设置. Each entry names an admin screen by its model ("app_label.model_name") or
by an admin URL name; an entry is shown only when that screen exists (its admin is
registered) and the signed-in staff member may open it, so a screen still being built, or
an app that is not installed, leaves no broken link. Oscar's low-level models (line
attributes, payment events, wish lists...) are not listed."""

from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.text import capfirst

# (group title, [(label, icon, model label or "url:<admin url name>"), ...])
MENU = [
    (
        "首页",
        [("控制台首页", "dashboard", "url:admin:index")],
    ),
    (
        "商品",
        [
            ("商品", "inventory_2", "catalogue.product"),
            ("商品上架信息", "storefront", "storefront.productlisting"),
            ("分类", "category", "catalogue.category"),
            ("库存", "warehouse", "partner.stockrecord"),
            ("商品类型", "style", "catalogue.productclass"),
        ],
    ),
    (
        "营销",
        [
            ("优惠活动", "sell", "offer.conditionaloffer"),
            ("优惠券批次", "confirmation_number", "offers.couponbatch"),
            ("会员优惠券", "local_activity", "offers.membercoupon"),
            ("秒杀活动", "bolt", "flashsales.flashsale"),
            ("抽奖与赠品", "redeem", "giveaways.giveaway"),
            ("奖品", "featured_seasonal_and_gifts", "giveaways.prize"),
            ("参与记录", "how_to_reg", "giveaways.entry"),
            ("中奖记录", "emoji_events", "giveaways.win"),
            ("UGC 活动", "photo_library", "ugc.ugccampaign"),
            ("UGC 投稿", "add_photo_alternate", "ugc.submission"),
            ("问卷与投票", "ballot", "polls.poll"),
            ("问卷回答", "fact_check", "polls.response"),
            ("投放入口", "qr_code_2", "campaigns.entrypoint"),
            ("投放漏斗", "filter_alt", "campaigns.funnel"),
            ("微信搜索页面", "search", "campaigns.searchpage"),
            ("会员来源", "person_pin_circle", "campaigns.attribution"),
            ("订单来源", "receipt", "campaigns.orderattribution"),
        ],
    ),
    (
        "会员",
        [
            ("会员", "group", "storefront.member"),
            ("积分账户", "account_balance_wallet", "loyalty.account"),
            ("积分明细", "receipt_long", "loyalty.entry"),
            ("会员等级", "military_tech", "loyalty.tier"),
            ("积分规则", "rule", "loyalty.rules"),
            ("奖励规则", "star", "loyalty.bonusrule"),
            ("积分活动", "celebration", "loyalty.promotion"),
            ("签到奖励", "event_available", "loyalty.checkinreward"),
            ("签到记录", "event_note", "loyalty.checkin"),
            ("积分负债", "account_balance", "loyalty.pointsliability"),
            ("积分核对", "fact_check", "loyalty.pointscheck"),
            ("会员合并", "merge", "storefront.membermerge"),
            ("个人信息请求", "privacy_tip", "storefront.personaldatarequest"),
        ],
    ),
    (
        "订单",
        [
            ("订单", "shopping_bag", "storefront.operationsorder"),
            ("售后申请", "support_agent", "storefront.aftersalesrequest"),
            ("退款", "currency_exchange", "storefront.refund"),
            ("支付问题", "report", "storefront.paymentproblem"),
            ("支付请求", "payments", "storefront.paymentattempt"),
            ("支付流水", "receipt_long", "storefront.paymenttransaction"),
            ("对账记录", "balance", "storefront.reconciliationrun"),
            ("支付通知记录", "notifications", "storefront.notificationlog"),
        ],
    ),
    (
        "物流",
        [
            ("运营看板", "monitoring", "logistics.operationsdashboard"),
            ("待发货订单", "local_shipping", "logistics.ordertoship"),
            ("包裹", "package_2", "logistics.shipment"),
            ("异常包裹", "warning", "logistics.parcelneedingattention"),
            ("微信发货信息上传失败", "cloud_off", "logistics.failedwechatshippingupload"),
            ("微信发货信息上传", "cloud_upload", "logistics.wechatshippingupload"),
            ("待处理的微信提醒", "notification_important", "logistics.tradereminder"),
            ("微信交易订单", "receipt", "logistics.wechattradeorder"),
            ("微信运单", "description", "logistics.wechatwaybill"),
            ("支付宝订单中心同步", "sync", "logistics.alipayordersync"),
            ("快递公司", "local_post_office", "logistics.carrier"),
        ],
    ),
    (
        "设置",
        [
            ("门店", "store", "storefront.store"),
            ("运费设置", "price_change", "storefront.shippingrates"),
            ("归因规则", "tune", "campaigns.attributionrules"),
            ("订阅消息模板", "mark_email_read", "platforms.noticetemplate"),
            ("订阅授权", "verified_user", "platforms.noticegrant"),
            ("消息发送记录", "outgoing_mail", "platforms.noticelog"),
            ("会员和员工", "badge", "storefront.user"),
            ("员工角色", "admin_panel_settings", "auth.group"),
            ("审计日志", "history", "auditlog.logentry"),
            ("登录失败计数", "lock_person", "axes.accessattempt"),
            ("登录失败记录", "report", "axes.accessfailurelog"),
            ("登录记录", "login", "axes.accesslog"),
        ],
    ),
]


# The menu in English, for staff who switched the console to English: the groups and the
# entries that are not a model (a model's entry then shows the model's own English name).
ENGLISH = {
    "首页": "Home",
    "控制台首页": "Dashboard",
    "商品": "Products",
    "营销": "Marketing",
    "会员": "Members",
    "订单": "Orders",
    "物流": "Logistics",
    "设置": "Settings",
}


def _model_link(request, label: str) -> tuple[str, str] | None:
    """The changelist's URL and the model's plural name, if the staff member may open it."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None  # the app is not installed, or the model is not built yet
    model_admin = admin.site._registry.get(model)
    if model_admin is None or not model_admin.has_view_or_change_permission(request):
        return None
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), capfirst(opts.verbose_name_plural)
    except NoReverseMatch:
        return None


def _link(request, target: str) -> tuple[str, str | None] | None:
    if target.startswith("url:"):
        try:
            return reverse(target.removeprefix("url:")), None
        except NoReverseMatch:
            return None
    return _model_link(request, target)


def menu_for(request) -> list[dict]:
    """The menu's groups with the entries this staff member may open, empty groups left out.
    In Chinese each entry has its label here; in another language a model's entry has the
    model's own name, translated by its app."""
    chinese = translation.get_language().startswith("zh")
    groups = []
    for title, entries in MENU:
        items = []
        for label, icon, target in entries:
            found = _link(request, target)
            if found:
                link, model_name = found
                shown = label if chinese else (model_name or ENGLISH.get(label, label))
                items.append({"title": shown, "icon": icon, "link": link})
        if items:
            groups.append({"title": title if chinese else ENGLISH.get(title, title), "separator": True, "items": items})
    return groups


def sidebar(request) -> list[dict]:
    """The theme's sidebar (settings.UNFOLD["SIDEBAR"]["navigation"])."""
    if not getattr(request, "user", None) or not request.user.is_active or not request.user.is_staff:
        return []
    return menu_for(request)
