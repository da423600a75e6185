"""Staff login lockout on /admin/login/ (django-axes; Oscar's /dashboard/ is not served).

Found from outside: 25 wrong passwords on /admin/login/, then the right one logged in."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from freezegun import freeze_time

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
PASSWORD = "staff-pass-123"


def admin_login(username, password, ip="203.0.113.5"):
    return Client(REMOTE_ADDR=ip).post("/admin/login/?next=/admin/", {"username": username, "password": password})


def logged_in(response):
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one():
    staff = StaffFactory(username="marketer1")
    statuses = [admin_login(staff.username, "guess").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the form again with its error, then the lock

    response = admin_login(staff.username, PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "登录已暂停" in page and "15 分钟" in page


def test_the_lock_follows_the_username_from_another_address_too():
    staff = StaffFactory(username="marketer2")
    for n in range(5):
        admin_login(staff.username, "guess", ip=f"198.51.100.{n}")
    assert admin_login(staff.username, PASSWORD, ip="192.0.2.77").status_code == 429


def test_the_lock_ends_after_the_cool_off_and_a_good_login_clears_the_count():
    staff = StaffFactory(username="marketer3")
    start = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    with freeze_time(start):
        for _ in range(5):
            admin_login(staff.username, "guess")
        assert admin_login(staff.username, PASSWORD).status_code == 429
    with freeze_time(start + dt.timedelta(minutes=16)):
        assert logged_in(admin_login(staff.username, PASSWORD))
        assert not AccessAttempt.objects.filter(username=staff.username).exists()


def test_four_wrong_passwords_then_the_right_one_still_log_in():
    staff = StaffFactory(username="marketer4")
    for _ in range(4):
        admin_login(staff.username, "guess")
    assert logged_in(admin_login(staff.username, PASSWORD))


def test_superusers_read_the_lockouts_in_chinese(admin_client):
    StaffFactory(username="marketer5")
    for _ in range(5):
        admin_login("marketer5", "guess")
    page = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "登录失败计数" in page and "marketer5" in page
    assert "登录失败计数" in admin_client.get("/admin/").content.decode()  # in the console's menu
