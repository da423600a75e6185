"""Django looks for the `storefront` app's models here; each domain keeps its own models.py.

Code inside the kit imports models from their domain (`storefront.orders.models`), so the
dependency rule between domains stays visible to import-linter.
"""

from storefront.catalog.models import ProductImageThumbnails, ProductListing  # noqa: F401
from storefront.checkout.models import CheckoutRequest, ShippingRates  # noqa: F401
from storefront.members.models import (  # noqa: F401
    Address,
    Consent,
    Identity,
    Member,
    MemberMerge,
    MemberSource,
    PersonalDataRequest,
    User,
)
from storefront.orders.models import AfterSalesPhoto, AfterSalesRequest, OperationsOrder, OrderInfo  # noqa: F401
from storefront.payments.models import (  # noqa: F401
    NotificationLog,
    PaymentAttempt,
    PaymentProblem,
    PaymentTransaction,
    ReconciliationLine,
    ReconciliationRun,
    Refund,
)
from storefront.stores.models import Store, StoreHours, StoreHoursException, StorePhoto  # noqa: F401
