"""Friendly refusals in the console: a staff member who opens a page their role does not
grant, or one that does not exist, gets the console's own 403 or 404 page (templates/admin/
403.html, 404.html) saying what their role can do instead, not a bare error page.

A refusal is an ordinary event, not a fault: it is logged once at INFO (who, which page),
without a traceback, and Django's own warning for it is not written again."""

import logging

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

logger = logging.getLogger("kit.refusals")

CONSOLE_PREFIX = "/admin/"

# The demo's role groups (storefront/demo/roles.py) and what each is for.
ROLE_NAMES = {
    "Marketing": ("市场", "商品、营销活动、优惠券和会员"),
    "Operations": ("运营", "订单、发货、售后、退款和对账"),
    "Store staff": ("门店店员", "本门店的自提订单和核销"),
}


def roles_of(user) -> list[tuple[str, str]]:
    if user.is_superuser:
        return [("超级管理员", "整个后台")]
    names = list(user.groups.values_list("name", flat=True))
    return [ROLE_NAMES.get(name, (name, "")) for name in names]


def _url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def shortcuts(request) -> list[tuple[str, str]]:
    """(label, url) of the pages the staff member may open: their menu, flattened."""
    found = []
    for app in admin.site.get_app_list(request):
        for model in app.get("models", []):
            url = model.get("admin_url")
            if url:
                found.append((f"{app['name']} · {model['name']}", url))
    if request.user.has_perm("storefront.view_operationsorder"):
        pickup = _url("admin:storefront_operationsorder_pickup")
        if pickup:
            found.insert(0, ("自提订单核销", pickup))
    return found


def refusal_page(request, *, status):
    context = {
        **admin.site.each_context(request),
        "title": "没有权限打开这个页面" if status == 403 else "页面不存在",
        "roles": roles_of(request.user),
        "shortcuts": shortcuts(request),
        "requested_path": request.path,
    }
    response = TemplateResponse(request, f"admin/{status}.html", context, status=status)
    response.render()
    # Logged here, at INFO: Django would add a warning of its own for every 4xx answer.
    response._has_been_logged = True
    return response


class ConsoleRefusalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path_info.startswith(CONSOLE_PREFIX):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return None
        if isinstance(exception, PermissionDenied):
            logger.info("permission refused: staff %s (%s) at %s", user.pk, user.get_username(), request.path)
            return refusal_page(request, status=403)
        if isinstance(exception, Http404):
            logger.info("page not found: staff %s (%s) at %s", user.pk, user.get_username(), request.path)
            return refusal_page(request, status=404)
        return None
