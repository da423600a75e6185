"""Builders for the platform tests: sandbox users with one-time codes (WeChat and Alipay),
notice templates, grants and the member's WeChat identity."""

import secrets

import factory
from django.conf import settings

from platforms.models import NoticeGrant, NoticeTemplate
from platforms.sandbox.alipay_gateway import new_open_id, new_user_id
from platforms.sandbox.alipay_models import AlipayUser
from platforms.sandbox.views import issue_login_code, issue_phone_code
from storefront.members.models import Identity
from tests.factories.members import MemberFactory


def login_code(**kwargs) -> tuple[str, str]:
    """(code, openid) as wx.login would give the mini program."""
    code = issue_login_code(**kwargs)
    return code.code, code.user.openid


def phone_code(*, openid: str, phone: str) -> str:
    return issue_phone_code(openid=openid, phone=phone).code


class NoticeTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoticeTemplate

    platform = "wechat"
    event = factory.Sequence(lambda n: f"event_{n}")
    template_id = factory.LazyFunction(lambda: "tpl_" + secrets.token_hex(8))
    title = "发货通知"
    field_map = {"character_string1": "{order_number}", "thing2": "{carrier}"}
    page = "pages/order/detail?number={order_number}"


class NoticeGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoticeGrant

    member = factory.SubFactory(MemberFactory)
    platform = "wechat"
    template_id = "tpl_x"
    remaining = 1


def wechat_identity(member, openid: str | None = None):
    return Identity.objects.create(
        member=member,
        platform="wechat",
        app_id=settings.WECHAT_APP_ID,
        openid=openid or "o" + secrets.token_hex(10),
    )


class AlipayUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlipayUser

    user_id = factory.LazyFunction(new_user_id)
    open_id = factory.LazyFunction(new_open_id)
    phone = "13800138000"
