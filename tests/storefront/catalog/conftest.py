from tests.storefront.media import _media_in_tmp  # noqa: F401
