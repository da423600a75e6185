"""Demo staff accounts with known passwords: a superuser, a marketer, an operations user
and the staff member of one store (the Jing'an store's pickups and orders only).

The passwords are public (they are printed by `load_demo` and written in docs/demo.md),
which is why `load_demo` refuses to run when the sandbox is off, that is in production.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from .roles import MARKETING, OPERATIONS, STORE_STAFF, Role, sync_role_group


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    nickname: str
    role: Role | None
    is_superuser: bool = False
    # The store whose staff list the account joins (store staff only).
    store_code: str = ""


ACCOUNTS = [
    DemoAccount("admin", "qingshan-admin", "店长 Admin", None, is_superuser=True),
    DemoAccount("marketer", "qingshan-marketer", "市场部 小林", MARKETING),
    DemoAccount("operations", "qingshan-operations", "运营部 老周", OPERATIONS),
    DemoAccount("store", "qingshan-store", "静安店 小美", STORE_STAFF, store_code="sh-jingan"),
]


def assign_store_staff(users) -> None:
    """Puts each store staff account on its store's staff list (after the stores exist)."""
    from storefront.stores.models import Store

    for account in ACCOUNTS:
        if account.store_code and account.username in users:
            store = Store.objects.filter(code=account.store_code).first()
            if store is not None:
                store.staff.add(users[account.username])


def load_staff() -> dict[str, object]:
    User = get_user_model()
    users = {}
    for account in ACCOUNTS:
        user = User.objects.filter(username=account.username).first() or User(username=account.username)
        fields = {
            "nickname": account.nickname,
            "is_staff": True,
            "is_superuser": account.is_superuser,
            "is_active": True,
            "email": f"{account.username}@qingshan.example",
        }
        changed = user.pk is None or any(getattr(user, name) != value for name, value in fields.items())
        for name, value in fields.items():
            setattr(user, name, value)
        # Hashes are salted: set the password only when it is not already the demo one, so a
        # second load leaves the row as it was.
        if user.pk is None or not user.check_password(account.password):
            user.set_password(account.password)
            changed = True
        if changed:
            user.save()
        wanted_groups = {sync_role_group(account.role).pk} if account.role else set()
        if set(user.groups.values_list("pk", flat=True)) != wanted_groups:
            user.groups.set(wanted_groups)
        if user.user_permissions.exists():
            # Roles come from groups only, so what a role may do is visible in one place.
            user.user_permissions.clear()
        users[account.username] = user
    return users
