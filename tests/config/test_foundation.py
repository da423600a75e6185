"""The foundation: schema, migrations, error shape, health check, settings guards."""

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import path
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.throttling import AnonRateThrottle

from config.errors import Conflict
from tests.concurrency import run_concurrently


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--urlconf", "config.urls", "--file", str(out))
    assert "/api/v1/" in out.read_text() or out.read_text()


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(api):
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["cache"] == "ok"


@pytest.mark.django_db
def test_docs_and_schema_are_served(api):
    assert api.get("/api/schema/").status_code == 200
    assert api.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_unknown_api_path_answers_the_error_shape(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_missing_token_answers_not_authenticated(api, settings):
    response = api.get("/api/v1/_probe/auth/")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": response.json()["error"]["message"], "fields": {}}
    }


@pytest.mark.django_db
def test_forged_token_answers_token_invalid(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer " + "x" * 64)
    response = api.get("/api/v1/_probe/auth/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"


@pytest.mark.django_db
def test_expired_token_answers_token_expired(member):
    from datetime import timedelta

    from django.utils import timezone
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    instance, token = AuthToken.objects.create(user=member, expiry=timedelta(hours=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/_probe/auth/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


@pytest.mark.django_db
def test_revoked_token_answers_token_invalid(member):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    instance, token = AuthToken.objects.create(user=member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/_probe/auth/").status_code == 200
    instance.delete()
    response = client.get("/api/v1/_probe/auth/")
    assert response.json()["error"]["code"] == "token_invalid"


@pytest.mark.django_db
def test_validation_errors_name_the_field(member_api):
    response = member_api.post("/api/v1/_probe/validate/", {"quantity": "many"}, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid_input"
    assert "quantity" in body["fields"]


@pytest.mark.django_db
def test_domain_errors_keep_their_code_and_status(member_api):
    response = member_api.post("/api/v1/_probe/conflict/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "out_of_stock"


@pytest.mark.django_db
def test_a_platform_outage_no_service_expected_still_answers_503(member_api):
    response = member_api.post("/api/v1/_probe/platform-down/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "platform_unavailable"


@pytest.mark.django_db
def test_throttled_requests_answer_rate_limited(api, settings):
    for _ in range(2):
        api.get("/api/v1/_probe/throttled/")
    response = api.get("/api/v1/_probe/throttled/")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"


def _run_settings_with(env):
    code = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup()"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def _base_env():
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "PLATFORM_SANDBOX", "DEBUG")}
    env["DEBUG"] = "false"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"  # the kit's own, not the tests' (tests/settings.py)
    return env


def test_with_nothing_set_debug_and_the_sandbox_are_off_and_the_demo_key_is_refused():
    """A deployment that forgets DEBUG=false gets production's defaults, not the demo's."""
    env = {k: v for k, v in _base_env().items() if k != "DEBUG"}
    result = _run_settings_with(env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr

    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup();"
        "from django.conf import settings as s; from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/sandbox/'); mounted = True\nexcept Resolver404:\n    mounted = False\n"
        "print(s.DEBUG, s.PLATFORM_SANDBOX, mounted, 'platforms.sandbox' in s.INSTALLED_APPS)"
    )
    env["SECRET_KEY"] = "k3y-" + "q9Zr" * 15
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "False"]


def test_production_refuses_the_demo_secret_key():
    result = _run_settings_with(_base_env())
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_sandbox():
    env = _base_env() | {"SECRET_KEY": "p" * 60, "PLATFORM_SANDBOX": "true"}
    result = _run_settings_with(env)
    assert result.returncode != 0
    assert "PLATFORM_SANDBOX" in result.stderr


def test_production_settings_pass_the_deploy_check():
    env = _base_env() | {"SECRET_KEY": "k3y-" + "q9Zr" * 15, "ALLOWED_HOSTS": "shop.example.com"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrency_helper_shows_row_locks_serialise_writers():
    """The helper itself: 20 threads increment one row under select_for_update."""
    from storefront.stores.models import Store
    from tests.factories import StoreFactory

    store = StoreFactory(phone="0")

    def increment(_):
        with transaction.atomic():
            locked = Store.objects.select_for_update().get(pk=store.pk)
            locked.phone = str(int(locked.phone) + 1)
            locked.save(update_fields=["phone"])

    results = run_concurrently(increment, times=20)
    assert results.errors == []
    store.refresh_from_db()
    assert store.phone == "20"
    assert connection.vendor == "postgresql"


# Probe endpoints exercising the error handler, mounted only in this test module.
@api_view(["GET"])
def probe_auth(request):
    from rest_framework.response import Response

    return Response({"user": request.user.pk})


@api_view(["POST"])
def probe_validate(request):
    from rest_framework import serializers

    class Input(serializers.Serializer):
        quantity = serializers.IntegerField(min_value=1)

    Input(data=request.data).is_valid(raise_exception=True)


@api_view(["POST"])
def probe_conflict(request):
    raise Conflict("Sold out.", code="out_of_stock")


@api_view(["POST"])
def probe_platform_down(request):
    from platforms.base import PlatformUnavailable

    raise PlatformUnavailable("timeout", platform="wechat")


class TwoPerMinute(AnonRateThrottle):
    rate = "2/min"


@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([TwoPerMinute])
def probe_throttled(request):
    from rest_framework.response import Response

    return Response({})


@pytest.fixture(autouse=True)
def probe_urls(settings):
    import config.urls

    settings.ROOT_URLCONF = __name__
    global urlpatterns
    urlpatterns = [
        path("api/v1/_probe/auth/", probe_auth),
        path("api/v1/_probe/validate/", probe_validate),
        path("api/v1/_probe/conflict/", probe_conflict),
        path("api/v1/_probe/throttled/", probe_throttled),
        path("api/v1/_probe/platform-down/", probe_platform_down),
        *config.urls.urlpatterns,
    ]


urlpatterns = []
handler404 = "config.errors.api_not_found"


def test_every_periodic_job_names_a_task_the_worker_knows():
    from config.celery import BEAT_SCHEDULE, app

    app.loader.import_default_modules()
    unknown = [entry["task"] for entry in BEAT_SCHEDULE.values() if entry["task"] not in app.tasks]
    assert unknown == []


def test_every_task_of_the_kit_is_declared_with_its_name():
    # A task's name is what queued messages and the beat schedule refer to: it is written
    # out, so that moving a task to another module cannot silently orphan them.
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    unnamed = []
    modules = [p for p in root.glob("*/**/tasks.py") if not {".venv", "bench"} & set(p.relative_to(root).parts)]
    assert len(modules) >= 5
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                called = isinstance(decorator, ast.Call)
                target = decorator.func if called else decorator
                if getattr(target, "id", getattr(target, "attr", None)) != "shared_task":
                    continue
                if not called or "name" not in {keyword.arg for keyword in decorator.keywords}:
                    unnamed.append(f"{module.relative_to(root)}:{node.name}")
    assert unnamed == []


@pytest.mark.parametrize("name", ["WECHAT_APP_SECRET", "WECHAT_PUSH_TOKEN", "KUAIDI100_KEY", "TRACKING_PUSH_SALT"])
def test_production_refuses_every_credential_published_with_the_demo(name):
    from config.settings import DEMO_CREDENTIALS

    env = _base_env() | {"SECRET_KEY": "k3y-" + "q9Zr" * 15, name: DEMO_CREDENTIALS[name]}
    result = _run_settings_with(env)
    assert result.returncode != 0
    assert f"Set {name}" in result.stderr


def test_without_the_sandbox_no_credential_defaults_to_its_published_demo_value():
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup();"
        "from django.conf import settings as s; print(repr([getattr(s, n) for n in s.DEMO_CREDENTIALS]))"
    )
    env = _base_env() | {"SECRET_KEY": "k3y-" + "q9Zr" * 15}
    for name in ("WECHAT_APP_SECRET", "WECHAT_PUSH_TOKEN", "KUAIDI100_KEY", "TRACKING_PUSH_SALT"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['', '', '', '']"
