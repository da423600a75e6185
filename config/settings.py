"""All settings of the kit, read from the environment.

Every value has a default for the embedded demo (SQLite, file cache, filesystem Celery
broker), and the defaults are safe when nothing is set: DEBUG and the sandbox are off
unless turned on (`make run`, `make worker` and the test settings, tests/settings.py, set
DEBUG=true). With DEBUG off the module refuses to load with the demo secret key, with the
sandbox switched on, or with any credential published with the demo.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403  Oscar's defaults, overridden below

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEMO_SECRET_KEY = "demo-only-secret-key-do-not-use-in-production-0123456789abcdef"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default=DEMO_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute URLs (images, notify URLs handed to the platforms) are built from this.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The sandbox emulates WeChat, WeChat Pay and Alipay at their own paths under /sandbox/.
PLATFORM_SANDBOX = env.bool("PLATFORM_SANDBOX", default=DEBUG)

# Secrets whose demo values are published in this repository. They are the defaults only
# with the sandbox; without it a secret that is not set is empty (and whatever it signs is
# refused), and production refuses to start with any demo value (checked at the end).
DEMO_CREDENTIALS = {
    "WECHAT_APP_SECRET": "demo-wechat-secret",
    "WECHAT_PUSH_TOKEN": "demo-push-token",
    "KUAIDI100_KEY": "demo-kuaidi100-key",
    "TRACKING_PUSH_SALT": "demo-tracking-salt",
}


def _demo(name: str) -> str:
    return DEMO_CREDENTIALS[name] if PLATFORM_SANDBOX else ""


if not DEBUG:
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Set SECRET_KEY (50+ random characters): the demo key is public.")
    if PLATFORM_SANDBOX:
        raise ImproperlyConfigured("PLATFORM_SANDBOX must be off when DEBUG is off.")

INSTALLED_APPS = [
    # The console's theme (config/console.py, docs/decisions/0007-console-theme.md): before the
    # admin, whose templates it replaces.
    "unfold",
    "unfold.contrib.import_export",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "axes",  # staff login lockout (config/staff_lockout.py)
    # The kit's own apps; storefront first: it holds the user model.
    "storefront",
    "loyalty",
    "offers",
    "flashsales",
    "campaigns",
    "campaigns.giveaways",  # giveaways: instant win, first come, provable draws
    "campaigns.ugc",  # UGC campaigns: moderated submissions, gallery, votes
    "campaigns.polls",  # polls and feedback surveys
    "logistics",
    "platforms",
    "console",  # the console's home page, menu and audit log (docs/console.md)
    "auditlog",  # who changed prices, stock, offers and rules (console/audit.py)
    # Oscar, the commerce engine underneath.
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    # API
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, never a CDN
    "import_export",
    "tinymce",  # the product editor's rich description, TinyMCE served from our static files
]
if PLATFORM_SANDBOX:
    INSTALLED_APPS.append("platforms.sandbox")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.locale.ConsoleLocaleMiddleware",  # the console in Chinese unless a staff member switches
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The console's own 403 and 404 pages, refusals logged at INFO (config/refusals.py).
    "config.refusals.ConsoleRefusalMiddleware",
    # CONTENT_SECURITY_POLICY below; the console's pages also allow the theme's script
    # expressions (config/console.py says why).
    "config.console.ConsoleCSPMiddleware",
    "console.audit.AuditMiddleware",  # the audit log's "who", on the console's pages only
    # Oscar's dashboard expects request.basket; shoppers never use this session basket.
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    # Last, as django-axes asks: answers a locked-out staff login with its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                # Not Oscar's notifications processor: only its HTML shop (not mounted) shows
                # the unread count, and the console's theme renders its header, tabs and
                # actions as separate templates, each a COUNT query on every console page.
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]

# Database: SQLite file for the demo; PostgreSQL in production and CI.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker) share the demo file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when configured. Without it a file cache, so that the web process and the
# Celery worker of the demo share access tokens and locks.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "storefront.User"
AUTHENTICATION_BACKENDS = ["config.staff_lockout.StaffLockoutBackend", "django.contrib.auth.backends.ModelBackend"]
# Staff login lockout (django-axes; config/staff_lockout.py says the rules).
AXES_FAILURE_LIMIT = env.int("STAFF_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("STAFF_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.client.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/staff_locked_out.html"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# The kit's catalogue, then the console theme's own labels in Chinese (theme_locale/: the
# theme ships none).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "theme_locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "static"))
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Media on object storage in production: set STORAGE_BACKEND to
# "storages.backends.s3.S3Storage" (S3, OSS and COS speak it) and the AWS_* variables.
STORAGES = {
    "default": {"BACKEND": env("STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if STORAGES["default"]["BACKEND"].startswith("storages."):
    AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN", default=None)
    AWS_QUERYSTRING_AUTH = False
    AWS_DEFAULT_ACL = None
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Private uploads (config/private_media.py, config/images.py; docs/orders.md) ----------
# Files only their owner and permitted staff may see (after-sales photos; UGC later). On
# disk they live in PRIVATE_MEDIA_ROOT, which must be outside MEDIA_ROOT, and are served by
# the signed, permission-checked view /private-media/. On object storage they live under the
# bucket's PRIVATE_MEDIA_LOCATION prefix (or in PRIVATE_MEDIA_BUCKET), written private, and
# are handed out as presigned URLs (django-storages' query-string auth). Either way a URL
# works for PRIVATE_MEDIA_URL_SECONDS.
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private-media"))
PRIVATE_MEDIA_URL_SECONDS = env.int("PRIVATE_MEDIA_URL_SECONDS", default=900)
if STORAGES["default"]["BACKEND"].startswith("storages."):
    STORAGES["private"] = {
        "BACKEND": env("PRIVATE_STORAGE_BACKEND", default=STORAGES["default"]["BACKEND"]),
        "OPTIONS": {
            "bucket_name": env("PRIVATE_MEDIA_BUCKET", default=AWS_STORAGE_BUCKET_NAME),
            "location": env("PRIVATE_MEDIA_LOCATION", default="private"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": PRIVATE_MEDIA_URL_SECONDS,
            "custom_domain": None,  # a public CDN domain would hand out unsigned URLs
            "file_overwrite": False,
        },
    }
else:
    STORAGES["private"] = {
        "BACKEND": env("PRIVATE_STORAGE_BACKEND", default="config.private_media.PrivateFileSystemStorage")
    }
    if Path(PRIVATE_MEDIA_ROOT).resolve().is_relative_to(Path(MEDIA_ROOT).resolve()):
        raise ImproperlyConfigured("PRIVATE_MEDIA_ROOT must be outside MEDIA_ROOT: MEDIA_URL would serve it.")
# Who may see a private file: name prefix (the field's upload_to) -> function (user, name).
PRIVATE_MEDIA_ACCESS = {"after-sales/": "storefront.orders.selectors.may_view_after_sales_photo"}
# After-sales photos: refused above these (bytes, pixels read from the header), stored as
# JPEG of at most AFTER_SALES_PHOTO_SIZE pixels a side, enough to judge a damaged parcel.
AFTER_SALES_PHOTO_MAX_BYTES = env.int("AFTER_SALES_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
AFTER_SALES_PHOTO_MAX_PIXELS = env.int("AFTER_SALES_PHOTO_MAX_PIXELS", default=50_000_000)
AFTER_SALES_PHOTO_SIZE = env.int("AFTER_SALES_PHOTO_SIZE", default=2048)

# Security: on when DEBUG is off, so `manage.py check --deploy` is clean.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content security policy (django-csp) on every page the kit serves: the console, the API
# docs and the sandbox load scripts, styles, images and fonts from this server only and
# run no inline script; nothing may frame them. Inline styles stay allowed (the admin's
# widgets set style attributes). The console's pages also allow the theme's script
# expressions ('unsafe-eval', config/console.py ConsoleCSPMiddleware says why).
# Images on object storage come from its domain (MEDIA_URL or AWS_S3_CUSTOM_DOMAIN), plus
# any origin listed in CSP_IMG_SOURCES.
_MEDIA_ORIGINS = [
    origin
    for origin in (
        "/".join(MEDIA_URL.split("/")[:3]) if MEDIA_URL.startswith("http") else "",
        f"https://{AWS_S3_CUSTOM_DOMAIN}" if globals().get("AWS_S3_CUSTOM_DOMAIN") else "",
        *env.list("CSP_IMG_SOURCES", default=[]),
    )
    if origin
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *_MEDIA_ORIGINS],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

# --- Django REST framework and the OpenAPI schema -------------------------------------
# How many reverse proxies (nginx, a cloud load balancer) stand in front of the kit and append
# to X-Forwarded-For. 0: the kit is reached directly and the header is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["config.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": env("THROTTLE_LOGIN_IP", default="300/min"),
        "login_code": "3/min",
        "shopper_write": env("THROTTLE_SHOPPER_WRITE", default="60/min"),
        "upload": env("THROTTLE_UPLOAD", default="20/min"),
    },
    # The client's address for every rate limit: the REMOTE_ADDR, or the address the last of
    # TRUSTED_PROXY_COUNT proxies saw (config/client.py explains; the README's Deployment section shows nginx).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_TTL": timedelta(hours=env.int("TOKEN_TTL_HOURS", default=72)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Store mini program kit API",
    "DESCRIPTION": (
        "The shopper API behind a brand's WeChat and Alipay store mini programs. "
        'Errors always have the shape {"error": {"code", "message", "fields"}}.\n\n'
        "**A token to try the API (the sandbox):** with the sandbox on (`make run`), open "
        "[/sandbox/](/sandbox/), press 生成登录码 (a WeChat login code), then call "
        '`POST /api/v1/auth/wechat/` with `{"code": "<the code>"}`: the answer\'s `token` is '
        'the bearer token. Press "Authorize" above and paste it. Without the page: '
        "`POST /sandbox/wechat/login-code/` answers a code as JSON. Tokens last TOKEN_TTL_HOURS "
        "(72 by default)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's scripts and styles come from drf-spectacular-sidecar's static files:
    # the default loads them from a CDN, which mainland China cannot count on.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_error_responses",
    ],
}

# --- Celery ----------------------------------------------------------------------------
# Redis in production. Without REDIS_URL the demo uses kombu's filesystem transport, so a
# worker started next to the web server really runs tasks and the beat schedule.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {}
    if not CELERY_BROKER_URL.startswith("filesystem")
    else {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
)
if CELERY_BROKER_URL.startswith("filesystem"):
    # kombu fails on a missing folder, and any command that saves a product queues tasks
    # (load_demo on a fresh clone runs before `make run` would create it).
    for _folder in ("queue", "processed", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
# autodiscover_tasks() looks in installed apps only; config is not one, so its heartbeat
# task would be unknown to the worker (beat sends it, the worker discards it).
CELERY_IMPORTS = ["config.tasks"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic jobs; each app adds its own entries in config/celery.py's schedule.
CELERY_BEAT_SCHEDULE = {}

# --- Oscar -----------------------------------------------------------------------------
OSCAR_SHOP_NAME = env("SHOP_NAME", default="青山茶舍 Qingshan Tea House")
OSCAR_DEFAULT_CURRENCY = "CNY"
OSCAR_CURRENCY_FORMAT = {"CNY": {"currency_digits": True, "format_type": "standard"}}
OSCAR_HOMEPAGE = "/dashboard/"
OSCAR_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="store@example.com")
OSCAR_SEND_REGISTRATION_EMAIL = False
OSCAR_EAGER_ALERTS = False
OSCAR_THUMBNAILER = "oscar.core.thumbnails.SorlThumbnail"
OSCAR_MISSING_IMAGE_URL = "image_not_found.jpg"
OSCAR_REQUIRED_ADDRESS_FIELDS = ("first_name", "line1", "line4", "state")
OSCAR_ALLOW_ANON_CHECKOUT = False
# The order statuses of the shopper API (see API.md); the values are the stored statuses.
# Order statuses and their moves live in storefront/orders/status.py, the one place an order's
# status changes. Oscar's own pipelines stay empty, so no Oscar screen can move an order.
# Oscar's order creator needs the first status before apps load; a test checks that it is
# storefront.orders.status.PENDING_PAYMENT.
OSCAR_INITIAL_ORDER_STATUS = OSCAR_INITIAL_LINE_STATUS = "pending_payment"
OSCAR_ORDER_STATUS_PIPELINE = {}
OSCAR_LINE_STATUS_PIPELINE = {}
OSCAR_ORDER_STATUS_CASCADE = {}
# The order detail's sections filled by other domains: {name: "dotted.path.func(order) -> list"}.
ORDER_DETAIL_SECTIONS = {
    "payments": "storefront.payments.serializers.order_detail_payments",
    "shipments": "logistics.serializers.order_detail_shipments",
    "points": "loyalty.selectors.order_detail_points",
}
# The product detail's sections filled by other domains: {name: "dotted.path.func(product)"}.
PRODUCT_DETAIL_SECTIONS = {"flash_sale": "flashsales.selectors.product_flash_sale"}
# What `manage.py load_demo` loads after the brand, in order: dotted paths of callables taking
# no arguments, each run in its own transaction (storefront/demo/__init__.py says the rules).
DEMO_EXTRA_LOADERS = [
    "storefront.demo.checkout_extras.load_checkout_demo",
    "logistics.demo.load_demo",
    "storefront.demo.catalog_extras.load_catalog_demo",
    "loyalty.demo.load_demo",
    "offers.demo.load_demo",
    "flashsales.demo.load_demo",
    "platforms.demo.load_demo",
    "campaigns.demo.load_demo",
    "campaigns.giveaways.demo.load_demo",
    "campaigns.ugc.demo.load_demo",
    "campaigns.polls.demo.load_demo",
]
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
# The simple backend cannot index; Oscar's default processor would warn on every product save.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
THUMBNAIL_KVSTORE = "sorl.thumbnail.kvstores.cached_db_kvstore.KVStore"
THUMBNAIL_PRESERVE_FORMAT = True
THUMBNAIL_QUALITY = 85

# --- Store rules -------------------------------------------------------------------------
# Minutes a shopper has to pay before an unpaid order is cancelled and its stock freed.
ORDER_PAY_TIMEOUT_MINUTES = env.int("ORDER_PAY_TIMEOUT_MINUTES", default=30)
# Flash sales (flashsales/): minutes to pay an order holding flash-sale units (sooner than
# the above, so unpaid units go back to the sale quickly); the fast counter's form ("redis",
# "database"; empty: Redis when REDIS_URL is set) and its Redis key prefix.
FLASH_SALE_PAY_MINUTES = env.int("FLASH_SALE_PAY_MINUTES", default=10)
FLASH_SALE_COUNTER = env("FLASH_SALE_COUNTER", default="")
FLASH_SALE_COUNTER_PREFIX = env("FLASH_SALE_COUNTER_PREFIX", default="flashsale")
# Coupons (offers/): hours before a coupon ends that its "about to expire" notice is sent.
COUPON_EXPIRY_NOTICE_HOURS = env.int("COUPON_EXPIRY_NOTICE_HOURS", default=48)
# The notify URLs (storefront/payments/notifications.py): bodies larger than this are refused
# unread (real notifications are a few KB), and an address refused this many times in a
# minute is answered 429 without being logged. Verified notifications never count.
NOTIFY_MAX_BODY_BYTES = env.int("NOTIFY_MAX_BODY_BYTES", default=16 * 1024)
NOTIFY_REFUSED_PER_MINUTE = env.int("NOTIFY_REFUSED_PER_MINUTE", default=30)
ORDER_AUTO_COMPLETE_DAYS = env.int("ORDER_AUTO_COMPLETE_DAYS", default=7)
PRIVACY_POLICY_VERSION = env("PRIVACY_POLICY_VERSION", default="2026-01")

# --- Platforms -----------------------------------------------------------------------------
# Credentials of the brand's mini programs and merchant accounts. With the sandbox on, the
# sandbox generates its own keys in var/sandbox/ and these may stay empty.
WECHAT_APP_ID = env("WECHAT_APP_ID", default="wxdemo0000000001")
WECHAT_APP_SECRET = env("WECHAT_APP_SECRET", default=_demo("WECHAT_APP_SECRET"))
WECHAT_PUSH_TOKEN = env("WECHAT_PUSH_TOKEN", default=_demo("WECHAT_PUSH_TOKEN"))
WECHAT_PUSH_AES_KEY = env("WECHAT_PUSH_AES_KEY", default="")
WECHATPAY_MCH_ID = env("WECHATPAY_MCH_ID", default="1900000001")
WECHATPAY_APIV3_KEY = env("WECHATPAY_APIV3_KEY", default="")
WECHATPAY_CERT_SERIAL_NO = env("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_PRIVATE_KEY_PATH = env("WECHATPAY_PRIVATE_KEY_PATH", default="")
# "public_key" (WeChat Pay public key) or "certificate" (platform certificates).
WECHATPAY_MODE = env("WECHATPAY_MODE", default="public_key")
WECHATPAY_PUBLIC_KEY_PATH = env("WECHATPAY_PUBLIC_KEY_PATH", default="")
WECHATPAY_PUBLIC_KEY_ID = env("WECHATPAY_PUBLIC_KEY_ID", default="")
WECHATPAY_CERT_DIR = env("WECHATPAY_CERT_DIR", default=str(VAR_DIR / "wechatpay-certs"))
ALIPAY_APP_ID = env("ALIPAY_APP_ID", default="2021000000000001")
ALIPAY_SELLER_ID = env("ALIPAY_SELLER_ID", default="2088000000000001")
ALIPAY_PRIVATE_KEY_PATH = env("ALIPAY_PRIVATE_KEY_PATH", default="")
ALIPAY_PUBLIC_KEY_PATH = env("ALIPAY_PUBLIC_KEY_PATH", default="")
ALIPAY_AES_KEY = env("ALIPAY_AES_KEY", default="")
PLATFORM_TIMEOUT_SECONDS = env.float("PLATFORM_TIMEOUT_SECONDS", default=5.0)
SANDBOX_DIR = env("SANDBOX_DIR", default=str(VAR_DIR / "sandbox"))

# --- Members (issue 5: login, profile, addresses, personal data) -------------------------
# A login code seen once is refused for this long without asking the platform again.
MEMBER_LOGIN_CODE_SEEN_SECONDS = env.int("MEMBER_LOGIN_CODE_SEEN_SECONDS", default=600)
# Logins of one member a minute (a mini program logs in at each launch; a script farming
# tokens logs in far more). With the per-code limit this is what stops abuse; the per-IP
# limit is generous because a carrier's NAT puts thousands of shoppers behind one address.
MEMBER_LOGINS_PER_MINUTE = env.int("MEMBER_LOGINS_PER_MINUTE", default=10)
MEMBER_MAX_ADDRESSES = env.int("MEMBER_MAX_ADDRESSES", default=20)
MEMBER_AVATAR_MAX_BYTES = env.int("MEMBER_AVATAR_MAX_BYTES", default=5 * 1024 * 1024)
# Checked from the image header before any pixel is decoded (decompression bombs).
MEMBER_AVATAR_MAX_PIXELS = env.int("MEMBER_AVATAR_MAX_PIXELS", default=4096 * 4096)
MEMBER_AVATAR_SIZE = env.int("MEMBER_AVATAR_SIZE", default=640)

# --- Basket, checkout and orders (checkout; docs/orders.md) --------------------------------
# Most units of one SKU in one order (a SKU's own purchase limit may be lower) and most lines.
ORDER_MAX_QUANTITY_PER_SKU = env.int("ORDER_MAX_QUANTITY_PER_SKU", default=99)
BASKET_MAX_LINES = env.int("BASKET_MAX_LINES", default=30)
# Site offers are read from the cache for at most this long (storefront/basket/offers.py); any
# change to an offer, or an offer's start or end, refreshes them sooner.
OFFER_CACHE_SECONDS = env.int("OFFER_CACHE_SECONDS", default=60)
# Delivery charges in yuan (strings, read as Decimal by storefront/checkout/shipping.py).
SHIPPING_STANDARD_CHARGE = env("SHIPPING_STANDARD_CHARGE", default="10.00")
SHIPPING_EXPRESS_CHARGE = env("SHIPPING_EXPRESS_CHARGE", default="22.00")
# Goods (after discounts) at or above this ship free by the standard method; empty: never free.
SHIPPING_FREE_THRESHOLD = env("SHIPPING_FREE_THRESHOLD", default="99.00")
SHIPPING_REMOTE_SURCHARGE = env("SHIPPING_REMOTE_SURCHARGE", default="15.00")
# A delivery address whose province starts with one of these pays the remote surcharge.
SHIPPING_REMOTE_PROVINCES = env.list(
    "SHIPPING_REMOTE_PROVINCES", default=["新疆", "西藏", "青海", "内蒙古", "宁夏", "甘肃"]
)

# --- Logistics (issue 9: shipments, tracking, WeChat shipping upload; docs/logistics.md) ----
# Hours after payment by which an order should ship; later ones are highlighted in "to ship".
SHIPPING_PROMISE_HOURS = env.int("SHIPPING_PROMISE_HOURS", default=48)
# A parcel without a tracking event for this many days is listed under "needs attention".
TRACKING_STALE_DAYS = env.int("TRACKING_STALE_DAYS", default=3)
# The polling fallback asks the provider again about parcels not heard of for this long.
TRACKING_POLL_INTERVAL_MINUTES = env.int("TRACKING_POLL_INTERVAL_MINUTES", default=240)
TRACKING_PROVIDER = env("TRACKING_PROVIDER", default="kuaidi100")
KUAIDI100_CUSTOMER = env("KUAIDI100_CUSTOMER", default="DEMOCUSTOMER0001")
KUAIDI100_KEY = env("KUAIDI100_KEY", default=_demo("KUAIDI100_KEY"))
# Salt Kuaidi100 signs its pushes with (we hand it over when subscribing).
TRACKING_PUSH_SALT = env("TRACKING_PUSH_SALT", default=_demo("TRACKING_PUSH_SALT"))
# In the sandbox a parcel shows its next tracking event every this many seconds.
SANDBOX_TRACKING_STEP_SECONDS = env.int("SANDBOX_TRACKING_STEP_SECONDS", default=120)
# WeChat accepts shipping information about a minute after payment at the earliest.
WECHAT_SHIPPING_UPLOAD_DELAY_SECONDS = env.int("WECHAT_SHIPPING_UPLOAD_DELAY_SECONDS", default=60)
WECHAT_SHIPPING_UPLOAD_MAX_ATTEMPTS = env.int("WECHAT_SHIPPING_UPLOAD_MAX_ATTEMPTS", default=8)

# --- Catalog and stores (issue 6; docs/catalog.md) ---------------------------------------
# Oscar strategy class that prices SKUs and decides their stock; a brand may plug its own.
CATALOG_STRATEGY = env("CATALOG_STRATEGY", default="storefront.catalog.strategy.StorefrontStrategy")
# Seconds a catalog response is kept (it is also dropped at once on any catalog change); 0 = off.
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=300)
# sorl-thumbnail geometries of the list and detail images.
CATALOG_THUMBNAIL_LIST = env("CATALOG_THUMBNAIL_LIST", default="400x400")
CATALOG_THUMBNAIL_DETAIL = env("CATALOG_THUMBNAIL_DETAIL", default="750")
# A SKU with this many units or fewer shows "low" (a stock record's own threshold wins).
CATALOG_LOW_STOCK_THRESHOLD = env.int("CATALOG_LOW_STOCK_THRESHOLD", default=5)
# A product attribute with this code is the crossed-out price (copied to the listing) and
# is not shown as an attribute.
CATALOG_ORIGINAL_PRICE_ATTRIBUTE = env("CATALOG_ORIGINAL_PRICE_ATTRIBUTE", default="original_price")
# Anonymous catalog and store browsing, per client IP.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["browse"] = env("THROTTLE_BROWSE", default="600/min")
# Store hours and open_now are computed in this time zone whatever TIME_ZONE says.
STORES_TIME_ZONE = env("STORES_TIME_ZONE", default="Asia/Shanghai")

# --- WeChat half of the platform layer (issue 4; docs/platforms.md, docs/sandbox.md) --------
# Which version of the mini program subscribe messages and codes open: formal, trial, developer.
WECHAT_MINIPROGRAM_STATE = env("WECHAT_MINIPROGRAM_STATE", default="formal")
WECHAT_ENV_VERSION = env("WECHAT_ENV_VERSION", default="release")
# Sandbox: words msg_sec_check judges risky (images are risky when their URL contains "risky").
SANDBOX_RISKY_WORDS = env.list("SANDBOX_RISKY_WORDS", default=["赌博", "代开发票", "risky-word"])
# Sandbox notifications: "thread" sends them over HTTP after the response; "inline" (tests)
# dispatches them in-process at once.
SANDBOX_DELIVERY = env("SANDBOX_DELIVERY", default="thread")
SANDBOX_NOTIFY_DELAY_SECONDS = env.float("SANDBOX_NOTIFY_DELAY_SECONDS", default=3.0)
# The parcel status enum gets its own name in the OpenAPI schema (several models have a "status").
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["TrackingStatusEnum"] = "logistics.models.TrackingStatus.choices"
# One platform enum (WeChat / Alipay) for payment methods, login and notices alike.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["PlatformEnum"] = "platforms.base.Platform.choices"

# --- Entry points and attribution (issue 16; docs/campaigns.md) ------------------------------
# Launches reported by POST /api/v1/visits/, per member or client address.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["visits"] = env("THROTTLE_VISITS", default="120/min")
# WeChat search page submission: needs a certified account with the feature enabled.
CAMPAIGNS_SEARCH_SUBMIT = env.bool("CAMPAIGNS_SEARCH_SUBMIT", default=False)
CAMPAIGNS_SEARCH_BATCH = env.int("CAMPAIGNS_SEARCH_BATCH", default=100)
CAMPAIGNS_SEARCH_DELAY_SECONDS = env.int("CAMPAIGNS_SEARCH_DELAY_SECONDS", default=300)
CAMPAIGNS_SEARCH_DATA_TYPE = env("CAMPAIGNS_SEARCH_DATA_TYPE", default="wxsearch_cpdata")
CAMPAIGNS_SEARCH_PAGE_TYPES = {"product": 1, "campaign": 2}
CAMPAIGNS_PRODUCT_PAGE = env("CAMPAIGNS_PRODUCT_PAGE", default="pages/product/detail")

# --- UGC campaigns and polls (issue 15; docs/ugc.md, docs/polls.md) --------------------------
# Each image of an entry, checked as avatars are (config/images.py), kept at most this many
# pixels a side, with a thumbnail for the gallery.
UGC_IMAGE_MAX_BYTES = env.int("UGC_IMAGE_MAX_BYTES", default=8 * 1024 * 1024)
UGC_IMAGE_MAX_PIXELS = env.int("UGC_IMAGE_MAX_PIXELS", default=6000 * 6000)
UGC_IMAGE_SIZE = env.int("UGC_IMAGE_SIZE", default=1600)
UGC_THUMBNAIL_SIZE = env.int("UGC_THUMBNAIL_SIZE", default=400)
# Votes and entries of one member, on top of the per-entry and daily limits.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["ugc_votes"] = env("THROTTLE_UGC_VOTES", default="30/min")
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["ugc_submissions"] = env("THROTTLE_UGC_SUBMISSIONS", default="10/min")

# --- The console (issue 20; docs/console.md, docs/decisions/0007-console-theme.md) ---------------
# django-unfold's settings: the menu by task (console/navigation.py), the marketers'
# dashboard as the home page (console/dashboard.py), the kit's own language switch
# (templates/admin/language_switch.html) instead of the theme's.
from django.templatetags.static import static  # noqa: E402  (the console's style sheet, below)

UNFOLD = {
    "SITE_TITLE": OSCAR_SHOP_NAME,
    "SITE_HEADER": OSCAR_SHOP_NAME,
    "SITE_SUBHEADER": "门店小程序控制台",
    "SITE_URL": "/api/docs/",
    "SITE_SYMBOL": "storefront",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_LANGUAGES": False,
    "BORDER_RADIUS": "6px",
    "THEME": "light",  # one light theme, no light/dark/system switch
    "DASHBOARD_CALLBACK": "console.dashboard.dashboard_callback",
    "STYLES": [lambda request: static("console/console.css")],
    "SIDEBAR": {
        "show_search": False,
        "command_search": False,
        "show_all_applications": False,
        "navigation": "console.navigation.sidebar",
    },
}
# The audit log keeps what changed as JSON too, so the history page can show each field.
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = True

# Production never runs on a credential published with the demo.
if not DEBUG:
    _published = sorted(name for name, value in DEMO_CREDENTIALS.items() if globals()[name] == value)
    if _published:
        raise ImproperlyConfigured(f"Set {', '.join(_published)}: the demo values are public.")
