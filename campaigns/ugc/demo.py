"""Demo data of UGC (settings.DEMO_EXTRA_LOADERS): an active photo campaign with voting on and
a few approved entries from demo shoppers, so the gallery and the leaderboard show something.

The campaign is found by its slug and written only when something differs; its dates are
fixed and far enough ahead that it is open whenever the demo is started. Entries are made
once (a second load changes nothing); their images are drawn here and go through the same
hardening as a shopper's upload.
"""

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from storefront.demo.upsert import upsert

from .models import Submission, SubmissionImage, UgcCampaign, Verdict
from .services import harden_image

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN_FROM = dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)
OPEN_UNTIL = dt.datetime(2036, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)
SLUG = "spring-tea-moments"
ENTRIES = (
    ("demo_ugc_1", "春茶小满", "清明前的龙井，豆香十足，配一块桂花糕刚刚好。", (46, 125, 50), 12),
    ("demo_ugc_2", "山间茶客", "周末在阳台泡一壶祁门红茶，看云。", (191, 54, 12), 7),
    ("demo_ugc_3", "白毫银针", "第一次用盖碗，手有点烫，但很值得。", (21, 101, 192), 3),
)


def _drawn_photo(color) -> SimpleUploadedFile:
    image = Image.new("RGB", (900, 675), color)
    draw = ImageDraw.Draw(image)
    draw.ellipse((300, 190, 600, 490), fill=(245, 240, 225))
    draw.rectangle((560, 290, 640, 330), fill=(245, 240, 225))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def load_campaign() -> UgcCampaign:
    return upsert(
        UgcCampaign,
        lookup={"slug": SLUG},
        values={
            "title": "晒出你的春茶时光",
            "description": "拍下你和春茶的一刻，分享给更多茶友。票数前三名获得明前龙井礼盒。",
            "rules": "每人最多投稿 2 篇，每篇最多 3 张图片；内容须为本人原创。每人每天 3 票，每篇作品限投 1 票。",
            "consent_text": "我同意青山茶舍在小程序、公众号及门店展示我投稿的文字和照片，并署名我的昵称。",
            "starts_at": OPEN_FROM,
            "ends_at": OPEN_UNTIL,
            "submissions_per_member": 2,
            "max_images": 3,
            "publish_on_pass": False,
            "voting_enabled": True,
            "voting_starts_at": OPEN_FROM,
            "voting_ends_at": OPEN_UNTIL,
            "daily_votes": 3,
            "winners_by": UgcCampaign.Winners.VOTES,
            "winners_count": 3,
            "prize": "明前龙井礼盒一份",
        },
        initial={"is_active": True},
    )


def load_entries(campaign) -> int:
    if Submission.objects.filter(campaign=campaign).exists():
        return 0
    User = get_user_model()
    made = 0
    for username, nickname, text, color, votes in ENTRIES:
        member = upsert(User, lookup={"username": username}, values={"nickname": nickname})
        with transaction.atomic():
            submission = Submission.objects.create(
                campaign=campaign,
                member=member,
                number=1,
                text=text,
                consent_text=campaign.consent_text,
                consented_at=OPEN_FROM,
                verdict=Verdict.PASS,
                text_verdict=Verdict.PASS,
                status=Submission.Status.APPROVED,
                approved_at=OPEN_FROM + dt.timedelta(hours=made),
                moderated_at=OPEN_FROM + dt.timedelta(hours=made),
                vote_count=votes,  # votes of shoppers outside the demo
            )
            image, thumbnail, width, height = harden_image(_drawn_photo(color))
            row = SubmissionImage(submission=submission, width=width, height=height, verdict=Verdict.PASS)
            row.image.save(image.name, image, save=False)
            row.thumbnail.save(thumbnail.name, thumbnail, save=False)
            row.save()
        made += 1
    return made


def load_demo() -> str:
    campaign = load_campaign()
    made = load_entries(campaign)
    approved = campaign.submissions.filter(status=Submission.Status.APPROVED).count()
    return f"ugc: campaign {campaign.title} (#{campaign.pk}), {approved} approved entries ({made} new)"
