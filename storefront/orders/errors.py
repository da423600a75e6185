"""The errors the orders domain answers with; every code is listed in docs/errors.md."""

from config.errors import Conflict, KitError


class InvalidOrderState(Conflict):
    code = "invalid_order_state"
    message = "The order cannot do that in its current status."


class NotStoreStaff(KitError):
    status_code = 403
    code = "not_store_staff"
    message = "Only staff of the pickup store or operations may hand over this order."


class AfterSalesStateError(Conflict):
    code = "invalid_after_sales_state"
    message = "This after-sales request has already been decided."


class OutOfStock(Conflict):
    code = "out_of_stock"
    message = "Not enough stock for one or more items."
