"""The emulated merchant transfer to a user (商家转账, user-confirmation mode) of WeChat Pay.

`POST v3/fund-app/mch-transfer/transfer-bills` checks what WeChat Pay checks (a signed
request, appid, out_bill_no of 1 to 32 letters and digits, scene 1000 with its two report
infos 活动名称 and 奖励说明, an openid, at least 10 fen and under 2,000 yuan without a real
name, a remark of at most 32 characters, an HTTPS or loopback notify_url without a query) and
answers WAIT_USER_CONFIRM with a package_info; the same out_bill_no with the same
parameters answers the same bill, with others `INVALID_REQUEST`. `GET .../out-bill-no/{no}`
queries it. The control endpoint `POST /sandbox/wechatpay/transfer-confirm/` {"package",
"result": "success" | "fail"} stands for the shopper's wx.requestMerchantTransfer: the bill
finishes and the signed, encrypted MCHTRANSFER.BILL.FINISHED notification goes to its
notify_url.

Bills are kept in the cache (shared by the processes of one installation), not in tables:
they are the sandbox's play money.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from config.errors import NotFound
from platforms.base import SHANGHAI
from platforms.sandbox.views import SandboxView
from platforms.sandbox.wechatpay_views import _answer, _error, _send_notification, notify_url_problem, wechatpay_api

OUT_BILL_NO = re.compile(r"^[A-Za-z0-9]{1,32}$")
SCENE_REPORTS = {"1000": ("活动名称", "奖励说明")}
TTL = 60 * 60 * 24 * 90
PARAMS = ("appid", "openid", "transfer_amount", "transfer_scene_id", "transfer_remark")


def _key(out_bill_no: str) -> str:
    return f"sandbox:mchtransfer:{settings.WECHATPAY_MCH_ID}:{out_bill_no}"


def _package_key(package: str) -> str:
    return f"sandbox:mchtransfer:package:{package}"


def _now() -> str:
    return timezone.now().astimezone(SHANGHAI).isoformat(timespec="seconds")


def _problem(body: dict) -> str | None:
    if body.get("appid") != settings.WECHAT_APP_ID:
        return "appid is not the merchant's app"
    if not OUT_BILL_NO.match(str(body.get("out_bill_no", ""))):
        return "out_bill_no: 1 to 32 letters and digits"
    scene = body.get("transfer_scene_id")
    if scene not in SCENE_REPORTS:
        return "你尚未获取该转账场景"
    reported = {
        info.get("info_type") for info in body.get("transfer_scene_report_infos") or [] if isinstance(info, dict)
    }
    if not set(SCENE_REPORTS[scene]) <= reported:
        return f"transfer_scene_report_infos must report {'、'.join(SCENE_REPORTS[scene])}"
    if not body.get("openid"):
        return "openid is required"
    amount = body.get("transfer_amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 10:
        return "transfer_amount is an integer of fen, at least 10"
    if amount >= 200_000 and not body.get("user_name"):
        return "user_name is required from 2,000 yuan"
    remark = body.get("transfer_remark")
    if not isinstance(remark, str) or not remark or len(remark) > 32:
        return "transfer_remark: 1 to 32 characters"
    if body.get("notify_url") and notify_url_problem(body["notify_url"]):
        return notify_url_problem(body["notify_url"])
    return None


def _public(bill: dict) -> dict:
    return {k: v for k, v in bill.items() if k not in ("notify_url", "transfer_scene_report_infos")}


@wechatpay_api
def transfer_bills(request, body):
    problem = _problem(body)
    if problem:
        return _error(400, "PARAM_ERROR" if "不" not in problem else "INVALID_REQUEST", problem)
    existing = cache.get(_key(body["out_bill_no"]))
    if existing is not None:
        if any(existing.get(name) != body.get(name) for name in PARAMS):
            return _error(400, "INVALID_REQUEST", "商户单号重复，且参数与原单不一致")
        answer = {k: existing[k] for k in ("out_bill_no", "transfer_bill_no", "create_time", "state")}
        if existing["state"] == "WAIT_USER_CONFIRM":
            answer["package_info"] = existing["package_info"]
        return _answer(answer)
    bill = {
        "mch_id": settings.WECHATPAY_MCH_ID,
        **{name: body.get(name) for name in PARAMS},
        "out_bill_no": body["out_bill_no"],
        "transfer_bill_no": "1330" + timezone.now().strftime("%Y%m%d") + secrets.token_hex(14),
        "state": "WAIT_USER_CONFIRM",
        "package_info": "ABBQO+oYAAABAAAAAAB" + secrets.token_urlsafe(24),
        "notify_url": body.get("notify_url", ""),
        "create_time": _now(),
        "update_time": _now(),
    }
    if not cache.add(_key(bill["out_bill_no"]), bill, TTL):  # the same bill asked twice at once
        return transfer_bills.__wrapped__(request, body)
    cache.set(_package_key(bill["package_info"]), bill["out_bill_no"], TTL)
    return _answer({k: bill[k] for k in ("out_bill_no", "transfer_bill_no", "create_time", "state", "package_info")})


@wechatpay_api
def query_bill(request, body, out_bill_no):
    bill = cache.get(_key(out_bill_no))
    if bill is None:
        return _error(404, "NOT_FOUND", "记录不存在")
    return _answer(_public({k: v for k, v in bill.items() if k != "package_info"}))


def confirm_transfer(package: str, *, success: bool) -> dict:
    """The shopper confirms (or the transfer fails) in WeChat; the bill finishes, once."""
    out_bill_no = cache.get(_package_key(package))
    bill = cache.get(_key(out_bill_no)) if out_bill_no else None
    if bill is None:
        raise NotFound("No such package_info.", code="transfer_not_found")
    if bill["state"] != "WAIT_USER_CONFIRM":
        return bill
    bill.update(state="SUCCESS" if success else "FAIL", update_time=_now())
    if not success:
        bill["fail_reason"] = "TRANSFER_RISK"
    cache.set(_key(out_bill_no), bill, TTL)
    if bill.get("notify_url"):
        resource = {
            k: bill[k]
            for k in (
                "out_bill_no",
                "transfer_bill_no",
                "state",
                "mch_id",
                "transfer_amount",
                "openid",
                "create_time",
                "update_time",
            )
        }
        if not success:
            resource["fail_reason"] = bill["fail_reason"]
        _send_notification("MCHTRANSFER.BILL.FINISHED", resource, url=bill["notify_url"], reference=out_bill_no)
    return bill


class ConfirmIn(serializers.Serializer):
    package = serializers.CharField(max_length=200)
    result = serializers.ChoiceField(choices=["success", "fail"], default="success")


class TransferConfirmView(SandboxView):
    """wx.requestMerchantTransfer: the shopper confirms receiving the transfer."""

    @extend_schema(exclude=True)
    def post(self, request):
        data = ConfirmIn(data=request.data)
        data.is_valid(raise_exception=True)
        bill = confirm_transfer(data.validated_data["package"], success=data.validated_data["result"] == "success")
        return Response({"out_bill_no": bill["out_bill_no"], "state": bill["state"]})
