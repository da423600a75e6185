"""Avatar upload: only real images, limits checked before decoding, metadata stripped."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from storefront.members.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def image_file(fmt="JPEG", size=(800, 600), name=None, exif=None, mode="RGB"):
    buffer = io.BytesIO()
    image = Image.new(mode, size, "red" if mode != "1" else 0)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **kwargs)
    return SimpleUploadedFile(name or f"a.{fmt.lower()}", buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def gps_exif():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 0.0)
    return exif


def upload(client, file):
    return client.post("/api/v1/me/avatar/", {"avatar": file}, format="multipart")


def stored_avatar(member_id):
    member = User.objects.get(pk=member_id)
    with member.avatar.open("rb") as handle:
        return Image.open(io.BytesIO(handle.read()))


def test_photo_with_gps_is_stored_without_any_exif(shopper_login):
    client, body = shopper_login()
    original = image_file(exif=gps_exif())
    assert Image.open(io.BytesIO(original.read())).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    original.seek(0)

    response = upload(client, original)

    assert response.status_code == 200
    assert response.json()["avatar"].startswith("http://testserver/")
    stored = stored_avatar(body["member"]["id"])
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in stored.info


def test_large_photo_is_resized_to_640_pixels(shopper_login):
    client, body = shopper_login()
    assert upload(client, image_file(size=(2000, 1000))).status_code == 200
    assert stored_avatar(body["member"]["id"]).size == (640, 320)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_reencoded(shopper_login, fmt):
    client, body = shopper_login()
    assert upload(client, image_file(fmt=fmt, mode="RGBA")).status_code == 200
    assert stored_avatar(body["member"]["id"]).format == "JPEG"


def test_type_is_judged_by_content_not_by_extension(shopper_login):
    client, _ = shopper_login()
    script = SimpleUploadedFile("avatar.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg")

    response = upload(client, script)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image"


def test_gif_is_not_on_the_whitelist(shopper_login):
    client, _ = shopper_login()
    response = upload(client, image_file(fmt="GIF", name="a.png", mode="P"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image"


def test_decompression_bomb_is_refused_before_decoding(shopper_login, monkeypatch):
    client, _ = shopper_login()
    bomb = image_file(fmt="PNG", size=(6000, 6000), mode="1")  # a few KB on disk, 36 megapixels
    assert bomb.size < 100_000

    def no_decoding(self):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    response = upload(client, bomb)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "image_too_large"


def test_file_over_5_mb_is_refused(shopper_login):
    client, _ = shopper_login()
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), content_type="image/jpeg")

    response = upload(client, big)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "image_too_large"


def test_truncated_image_is_refused(shopper_login):
    client, _ = shopper_login()
    whole = image_file(size=(300, 300)).read()
    response = upload(client, SimpleUploadedFile("cut.jpg", whole[: len(whole) // 3], content_type="image/jpeg"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image"


def test_new_avatar_replaces_the_old_file(shopper_login):
    client, body = shopper_login()
    upload(client, image_file())
    first = User.objects.get(pk=body["member"]["id"]).avatar
    first_name, storage = first.name, first.storage

    upload(client, image_file(fmt="PNG"))

    assert not storage.exists(first_name)


def test_missing_file_is_invalid_input(shopper_login):
    client, _ = shopper_login()
    response = client.post("/api/v1/me/avatar/", {}, format="multipart")
    assert response.status_code == 400
    assert "avatar" in response.json()["error"]["fields"]
