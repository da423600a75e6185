"""Settings of the benchmark servers: the kit's own settings, served with the benchmark's
URL map (the kit's URLs plus the trivial ceiling endpoint), so that the kit and the
ceiling run on the same server, database and settings."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["*"]
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "WARNING"}}
# Every client of the benchmark is 127.0.0.1, so login, write and browse throttles would
# turn load into 429s. A rate of None switches a DRF throttle off without touching the
# cache; the benchmark measures the code, not the throttle.
_THROTTLE_SCOPES = REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]  # noqa: F405
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": dict.fromkeys(_THROTTLE_SCOPES)}  # noqa: F405
# Without Redis (bench/run.py starts one when redis-server exists) the file cache lives in
# the benchmark's own folder, never in the demo's var/cache.
if not REDIS_URL:  # noqa: F405
    CACHES = {"default": {**CACHES["default"], "LOCATION": str(BASE_DIR / "bench" / ".work" / "cache")}}  # noqa: F405
# Counts the SQL queries of each request into the X-Bench-Queries response header, so the
# harness reports queries per request of the very requests it timed (kit, peer and ceiling
# pay the same tiny cost).
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405
