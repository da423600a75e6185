"""The carriers a new shop starts with: our code, WeChat's express_company id, Kuaidi100's
code and the tracking number format. The initial data migration and the demo loader load
this list; operations add or switch off carriers in the admin."""

# code, name, WeChat express_company, Kuaidi100 code, number format (full match), example, needs phone
DEFAULT_CARRIERS = [
    ("SF", "顺丰速运", "SF", "shunfeng", r"SF\d{13}|\d{12}", "SF1234567890123", True),
    ("ZTO", "中通快递", "ZTO", "zhongtong", r"[1-9]\d{11,14}", "731234567890123", False),
    ("YTO", "圆通速递", "YTO", "yuantong", r"YT\d{13,15}", "YT1234567890123", False),
    ("YD", "韵达快递", "YD", "yunda", r"\d{13}|\d{15}", "4312345678901", False),
    ("STO", "申通快递", "STO", "shentong", r"\d{12,15}", "773123456789012", False),
    ("JD", "京东物流", "JD", "jd", r"JD[A-Z0-9]{11,18}", "JDVA12345678901", False),
    ("EMS", "中国邮政 EMS", "EMS", "ems", r"\d{13}|[A-Z]{2}\d{9}[A-Z]{2}", "1100123456789", False),
]


def carrier_rows():
    for position, (code, name, wechat, tracking, pattern, example, needs_phone) in enumerate(DEFAULT_CARRIERS):
        yield (
            code,
            {
                "name": name,
                "wechat_company_id": wechat,
                "tracking_code": tracking,
                "number_pattern": pattern,
                "number_example": example,
                "needs_phone": needs_phone,
                "position": position * 10,
            },
        )
