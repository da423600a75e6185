"""Staff login lockout (django-axes) for /admin/login/.

After STAFF_LOGIN_FAILURE_LIMIT wrong passwords for one username, or from one address (the
client's real address, config/client.py), further attempts are refused for
STAFF_LOGIN_LOCKOUT_MINUTES, the right password included, with a page in Chinese that says
so (answered 429). A successful login clears the count. Superusers see and clear lockouts
in the admin under 登录安全, or run `manage.py axes_reset_username <name>`.

Shoppers never log in with a password (bearer tokens from the platforms' login codes), so
only the staff forms meet this.
"""

from axes.backends import AxesStandaloneBackend


class StaffLockoutBackend(AxesStandaloneBackend):
    """Axes' check before the password backend. A call without a request is not a login over
    HTTP (the test client's `login()`, a shell): nothing to count or lock, so it passes on
    to the next backend instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
