"""Every page the kit serves carries a content security policy that allows this server only
and no inline script; the API docs page loads Swagger UI from our own static files."""

import re

import pytest

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_the_admin_login_page_allows_this_server_only_and_no_framing(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    # Scripts from this server only, no 'unsafe-inline', no CDN; the console's theme evaluates
    # its Alpine.js attribute expressions ('unsafe-eval', docs/decisions/0007-console-theme.md).
    assert directives["script-src"] == ["'self'", "'unsafe-eval'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


def test_only_the_console_allows_the_themes_script_expressions(client):
    for url in ("/api/docs/", "/api/v1/catalog/products/", "/healthz"):
        header = client.get(url).get("Content-Security-Policy", "")
        assert "script-src 'self';" in header + ";" and "unsafe-eval" not in header, url


def test_the_api_docs_load_nothing_from_another_host(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert policy(response)["script-src"] == ["'self'"]
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    assert all(not asset.startswith(("http:", "https:", "//")) for asset in assets), assets
    assert "<script>" not in html  # the page's own script is a file too (the split view)


def test_object_storage_images_are_allowed_from_its_domain(monkeypatch):
    import subprocess
    import sys

    code = (
        "import django, os; django.setup(); from django.conf import settings as s;"
        "print(' '.join(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    env = {**__import__("os").environ, "MEDIA_URL": "https://img.example.cn/media/"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "https://img.example.cn" in result.stdout.split()
