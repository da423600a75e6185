"""Avatars go through the kit's one hardened image path (config/images.py), the same as
after-sales photos: what it guarantees, seen from the avatar upload."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from storefront.members.models import User

pytestmark = pytest.mark.django_db

SCRIPT = b"<?php system($_GET['c']); ?>"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def upload(client, file):
    return client.post("/api/v1/me/avatar/", {"avatar": file}, format="multipart")


def stored(member_id):
    member = User.objects.get(pk=member_id)
    with member.avatar.open("rb") as handle:
        return member.avatar.name, handle.read()


def test_a_jpeg_with_a_script_appended_is_stored_without_it_under_a_random_name(shopper_login):
    client, body = shopper_login()
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), "green").save(buffer, "JPEG")
    polyglot = SimpleUploadedFile("me 张三.php.jpg", buffer.getvalue() + SCRIPT, content_type="image/jpeg")

    assert upload(client, polyglot).status_code == 200

    name, data = stored(body["member"]["id"])
    assert re.fullmatch(r"avatars/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", name), name
    assert SCRIPT not in data and b"<?php" not in data
    assert Image.open(io.BytesIO(data)).format == "JPEG"


def test_a_phone_jpeg_carrying_a_second_picture_is_accepted(shopper_login):
    """Many phones write MPO (a JPEG with a depth or preview picture): it is a JPEG to the
    shopper, and only its first picture is kept."""
    client, body = shopper_login()
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (200, 100), "red"), Image.new("RGB", (200, 100), "blue")
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"

    response = upload(client, SimpleUploadedFile("IMG_0002.jpg", buffer.getvalue(), content_type="image/jpeg"))

    assert response.status_code == 200
    kept = Image.open(io.BytesIO(stored(body["member"]["id"])[1]))
    assert kept.format == "JPEG" and getattr(kept, "n_frames", 1) == 1 and kept.size == (200, 100)


def test_an_svg_is_refused_however_it_is_named(shopper_login):
    client, _ = shopper_login()
    svg = SimpleUploadedFile("a.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')

    response = upload(client, svg)

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_image",
        "message": "The file is not a JPEG, PNG or WebP image.",
        "fields": {"avatar": "not a JPEG, PNG or WebP image"},
    }
