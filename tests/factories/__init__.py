"""The one package of test data builders, by domain. Import from here
(`from tests.factories import MemberFactory, sku, paid_order`) or from a domain module
(`from tests.factories import catalog as f`). The shopper's steps over HTTP are in
tests/steps.py."""

from tests.factories.campaigns import *  # noqa: F403
from tests.factories.catalog import *  # noqa: F403
from tests.factories.checkout import *  # noqa: F403
from tests.factories.giveaways import *  # noqa: F403
from tests.factories.logistics import *  # noqa: F403
from tests.factories.members import *  # noqa: F403
from tests.factories.offers import *  # noqa: F403
from tests.factories.orders import *  # noqa: F403
from tests.factories.payments import *  # noqa: F403
from tests.factories.platforms import *  # noqa: F403
from tests.factories.stores import *  # noqa: F403
