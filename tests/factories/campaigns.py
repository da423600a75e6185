"""Entry points (a staff member's code, a poster, a product's code), visits and shares."""

import factory

from campaigns.models import EntryPoint
from tests.factories.members import StaffFactory
from tests.factories.stores import StoreFactory


class EntryPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntryPoint

    name = factory.Sequence(lambda n: f"春季海报 {n}")
    kind = EntryPoint.Kind.CHANNEL
    channel = EntryPoint.Channel.POSTER
    page = "pages/index/index"
    params = factory.LazyFunction(dict)


def staff_code(*, nickname="店员 小美", store=None, **fields):
    """A shop assistant's own code at their store (the store's staff includes them)."""
    store = store or StoreFactory()
    staff = StaffFactory(nickname=nickname)
    store.staff.add(staff)
    return EntryPointFactory(
        name=f"{nickname}的专属码", kind=EntryPoint.Kind.STAFF, channel="", staff=staff, store=store, **fields
    )
