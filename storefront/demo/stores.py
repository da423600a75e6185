"""The demo brand's offline stores in Shanghai, Hangzhou and Beijing, with weekly hours,
a holiday, photos, and the operations account as pickup staff."""

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

from storefront.stores.models import Store, StoreHours, StoreHoursException, StorePhoto
from storefront.stores.services import make_missing_store_photo_renditions

from .images import draw_store, stored_image
from .upsert import upsert

DAILY = [(weekday, time(9, 0), time(21, 30)) for weekday in range(7)]
# Fri and Sat nights run past midnight: a row closing earlier than it opens ends the next day.
LATE_WEEKENDS = [(weekday, time(10, 0), time(22, 0)) for weekday in range(4)] + [
    (4, time(10, 0), time(1, 0)),
    (5, time(10, 0), time(1, 0)),
    (6, time(10, 0), time(22, 0)),
]
WEEKDAYS_SHORTER = [(weekday, time(8, 30), time(20, 0)) for weekday in range(5)] + [
    (5, time(9, 30), time(21, 0)),
    (6, time(9, 30), time(21, 0)),
]
SPRING_FESTIVAL = date(2027, 2, 6)


@dataclass
class StoreData:
    code: str
    name: str
    name_en: str
    province: str
    city: str
    district: str
    address: str
    latitude: str
    longitude: str
    phone: str
    description: str
    color: tuple[int, int, int]
    hours: list[tuple[int, time, time]]
    offers_pickup: bool = True
    photo_count: int = 2
    # (date, is_closed, opens, closes, note)
    exceptions: list[tuple] = field(default_factory=list)


STORES = [
    StoreData(
        "sh-jingan",
        "青山茶舍 上海静安店",
        "Qingshan Jing'an",
        "上海市",
        "上海市",
        "静安区",
        "南京西路1266号 恒隆广场 B1-12",
        "31.228376",
        "121.452912",
        "021-62881266",
        "地铁2/12/13号线南京西路站 1 号口，步行 3 分钟。提供自提。",
        (54, 96, 72),
        DAILY,
        exceptions=[(SPRING_FESTIVAL, True, None, None, "春节休息")],
    ),
    StoreData(
        "sh-wukang",
        "青山茶舍 武康路店",
        "Qingshan Wukang Road",
        "上海市",
        "上海市",
        "徐汇区",
        "武康路378号",
        "31.206938",
        "121.441507",
        "021-64370378",
        "梧桐树下的老洋房，周五周六营业至次日 01:00。",
        (120, 70, 50),
        LATE_WEEKENDS,
        exceptions=[
            (date(2026, 12, 31), False, time(10, 0), time(2, 0), "跨年夜延长营业"),
            (SPRING_FESTIVAL, True, None, None, "春节休息"),
        ],
    ),
    StoreData(
        "hz-xihu",
        "青山茶舍 杭州西湖店",
        "Qingshan West Lake",
        "浙江省",
        "杭州市",
        "西湖区",
        "北山街32号",
        "30.259830",
        "120.147660",
        "0571-87970032",
        "湖畔茶室，可预约龙井品鉴。提供自提。",
        (76, 120, 80),
        DAILY,
        photo_count=1,
        exceptions=[(SPRING_FESTIVAL, True, None, None, "春节休息")],
    ),
    StoreData(
        "bj-wudaoying",
        "青山茶舍 北京五道营店",
        "Qingshan Wudaoying",
        "北京市",
        "北京市",
        "东城区",
        "五道营胡同58号",
        "39.948953",
        "116.413102",
        "010-84048858",
        "雍和宫旁的胡同小院。门店较小，暂不提供自提。",
        (150, 50, 45),
        WEEKDAYS_SHORTER,
        offers_pickup=False,
        exceptions=[(SPRING_FESTIVAL, False, time(12, 0), time(18, 0), "春节缩短营业")],
    ),
]


def load_stores(*, pickup_staff=None) -> list[Store]:
    stores = []
    for spec in STORES:
        store = upsert(
            Store,
            lookup={"code": spec.code},
            values={
                "name": spec.name,
                "province": spec.province,
                "city": spec.city,
                "district": spec.district,
                "address": spec.address,
                "latitude": Decimal(spec.latitude),
                "longitude": Decimal(spec.longitude),
                "phone": spec.phone,
                "description": spec.description,
                "offers_pickup": spec.offers_pickup,
                "is_active": True,
            },
        )
        _hours(store, spec.hours)
        for day, is_closed, opens, closes, note in spec.exceptions:
            upsert(
                StoreHoursException,
                lookup={"store": store, "date": day},
                values={"is_closed": is_closed, "opens": opens, "closes": closes, "note": note},
            )
        for position in range(spec.photo_count):
            interior = position == 1
            name = f"demo/stores/{spec.code}-{position + 1}.jpg"
            stored_image(
                name,
                lambda spec=spec, interior=interior: draw_store(
                    name=spec.name, name_en=spec.name_en, color=spec.color, interior=interior
                ),
            )
            upsert(
                StorePhoto,
                lookup={"store": store, "position": position},
                values={"image": name, "caption": "店内" if interior else "门店外观"},
            )
        if pickup_staff is not None and spec.offers_pickup:
            store.staff.add(pickup_staff)
        stores.append(store)
    # Made up front, as for product images: the first visitor sees the renditions.
    make_missing_store_photo_renditions()
    return stores


def _hours(store: Store, hours: list[tuple[int, time, time]]) -> None:
    wanted = {(weekday, opens, closes) for weekday, opens, closes in hours}
    existing = {(row.weekday, row.opens, row.closes): row.pk for row in store.hours.all()}
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        StoreHours.objects.filter(pk__in=stale).delete()
    StoreHours.objects.bulk_create(
        [StoreHours(store=store, weekday=w, opens=o, closes=c) for w, o, c in sorted(wanted - existing.keys())]
    )
