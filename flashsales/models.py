"""Flash sales (限时秒杀): chosen SKUs at a special price for a short window.

- `FlashSale`: the window (start, end), the per-member limit and whether it is switched on.
- `FlashSaleItem`: one SKU of a sale, its sale price and normal price, the quantity set aside
  and what is `remaining`. `remaining` is the truth; it only changes by conditional UPDATEs
  inside order transactions (placement takes, cancellation gives back).
- `FlashSaleCounter`: the database form of the fast counter that answers buyers who get
  nothing without touching the stock rows (the Redis form keeps the same number in a key).
  It is a copy of `remaining`, rebuilt from it by `rebuild_counters`.
- `FlashSaleBuyer`: how many units of an item one member holds at the sale price (the
  per-member limit is checked against this row, locked).
- `FlashSaleOrderLine`: the units an order took from an item; `released` once a cancelled
  order gave them back, so giving back twice does nothing.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from oscar.apps.catalogue.models import Product
from oscar.apps.order.models import Order


class FlashSale(models.Model):
    name = models.CharField("活动名称", max_length=100)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间", db_index=True)
    per_member_limit = models.PositiveIntegerField("每人限购（件/商品）", default=1)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "秒杀活动"
        verbose_name_plural = "秒杀活动"
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="flashsale_ends_after_start"),
            models.CheckConstraint(condition=Q(per_member_limit__gt=0), name="flashsale_limit_positive"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "结束时间必须晚于开始时间。"})

    def state_at(self, now) -> str:
        if now < self.starts_at:
            return "upcoming"
        if now >= self.ends_at:
            return "ended"
        return "running"


class FlashSaleItem(models.Model):
    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="items", verbose_name="秒杀活动")
    sku = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="flash_sale_items", verbose_name="商品规格")
    sale_price = models.DecimalField("秒杀价（元）", max_digits=12, decimal_places=2)
    normal_price = models.DecimalField(
        "原价（元）", max_digits=12, decimal_places=2, help_text="留空则取该规格当前售价。", blank=True
    )
    quantity = models.PositiveIntegerField("秒杀库存（件）")
    remaining = models.PositiveIntegerField("剩余（件）", editable=False)

    class Meta:
        verbose_name = "秒杀商品"
        verbose_name_plural = "秒杀商品"
        ordering = ["sale", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "sku"], name="flashsaleitem_one_row_per_sku"),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="flashsaleitem_remaining_not_negative"),
            models.CheckConstraint(
                condition=Q(remaining__lte=F("quantity")), name="flashsaleitem_remaining_le_quantity"
            ),
            models.CheckConstraint(condition=Q(sale_price__gte=0), name="flashsaleitem_sale_price_not_negative"),
            models.CheckConstraint(
                condition=Q(sale_price__lt=F("normal_price")), name="flashsaleitem_sale_price_below_normal"
            ),
        ]

    def __str__(self):
        return f"{self.sale} · {self.sku.get_title()}"

    def save(self, *args, **kwargs):
        if self.remaining is None:
            self.remaining = self.quantity
        self.fill_normal_price()
        created = self._state.adding
        super().save(*args, **kwargs)
        if created:  # the database counter exists from the start (no lazy creation to race on)
            FlashSaleCounter.objects.get_or_create(item=self, defaults={"left": self.remaining})

    def fill_normal_price(self):
        """The SKU's current price, when the marketer left the normal price empty."""
        if self.normal_price is None and self.sku_id:
            record = self.sku.stockrecords.order_by("pk").first()
            if record is None or record.price is None:
                raise ValidationError({"sku": "该规格没有售价，不能参加秒杀。"})
            self.normal_price = record.price

    def clean(self):
        self.fill_normal_price()
        if self.sale_price is not None and self.normal_price is not None:
            if self.sale_price < Decimal("0"):
                raise ValidationError({"sale_price": "秒杀价不能为负。"})
            if self.sale_price >= self.normal_price:
                raise ValidationError({"sale_price": f"秒杀价必须低于原价 {self.normal_price} 元。"})


class FlashSaleCounter(models.Model):
    """The fast counter kept in the database (no Redis): a copy of `remaining`."""

    item = models.OneToOneField(FlashSaleItem, on_delete=models.CASCADE, related_name="counter", primary_key=True)
    left = models.IntegerField("计数器余量", default=0)

    class Meta:
        verbose_name = "秒杀计数器"
        verbose_name_plural = "秒杀计数器"


class FlashSaleBuyer(models.Model):
    item = models.ForeignKey(FlashSaleItem, on_delete=models.CASCADE, related_name="buyers", verbose_name="秒杀商品")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flash_sale_buys", verbose_name="会员"
    )
    quantity = models.PositiveIntegerField("已抢（件）", default=0)

    class Meta:
        verbose_name = "秒杀购买人"
        verbose_name_plural = "秒杀购买人"
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="flashsalebuyer_one_row_per_member"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="flashsalebuyer_quantity_not_negative"),
        ]


class FlashSaleOrderLine(models.Model):
    class State(models.TextChoices):
        HELD = "held", "占用中"
        RELEASED = "released", "已退回"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="flash_sale_lines", verbose_name="订单")
    item = models.ForeignKey(
        FlashSaleItem, on_delete=models.PROTECT, related_name="order_lines", verbose_name="秒杀商品"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="会员"
    )
    quantity = models.PositiveIntegerField("件数")
    sale_price = models.DecimalField("秒杀价（元）", max_digits=12, decimal_places=2)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.HELD)
    created_at = models.DateTimeField("下单时间", auto_now_add=True)

    class Meta:
        verbose_name = "秒杀订单行"
        verbose_name_plural = "秒杀订单行"
        constraints = [
            models.UniqueConstraint(fields=["order", "item"], name="flashsaleorderline_one_per_order_item"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="flashsaleorderline_quantity_positive"),
        ]
