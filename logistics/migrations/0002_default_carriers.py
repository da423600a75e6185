"""The carriers every shop starts with (a copy of logistics.carriers at the time of writing:
a migration must not change when that list does)."""

from django.db import migrations

CARRIERS = [
    ("SF", "顺丰速运", "SF", "shunfeng", r"SF\d{13}|\d{12}", "SF1234567890123", True),
    ("ZTO", "中通快递", "ZTO", "zhongtong", r"[1-9]\d{11,14}", "731234567890123", False),
    ("YTO", "圆通速递", "YTO", "yuantong", r"YT\d{13,15}", "YT1234567890123", False),
    ("YD", "韵达快递", "YD", "yunda", r"\d{13}|\d{15}", "4312345678901", False),
    ("STO", "申通快递", "STO", "shentong", r"\d{12,15}", "773123456789012", False),
    ("JD", "京东物流", "JD", "jd", r"JD[A-Z0-9]{11,18}", "JDVA12345678901", False),
    ("EMS", "中国邮政 EMS", "EMS", "ems", r"\d{13}|[A-Z]{2}\d{9}[A-Z]{2}", "1100123456789", False),
]


def add_carriers(apps, schema_editor):
    Carrier = apps.get_model("logistics", "Carrier")
    for position, (code, name, wechat, tracking, pattern, example, needs_phone) in enumerate(CARRIERS):
        Carrier.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "wechat_company_id": wechat, "tracking_code": tracking, "number_pattern": pattern,
                "number_example": example, "needs_phone": needs_phone, "position": position * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("logistics", "0001_shipments_tracking_uploads")]

    operations = [migrations.RunPython(add_carriers, migrations.RunPython.noop)]
