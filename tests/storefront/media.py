"""Uploaded images in a throwaway folder, for the catalog and stores tests."""

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded images and their thumbnails go to a throwaway folder; absolute URLs use a
    public-looking SITE_URL (which the in-process sandbox transport also calls)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SITE_URL = "https://shop.example.com"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "shop.example.com"]
