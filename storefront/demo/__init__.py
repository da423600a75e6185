"""The demo brand, 青山茶舍 Qingshan Tea House, loaded by `manage.py load_demo`.

Other apps add their own demo data (vouchers, keywords, campaigns...) by appending to
EXTRA_LOADERS, without touching the command. An entry is a callable taking no arguments,
or its dotted path as a string (imported when the loader runs, which avoids import
cycles between apps). `load_demo` calls each one in order after the brand is loaded,
each in its own transaction. A loader must be idempotent like the rest of the demo: find
rows by a natural key and write only what changed (see `storefront.demo.upsert`). It may
return a line of text, which the command prints.
"""

EXTRA_LOADERS: list = []
EXTRA_LOADERS.append("storefront.demo.checkout_extras.load_checkout_demo")
EXTRA_LOADERS.append("logistics.demo.load_demo")
EXTRA_LOADERS.append("storefront.demo.catalog_extras.load_catalog_demo")
