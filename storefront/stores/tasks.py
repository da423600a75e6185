"""Celery tasks of the stores domain. Thin: each calls a service, imported inside the task body."""

from celery import shared_task


@shared_task(name="storefront.tasks.make_store_photo_renditions")
def make_store_photo_renditions(photo_id):
    """Renders a store photo's display and list sizes once, so requests never do."""
    from storefront.stores import services

    services.make_store_photo_renditions(photo_id=photo_id)


@shared_task(name="storefront.tasks.make_missing_store_photo_renditions")
def make_missing_store_photo_renditions():
    """The periodic sweep: renditions for photos whose save-time task did not make them."""
    from storefront.stores import services

    return services.make_missing_store_photo_renditions()
