"""Private uploads: files that only their owner and permitted staff may see (after-sales
photos now, UGC submissions later), kept apart from the public media.

Where they live: the storage `STORAGES["private"]` (config/settings.py, "Private uploads").
- On disk (the default): `PrivateFileSystemStorage`, in `PRIVATE_MEDIA_ROOT`, a folder
  outside `MEDIA_ROOT`, so nothing under `MEDIA_URL` (nor the web server that serves it)
  ever reaches them. Its `url()` is the URL of the view below.
- On object storage (when `STORAGE_BACKEND` is django-storages' S3 backend): the same
  backend under the bucket's `private/` prefix (or `PRIVATE_MEDIA_BUCKET`), objects written
  with a private ACL, and `url()` a presigned URL (django-storages' query-string auth) that
  expires after `PRIVATE_MEDIA_URL_SECONDS`.

Who may see a file is decided by the domain that owns it: `PRIVATE_MEDIA_ACCESS` maps a
name prefix (the field's `upload_to`, `after-sales/`) to a function `(user, name) -> bool`.

URLs handed out:
- `url_for(file, viewer)` is what an API answer shows: the storage is asked for a URL for
  that viewer. On disk that is the view's URL signed for that viewer; on object storage the
  presigned URL. Mini programs load images by URL (`<image src>`) and cannot add a bearer
  header, so the URL itself carries the proof: a value signed with `SECRET_KEY`
  (django.core.signing) holding the file name, the viewer's id and when the URL expires.
- `view_url(name)` names no viewer: the view then checks the logged-in session, which is
  how the admin shows photos to staff (the browser sends the session cookie).

The view, `/private-media/<token>/<file name>`, answers 404, the same for every refusal, to
a token that is tampered with, expired or names another file, and to a viewer the owning
domain's rule refuses (another shopper, an anonymous caller, staff without the permission,
a closed account). It never lists anything. The rule is checked again on every request, so
a URL stops working when the viewer loses the right to the file, even before it expires.
"""

import mimetypes
import os
import posixpath
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse
from django.urls import reverse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe

from config.errors import api_not_found

SALT = "config.private_media"


def private_storage():
    """The private storage; given as `storage=` to the file fields it keeps."""
    return storages["private"]


class PrivateFileSystemStorage(FileSystemStorage):
    """Files in PRIVATE_MEDIA_ROOT (read on each use, so tests can point it elsewhere),
    reached only through the signed view."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        return view_url(name)

    def viewer_url(self, name, viewer):
        return view_url(name, viewer=viewer)


def _now() -> int:
    return int(time.time())


def view_url(name, *, viewer=None, seconds=None) -> str:
    """The view's URL for `name`, valid `seconds` (PRIVATE_MEDIA_URL_SECONDS), signed for
    `viewer` (a user) or, without one, for whoever is logged in when it is fetched."""
    seconds = settings.PRIVATE_MEDIA_URL_SECONDS if seconds is None else seconds
    # Rounded up to the minute: one page's URLs stay the same for a minute, so the mini
    # program's image cache keeps working when the shopper comes back to the page.
    expires = -(-(_now() + seconds) // 60) * 60
    payload = {"n": name, "e": expires}
    if viewer is not None and viewer.is_authenticated:
        payload["u"] = viewer.pk
    token = signing.Signer(salt=SALT).sign_object(payload, compress=True)
    return reverse("private-media", args=[token, posixpath.basename(name)])


def url_for(file, viewer, request=None) -> str:
    """The URL an API answer gives `viewer` for a private file, absolute when `request` is
    given: the storage's own signed URL (the view's on disk, presigned on object storage)."""
    storage = file.storage
    url = storage.viewer_url(file.name, viewer) if hasattr(storage, "viewer_url") else storage.url(file.name)
    return request.build_absolute_uri(url) if request is not None else url


def may_view(user, name) -> bool:
    """Whether `user` may see the private file `name`, by the rule of its prefix; a name no
    rule covers is seen by no one."""
    for prefix, rule in settings.PRIVATE_MEDIA_ACCESS.items():
        if name.startswith(prefix):
            return bool(user is not None and user.is_active and import_string(rule)(user, name))
    return False


def _viewer(request, user_id):
    if user_id is None:
        return request.user
    return get_user_model().objects.filter(pk=user_id, is_active=True).first() or AnonymousUser()


@require_safe
def serve(request, token, filename):
    """A private file for a viewer the signed token and the owning domain's rule allow."""
    try:
        payload = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return api_not_found(request)
    name, expires, user_id = payload.get("n"), payload.get("e"), payload.get("u")
    if (
        not isinstance(name, str)
        or not isinstance(expires, int)
        or expires < _now()
        or posixpath.basename(name) != filename
        or not may_view(_viewer(request, user_id), name)
    ):
        return api_not_found(request)
    storage = private_storage()
    try:
        handle = storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        return api_not_found(request)
    content_type = mimetypes.guess_type(name)[0] or ""
    if not content_type.startswith("image/"):
        content_type = "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, as_attachment=content_type.startswith("application/"))
    response["Cache-Control"] = f"private, max-age={max(expires - _now(), 0)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response
