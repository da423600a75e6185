"""The platform's content checks of what members write or upload in campaigns (UGC entries,
free-text answers of polls): on the platform the member used last, with their account id in
this mini program, as WeChat's msg_sec_check v2 requires."""

import logging

from django.db.models import F

from campaigns.ugc.errors import AppLoginRequired
from platforms import base as platforms
from platforms.base import TextVerdict

logger = logging.getLogger(__name__)


def platform_and_openid(member) -> tuple[str, str]:
    """(platform, openid) of the member's most recently used account in this kit's mini
    programs; ("wechat", "") when they have none."""
    identities = member.identities.order_by(F("last_login_at").desc(nulls_last=True), "-id").values_list(
        "platform", "app_id", "openid"
    )
    for platform, app_id, openid in identities:
        if platform in platforms.PLATFORMS and platforms.get_miniprogram(platform).app_id == app_id:
            return platform, openid
    return "wechat", ""


def check_text(*, member, text: str) -> tuple[str, TextVerdict]:
    """(platform, verdict) of the member's text. An empty text passes without a call. A refusal
    of the platform the shopper cannot fix is raised as PlatformUnavailable (503, retry)."""
    platform, openid = platform_and_openid(member)
    if not text.strip():
        return platform, TextVerdict(suggest="pass")
    if not openid and platform == "wechat":
        raise AppLoginRequired()
    miniprogram = platforms.get_miniprogram(platform)
    try:
        return platform, miniprogram.check_text(text, openid=openid, scene=3)
    except platforms.PlatformUnavailable:
        raise
    except platforms.PlatformError as error:
        logger.warning("text check failed: %s %s (%s)", error.platform, error.code, error.message)
        raise platforms.PlatformUnavailable(error.message, code=error.code, platform=error.platform) from error


def start_image_check(*, platform: str, openid: str, media_url: str) -> str:
    """The trace id of the asynchronous image check, "" when the platform has none (Alipay) or
    the call failed: such an image waits for a moderator."""
    try:
        return platforms.get_miniprogram(platform).check_image_async(media_url, openid=openid, scene=3)
    except platforms.PlatformError as error:
        logger.warning("image check not started: %s %s (%s)", error.platform, error.code, error.message)
        return ""
