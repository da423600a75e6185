"""Storefront data. One module per concern; import every model here so Django finds it."""

from .addresses import Address  # noqa: F401
from .catalog import ProductImageThumbnails, ProductListing  # noqa: F401
from .identities import Consent, Identity, Member, MemberMerge, MemberSource, PersonalDataRequest  # noqa: F401
from .members import User  # noqa: F401
from .orders import (  # noqa: F401
    AfterSalesPhoto,
    AfterSalesRequest,
    CheckoutRequest,
    OperationsOrder,
    OrderInfo,
    PaymentMethod,
    ShippingRates,
)
from .payments import (  # noqa: F401
    NotificationLog,
    PaymentAttempt,
    PaymentProblem,
    PaymentTransaction,
    ReconciliationLine,
    ReconciliationRun,
    Refund,
)
from .stores import Store, StoreHours, StoreHoursException, StorePhoto  # noqa: F401
