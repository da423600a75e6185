"""The catalog's receivers of Django's model signals: listings, search text, thumbnails, the
cache version and WeChat search follow every product, image, stock and category change.
Imported (and so connected) in StorefrontConfig.ready only."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from oscar.core.loading import get_model

from storefront.catalog import services as catalog
from storefront.catalog.tasks import make_product_image_thumbnails, submit_product_page_to_wechat

_Product = get_model("catalogue", "Product")
_ProductImage = get_model("catalogue", "ProductImage")
_ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
_ProductCategory = get_model("catalogue", "ProductCategory")
_Category = get_model("catalogue", "Category")
_StockRecord = get_model("partner", "StockRecord")


@receiver(pre_save, sender=_Product, dispatch_uid="catalog_product_was_public")
def _remember_if_product_was_public(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._was_public = None
        return
    instance._was_public = sender.objects.filter(pk=instance.pk).values_list("is_public", flat=True).first()


@receiver(post_save, sender=_Product, dispatch_uid="catalog_product_saved")
def _product_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    catalog.ensure_listing(product=instance)
    catalog.refresh_search_text(product_id=instance.pk)
    catalog.bump_catalog_version()
    was_public = getattr(instance, "_was_public", None)
    newly_public = instance.is_public and (created or was_public is False)
    if newly_public and instance.parent_id is None:
        product_id = instance.pk
        transaction.on_commit(lambda: submit_product_page_to_wechat.delay(product_id))


@receiver(post_save, sender=_ProductAttributeValue, dispatch_uid="catalog_attribute_saved")
@receiver(post_delete, sender=_ProductAttributeValue, dispatch_uid="catalog_attribute_deleted")
def _attribute_value_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    catalog.sync_original_price(value=instance, deleted=kwargs.get("signal") is post_delete)
    catalog.refresh_search_text(product_id=instance.product_id)
    catalog.bump_catalog_version()


@receiver(post_save, sender="storefront.ProductListing", dispatch_uid="catalog_listing_saved")
def _listing_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and set(update_fields) <= {"sales_count"}):
        return
    catalog.refresh_search_text(product_id=instance.product_id)
    catalog.bump_catalog_version()


@receiver(post_save, sender=_ProductImage, dispatch_uid="catalog_image_saved")
def _product_image_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    catalog.bump_catalog_version()
    image_id = instance.pk
    transaction.on_commit(lambda: make_product_image_thumbnails.delay(image_id))


@receiver(post_save, sender=_StockRecord, dispatch_uid="catalog_stock_saved")
@receiver(post_delete, sender=_StockRecord, dispatch_uid="catalog_stock_deleted")
@receiver(post_delete, sender=_Product, dispatch_uid="catalog_product_deleted")
@receiver(post_delete, sender=_ProductImage, dispatch_uid="catalog_image_deleted")
@receiver(post_save, sender=_ProductCategory, dispatch_uid="catalog_product_category_saved")
@receiver(post_delete, sender=_ProductCategory, dispatch_uid="catalog_product_category_deleted")
@receiver(post_save, sender=_Category, dispatch_uid="catalog_category_saved")
@receiver(post_delete, sender=_Category, dispatch_uid="catalog_category_deleted")
def _catalog_changed(sender, raw=False, **kwargs):
    if raw:
        return
    catalog.bump_catalog_version()
