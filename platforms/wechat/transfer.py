"""WeChat Pay's merchant transfer to a user (商家转账, the user-confirmation mode), for cash prizes.

- `POST /v3/fund-app/mch-transfer/transfer-bills` {appid, out_bill_no, transfer_scene_id
  "1000" (现金营销, cash marketing), openid, transfer_amount (fen), transfer_remark (at most 32
  characters), notify_url, user_recv_perception ("活动奖励"), transfer_scene_report_infos
  (scene 1000 reports the activity's name, 活动名称, and the reward, 奖励说明)} answers
  {out_bill_no, transfer_bill_no, create_time, state, package_info}. With state
  WAIT_USER_CONFIRM the mini program calls `wx.requestMerchantTransfer({mchId, appId,
  package: package_info})` and the shopper confirms in WeChat.
- States: ACCEPTED, PROCESSING, WAIT_USER_CONFIRM, TRANSFERING, then SUCCESS, FAIL or
  CANCELLED (CANCELING on the way).
- `GET .../transfer-bills/out-bill-no/{out_bill_no}` queries a bill; the notification
  `MCHTRANSFER.BILL.FINISHED` (signed and encrypted like every WeChat Pay callback; its
  resource names the merchant as `mch_id`) says when it has finished.

out_bill_no is 1 to 32 letters and digits, unique per merchant: the same one with the same
parameters is the same bill (a retried call pays once). Amounts under 0.10 yuan, and of 2,000
yuan or more (which need the payee's real name, encrypted) are refused here, before the call.
Everything goes through the WeChat Pay adapter (platforms.wechat.pay): its keys, its signing,
its transport (the sandbox in-process), and its callback verification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from config.money import fen_to_yuan, parse_fen, yuan_to_fen
from platforms.base import InvalidNotification, PlatformError, get_payment_provider

PATH = "/v3/fund-app/mch-transfer/transfer-bills"
SCENE_CASH_MARKETING = "1000"
OUT_BILL_NO = re.compile(r"^[A-Za-z0-9]{1,32}$")
MIN_FEN = 10
REAL_NAME_FEN = 200_000
REMARK_MAX = 32
STATES = frozenset(
    {"ACCEPTED", "PROCESSING", "WAIT_USER_CONFIRM", "TRANSFERING", "SUCCESS", "FAIL", "CANCELING", "CANCELLED"}
)
FINISHED_EVENT = "MCHTRANSFER.BILL.FINISHED"


@dataclass(frozen=True)
class TransferBill:
    out_bill_no: str
    state: str
    transfer_bill_no: str = ""
    package_info: str = ""
    amount: Decimal | None = None
    openid: str = ""
    fail_reason: str = ""
    raw: dict = field(default_factory=dict)


def _refused(message, code):
    return PlatformError(message, code=code, platform="wechatpay")


class MerchantTransfer:
    def __init__(self, pay=None):
        self.pay = pay or get_payment_provider("wechat")

    def notify_url(self) -> str:
        return settings.SITE_URL + reverse("giveaways-transfer-notify")

    def _bill(self, data: dict, *, error=_refused) -> TransferBill:
        state = data.get("state", "")
        if state not in STATES:
            raise error(f"unknown transfer state {state!r}", "bad_transfer_state")
        amount = None
        if "transfer_amount" in data:
            try:
                amount = fen_to_yuan(parse_fen(data["transfer_amount"]))
            except Exception:
                raise error(f"transfer_amount {data['transfer_amount']!r} is not whole fen", "bad_amount") from None
        return TransferBill(
            out_bill_no=str(data.get("out_bill_no", "")),
            state=state,
            transfer_bill_no=str(data.get("transfer_bill_no", "")),
            package_info=str(data.get("package_info", "")),
            amount=amount,
            openid=str(data.get("openid", "")),
            fail_reason=str(data.get("fail_reason", "")),
            raw=data,
        )

    def create_bill(self, *, out_bill_no, openid, amount: Decimal, remark, activity, reward) -> TransferBill:
        if not OUT_BILL_NO.match(out_bill_no or ""):
            raise _refused(f"out_bill_no {out_bill_no!r}: 1 to 32 letters and digits", "invalid_out_bill_no")
        fen = yuan_to_fen(amount)
        if fen < MIN_FEN:
            raise _refused("a transfer is at least 0.10 yuan", "amount_too_small")
        if fen >= REAL_NAME_FEN:
            raise _refused("2,000 yuan and more need the payee's real name", "amount_needs_real_name")
        if not openid:
            raise _refused("the payee's openid is missing", "invalid_openid")
        body = {
            "appid": self.pay.app_id,
            "out_bill_no": out_bill_no,
            "transfer_scene_id": SCENE_CASH_MARKETING,
            "openid": openid,
            "transfer_amount": fen,
            "transfer_remark": str(remark)[:REMARK_MAX],
            "notify_url": self.notify_url(),
            "user_recv_perception": "活动奖励",
            "transfer_scene_report_infos": [
                {"info_type": "活动名称", "info_content": str(activity)[:32]},
                {"info_type": "奖励说明", "info_content": str(reward)[:32]},
            ],
        }
        from wechatpayv3.type import RequestType

        data = self.pay._request(
            "merchant transfer", lambda: self.pay._client._core.request(PATH, method=RequestType.POST, data=body)
        )
        return self._bill({"transfer_amount": fen, **data})

    def query_bill(self, out_bill_no: str) -> TransferBill:
        if not OUT_BILL_NO.match(out_bill_no or ""):
            raise _refused(f"out_bill_no {out_bill_no!r}: 1 to 32 letters and digits", "invalid_out_bill_no")
        data = self.pay._request(
            "transfer bill query", lambda: self.pay._client._core.request(f"{PATH}/out-bill-no/{out_bill_no}")
        )
        return self._bill(data)

    def confirm_params(self, package_info: str) -> dict:
        """What wx.requestMerchantTransfer takes (besides its callbacks)."""
        return {"mchId": self.pay.merchant_id, "appId": self.pay.app_id, "package": package_info}

    def parse_notification(self, *, headers: dict, body: bytes) -> TransferBill:
        """A MCHTRANSFER.BILL.FINISHED callback, its signature verified first; InvalidNotification otherwise."""
        envelope, data = self.pay.verified_resource(headers=headers, body=body)

        def refuse(message, code):
            return InvalidNotification(f"Transfer notification: {message}", code=code, platform="wechatpay", raw=data)

        if envelope.get("event_type") != FINISHED_EVENT:
            raise refuse(f"event {envelope.get('event_type')!r}", "unexpected_event")
        if data.get("mch_id") != self.pay.merchant_id:
            raise refuse("for another merchant", "wrong_merchant")
        return self._bill(data, error=refuse)


def get_merchant_transfer() -> MerchantTransfer:
    return MerchantTransfer()
