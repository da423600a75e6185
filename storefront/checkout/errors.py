"""The errors the checkout domain answers with; every code is listed in docs/errors.md."""

from config.errors import Conflict


class PriceChanged(Conflict):
    code = "price_changed"
    message = "Prices changed since the preview; please check the new total."
