"""Operations in the admin: the "to ship" queue, shipping one order in parts, importing a
CSV/Excel file of parcels (preview, per-row errors, all or nothing), the attention list and
the failed WeChat uploads with their retry."""

import datetime as dt

import pytest
import tablib
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from oscar.apps.order.models import Order

from logistics import services
from logistics.admin import ShipmentImportResource
from logistics.models import Shipment, WechatShippingUpload
from tests.factories import StaffFactory, line_ids, paid_order, tracking_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    staff = StaffFactory()
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="logistics"))
    client.force_login(staff)
    client.staff = staff
    return client


def csv_dataset(rows, headers=("order_number", "carrier", "tracking_number")):
    return tablib.Dataset(*rows, headers=list(headers))


def import_rows(rows, *, dry_run=False, headers=("order_number", "carrier", "tracking_number")):
    return ShipmentImportResource().import_data(
        csv_dataset(rows, headers),
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )


def test_a_csv_of_good_rows_previews_then_ships_every_order(carriers, django_capture_on_commit_callbacks):
    orders = [paid_order(), paid_order()]
    rows = [(orders[0].number, "ZTO", tracking_number("ZTO")), (orders[1].number, "sf", tracking_number("SF").lower())]

    preview = import_rows(rows, dry_run=True)
    assert not preview.has_errors() and not preview.has_validation_errors()
    assert not Shipment.objects.exists()  # a preview writes nothing

    with django_capture_on_commit_callbacks(execute=True):
        result = import_rows(rows)
    assert result.totals["new"] == 2
    assert set(Order.objects.values_list("status", flat=True)) == {"shipped"}
    assert set(Shipment.objects.values_list("source", flat=True)) == {"import"}


def test_bad_rows_get_their_own_error_and_nothing_is_written(carriers):
    good, unpaid, partly = paid_order(), paid_order(status="pending_payment"), paid_order()
    rows = [
        (good.number, "ZTO", tracking_number("ZTO")),
        ("NO-SUCH-ORDER", "ZTO", tracking_number("ZTO")),
        (unpaid.number, "ZTO", tracking_number("ZTO")),
        (partly.number, "SF", "YT1234567890123"),
        (partly.number, "DHL", "1234567890"),
    ]

    result = import_rows(rows)

    errors = {row.number: str(row.error_dict) for row in result.invalid_rows}
    assert sorted(errors) == [2, 3, 4, 5]
    assert "Unknown order NO-SUCH-ORDER" in errors[2]
    assert "only paid orders" in errors[3]
    assert "is not a 顺丰速运 tracking number" in errors[4] and "tracking_number" in errors[4]
    assert "Unknown carrier" in errors[5]
    assert not Shipment.objects.exists()  # not even the good row
    assert Order.objects.get(pk=good.pk).status == "paid"


def test_the_same_tracking_number_twice_in_a_file_is_an_error_on_the_second_row(carriers):
    number = tracking_number("ZTO")
    result = import_rows([(paid_order().number, "ZTO", number), (paid_order().number, "ZTO", number)])
    assert [row.number for row in result.invalid_rows] == [2]
    assert not Shipment.objects.exists()


def test_chinese_column_names_are_understood(carriers):
    order = paid_order()
    result = import_rows([(order.number, "YTO", tracking_number("YTO"))], headers=("订单号", "快递公司", "快递单号"))
    assert not result.has_validation_errors()
    assert Shipment.objects.get().order == order


def test_the_admin_import_previews_a_csv_shows_row_errors_and_imports_on_confirm(carriers, operator):
    order = paid_order()
    bad = "order_number,carrier,tracking_number\nNOPE,ZTO,731234567890123\n"
    response = operator.post(
        reverse("admin:logistics_shipment_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("bad.csv", bad.encode(), "text/csv")},
    )
    assert response.status_code == 200
    assert "Unknown order NOPE" in response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None

    good = f"order_number,carrier,tracking_number\n{order.number},ZTO,{tracking_number('ZTO')}\n"
    preview = operator.post(
        reverse("admin:logistics_shipment_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("good.csv", good.encode(), "text/csv")},
    )
    confirm = preview.context["confirm_form"]
    assert not Shipment.objects.exists()
    done = operator.post(reverse("admin:logistics_shipment_process_import"), confirm.initial)
    assert done.status_code == 302
    assert Shipment.objects.get().order == order


def test_an_excel_file_imports_too(carriers, operator):
    order = paid_order()
    dataset = csv_dataset([(order.number, "EMS", tracking_number("EMS"))])
    upload = SimpleUploadedFile("parcels.xlsx", dataset.export("xlsx"), "application/vnd.ms-excel")
    preview = operator.post(
        reverse("admin:logistics_shipment_import"), {"format": "1", "resource": "0", "import_file": upload}
    )
    operator.post(reverse("admin:logistics_shipment_process_import"), preview.context["confirm_form"].initial)
    assert Shipment.objects.get().carrier.code == "EMS"


def test_the_to_ship_queue_lists_oldest_payment_first_and_flags_overdue_orders(carriers, operator, settings):
    settings.SHIPPING_PROMISE_HOURS = 48
    late = paid_order(paid_at=timezone.now() - dt.timedelta(hours=50))
    fresh = paid_order(paid_at=timezone.now() - dt.timedelta(hours=1))
    pickup = paid_order(fulfilment="pickup", paid_at=timezone.now() - dt.timedelta(hours=3))
    paid_order(status="shipped")

    response = operator.get(reverse("admin:logistics_ordertoship_changelist"))
    assert response.status_code == 200
    listed = [order.pk for order in response.context["cl"].result_list]
    assert listed == [late.pk, pickup.pk, fresh.pk]
    html = response.content.decode()
    assert html.count("已超时：付款已") == 1  # overdue: paid N h ago
    assert "凭提货码核销" in html  # handed over by pickup code
    assert reverse("admin:logistics_shipment_import") in html

    overdue = operator.get(reverse("admin:logistics_ordertoship_changelist") + "?overdue=yes")
    assert [o.pk for o in overdue.context["cl"].result_list] == [late.pk]
    by_store = operator.get(
        reverse("admin:logistics_ordertoship_changelist")
        + f"?info__pickup_store__id__exact={pickup.info.pickup_store_id}"
    )
    assert [o.pk for o in by_store.context["cl"].result_list] == [pickup.pk]


def test_an_operator_ships_chosen_lines_from_the_order_page(carriers, operator, django_capture_on_commit_callbacks):
    order = paid_order(quantities=(2, 1))
    first, second = line_ids(order)
    url = reverse("admin:logistics_ordertoship_ship", args=[order.pk])
    assert operator.get(url).status_code == 200

    refused = operator.post(
        url, {"carrier": carriers["SF"].pk, "tracking_number": "123", f"line_{first}": 1, f"line_{second}": 0}
    )
    assert refused.status_code == 200 and "not a 顺丰速运 tracking number" in refused.content.decode()
    too_many = operator.post(
        url,
        {
            "carrier": carriers["SF"].pk,
            "tracking_number": tracking_number("SF"),
            f"line_{first}": 3,
            f"line_{second}": 0,
        },
    )
    assert too_many.status_code == 200 and not Shipment.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        shipped = operator.post(
            url,
            {
                "carrier": carriers["SF"].pk,
                "tracking_number": tracking_number("SF"),
                f"line_{first}": 1,
                f"line_{second}": 0,
            },
        )
    assert shipped.status_code == 302
    shipment = Shipment.objects.get()
    assert shipment.shipped_by == operator.staff
    assert list(shipment.lines.values_list("quantity", flat=True)) == [1]
    assert Order.objects.get(pk=order.pk).status == "partially_shipped"
    page = operator.get(reverse("admin:logistics_ordertoship_change", args=[order.pk]))
    assert page.status_code == 200 and shipment.tracking_number in page.content.decode()


def test_staff_without_the_shipping_permission_cannot_ship(carriers, client):
    order = paid_order()
    client.force_login(StaffFactory())
    assert client.get(reverse("admin:logistics_ordertoship_ship", args=[order.pk])).status_code == 403


def test_the_attention_list_shows_stuck_parcels(carriers, operator):
    order = paid_order()
    shipment = services.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"))
    Shipment.objects.filter(pk=shipment.pk).update(shipped_at=timezone.now() - dt.timedelta(days=5))
    services.ship_order(order=paid_order(), carrier="ZTO", tracking_number=tracking_number("ZTO"))

    response = operator.get(reverse("admin:logistics_parcelneedingattention_changelist"))
    assert [s.pk for s in response.context["cl"].result_list] == [shipment.pk]
    assert "5 天前" in response.content.decode()


def test_failed_uploads_are_listed_and_retried_from_the_admin(carriers, operator, django_capture_on_commit_callbacks):
    order = paid_order()
    order.payment_transactions.update(payer_id="")
    order.user.identities.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"))
    upload = WechatShippingUpload.objects.get()
    assert upload.state == "failed"

    failures = operator.get(reverse("admin:logistics_failedwechatshippingupload_changelist"))
    assert [u.pk for u in failures.context["cl"].result_list] == [upload.pk]
    order.payment_transactions.update(payer_id=f"oWx-{order.user_id}")  # the payer WeChat Pay knows
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(
            reverse("admin:logistics_failedwechatshippingupload_changelist"),
            {"action": "retry", "_selected_action": [upload.pk]},
        )
    upload.refresh_from_db()
    assert upload.state == "uploaded"
    queue = operator.get(reverse("admin:logistics_ordertoship_change", args=[order.pk]))
    assert "uploaded" in queue.content.decode().lower()


def test_carrier_admin_refuses_a_broken_number_format(operator, carriers):
    response = operator.post(
        reverse("admin:logistics_carrier_add"),
        {
            "code": "DB",
            "name": "德邦",
            "wechat_company_id": "DBL",
            "tracking_code": "debangwuliu",
            "number_pattern": "[0-9",
            "number_example": "",
            "position": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "number_pattern" in response.context["adminform"].form.errors


def _queries_for(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_operations_lists_cost_the_same_queries_for_few_and_many_rows(carriers, operator):
    to_ship = reverse("admin:logistics_ordertoship_changelist")
    attention = reverse("admin:logistics_parcelneedingattention_changelist")
    long_ago = timezone.now() - dt.timedelta(days=9)

    def add_rows():
        paid_order(fulfilment="pickup")
        paid_order()
        shipment = services.ship_order(order=paid_order(), carrier="ZTO", tracking_number=tracking_number("ZTO"))
        Shipment.objects.filter(pk=shipment.pk).update(shipped_at=long_ago)

    add_rows()
    few = (_queries_for(operator, to_ship), _queries_for(operator, attention))
    for _ in range(4):
        add_rows()
    many = (_queries_for(operator, to_ship), _queries_for(operator, attention))
    assert few == many
