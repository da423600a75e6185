"""Staff roles: which models each group may manage in the Django admin and Oscar's dashboard:
marketing, operations and the staff of a store.

Each role lists models as "app_label.model" names at three levels:
- `manage`: view, add, change and delete;
- `edit`: view and change (records that must never be created or deleted by hand, such as orders);
- `view`: read only.
Names of models that do not exist (yet) are skipped, so an engineer adding an app appends
its models here (for example "campaigns.giveaway" to MARKETING.manage) in the same change
that adds the app. Neither role may touch users, groups or permissions: that stays with
superusers.

Oscar 4.2's dashboard lets a user in when they are `is_staff` (or hold
"partner.dashboard_access", which is meant for a partner's own non-staff users and limits
them to that partner's products), then checks the model permission of each page
("catalogue.view_product" for the product list, "order.view_order" for orders...). Staff
accounts with these groups therefore see exactly their part of the dashboard as well.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType


@dataclass
class Role:
    group: str
    manage: list[str] = field(default_factory=list)
    edit: list[str] = field(default_factory=list)
    view: list[str] = field(default_factory=list)
    # Custom permissions beyond view/add/change/delete, as "app_label.codename".
    permissions: list[str] = field(default_factory=list)


MARKETING = Role(
    group="Marketing",
    manage=[
        # Catalog: products, SKUs, categories, attributes, images.
        "catalogue.product",
        "catalogue.productclass",
        "catalogue.category",
        "catalogue.productcategory",
        "catalogue.productattribute",
        "catalogue.productattributevalue",
        "catalogue.attributeoptiongroup",
        "catalogue.attributeoption",
        "catalogue.option",
        "catalogue.productimage",
        "catalogue.productrecommendation",
        # Offers and vouchers.
        "offer.conditionaloffer",
        "offer.condition",
        "offer.benefit",
        "offer.range",
        "offer.rangeproduct",
        "offer.rangeproductfileupload",
        "voucher.voucher",
        "voucher.voucherset",
        # Offline stores, edited with their hours and photos as inlines.
        "storefront.store",
        "storefront.storehours",
        "storefront.storehoursexception",
        "storefront.storephoto",
        "reviews.productreview",
        # Subscribe-message templates: which event sends which template with which fields.
        "platforms.noticetemplate",
        # Loyalty: the points rules (one row), promotions, tiers, bonuses, check-in rewards.
        "loyalty.rules",
        "loyalty.promotion",
        "loyalty.tier",
        "loyalty.bonusrule",
        "loyalty.checkinreward",
        # Coupons: batches (rules, quantities, the push to members).
        "offers.couponbatch",
        # Flash sales, with their SKUs inline.
        "flashsales.flashsale",
        "flashsales.flashsaleitem",
        # Entry points: mini program codes and links per campaign, product, store, staff, channel.
        "campaigns.entrypoint",
        "campaigns.attributionrules",
        # Giveaways with their prizes inline (published rules are frozen; the draw needs giveaways.run_draw).
        "giveaways.giveaway",
        "giveaways.prize",
        # UGC campaigns and polls (questions and choices are edited with their poll).
        "ugc.ugccampaign",
        "polls.poll",
        "polls.question",
        "polls.choice",
    ],
    edit=[
        # UGC entries: moderated by the admin's actions (approve, reject, feature, winners).
        "ugc.submission",
        # Prices live on stock records.
        "partner.stockrecord",
        # Search keywords, purchase limits and crossed-out prices (one row per product).
        "storefront.productlisting",
    ],
    view=[
        "partner.partner",
        "voucher.voucherapplication",
        "analytics.productrecord",
        # Members (phones masked: no storefront.view_full_phone), for campaign work.
        "storefront.member",
        "storefront.identity",
        "storefront.membersource",
        "storefront.consent",
        # Subscribe-message notices: who received what, and the grants behind it.
        "platforms.noticegrant",
        "platforms.noticelog",
        # Loyalty: members' accounts, ledger and check-ins, the liability page.
        "loyalty.account",
        "loyalty.entry",
        "loyalty.checkin",
        "loyalty.pointsliability",
        "loyalty.pointscheck",
        # Coupons members hold.
        "offers.membercoupon",
        # Entry points: the funnel, visits, where members and orders came from.
        "campaigns.funnel",
        "campaigns.visit",
        "campaigns.attribution",
        "campaigns.orderattribution",
        "campaigns.searchpage",
        # Giveaway entries and wins with their claim and fulfilment state.
        "giveaways.entry",
        "giveaways.win",
        # UGC votes and entries' images; poll responses and their answers.
        "ugc.vote",
        "ugc.submissionimage",
        "polls.response",
        "polls.answer",
    ],
    permissions=["loyalty.adjust_points", "giveaways.run_draw"],
)

OPERATIONS = Role(
    group="Operations",
    manage=[
        "order.ordernote",
        "order.communicationevent",
        "payment.transaction",
        "shipping.weightbased",
        "shipping.weightband",
        "shipping.orderanditemcharges",
        # Checkout: the delivery charges (one row).
        "storefront.shippingrates",
        # Logistics: carriers and their tracking number formats.
        "logistics.carrier",
        # Payments: refunds are made from the admin (it never edits or deletes one).
        "storefront.refund",
    ],
    edit=[
        # Logistics: the "to ship" queue and WeChat shipping uploads (retry action).
        "logistics.ordertoship",
        "logistics.wechatshippingupload",
        "logistics.failedwechatshippingupload",
        # WeChat's shipping reminders: the attention list, marked handled by operations.
        "logistics.tradereminder",
        # Orders and after-sales requests of the shopper API (checkout).
        "storefront.operationsorder",
        "storefront.aftersalesrequest",
        "order.shippingaddress",
        "payment.source",
        # Restocking; prices stay with marketing (the admin shows both on one form).
        "partner.stockrecord",
        # Payments: resolve problems, run reconciliation (the records themselves stay read only).
        "storefront.paymentproblem",
        "storefront.reconciliationrun",
    ],
    view=[
        # Oscar's own order screens are read only: orders are placed by checkout and move
        # only through the kit's status service (the operations order screen's buttons), so
        # nobody can set "shipped" without a parcel or record Oscar's shipping and payment
        # events by hand.
        "order.order",
        "order.line",
        "order.shippingevent",
        "order.shippingeventquantity",
        "order.paymentevent",
        "order.paymenteventquantity",
        "order.orderstatuschange",
        "order.linestatuschange",
        "order.lineprice",
        "order.orderdiscount",
        "order.billingaddress",
        "order.surcharge",
        "order.shippingeventtype",
        "order.paymenteventtype",
        "payment.sourcetype",
        "catalogue.product",
        "catalogue.category",
        "partner.partner",
        # Stores and their staff, for pickups.
        "storefront.store",
        "storefront.storehours",
        "storefront.storehoursexception",
        # Members: find by phone, openid or nickname; identities, addresses, consents, audit logs.
        "storefront.member",
        "storefront.identity",
        "storefront.membersource",
        "storefront.address",
        "storefront.consent",
        "storefront.membermerge",
        "storefront.personaldatarequest",
        "storefront.orderinfo",
        "storefront.aftersalesphoto",
        # Logistics: parcels, their timelines, the attention list, notices sent.
        "logistics.shipment",
        "logistics.shipmentline",
        "logistics.trackingevent",
        "logistics.parcelneedingattention",
        "logistics.shippingnotice",
        # The platforms' side of each order: waybill tokens, WeChat's trade orders and events,
        # Alipay's order center.
        "logistics.wechatwaybill",
        "logistics.wechattradeorder",
        "logistics.wechattradeevent",
        "logistics.alipayordersync",
        # The operations dashboard page (logistics/dashboard.py).
        "logistics.operationsdashboard",
        # Payments: what the providers told us, read only.
        "storefront.paymenttransaction",
        "storefront.paymentattempt",
        "storefront.notificationlog",
        # Subscribe-message notices sent (or not) to shoppers, and their grants.
        "platforms.noticelog",
        "platforms.noticegrant",
        "storefront.reconciliationline",
        # Loyalty: members' points accounts and ledger, read only.
        "loyalty.account",
        "loyalty.entry",
        "loyalty.checkin",
    ],
    permissions=["storefront.view_full_phone", "storefront.operate_orders", "logistics.ship_orders"],
)

# Staff of a store: the orders picked up at their own stores (the order list and page show
# only those: storefront/orders/admin.py) and the pickup hand-over by code. Which stores are
# theirs is the store's "staff" list; phones stay masked, nothing else of the console opens.
STORE_STAFF = Role(
    group="Store staff",
    view=[
        "storefront.operationsorder",
    ],
)

ROLES = [MARKETING, OPERATIONS, STORE_STAFF]

_ACTIONS = {"manage": ("view", "add", "change", "delete"), "edit": ("view", "change"), "view": ("view",)}


def role_permissions(role: Role) -> list[Permission]:
    """The permissions a role grants, for models that exist in this installation."""
    wanted = set()
    for level, actions in _ACTIONS.items():
        for label in getattr(role, level):
            app_label, _, model_name = label.partition(".")
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                continue
            content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
            wanted.update((content_type.pk, f"{action}_{model._meta.model_name}") for action in actions)
    extra = [label.partition(".") for label in role.permissions]
    granted = [
        permission
        for app_label, _, codename in extra
        for permission in Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    ]
    if not wanted and not granted:
        return []
    content_type_ids = {content_type_id for content_type_id, _ in wanted}
    candidates = Permission.objects.filter(content_type_id__in=content_type_ids)
    granted += [permission for permission in candidates if (permission.content_type_id, permission.codename) in wanted]
    return sorted(set(granted), key=lambda permission: permission.pk)


def sync_role_group(role: Role) -> Group:
    """Create the role's group and give it exactly the role's permissions, no more."""
    group, _ = Group.objects.get_or_create(name=role.group)
    permissions = role_permissions(role)
    current = set(group.permissions.values_list("pk", flat=True))
    if current != {permission.pk for permission in permissions}:
        group.permissions.set(permissions)
    return group
