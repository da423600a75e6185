"""The marketers' one-form offer (满减, 折扣, 第二件半价) over Oscar's range, condition and
benefit, its preview on a sample basket, and the minute-precision date fields the offer
and coupon screens share.

One form writes four Oscar rows: the range (which products), the condition (满 X 元 or 满 X
件), the benefit (减 Y 元, Y 折, half price on the cheaper item) and the site offer with its
dates. The preview saves them inside a transaction that is rolled back, builds a basket of
the sample lines and applies the offer with Oscar's own applicator and benefit classes, so
what it shows is what checkout will charge.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from oscar.apps.offer.applicator import Applicator
from oscar.core.loading import get_model

from storefront.catalog.strategy import get_strategy

ConditionalOffer = get_model("offer", "ConditionalOffer")
Condition = get_model("offer", "Condition")
Benefit = get_model("offer", "Benefit")
Range = get_model("offer", "Range")
Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")

MINUTES = "%Y-%m-%dT%H:%M"
SAMPLE_LINES = 3


class MinuteDateTimeField(forms.DateTimeField):
    """A date and time to the minute in the browser's own picker: no seconds to type."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 60}, format=MINUTES)

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [MINUTES, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
        super().__init__(**kwargs)


class MinuteDateTimesMixin:
    """For a ModelAdmin: every date-and-time field shows and takes hours and minutes only
    (09:30, not 09:30:00), whatever widget the console's theme gives it."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        for part in getattr(widget, "widgets", []):
            if isinstance(part, forms.TimeInput):
                part.format = "%H:%M"
                part.attrs["placeholder"] = "时:分，如 09:30"
        if isinstance(formfield, forms.SplitDateTimeField):
            formfield.fields[1].input_formats = ["%H:%M", "%H:%M:%S"]
        return formfield


def yuan(amount) -> str:
    return f"¥{Decimal(amount):.2f}"


def zhe_text(percent_off) -> str:
    """20% off -> "8折", 15% off -> "8.5折"."""
    zhe = (Decimal(100) - Decimal(percent_off)) / 10
    return f"{zhe.normalize():f}折"


def category_label(category) -> str:
    return " > ".join(node.name for node in [*category.get_ancestors(), category])


class CategoryChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return category_label(obj)


class ProductChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.title


def sku_label(sku) -> str:
    values = [
        str(value.value_as_text)
        for value in sku.attribute_values.all()
        if value.attribute.type == value.attribute.OPTION and value.value_option_id
    ]
    title = sku.parent.title if sku.parent_id else sku.title
    record = sku.stockrecords.all()[0] if sku.stockrecords.all() else None
    price = f" {yuan(record.price)}" if record and record.price is not None else ""
    return f"{title}（{' / '.join(values)}）{price}" if values else f"{title}{price}"


class SkuChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return sku_label(obj)


def sample_skus():
    """What a shopper can buy now: public standalone products and public SKUs of public
    products, with a price."""
    return (
        Product.objects.filter(is_public=True, stockrecords__price__isnull=False)
        .filter(Q(structure=Product.STANDALONE) | Q(structure=Product.CHILD, parent__is_public=True))
        .distinct()
    )


class OfferForm(forms.Form):
    KINDS = (
        ("amount_off", "满减：满 X 元减 Y 元"),
        ("percent_off", "折扣：满 X 件打 Y 折"),
        ("second_half", "第二件半价：买两件，较便宜的一件半价"),
    )
    SCOPES = (("all", "全部商品"), ("categories", "指定分类"), ("products", "指定商品"))

    name = forms.CharField(label="活动名称", max_length=128, help_text="顾客在购物车里看到的优惠名称。")
    description = forms.CharField(label="活动说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label="优惠方式", choices=KINDS, widget=forms.RadioSelect, initial="amount_off")
    min_amount = forms.DecimalField(
        label="满（元）", required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    amount_off = forms.DecimalField(
        label="减（元）", required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    min_count = forms.IntegerField(label="满（件）", required=False, min_value=1, initial=1)
    zhe = forms.DecimalField(
        label="打（折）",
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal("9.9"),
        max_digits=3,
        decimal_places=1,
        help_text="例如 8 为八折，8.5 为八五折。",
    )
    scope = forms.ChoiceField(label="适用商品", choices=SCOPES, widget=forms.RadioSelect, initial="all")
    categories = CategoryChoices(Category.objects.none(), label="分类", required=False)
    products = ProductChoices(Product.objects.none(), label="商品", required=False)
    starts_at = MinuteDateTimeField(label="开始时间", required=False, help_text="留空则立即开始。")
    ends_at = MinuteDateTimeField(label="结束时间", required=False, help_text="留空则一直有效。")
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    exclusive = forms.BooleanField(
        label="不与其他活动同享", required=False, initial=True, help_text="勾选后，同一商品只享受这一个活动。"
    )

    def __init__(self, *args, offer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.fields["categories"].queryset = Category.objects.order_by("path")
        self.fields["products"].queryset = Product.objects.exclude(structure=Product.CHILD).order_by("title")
        skus = (
            sample_skus()
            .select_related("parent")
            .prefetch_related("stockrecords", "attribute_values__attribute", "attribute_values__value_option")
        )
        for index in range(1, SAMPLE_LINES + 1):
            self.fields[f"sample_{index}"] = SkuChoice(
                skus.order_by("parent__title", "title", "id"), label=f"试算商品 {index}", required=False
            )
            self.fields[f"sample_{index}_quantity"] = forms.IntegerField(
                label="数量", min_value=1, max_value=99, required=False, initial=1
            )
        self.unknown_rule = offer is not None and not kind_of(offer)
        if offer is not None and not self.is_bound:
            self.initial.update(initial_for(offer))

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "amount_off":
            if not data.get("min_amount"):
                self.add_error("min_amount", "请填写满多少元。")
            if not data.get("amount_off"):
                self.add_error("amount_off", "请填写减多少元。")
            if data.get("min_amount") and data.get("amount_off") and data["amount_off"] > data["min_amount"]:
                self.add_error("amount_off", "减的金额不能超过满的金额。")
        if kind == "percent_off":
            if not data.get("zhe"):
                self.add_error("zhe", "请填写打几折。")
            if not data.get("min_count"):
                data["min_count"] = 1
        scope = data.get("scope")
        if scope == "categories" and not data.get("categories"):
            self.add_error("categories", "请选择分类。")
        if scope == "products" and not data.get("products"):
            self.add_error("products", "请选择商品。")
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "结束时间须晚于开始时间。")
        name = data.get("name")
        if name:
            taken = ConditionalOffer.objects.filter(name=name)
            if self.offer is not None:
                taken = taken.exclude(pk=self.offer.pk)
            if taken.exists():
                self.add_error("name", "已有同名的活动。")
        return data

    def samples(self) -> list[tuple]:
        lines = []
        for index in range(1, SAMPLE_LINES + 1):
            sku = self.cleaned_data.get(f"sample_{index}")
            if sku is not None:
                lines.append((sku, self.cleaned_data.get(f"sample_{index}_quantity") or 1))
        return lines


def initial_for(offer) -> dict:
    condition, benefit = offer.condition, offer.benefit
    rng = condition.range
    initial = {
        "name": offer.name,
        "description": offer.description,
        "starts_at": offer.start_datetime,
        "ends_at": offer.end_datetime,
        "is_active": offer.status == ConditionalOffer.OPEN,
        "exclusive": offer.exclusive,
        "kind": kind_of(offer),
    }
    if condition.type == Condition.VALUE:
        initial["min_amount"] = condition.value
    else:
        initial["min_count"] = int(condition.value or 1)
    if benefit.type == Benefit.FIXED:
        initial["amount_off"] = benefit.value
    elif benefit.type == Benefit.PERCENTAGE and initial["kind"] == "percent_off":
        initial["zhe"] = ((Decimal(100) - benefit.value) / 10).quantize(Decimal("0.1"))
    if rng is not None:
        if rng.includes_all_products:
            initial["scope"] = "all"
        elif rng.included_categories.exists():
            initial["scope"] = "categories"
            initial["categories"] = list(rng.included_categories.all())
        else:
            initial["scope"] = "products"
            initial["products"] = list(rng.included_products.all())
    return initial


def kind_of(offer) -> str:
    condition, benefit = offer.condition, offer.benefit
    if condition.type == Condition.VALUE and benefit.type == Benefit.FIXED:
        return "amount_off"
    if (
        condition.type == Condition.COUNT
        and benefit.type == Benefit.PERCENTAGE
        and benefit.max_affected_items == 1
        and condition.value == 2
        and benefit.value == 50
    ):
        return "second_half"
    if condition.type == Condition.COUNT and benefit.type == Benefit.PERCENTAGE:
        return "percent_off"
    return ""


def rule_text(offer) -> str:
    """满200元减30元 / 满1件打8折 / 第二件半价, from the offer's condition and benefit."""
    kind = kind_of(offer)
    condition, benefit = offer.condition, offer.benefit
    if kind == "amount_off":
        return f"满{condition.value.normalize():f}元减{benefit.value.normalize():f}元"
    if kind == "second_half":
        return "第二件半价"
    if kind == "percent_off":
        return f"满{int(condition.value)}件打{zhe_text(benefit.value)}"
    return offer.name


def save_offer(form) -> ConditionalOffer:
    """Writes the form's range, condition, benefit and site offer; returns the offer."""
    data = form.cleaned_data
    offer = form.offer
    with transaction.atomic():
        if offer is None:
            rng = Range(name=f"{data['name']}（适用商品）")
            condition, benefit = Condition(), Benefit()
        else:
            # Rows another offer shares (the demo's range serves a voucher too) are copied
            # first: editing this offer never changes another one.
            condition, benefit = _own(offer.condition, offer), _own(offer.benefit, offer)
            rng = condition.range
            if rng is None or _range_shared(rng, offer):
                rng = Range()
            rng.name = f"{data['name']}（适用商品）"
        rng.includes_all_products = data["scope"] == "all"
        rng.save()
        rng.included_categories.set(data.get("categories") or [] if data["scope"] == "categories" else [])
        rng.included_products.set(data.get("products") or [] if data["scope"] == "products" else [])

        kind = data["kind"]
        condition.range = rng
        benefit.range = rng
        benefit.max_affected_items = None
        if kind == "amount_off":
            condition.type, condition.value = Condition.VALUE, data["min_amount"]
            benefit.type, benefit.value = Benefit.FIXED, data["amount_off"]
        elif kind == "percent_off":
            condition.type, condition.value = Condition.COUNT, Decimal(data.get("min_count") or 1)
            benefit.type, benefit.value = Benefit.PERCENTAGE, Decimal(100) - data["zhe"] * 10
        else:  # second_half: of every two items, the cheaper one at half price
            condition.type, condition.value = Condition.COUNT, Decimal(2)
            benefit.type, benefit.value, benefit.max_affected_items = Benefit.PERCENTAGE, Decimal(50), 1
        condition.save()
        benefit.save()

        offer = offer or ConditionalOffer()
        offer.name = data["name"]
        offer.description = data.get("description") or ""
        offer.offer_type = ConditionalOffer.SITE
        offer.condition, offer.benefit = condition, benefit
        offer.start_datetime = data.get("starts_at")
        offer.end_datetime = data.get("ends_at")
        offer.exclusive = bool(data.get("exclusive"))
        offer.status = ConditionalOffer.OPEN if data.get("is_active") else ConditionalOffer.SUSPENDED
        offer.save()
    return offer


def _own(row, offer):
    """The condition or benefit itself when only this offer uses it, else an unsaved copy."""
    users = ConditionalOffer.objects.filter(**{row._meta.model_name: row}).exclude(pk=offer.pk)
    if not users.exists():
        return row
    row.pk = row.id = None
    row._state.adding = True
    return row


def _range_shared(rng, offer) -> bool:
    others = ConditionalOffer.objects.exclude(pk=offer.pk)
    return (
        others.filter(condition__range=rng).exists()
        or others.filter(benefit__range=rng).exists()
        or Condition.objects.filter(range=rng).exclude(pk=offer.condition_id).exists()
        or Benefit.objects.filter(range=rng).exclude(pk=offer.benefit_id).exists()
    )


@dataclass
class PreviewLine:
    label: str
    quantity: int
    before: Decimal
    after: Decimal

    @property
    def saving(self) -> Decimal:
        return self.before - self.after


@dataclass
class Preview:
    lines: list = field(default_factory=list)
    before: Decimal = Decimal("0.00")
    after: Decimal = Decimal("0.00")
    applied: bool = False
    message: str = ""

    @property
    def saving(self) -> Decimal:
        return self.before - self.after


class _RollBack(Exception):
    def __init__(self, preview):
        self.preview = preview


def preview(form) -> Preview:
    """What the form's offer does to its sample lines, computed by Oscar's applicator on a
    real basket; nothing stays written (the transaction is rolled back)."""
    samples = form.samples()
    if not samples:
        return Preview(message="请选择至少一件试算商品。")
    try:
        with transaction.atomic():
            offer = save_offer(form)
            basket = Basket.objects.create()
            basket.strategy = get_strategy()
            for sku, quantity in samples:
                basket.add_product(sku, quantity)
            basket.reset_offer_applications()
            Applicator().apply_offers(basket, [offer])
            result = Preview()
            for line in basket.all_lines():
                before = line.line_price_incl_tax
                after = line.line_price_incl_tax_incl_discounts
                result.lines.append(PreviewLine(sku_label(line.product), line.quantity, before, after))
            result.before = basket.total_incl_tax_excl_discounts
            result.after = basket.total_incl_tax
            result.applied = result.saving > 0
            if not result.applied:
                result.message = "这些商品不满足活动条件，没有优惠。"
            raise _RollBack(result)
    except _RollBack as done:
        return done.preview


def now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")
