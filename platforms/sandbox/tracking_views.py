"""The sandbox's Kuaidi100: the provider's own endpoints (query, subscribe) as the adapter
calls them, and control endpoints for a person or a test (list parcels, move one on, push)."""

import hmac
import json

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from platforms.sandbox import tracking
from platforms.tracking.kuaidi100 import md5_sign


def _param(request):
    try:
        return json.loads(request.POST.get("param") or "")
    except ValueError:
        return None


@csrf_exempt
@require_POST
def query(request):
    param = _param(request)
    if not param or not param.get("com") or not param.get("num"):
        return JsonResponse({"result": False, "returnCode": "400", "message": "找不到对应公司或单号"})
    if request.POST.get("customer") != settings.KUAIDI100_CUSTOMER:
        return JsonResponse({"result": False, "returnCode": "601", "message": "customer 无效"})
    expected = md5_sign(request.POST["param"] + settings.KUAIDI100_KEY + settings.KUAIDI100_CUSTOMER)
    if not hmac.compare_digest(expected, request.POST.get("sign", "")):
        return JsonResponse({"result": False, "returnCode": "503", "message": "验证签名失败"})
    parcel = tracking.get_parcel(param["com"], param["num"]) or tracking.subscribe(
        com=param["com"], num=param["num"], callback_url="", salt=""
    )
    return JsonResponse(tracking.query_result(parcel), json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def subscribe(request):
    param = _param(request)
    if request.POST.get("schema") != "json" or not param:
        return JsonResponse({"result": False, "returnCode": "400", "message": "数据不完整"})
    if param.get("key") != settings.KUAIDI100_KEY:
        return JsonResponse({"result": False, "returnCode": "600", "message": "您不是合法的订阅者"})
    parameters = param.get("parameters") or {}
    if not param.get("company") or not param.get("number") or not parameters.get("callbackurl"):
        return JsonResponse({"result": False, "returnCode": "700", "message": "订阅参数不完整"})
    known = tracking.get_parcel(param["company"], param["number"])
    tracking.subscribe(
        com=param["company"],
        num=param["number"],
        callback_url=parameters["callbackurl"],
        salt=parameters.get("salt", ""),
    )
    if known and known.get("callback_url"):
        return JsonResponse({"result": True, "returnCode": "501", "message": "重复订阅"})
    return JsonResponse({"result": True, "returnCode": "200", "message": "提交成功"})


@require_GET
def parcels(request):
    return JsonResponse({"parcels": tracking.parcels()}, json_dumps_params={"ensure_ascii": False})


@require_GET
def page(request):
    """The parcels for a person, with a button to move each one on."""
    return render(request, "sandbox/tracking.html", {"parcels": tracking.parcels(), "step": tracking.step_seconds()})


@csrf_exempt
@require_POST
def advance(request):
    """{"com", "num"} (form or JSON): the parcel's next event happens now and is pushed."""
    data = request.POST or (json.loads(request.body or b"{}") if request.body else {})
    com, num = data.get("com", ""), data.get("num", "")
    if not com or not num:
        return JsonResponse({"error": "com and num are required"}, status=400)
    parcel = tracking.advance(com=com, num=num)
    pushed = tracking.push(parcel)
    if request.POST:  # the page's button
        return redirect("sandbox-tracking-page")
    return JsonResponse({"events": len(tracking.visible_events(parcel)), "pushed": pushed})


@csrf_exempt
@require_POST
def push_due(request):
    return JsonResponse({"pushed": tracking.push_due_events()})
