"""The catalog at scale: the shopper catalog's uncached answers at 1,000, 10,000 and 100,000
products, and the query plans behind them at the largest size. `BENCH_SCALE=1 make bench`
runs it alone (bench/run.py); loading and measuring take several minutes.

It has a database of its own, `kit_bench_scale` (made from the migrated template of
bench/run.py when there is one, else migrated here), so a scale run never disturbs the
`kit_bench` database of another run. The first 1,000 products are loaded by
bench/catalog.py exactly as for the other scenarios (5 SKUs and 3 images each, with stock,
listings, search text, sales counters and thumbnails). The catalog then grows to each next
size by copying those 1,000 in SQL, block after block, with new ids, slugs, UPCs, title
numbers (in the search text too), prices and stock levels, and later creation dates: every
copy has the same rows beside Oscar's tables (listing with search text, stock records,
attribute values, category, images with thumbnails) as a product saved through the kit.

At each size, in-process on the benchmark settings (like bench/profile.py) with the
response cache switched off (CATALOG_CACHE_SECONDS=0: every request builds its answer):

- the product list, first page;
- a deep page (page 50 of 20, the last page of the 1,000-product catalog: the same offset
  at every size);
- the price-ordered first page (`ordering=price`);
- a search never made before: `q=` with a two-character word, every other request a word
  of the titles, keywords or SKU values (matching many products), the others a new pair of
  the catalog's characters (matching few or none);
- the product detail of products spread over the whole catalog.

p50 and p95 per size, and p95 at the largest size over p95 at the smallest (target: 2 or
less). At each size each scenario's SQL is captured (CaptureQueriesContext) and run under
EXPLAIN (ANALYZE, BUFFERS): bench/results/scale-explain.txt has the plans, and the summary
says, at the largest size, which big tables were read by a sequential scan and which
indexes were used.
Results: bench/results/scale.md and scale.json.

Knobs: BENCH_SCALE_SIZES (comma-separated, default 1000,10000,100000; sizes above 1,000 are
rounded to whole thousands), BENCH_SCALE_REQUESTS (timed requests per scenario and size,
default 100), BENCH_TIME_LIMIT (seconds per scenario and size, default 30; at least 10
requests are timed)."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "kit_bench_scale"
SEED = 1000  # products bench/catalog.py loads; every larger size is copies of them
SIZES = [int(size) for size in os.environ.get("BENCH_SCALE_SIZES", "1000,10000,100000").split(",") if size.strip()]
REQUESTS = int(os.environ.get("BENCH_SCALE_REQUESTS", "100"))
TIME_LIMIT = float(os.environ.get("BENCH_TIME_LIMIT", "30"))
WARMUP = 5
DEEP_PAGE = 50
TARGET_RATIO = 2.0
# Tables whose sequential scan grows with the catalog (the small ones, product classes,
# partners, categories, attributes, are scanned whole at any size, as they should be).
BIG_TABLES = (
    "catalogue_product",
    "catalogue_productattributevalue",
    "catalogue_productcategory",
    "catalogue_productimage",
    "partner_stockrecord",
    "storefront_productlisting",
    "storefront_productimagethumbnails",
)


# --- the harness side (bench/run.py's process) ---------------------------------------------
def run(python, results, server_env, migrations_fingerprint):
    """Creates the scale database, then runs the load and the measurements in a process
    with the benchmark settings; called by bench/run.py when BENCH_SCALE=1."""
    server_url = os.environ.get("DATABASE_URL") or "postgres://kit:kit@127.0.0.1:5432/kit_bench"
    if not server_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server.")
    parts = urlsplit(server_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    database_url = urlunsplit(parts._replace(path=f"/{DATABASE}"))
    template = f"kit_bench_migrated_{migrations_fingerprint()}"
    recreate = (
        "import sys, psycopg\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        f"    c.execute('DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)')\n"
        "    known = c.execute('SELECT 1 FROM pg_database WHERE datname = %s', [sys.argv[2]]).fetchone()\n"
        f"    c.execute('CREATE DATABASE {DATABASE}' + (' TEMPLATE ' + sys.argv[2] if known else ''))\n"
        "    print('template' if known else 'empty')\n"
    )
    made = subprocess.run(
        [str(python), "-c", recreate, admin_url, template], check=True, capture_output=True, text=True
    )
    print(f"{DATABASE}: created from {'the migrated template' if made.stdout.strip() == 'template' else 'nothing'}")
    env = server_env(database_url, "", "bench.settings")
    env["CATALOG_CACHE_SECONDS"] = "0"  # every request builds its answer
    env["MEDIA_ROOT"] = str(ROOT / "bench" / ".work" / "scale-media")  # never the other runs' files
    env["BENCH_RESULTS"] = str(results)
    subprocess.run([str(python), "-m", "bench.scale"], cwd=ROOT, env=env, check=True)
    print((Path(results) / "scale.md").read_text())


# --- loading (the benchmark settings' process) --------------------------------------------
def _columns(cursor, table):
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", [table]
    )
    return [row[0] for row in cursor.fetchall()]


def _copy(cursor, table, source, blocks, overrides, where="true"):
    """INSERT INTO table SELECT its columns FROM `source` (aliased s, with the block number
    k from `blocks`), each column as in `overrides` (SQL over s, k and m) or as it is."""
    columns = _columns(cursor, table)
    select = ", ".join(overrides.get(column, f"s.{column}") for column in columns if overrides.get(column, "") != "-")
    names = ", ".join(column for column in columns if overrides.get(column, "") != "-")
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {select} FROM {source} "  # noqa: S608  fixed names only
        f"CROSS JOIN generate_series(%(first)s, %(last)s) AS k WHERE {where}",
        {"first": blocks.start, "last": blocks.stop - 1},
    )
    return cursor.rowcount


def grow(blocks, seed):
    """Copies the seed catalog once per block number in `blocks` (block k holds the products
    numbered k * 1000 to k * 1000 + 999), in one transaction."""
    from django.db import connection, transaction

    # The seed's number, from its slug (bench-N for a product, bench-N-S for its SKUs).
    number = "(substring(s.slug from '^bench-([0-9]+)')::int + k * 1000)"
    suffix = "coalesce(substring(s.{0} from '^(?:bench|BENCH)-[0-9]+(-[0-9]+)$'), '')"
    upc = f"'BENCH-' || lpad({number}::text, 5, '0') || {suffix.format('upc')}"
    started = time.monotonic()
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        off, img_off = seed["product_offset"], seed["image_offset"]
        products = f"(SELECT * FROM catalogue_product WHERE id <= {seed['max_product']})"
        counts["products"] = _copy(
            cursor,
            "catalogue_product",
            f"{products} AS s",
            blocks,
            {
                "id": f"s.id + k * {off}",
                "upc": upc,
                "slug": f"'bench-' || {number} || {suffix.format('slug')}",
                "title": f"CASE WHEN s.structure = 'parent' THEN regexp_replace(s.title, '[0-9]+$', "
                f"lpad({number}::text, 4, '0')) ELSE s.title END",
                "date_created": "s.date_created + k * interval '1 minute'",
                "date_updated": "s.date_updated + k * interval '1 minute'",
                "parent_id": f"s.parent_id + k * {off}",
                "code": "NULL",
            },
        )
        counts["attribute_values"] = _copy(
            cursor,
            "catalogue_productattributevalue",
            "catalogue_productattributevalue AS s",
            blocks,
            {"id": "-", "product_id": f"s.product_id + k * {off}"},
            where=f"s.product_id <= {seed['max_product']}",
        )
        # A stock record's SKU code follows its product's UPC; prices 12.00 to 47.99 yuan
        # and stock 0 to 499 spread over the copies.
        counts["stock_records"] = _copy(
            cursor,
            "partner_stockrecord",
            "partner_stockrecord AS s JOIN catalogue_product AS p ON p.id = s.product_id",
            blocks,
            {
                "id": "-",
                "partner_sku": "'BENCH-' || lpad((substring(p.slug from '^bench-([0-9]+)')::int + k * 1000)::text, 5, "
                "'0') || coalesce(substring(p.slug from '^bench-[0-9]+(-[0-9]+)$'), '')",
                "price": "((s.id * 7919 + k * 104729) %% 3600 + 1200) / 100.0",
                "num_in_stock": "(s.num_in_stock + k * 37) %% 500",
                "product_id": f"s.product_id + k * {off}",
            },
            where=f"s.product_id <= {seed['max_product']}",
        )
        counts["categories"] = _copy(
            cursor,
            "catalogue_productcategory",
            "catalogue_productcategory AS s",
            blocks,
            {"id": "-", "product_id": f"s.product_id + k * {off}"},
            where=f"s.product_id <= {seed['max_product']}",
        )
        counts["images"] = _copy(
            cursor,
            "catalogue_productimage",
            "catalogue_productimage AS s",
            blocks,
            {"id": f"s.id + k * {img_off}", "product_id": f"s.product_id + k * {off}", "code": "NULL"},
            where=f"s.id <= {seed['max_image']}",
        )
        counts["thumbnails"] = _copy(
            cursor,
            "storefront_productimagethumbnails",
            "storefront_productimagethumbnails AS s",
            blocks,
            {"image_id": f"s.image_id + k * {img_off}"},
            where=f"s.image_id <= {seed['max_image']}",
        )
        # The listing's search text holds the lower-cased title: the copy's title number.
        counts["listings"] = _copy(
            cursor,
            "storefront_productlisting",
            "storefront_productlisting AS s JOIN catalogue_product AS p ON p.id = s.product_id",
            blocks,
            {
                "product_id": f"s.product_id + k * {off}",
                "search_text": "CASE WHEN p.structure = 'parent' AND p.title <> '' THEN replace(s.search_text, "
                "lower(p.title), lower(regexp_replace(p.title, '[0-9]+$', lpad((substring(p.slug from "
                "'^bench-([0-9]+)')::int + k * 1000)::text, 4, '0')))) ELSE s.search_text END",
                "sales_count": "(s.sales_count * (k %% 7 + 1)) %% 1000",
                "updated_at": "s.updated_at + k * interval '1 minute'",
            },
            where=f"s.product_id <= {seed['max_product']}",
        )
        for table in ("catalogue_product", "catalogue_productimage"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
    print(f"  grew by {len(blocks)} x {SEED} products in {time.monotonic() - started:.1f} s: {counts}", flush=True)
    return counts


def vacuum_analyze():
    """Fresh statistics and visibility maps, as autovacuum has them on a catalog that grew
    over months (index-only scans need the visibility map)."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        for table in BIG_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"  vacuum analyze in {time.monotonic() - started:.1f} s", flush=True)


# --- measuring -----------------------------------------------------------------------------
def fresh_words():
    """Two-character words for the search: every other one a word of the catalog's titles,
    keywords or SKU values (乌龙, 送礼, 少糖; matching many products), the others pairs of
    its characters that are no word (matching few or none), each pair once."""
    from bench.catalog import FLAVOURS, KEYWORDS, WORDS
    from bench.catalog import SIZES as CUP_SIZES

    vocabulary = WORDS + KEYWORDS + FLAVOURS + CUP_SIZES
    real = list(dict.fromkeys(word[i : i + 2] for word in vocabulary for i in range(len(word) - 1)))
    characters = list(dict.fromkeys("".join(vocabulary)))
    text = " ".join(vocabulary)
    others = [a + b for a in characters for b in characters if a != b and a + b not in text]
    others = [others[(index * 7919) % len(others)] for index in range(len(others))]  # a fixed shuffle
    return [
        real[(i // 2) % len(real)] if i % 2 == 0 else others[(i // 2) % len(others)] for i in range(2 * len(others))
    ]


def scenarios(parents):
    words = fresh_words()
    spread = parents[:: max(1, len(parents) // 500)]
    return {
        "product list, first page": lambda i: "/api/v1/products/?page=1&page_size=20",
        f"product list, page {DEEP_PAGE}": lambda i: f"/api/v1/products/?page={DEEP_PAGE}&page_size=20",
        "product list by price, first page": lambda i: "/api/v1/products/?ordering=price&page=1&page_size=20",
        "search, a new word each request": lambda i: f"/api/v1/products/?q={quote(words[i % len(words)])}&page_size=20",
        "product detail": lambda i: f"/api/v1/products/{spread[(i * 37) % len(spread)]}/",
    }


def percentile(latencies, pct):
    ordered = sorted(latencies)
    return round(ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))], 2) if ordered else None


def measure(size, offset):
    """Each scenario's p50/p95 at this size. `offset` moves the request numbers on, so the
    searches of a size use words the earlier sizes did not."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    parents = list(
        Product.objects.filter(structure="parent", is_public=True).order_by("pk").values_list("pk", flat=True)
    )
    client = Client()
    figures = {}
    for name, make in scenarios(parents).items():
        for i in range(WARMUP):
            client.get(make(offset + REQUESTS + i))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(make(offset + REQUESTS + WARMUP))
        # Read now: every request start empties the connection's query log.
        query_count = len(queries)
        latencies, statuses = [], {}
        deadline = time.monotonic() + TIME_LIMIT
        for i in range(REQUESTS):
            started = time.perf_counter()
            answer = client.get(make(offset + i))
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            if time.monotonic() > deadline and i >= 9:
                break
        body = response.json() if response.status_code == 200 else {}
        figures[name] = {
            "requests": len(latencies),
            "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "queries": query_count,
            "statuses": statuses,
            "count": body.get("count"),
        }
        print(
            f"  {size:>7} products  {name:36s} p50 {figures[name]['p50_ms']:8.1f} ms  p95 "
            f"{figures[name]['p95_ms']:8.1f} ms  {len(latencies)} requests, {query_count} queries, {statuses}",
            flush=True,
        )
    return figures, parents


PLAN_SCAN = re.compile(r"(Seq Scan|Parallel Seq Scan) on (\w+)")
PLAN_INDEX = re.compile(r"(Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)")
PLAN_TIME = re.compile(r"Execution Time: ([0-9.]+) ms")


def explain(parents, size):
    """Each scenario's SQL under EXPLAIN (ANALYZE, BUFFERS): the full plans as text, and per
    scenario the slowest query's time, big tables read by a sequential scan and the indexes used."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    texts, findings = [], {}
    for name, make in scenarios(parents).items():
        with CaptureQueriesContext(connection) as queries:
            client.get(make(0))
        found = {"queries": [], "seq_scans": [], "indexes": []}
        for number, query in enumerate(queries.captured_queries, 1):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            took = float(PLAN_TIME.search(plan).group(1)) if PLAN_TIME.search(plan) else None
            seq = sorted({table for _, table in PLAN_SCAN.findall(plan) if table in BIG_TABLES})
            indexes = sorted({index for _, index in PLAN_INDEX.findall(plan)})
            found["queries"].append({"number": number, "ms": took, "seq_scans": seq, "sql": sql[:160]})
            found["seq_scans"] = sorted(set(found["seq_scans"]) | set(seq))
            found["indexes"] = sorted(set(found["indexes"]) | set(indexes))
            texts.append(f"### {size} products: {name}, query {number} ({took} ms)\n\n{sql}\n\n{plan}\n")
        found["slowest_ms"] = max((q["ms"] or 0 for q in found["queries"]), default=0)
        findings[name] = found
        print(
            f"  explain at {size}: {name}: slowest query {found['slowest_ms']} ms, seq scans {found['seq_scans'] or 'none'}",
            flush=True,
        )
    return texts, findings


def markdown(report):
    sizes = report["sizes"]
    first, last = str(sizes[0]), str(sizes[-1])
    lines = [
        f"Catalog at scale, {report['date']} on {report['machine']}: uncached answers (response cache off), "
        f"in-process on the benchmark settings, one request at a time, up to {REQUESTS} timed requests per "
        f"scenario and size; took {report['duration_s']} s.",
        "",
        "| scenario | " + " | ".join(f"{int(size):,} p50 / p95 ms" for size in sizes) + f" | p95 {int(last):,} / "
        f"{int(first):,} | within {TARGET_RATIO:g}x |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " | ---: | --- |",
    ]
    for name, ratio in report["ratios"].items():
        cells = [
            f"{report['figures'][str(size)][name]['p50_ms']} / {report['figures'][str(size)][name]['p95_ms']}"
            for size in sizes
        ]
        lines.append(f"| {name} | {' | '.join(cells)} | {ratio} | {'yes' if ratio <= TARGET_RATIO else 'NO'} |")
    lines += [
        "",
        f"Query plans at {int(last):,} products (EXPLAIN ANALYZE of each scenario's SQL, bench/results/"
        "scale-explain.txt):",
        "",
        f"| scenario | queries | slowest query ms at {int(first):,} / {int(last):,} | big tables read whole | "
        "indexes used |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for name, found in report["explain"].items():
        smallest = report["explain_by_size"][first][name]["slowest_ms"]
        lines.append(
            f"| {name} | {len(found['queries'])} | {smallest} / {found['slowest_ms']} | "
            f"{', '.join(found['seq_scans']) or 'none'} | {', '.join(found['indexes'])} |"
        )
    return "\n".join(lines) + "\n"


def main():
    import platform

    import django

    started = time.time()
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from oscar.core.loading import get_model

    from bench import catalog

    results = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results"))
    call_command("migrate", verbosity=0, interactive=False)
    loaded = catalog.load(products=SEED)
    print(f"  seed catalog: {loaded}", flush=True)
    Product = get_model("catalogue", "Product")
    ProductImage = get_model("catalogue", "ProductImage")
    max_product = Product.objects.order_by("-pk").values_list("pk", flat=True).first()
    max_image = ProductImage.objects.order_by("-pk").values_list("pk", flat=True).first()
    seed = {
        "max_product": max_product,
        "max_image": max_image,
        "product_offset": max_product,
        "image_offset": max_image,
    }
    figures, blocks_loaded, offset = {}, 1, 0
    texts, findings = [], {}
    for size in SIZES:
        blocks = max(1, size // SEED)
        if blocks > blocks_loaded:
            grow(range(blocks_loaded, blocks), seed)
            blocks_loaded = blocks
        vacuum_analyze()
        figures[str(size)], parents = measure(size, offset)
        offset += REQUESTS + WARMUP + 1
        plans, findings[str(size)] = explain(parents, size)
        texts += plans
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 2, 1",
            [list(BIG_TABLES)],
        )
        indexes = [{"name": n, "table": t, "definition": d} for n, t, d in cursor.fetchall()]
    names = list(figures[str(SIZES[0])])
    ratios = {
        name: round(figures[str(SIZES[-1])][name]["p95_ms"] / figures[str(SIZES[0])][name]["p95_ms"], 2)
        for name in names
    }
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "sizes": SIZES,
        "figures": figures,
        "ratios": ratios,
        "target_met": {name: ratio <= TARGET_RATIO for name, ratio in ratios.items()},
        "explain": findings[str(SIZES[-1])],
        "explain_by_size": findings,
        "indexes": indexes,
        "duration_s": round(time.time() - started, 1),
    }
    results.mkdir(parents=True, exist_ok=True)
    (results / "scale.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (results / "scale.md").write_text(markdown(report))
    (results / "scale-explain.txt").write_text("\n".join(texts))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
