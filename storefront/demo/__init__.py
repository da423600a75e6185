"""The demo brand, 青山茶舍 Qingshan Tea House, loaded by `manage.py load_demo`.

Other apps add their own demo data (vouchers, keywords, campaigns...) by naming a loader in
the DEMO_EXTRA_LOADERS setting, without touching the command. An entry is the dotted path
of a callable taking no arguments (or, in tests, the callable itself). The setting is read
each time the demo loads, so a test's override applies to that test only. `load_demo` calls
each one in order after the brand is loaded, each in its own transaction. A loader must be
idempotent like the rest of the demo: find rows by a natural key and write only what changed
(see `storefront.demo.upsert`). It may return a line of text, which the command prints.
"""
