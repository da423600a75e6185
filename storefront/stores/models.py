"""The brand's offline stores: where they are, when they are open, whether they offer pickup."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Store(models.Model):
    code = models.SlugField(
        _("code"), max_length=32, unique=True, help_text=_("Short code used in campaign codes and reports.")
    )
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=32)
    city = models.CharField(_("city"), max_length=32)
    district = models.CharField(_("district"), max_length=32, blank=True)
    address = models.CharField(_("street and number"), max_length=200)
    # GCJ-02 coordinates, as the mini programs' map components use.
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    offers_pickup = models.BooleanField(_("offers pickup"), default=True)
    is_active = models.BooleanField(_("shown to shoppers"), default=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="stores",
        help_text=_("Staff who may hand over pickup orders at this store."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90) & Q(latitude__lte=90), name="store_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180) & Q(longitude__lte=180), name="store_longitude_range"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def full_address(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.address}"


class StorePhoto(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to="stores/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # The display and list renditions, made by a task when the photo is saved (never while
    # answering a request); `renditions_of` is the upload they were made from.
    display_url = models.CharField(_("display size"), max_length=500, blank=True, editable=False)
    thumbnail_url = models.CharField(_("list size"), max_length=500, blank=True, editable=False)
    renditions_of = models.CharField(_("renditions made from"), max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("store photo")
        verbose_name_plural = _("store photos")


class StoreHours(models.Model):
    """Weekly opening hours. A row whose `closes` is earlier than `opens` runs past midnight
    into the next day (a bar open 18:00-02:00)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="store_hours_weekday_range"),
            models.CheckConstraint(condition=~Q(opens=models.F("closes")), name="store_hours_not_empty"),
        ]


class StoreHoursException(models.Model):
    """A date with other hours than usual (a holiday): closed all day, or open opens-closes."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("date"))
    is_closed = models.BooleanField(_("closed all day"), default=True)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=100, blank=True, help_text=_("For example: Spring Festival"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("hours exception")
        verbose_name_plural = _("hours exceptions")
        constraints = [
            models.UniqueConstraint(fields=["store", "date"], name="one_exception_per_store_day"),
            models.CheckConstraint(
                condition=Q(is_closed=True) | (Q(opens__isnull=False) & Q(closes__isnull=False)),
                name="store_exception_hours_when_open",
            ),
        ]
