from tests.storefront.payments.conftest import committed, providers  # noqa: F401
