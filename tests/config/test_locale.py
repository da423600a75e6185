"""The console speaks Chinese first: every string of ours marked for translation has a
Chinese translation in locale/zh_Hans, the compiled django.mo that is committed says the
same as django.po, and a staff user who has chosen nothing sees the orders list in Chinese
and can switch it to English and back.

The catalogue checks run gettext (msgfmt, msgen) the way `make messages` does; they skip
where gettext is missing, and fail instead under CI (KIT_REQUIRE_BROWSER=1, set by .ci/run,
which installs gettext).
"""

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from storefront.demo.roles import OPERATIONS, sync_role_group
from tests.factories import StaffFactory

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
# What `make messages` leaves out (Makefile, target `messages`): other people's code
# (the virtualenvs, Django's and Oscar's own strings), generated files and the tests.
NOT_OURS = {".git", ".venv", "bench", "var", "node_modules", "static", "media", "tests", "locale"}


def needs_gettext():
    missing = [tool for tool in ("msgfmt", "msgen", "xgettext", "msgmerge") if not shutil.which(tool)]
    if missing:
        reason = f"gettext is not installed (no {', '.join(missing)}): apt-get install gettext (CI does)"
        if os.environ.get("KIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (KIT_REQUIRE_BROWSER=1)")
        pytest.skip(reason)


def compiled(po: Path, into: Path) -> dict:
    """What Django would read from this .po: msgfmt leaves out untranslated and fuzzy
    entries, as the real catalogue does."""
    mo = into / (po.stem + ".mo")
    subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True, capture_output=True, text=True)
    return read_mo(mo)


def read_mo(mo: Path) -> dict:
    with mo.open("rb") as file:
        return dict(gettext.GNUTranslations(file)._catalog)


@pytest.fixture
def strings_in_the_code(tmp_path, settings, monkeypatch) -> set:
    """Every msgid of ours, found afresh by makemessages over the project's own folders
    (linked into a scratch directory, so the committed catalogue is not touched)."""
    needs_gettext()
    project = tmp_path / "project"
    project.mkdir()
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name not in NOT_OURS and not entry.name.startswith("."):
            (project / entry.name).symlink_to(entry)
    settings.LOCALE_PATHS = [str(project / "locale")]
    monkeypatch.chdir(project)
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        symlinks=True,
        ignore_patterns=sorted(NOT_OURS),
        no_obsolete=True,
        verbosity=0,
    )
    fresh = project / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    # msgen fills each translation with its own msgid, so the compiled file lists them all.
    english = tmp_path / "english.po"
    subprocess.run(["msgen", "-o", str(english), str(fresh)], check=True, capture_output=True)
    found = set(compiled(english, tmp_path)) - {""}
    assert len(found) > 400, "makemessages found far fewer strings than the kit has: is it looking in the right place?"
    return found


def test_every_string_of_ours_has_a_chinese_translation(strings_in_the_code, tmp_path):
    chinese = compiled(CATALOGUE / "django.po", tmp_path)
    untranslated = sorted(str(msgid) for msgid in strings_in_the_code if not chinese.get(msgid, "").strip())
    assert not untranslated, (
        f"{len(untranslated)} strings have no Chinese translation in {CATALOGUE / 'django.po'}; "
        "run `make messages`, translate the empty (or fuzzy) entries and run it again:\n" + "\n".join(untranslated)
    )


def test_the_catalogue_is_chinese_with_one_plural_form_and_exact_placeholders(tmp_path):
    needs_gettext()
    # --check: the translations keep every %(name)s / {name} placeholder of their msgid.
    subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(CATALOGUE / "django.po")],
        check=True,
        capture_output=True,
    )
    with (tmp_path / "django.mo").open("rb") as file:
        catalogue = gettext.GNUTranslations(file)
    assert catalogue.info()["language"] == "zh_Hans"
    assert catalogue.info()["plural-forms"] == "nplurals=1; plural=0;"
    assert catalogue.gettext("orders to ship") == "待发货订单"
    assert catalogue.gettext("%(count)d new tracking events.") == "新增 %(count)d 条物流轨迹。"


def test_the_committed_mo_says_what_the_po_says(tmp_path):
    needs_gettext()
    committed = read_mo(CATALOGUE / "django.mo")
    from_the_po = compiled(CATALOGUE / "django.po", tmp_path)
    differ = sorted(
        str(msgid) for msgid in committed.keys() | from_the_po.keys() if committed.get(msgid) != from_the_po.get(msgid)
    )
    assert not differ, "django.mo is out of date with django.po; run `make messages`:\n" + "\n".join(differ)


@pytest.fixture
def operations_staff(db):
    staff = StaffFactory(username="ops-xiaozhou", nickname="运营 小周")
    staff.groups.add(sync_role_group(OPERATIONS))
    client = Client()
    client.force_login(staff)
    return client


def test_staff_see_the_orders_list_in_chinese_until_they_switch_to_english(operations_staff):
    client = operations_staff

    # No language chosen and none asked for by the browser: Chinese.
    page = client.get("/admin/storefront/operationsorder/").content.decode()
    assert "选择 订单 来修改" in page  # the list's title
    assert "超时未发货" in page  # the "overdue to ship" filter
    assert "以 支付方式" in page and "门店自提" in page  # another filter of ours, and a choice in one
    for english in ("Select order to change", "overdue to ship", "payment method", "Store pickup"):
        assert english not in page
    # The switch in the header: a plain form to Django's set_language, Chinese chosen.
    assert 'action="/i18n/setlang/"' in page
    assert 'name="language" value="en"' in page
    assert re.search(r'value="zh-hans"[^>]*\sdisabled aria-current="true"', page)

    # A browser set to English does not make the console English: only the switch does.
    page = client.get("/admin/storefront/operationsorder/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "选择 订单 来修改" in page and "Select order to change" not in page

    # English, chosen with the switch, stays chosen on the next pages.
    answer = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/storefront/operationsorder/"})
    assert answer.status_code == 302 and answer["Location"] == "/admin/storefront/operationsorder/"
    page = client.get("/admin/storefront/operationsorder/").content.decode()
    assert "Select order to change" in page and "overdue to ship" in page
    assert "超时未发货" not in page
    assert "待发货订单" not in client.get("/admin/logistics/ordertoship/").content.decode()

    # And back.
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/"})
    page = client.get("/admin/").content.decode()
    assert "待发货订单" in page  # logistics' queue, listed on the admin's home page
    assert "orders to ship" not in page.lower()


def test_the_shopper_api_answers_in_the_language_the_client_asks_for_and_chinese_by_default(api):
    chinese = api.get("/api/v1/orders/")
    english = api.get("/api/v1/orders/", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 401
    assert chinese.json()["error"]["code"] == english.json()["error"]["code"]
    assert chinese.json()["error"]["message"] != english.json()["error"]["message"]
