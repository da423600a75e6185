"""A passer-by looks for a store: nearest first, open now (Asia/Shanghai time, hours past
midnight, holidays), photos, and bad coordinates refused with the field named."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from storefront.stores import selectors as store_selectors
from storefront.stores import services as store_services
from storefront.stores.models import StoreHours, StoreHoursException, StorePhoto
from tests.factories import StoreFactory, StoreHoursFactory, png_bytes

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def stores():
    return {
        # People's Square, Jing'an Temple, Lujiazui, Hangzhou West Lake
        "renmin": StoreFactory(code="renmin", name="人民广场店", latitude="31.231706", longitude="121.472644"),
        "jingan": StoreFactory(code="jingan", name="静安寺店", latitude="31.223395", longitude="121.445723"),
        "lujiazui": StoreFactory(code="lujiazui", name="陆家嘴店", latitude="31.239703", longitude="121.499718"),
        "hangzhou": StoreFactory(code="hangzhou", name="西湖店", latitude="30.259244", longitude="120.130630"),
    }


def at(monkeypatch, when: dt.datetime):
    monkeypatch.setattr(store_selectors, "stores_now", lambda: when.astimezone(SHANGHAI))


def test_nearest_store_first_with_distance(api, stores):
    # Standing on Nanjing West Road, between Jing'an Temple and People's Square (closer to Jing'an).
    body = api.get("/api/v1/stores/?lat=31.2290&lng=121.4520").json()
    assert [s["code"] for s in body["results"]] == ["jingan", "renmin", "lujiazui", "hangzhou"]
    distances = [s["distance_m"] for s in body["results"]]
    assert distances == sorted(distances)
    assert 500 < distances[0] < 900
    assert 150_000 < distances[-1] < 180_000  # Shanghai to Hangzhou


def test_without_a_position_stores_are_listed_by_code_without_distance(api, stores):
    body = api.get("/api/v1/stores/").json()
    assert [s["code"] for s in body["results"]] == ["hangzhou", "jingan", "lujiazui", "renmin"]
    assert all(s["distance_m"] is None for s in body["results"])


def test_inactive_store_is_not_listed_and_its_page_is_404(api, stores):
    stores["hangzhou"].is_active = False
    stores["hangzhou"].save()
    assert "hangzhou" not in [s["code"] for s in api.get("/api/v1/stores/").json()["results"]]
    response = api.get(f"/api/v1/stores/{stores['hangzhou'].pk}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "store_not_found"
    assert api.get("/api/v1/stores/999999/").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lat=91&lng=121", "lat"),
        ("lat=-90.5&lng=121", "lat"),
        ("lat=31&lng=181", "lng"),
        ("lat=31", "lng"),
        ("lng=121", "lat"),
        ("lat=abc&lng=121", "lat"),
        ("lat=NaN&lng=121", "lat"),
        ("lat=31&lng=Infinity", "lng"),
        ("lat=31.2;DROP TABLE storefront_store&lng=121", "lat"),
        ("lat=31) OR (1=1&lng=121", "lat"),
        ("page=0", "page"),
        ("page=50", "page"),
    ],
)
def test_bad_coordinates_are_400_naming_the_field(api, stores, query, field):
    response = api.get(f"/api/v1/stores/?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert api.get("/api/v1/stores/").json()["count"] == 4


def test_open_now_with_weekly_hours(api, stores, monkeypatch):
    store = stores["renmin"]
    StoreHoursFactory(store=store, weekday=0, opens="09:00", closes="21:00")
    monday_noon = dt.datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
    at(monkeypatch, monday_noon)
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["open_now"] is True
    at(monkeypatch, monday_noon.replace(hour=21, minute=0))
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["open_now"] is False
    at(monkeypatch, monday_noon + dt.timedelta(days=1))  # Tuesday: no hours
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["open_now"] is False


def test_open_now_is_computed_in_shanghai_time(api, stores, monkeypatch):
    store = stores["renmin"]
    StoreHoursFactory(store=store, weekday=0, opens="09:00", closes="10:00")
    # 01:30 UTC on Monday is 09:30 in Shanghai.
    at(monkeypatch, dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC))
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["open_now"] is True


def test_open_now_across_midnight(api, stores, monkeypatch):
    bar = stores["jingan"]
    StoreHoursFactory(store=bar, weekday=4, opens="18:00", closes="02:00")  # Friday night into Saturday
    friday = dt.datetime(2026, 11, 27, 23, 30, tzinfo=SHANGHAI)
    for when, expected in [
        (friday, True),
        (friday + dt.timedelta(hours=2), True),  # Saturday 01:30
        (friday + dt.timedelta(hours=3), False),  # Saturday 02:30
        (friday.replace(hour=17, minute=59), False),
        (friday - dt.timedelta(days=1), False),  # Thursday 23:30: no hours on Thursday
    ]:
        at(monkeypatch, when)
        assert api.get(f"/api/v1/stores/{bar.pk}/").json()["open_now"] is expected, when


def test_holiday_exception_closes_the_store_and_ends_the_night_before(api, stores, monkeypatch):
    store = stores["lujiazui"]
    for weekday in range(7):
        StoreHoursFactory(store=store, weekday=weekday, opens="10:00", closes="01:00")
    new_year = dt.date(2027, 1, 1)
    StoreHoursException.objects.create(store=store, date=new_year, is_closed=True, note="元旦")
    at(monkeypatch, dt.datetime(2026, 12, 31, 23, 0, tzinfo=SHANGHAI))
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["open_now"] is True
    at(monkeypatch, dt.datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI))  # Dec 31's hours run on
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["open_now"] is True
    at(monkeypatch, dt.datetime(2027, 1, 1, 12, 0, tzinfo=SHANGHAI))
    body = api.get(f"/api/v1/stores/{store.pk}/").json()
    assert body["open_now"] is False
    assert body["exceptions"][0] == {
        "date": "2027-01-01",
        "is_closed": True,
        "opens": None,
        "closes": None,
        "note": "元旦",
    }
    at(monkeypatch, dt.datetime(2027, 1, 2, 0, 30, tzinfo=SHANGHAI))  # no spill-over from a closed day
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["open_now"] is False


def test_exception_with_special_hours(api, stores, monkeypatch):
    store = stores["renmin"]
    StoreHoursFactory(store=store, weekday=3, opens="09:00", closes="21:00")
    StoreHoursException.objects.create(
        store=store, date=dt.date(2026, 11, 26), is_closed=False, opens=dt.time(12, 0), closes=dt.time(16, 0)
    )
    at(monkeypatch, dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["open_now"] is False
    at(monkeypatch, dt.datetime(2026, 11, 26, 13, 0, tzinfo=SHANGHAI))
    assert api.get(f"/api/v1/stores/{store.pk}/").json()["open_now"] is True


def test_store_lists_hours_and_photos_with_absolute_urls(api, stores, django_capture_on_commit_callbacks):
    store = stores["renmin"]
    StoreHoursFactory(store=store, weekday=5, opens="10:00", closes="22:00")
    with django_capture_on_commit_callbacks(execute=True):  # the upload's renditions task runs
        StorePhoto.objects.create(
            store=store, caption="门头", image=SimpleUploadedFile("front.png", png_bytes(), content_type="image/png")
        )
    body = api.get(f"/api/v1/stores/{store.pk}/?lat=31.23&lng=121.47").json()
    assert body["hours"] == [{"weekday": 5, "opens": "10:00", "closes": "22:00"}]
    assert body["distance_m"] is not None
    photo = body["photos"][0]
    assert photo["caption"] == "门头"
    assert photo["url"].startswith("https://shop.example.com/media/cache/")
    assert photo["thumbnail"].startswith("https://shop.example.com/media/cache/")
    assert photo["url"] != photo["thumbnail"]
    assert {"name", "full_address", "phone", "latitude", "longitude", "offers_pickup", "open_now"} <= set(body)


def test_a_photo_whose_renditions_are_not_made_yet_shows_the_original_until_the_sweep(api, stores):
    store = stores["renmin"]
    # Saved without its task running (a worker that was down): reading the store renders nothing.
    photo = StorePhoto.objects.create(
        store=store, image=SimpleUploadedFile("late.png", png_bytes(), content_type="image/png")
    )
    listed = api.get(f"/api/v1/stores/{store.pk}/").json()["photos"][0]
    assert listed["url"] == listed["thumbnail"] == f"https://shop.example.com{photo.image.url}"
    photo.refresh_from_db()
    assert photo.renditions_of == ""

    assert store_services.make_missing_store_photo_renditions() == 1
    assert store_services.make_missing_store_photo_renditions() == 0  # made once per upload
    listed = api.get(f"/api/v1/stores/{store.pk}/").json()["photos"][0]
    assert listed["thumbnail"].startswith("https://shop.example.com/media/cache/")


def test_stores_need_no_login(api, stores):
    assert api.get("/api/v1/stores/").status_code == 200


def _store_queries(api, count):
    for n in range(count):
        store = StoreFactory(code=f"q{count}-{n}")
        for weekday in range(7):
            StoreHours.objects.create(store=store, weekday=weekday, opens="09:00", closes="21:00")
        StorePhoto.objects.create(
            store=store, image=SimpleUploadedFile(f"s{n}.png", png_bytes((60, 40)), content_type="image/png")
        )
    store_services.make_missing_store_photo_renditions()
    url = f"/api/v1/stores/?lat=31.2&lng=121.4&page_size={count}"
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert len(response.json()["results"]) == count
    return len(queries)


def test_store_list_query_count_is_fixed(api):
    assert _store_queries(api, 2) == 5  # count, page, hours, exceptions, photos
    from storefront.stores.models import Store

    Store.objects.all().delete()
    assert _store_queries(api, 12) == 5
