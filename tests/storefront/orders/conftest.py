from tests.storefront.payments.conftest import committed, providers  # noqa: F401
from tests.storefront.shopping import _checkout_settings, other_api, other_member  # noqa: F401
