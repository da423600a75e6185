"""The Celery app. Apps declare periodic jobs in BEAT_SCHEDULE below, next to each other,
so the whole schedule of the store can be read in one place."""

import os

from celery import Celery
from celery.schedules import crontab  # noqa: F401  used by the schedule entries apps add

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# name -> {"task": dotted path, "schedule": seconds or crontab}
BEAT_SCHEDULE = {
    "heartbeat": {"task": "config.tasks.heartbeat", "schedule": 60.0},
    # payments: refunds in flight (Alipay has no refund notification) and unsent ones
    "payments-sync-refunds": {"task": "storefront.tasks.sync_refunds", "schedule": 300.0},
    # payments: yesterday's statements, once they are published (after 10:00 Beijing time)
    "payments-reconcile": {"task": "storefront.tasks.reconcile_payments", "schedule": crontab(hour=10, minute=30)},
    # checkout: unpaid orders past their pay-before time are cancelled, their stock released
    "orders-cancel-unpaid": {"task": "storefront.tasks.cancel_overdue_unpaid_orders", "schedule": 60.0},
    # checkout: delivered orders nobody confirmed are completed after ORDER_AUTO_COMPLETE_DAYS
    "orders-auto-complete": {"task": "storefront.tasks.complete_delivered_orders", "schedule": crontab(minute=17)},
    # logistics: WeChat shipping uploads that are due (first attempts a minute after payment, retries)
    "logistics-wechat-uploads": {"task": "logistics.tasks.upload_due_shipping_to_wechat", "schedule": 60.0},
    # logistics: the polling fallback for parcels whose tracking pushes did not come
    "logistics-poll-tracking": {"task": "logistics.tasks.poll_tracking", "schedule": 900.0},
    # logistics (sandbox only, a no-op otherwise): the sandbox carrier pushes its new events
    "logistics-sandbox-tracking": {"task": "logistics.tasks.push_sandbox_tracking", "schedule": 60.0},
    # logistics: WeChat tracking component tokens not got yet, and WeChat's status of moving parcels
    "logistics-wechat-waybills": {"task": "logistics.tasks.check_wechat_waybills", "schedule": 1800.0},
    # logistics: orders that will ship more than 15 days after payment, reported to WeChat (opspecialorder)
    "logistics-wechat-late-orders": {
        "task": "logistics.tasks.report_late_wechat_orders",
        "schedule": crontab(hour=9, minute=5),
    },
    # logistics: WeChat's order state (get_order) of recent unsettled orders, compared with ours
    "logistics-wechat-reconcile": {
        "task": "logistics.tasks.reconcile_wechat_trade_orders",
        "schedule": crontab(hour=5, minute=20),
    },
    # logistics: Alipay order-center syncs that are due (retries with backoff)
    "logistics-alipay-order-center": {"task": "logistics.tasks.push_due_alipay_order_syncs", "schedule": 60.0},
    # catalog: "best-selling" counters recomputed from paid orders (record_sale keeps them live)
    "catalog-recount-sales": {"task": "storefront.tasks.recount_product_sales", "schedule": crontab(hour=4, minute=10)},
    # catalog: products put on sale and taken off at the times set in the product editor
    "catalog-product-schedule": {"task": "storefront.tasks.run_product_schedule", "schedule": 60.0},
    # catalog: product image renditions the save-time task missed (serializers never make them)
    "catalog-missing-thumbnails": {
        "task": "storefront.tasks.make_missing_product_image_thumbnails",
        "schedule": 600.0,
    },
    # stores: store photo renditions the save-time task missed
    "stores-missing-renditions": {
        "task": "storefront.tasks.make_missing_store_photo_renditions",
        "schedule": 600.0,
    },
    # loyalty: lots past their expiry lose what is left, one ledger entry per lot (00:10 Beijing)
    "loyalty-expire-points": {"task": "loyalty.tasks.expire_points", "schedule": crontab(hour=0, minute=10)},
    # loyalty: pending points of orders paid `available_after_days` (积分规则) ago become available
    "loyalty-confirm-due-points": {"task": "loyalty.tasks.confirm_due_order_points", "schedule": crontab(minute=25)},
    # loyalty: birthday-month bonuses, once a year per member
    "loyalty-birthday-bonuses": {
        "task": "loyalty.tasks.award_birthday_bonuses",
        "schedule": crontab(hour=0, minute=20),
    },
    # loyalty: tiers on a sliding 12 months, and downgrades after their period
    "loyalty-review-tiers": {"task": "loyalty.tasks.review_tiers", "schedule": crontab(hour=3, minute=30)},
    # loyalty: ledger vs lots vs accounts for every member; drift is logged and kept
    "loyalty-verify-points": {"task": "loyalty.tasks.verify_points", "schedule": crontab(hour=4, minute=40)},
    # offers: "coupon about to expire" notices, once per coupon (COUPON_EXPIRY_NOTICE_HOURS ahead)
    "offers-coupon-expiry-notices": {"task": "offers.tasks.send_coupon_expiry_notices", "schedule": crontab(minute=5)},
    # flash sales: the fast counters set again from the database, so a drift (a lost Redis
    # write, a give-back that failed) lasts minutes; a counter set too high only lets a few
    # more buyers reach the row-locked allocation, which still refuses them
    "flashsales-rebuild-counters": {"task": "flashsales.tasks.rebuild_counters", "schedule": 600.0},
    # ugc: campaigns whose winners are chosen by votes get their top N once voting has ended
    "ugc-choose-vote-winners": {"task": "campaigns.ugc.choose_vote_winners", "schedule": crontab(minute="*/10")},
}
# giveaways: scheduled publish, close, draw and lapsed claims; cash transfers still in flight
BEAT_SCHEDULE["giveaways-schedule"] = {"task": "giveaways.tasks.run_schedule", "schedule": 60.0}
BEAT_SCHEDULE["giveaways-cash-transfers"] = {"task": "giveaways.tasks.refresh_cash_prizes", "schedule": 600.0}
# platforms: notices left queued by a task that died (a database error, a lost message), queued again once
BEAT_SCHEDULE["platforms-requeue-stuck-notices"] = {"task": "platforms.tasks.requeue_stuck_notices", "schedule": 300.0}
app.conf.beat_schedule = BEAT_SCHEDULE

# A task whose worker process dies before it finishes (killed for memory, a lost machine)
# goes back to the queue and runs again: with acks_late alone (settings) Celery would
# acknowledge it as failed and the job would be lost. Tasks are written to be run twice.
app.conf.task_reject_on_worker_lost = True
