"""The fast counter in front of the flash sale's order transaction.

Every buyer of the fast path first takes units here; a buyer who gets none is answered 409
`flash_sale_sold_out` at once, without opening the order transaction or waiting on the stock
row lock. Winners go on to place the order, where `FlashSaleItem.remaining` (the database,
the truth) is taken again under its row lock; a placement that fails gives the units back.

Two forms of the same counter, chosen by settings.REDIS_URL:
- Redis: one key per sale item, taken by a Lua script (check and DECRBY in one step). A key
  that is missing (Redis restarted, a new sale) is filled from `remaining` with SET NX.
- Database: `FlashSaleCounter.left`, taken by one conditional UPDATE in its own short
  transaction (the row is locked only for that statement).

The counter is only a filter: if it says more than is left, the extra winners are refused by
the database; if it says less, `rebuild_counters` (task and command) sets it from
`remaining` again.
"""

from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from flashsales.models import FlashSaleCounter, FlashSaleItem

# KEYS[1] the item's key, ARGV[1] units: -1 the key is missing, -2 not enough, else what is left.
_TAKE = """
local left = redis.call('GET', KEYS[1])
if not left then return -1 end
if tonumber(left) < tonumber(ARGV[1]) then return -2 end
return redis.call('DECRBY', KEYS[1], ARGV[1])
"""
# Giving back (or draining) a missing key does nothing here: the caller fills it from the database.
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return -1
"""
# Taking without a check (units already taken from the database by the plain checkout).
_DRAIN = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local left = redis.call('DECRBY', KEYS[1], ARGV[1])
if left < 0 then redis.call('SET', KEYS[1], 0) return 0 end
return left
"""


def _remaining_in_db(item_id) -> int:
    return FlashSaleItem.objects.filter(pk=item_id).values_list("remaining", flat=True).first() or 0


class RedisCounter:
    def __init__(self, url):
        import redis

        self.client = redis.Redis.from_url(url)
        self._take = self.client.register_script(_TAKE)
        self._give_back = self.client.register_script(_GIVE_BACK)
        self._drain = self.client.register_script(_DRAIN)

    def key(self, item_id) -> str:
        return f"{settings.FLASH_SALE_COUNTER_PREFIX}:item:{item_id}:left"

    def take(self, item_id, units) -> bool:
        key = self.key(item_id)
        left = self._take(keys=[key], args=[units])
        if left == -1:
            self.client.set(key, _remaining_in_db(item_id), nx=True)
            left = self._take(keys=[key], args=[units])
        return left >= 0

    def give_back(self, item_id, units) -> None:
        self._fill_if_missing(item_id, self._give_back(keys=[self.key(item_id)], args=[units]))

    def drain(self, item_id, units) -> None:
        self._fill_if_missing(item_id, self._drain(keys=[self.key(item_id)], args=[units]))

    def _fill_if_missing(self, item_id, answer) -> None:
        # Called once the database change is committed: `remaining` already says it.
        if answer == -1:
            self.client.set(self.key(item_id), _remaining_in_db(item_id), nx=True)

    def set(self, item_id, left) -> None:
        self.client.set(self.key(item_id), max(int(left), 0))

    def peek(self, item_id) -> int | None:
        value = self.client.get(self.key(item_id))
        return None if value is None else int(value)


class DatabaseCounter:
    """The same counter over the database, for the demo and SQLite."""

    def _ensure(self, item_id):
        FlashSaleCounter.objects.bulk_create(
            [FlashSaleCounter(item_id=item_id, left=_remaining_in_db(item_id))], ignore_conflicts=True
        )

    def take(self, item_id, units) -> bool:
        with transaction.atomic():
            taken = FlashSaleCounter.objects.filter(item_id=item_id, left__gte=units).update(left=F("left") - units)
        if taken:
            return True
        if FlashSaleCounter.objects.filter(item_id=item_id).exists():
            return False
        # No row (an item made before its counter, or a deleted row): made from `remaining`,
        # by whichever buyer comes first, then taken as above.
        self._ensure(item_id)
        with transaction.atomic():
            return bool(
                FlashSaleCounter.objects.filter(item_id=item_id, left__gte=units).update(left=F("left") - units)
            )

    def give_back(self, item_id, units) -> None:
        FlashSaleCounter.objects.filter(item_id=item_id).update(left=F("left") + units)

    def drain(self, item_id, units) -> None:
        FlashSaleCounter.objects.filter(item_id=item_id).update(left=Greatest(F("left") - units, 0))

    def set(self, item_id, left) -> None:
        updated = FlashSaleCounter.objects.filter(item_id=item_id).update(left=max(int(left), 0))
        if not updated:
            FlashSaleCounter.objects.bulk_create(
                [FlashSaleCounter(item_id=item_id, left=max(int(left), 0))], ignore_conflicts=True
            )

    def peek(self, item_id) -> int | None:
        return FlashSaleCounter.objects.filter(item_id=item_id).values_list("left", flat=True).first()


@lru_cache(maxsize=4)
def _redis_counter(url):
    return RedisCounter(url)


def get_counter():
    """Redis when REDIS_URL is set, the database otherwise (FLASH_SALE_COUNTER can force one)."""
    kind = settings.FLASH_SALE_COUNTER or ("redis" if settings.REDIS_URL else "database")
    if kind == "redis":
        return _redis_counter(settings.REDIS_URL)
    return DatabaseCounter()
