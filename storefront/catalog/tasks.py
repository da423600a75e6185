"""Celery tasks of the catalog. Thin: each calls a service, imported inside the task body.
Names are explicit and kept from the earlier layout (queued messages, the beat schedule)."""

import logging

from celery import shared_task

from platforms.base import PlatformError

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="storefront.tasks.submit_product_page_to_wechat", max_retries=8, default_retry_delay=120)
def submit_product_page_to_wechat(self, product_id):
    """Queues a published product's page for WeChat search; retried while WeChat is busy."""
    from storefront.catalog import services as catalog

    try:
        catalog.submit_product_page_for_search(product_id=product_id)
    except PlatformError as exc:
        if not exc.retryable:
            logger.warning("WeChat refused the page of product %s: %s %s", product_id, exc.code, exc.message)
            return
        raise self.retry(exc=exc, countdown=min(3600, 60 * 2**self.request.retries))


@shared_task(name="storefront.tasks.make_product_image_thumbnails")
def make_product_image_thumbnails(image_id):
    """Renders a product image's list and detail sizes once, so list requests never do."""
    from storefront.catalog import services as catalog

    catalog.make_product_image_thumbnails(image_id=image_id)


@shared_task(name="storefront.tasks.make_missing_product_image_thumbnails")
def make_missing_product_image_thumbnails():
    """The periodic sweep: renditions for images whose save-time task did not make them."""
    from storefront.catalog import services as catalog

    return catalog.make_missing_product_image_thumbnails()


@shared_task(name="storefront.tasks.run_product_schedule")
def run_product_schedule():
    """Publishes and unpublishes the products whose time set in the product editor has come."""
    from storefront.catalog import publishing

    return publishing.run_schedule()
