"""The errors the flash-sale domain answers with; the codes are listed in docs/flashsales.md."""

from config.errors import Conflict, KitError, NotFound


class FlashSaleNotFound(NotFound):
    code = "flash_sale_not_found"
    message = "No such flash sale."


class FlashSaleNotStarted(Conflict):
    code = "flash_sale_not_started"
    message = "This flash sale has not started yet."


class FlashSaleEnded(Conflict):
    code = "flash_sale_ended"
    message = "This flash sale has ended."


class SkuNotInFlashSale(KitError):
    code = "sku_not_in_flash_sale"
    message = "This SKU is not part of the flash sale."


class FlashSaleQuantityOverLimit(KitError):
    code = "flash_sale_quantity_over_limit"
    message = "At most `limit` units per member in this flash sale."


class FlashSaleLimitReached(Conflict):
    code = "flash_sale_limit_reached"
    message = "You have already bought as many as this flash sale allows."


class FlashSaleSoldOut(Conflict):
    code = "flash_sale_sold_out"
    message = "This flash sale is sold out."
