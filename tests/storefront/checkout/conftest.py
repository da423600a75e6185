from tests.storefront.shopping import _checkout_settings, other_api, other_member  # noqa: F401
