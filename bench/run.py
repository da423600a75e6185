"""`make bench`: the kit against django-oscar-api and against a trivial DRF endpoint,
measured side by side in one run on this machine. See bench/README.md.

Steps: PostgreSQL (started here when no server answers), a fresh `kit_bench` database with
1,000 products x 5 SKUs x 3 images, Redis for the cache when redis-server exists, gunicorn
serving the kit and the peer on loopback, the scenarios driven by bench/driver.py, results
written to bench/results/latest.{md,json} and printed."""

import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale  # noqa: E402
from bench.driver import Request, drive, get, post_json  # noqa: E402

ENV = {}  # "kit" -> the kit server's environment, for the in-process helpers

WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
VENV = WORK / "venv"
PY = VENV / "bin" / "python"
KIT_PORT, PEER_PORT = 8101, 8102
HOST = "127.0.0.1"
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
# Each timed run stops after this many seconds (a slow server then answers fewer requests:
# its rate is still right), each warm-up after a quarter of it.
TIME_LIMIT = float(os.environ.get("BENCH_TIME_LIMIT", "30"))
# BENCH_ONLY picks scenarios, comma-separated: "flash" (7 and 7b), "basket" (4, kit and peer),
# "coupons" (10), "visits" (11), "giveaways" (12), "votes" (13 and 14). Empty: every scenario.
ONLY = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
SECRET = "bench-" + "s3cr3t" * 10
LOCAL_DATABASE = "postgres://kit:kit@127.0.0.1:5432/kit_bench"

# Members (by index into the token list) each write scenario uses, so that no scenario
# finds another's basket or order: kit basket adds, then checkout of those baskets, whose
# orders are then paid by notification; the flash-sale buyers; the peer's basket adds.
KIT_MEMBERS = range(0, 600)
FLASH_MEMBERS = range(2550, 4550)
PEER_MEMBERS = range(1100, 1700)
# Loyalty: members checking in for the first time (warm-up, then timed), and members holding
# points with a basket ready, who check out using some of them.
CHECK_IN_MEMBERS = range(1700, 2200)
POINTS_MEMBERS = range(2200, 2550)
# The flash-sale path's buyers need no basket (the path buys one SKU directly), so any
# members serve: the first FLASH_BUYERS, whose baskets the path leaves as they are.
FAST_FLASH_MEMBERS = range(0, 2000)
MEMBERS = 4550
ADDS = 600  # timed add-to-basket requests per server (plus a warm-up of 200: every member gets a line)
ORDERS = 300  # timed checkouts (plus a warm-up of WARMUP_ORDERS)
WARMUP_ORDERS = 50
FLASH_BUYERS, FLASH_UNITS = 2000, 100
HOT_PRODUCTS = 200
CHECK_INS, WARMUP_CHECK_INS = 400, 100  # members checking in, timed and warm-up
REPEATED_TAPS = 0.1  # share of the timed members who tap check-in a second time
POINTS_GRANTED, POINTS_USED = 1000, 500  # each points buyer's balance, and what one order uses (5.00 yuan)
POINTS_ORDERS = 300  # timed checkouts with points (plus a warm-up of WARMUP_ORDERS)

TARGETS = {  # scenario -> (least kit / oscar-api, least kit / ceiling)
    "product list (page of 20)": (3.0, 0.5),
    "product detail": (3.0, 0.5),
    "add to basket": (2.0, None),
}


def sh(*args, **kwargs):
    args = [str(arg) for arg in args]
    print("+", " ".join(args)[:200], flush=True)
    return subprocess.run(args, check=True, **kwargs)


def ensure_venv():
    """`make bench` builds the virtualenv; this covers running bench/run.py by hand."""
    stamp = VENV / ".installed"
    if stamp.exists():
        return
    if not PY.exists():
        sh(sys.executable, "-m", "venv", str(VENV))
    sh(str(PY), "-m", "pip", "install", "--quiet", "-r", str(ROOT / "bench" / "requirements.txt"))
    stamp.touch()


def _can_connect(url):
    check = "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()"
    return subprocess.run([str(PY), "-c", check, url], capture_output=True).returncode == 0


def ensure_database():
    """A fresh kit_bench database: on the server of DATABASE_URL when set, else on the local
    PostgreSQL (role kit/kit), installing and starting PostgreSQL when none answers."""
    server_url = os.environ.get("DATABASE_URL") or LOCAL_DATABASE
    if not server_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server: the benchmark measures row locks for real.")
    parts = urlsplit(server_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    bench_url = urlunsplit(parts._replace(path="/kit_bench"))
    if not _can_connect(admin_url):
        if os.environ.get("DATABASE_URL"):
            raise SystemExit(f"cannot connect to the PostgreSQL server of DATABASE_URL ({parts.hostname})")
        if not shutil.which("pg_ctlcluster"):
            sh("apt-get", "update", "-qq")
            sh("apt-get", "install", "-y", "-qq", "postgresql")
        subprocess.run(["service", "postgresql", "start"], check=False)
        for _ in range(30):
            create_role = "psql -q -c \"CREATE ROLE kit LOGIN SUPERUSER PASSWORD 'kit'\""
            subprocess.run(["su", "postgres", "-c", create_role], check=False, capture_output=True)
            if _can_connect(admin_url):
                break
            time.sleep(1)
        else:
            raise SystemExit("PostgreSQL did not start")
    template = f"kit_bench_migrated_{migrations_fingerprint()}"
    recreate = (
        "import sys, psycopg\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        "    c.execute('DROP DATABASE IF EXISTS kit_bench WITH (FORCE)')\n"
        "    known = c.execute('SELECT 1 FROM pg_database WHERE datname = %s', [sys.argv[2]]).fetchone()\n"
        "    c.execute('CREATE DATABASE kit_bench' + (' TEMPLATE ' + sys.argv[2] if known else ''))\n"
        "    print('template' if known else 'empty')\n"
    )
    out = subprocess.run([str(PY), "-c", recreate, admin_url, template], check=True, capture_output=True, text=True)
    return bench_url, admin_url, template, out.stdout.strip() == "empty"


def migrations_fingerprint():
    """What the migrated schema depends on: the kit's migrations and the pinned packages."""
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    for path in sorted(ROOT.glob("*/migrations/*.py")) + sorted(ROOT.glob("*/*/migrations/*.py")):
        if ".work" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def migrate(env, admin_url, template):
    """Migrates the fresh database, then keeps it as the template of the next runs (Oscar's
    and the kit's migrations take over a minute; the template is remade when they change)."""
    started = time.monotonic()
    sh(str(PY), "-m", "bench.prepare", "--migrate", cwd=ROOT, env=env)
    keep = (
        "import sys, psycopg\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        "    old = c.execute(\"SELECT datname FROM pg_database WHERE datname LIKE 'kit_bench_migrated_%%'\").fetchall()\n"
        "    for (name,) in old:\n"
        "        c.execute('DROP DATABASE ' + name + ' WITH (FORCE)')\n"
        "    c.execute('CREATE DATABASE ' + sys.argv[2] + ' TEMPLATE kit_bench')\n"
    )
    sh(str(PY), "-c", keep, admin_url, template)
    print(f"migrated in {time.monotonic() - started:.0f} s (kept as the template {template})", flush=True)


def start_redis():
    """A private Redis on a unix socket (no port) for the cache, as in production; None
    when redis-server is not installed (the file cache in bench/.work/cache is used then)."""
    if os.environ.get("REDIS_URL"):
        return None, os.environ["REDIS_URL"]
    binary = shutil.which("redis-server")
    if not binary:
        return None, ""
    socket = WORK / "redis.sock"
    process = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(socket), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(50):
        if socket.exists():
            return process, f"unix://{socket}"
        time.sleep(0.1)
    stop(process)
    return None, ""


def server_env(database_url, redis_url, settings):
    env = dict(os.environ)
    env.update(
        # The kit's settings load as for the demo (the WeChat Pay sandbox on, plain HTTP on
        # loopback: no HTTPS redirect); bench.settings then switches DEBUG off for Django.
        DEBUG="true",
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,
        MEDIA_ROOT=str(WORK / "media"),
        SANDBOX_DIR=str(WORK / "sandbox"),
        SITE_URL=f"http://{HOST}:{KIT_PORT}",
        CONN_MAX_AGE="600",
        REDIS_URL=redis_url,
        CELERY_BROKER_URL="memory://",
        CELERY_TASK_ALWAYS_EAGER="true",
        PYTHONPATH=str(ROOT),
    )
    return env


def start_server(env, port):
    process = subprocess.Popen(
        [
            str(VENV / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(WORKERS),
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2)  # noqa: S310  loopback only
            return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"server on port {port} exited") from None
            time.sleep(0.5)
    raise SystemExit(f"server on port {port} did not start")


def stop(process):
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def in_process(env, module, *args, data=None):
    """Runs a bench module with a server's settings; returns its last stdout line as JSON."""
    out = subprocess.run(
        [str(PY), "-m", module, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        input=None if data is None else json.dumps(data),
    )
    if out.returncode != 0:
        raise SystemExit(f"{module} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def show(result):
    summary = result.summary()
    queries = "" if summary["queries"] is None else f"  queries {summary['queries']}"
    print(
        f"{result.name:42s} {result.rps:8.1f} req/s  p50 {result.percentile(50):7.1f} ms  "
        f"p95 {result.percentile(95):7.1f} ms  errors {result.errors}{queries}",
        flush=True,
    )
    for sample in result.error_samples[:2]:
        print(f"    error sample: {sample}", flush=True)


def measure(name, port, make, total=REQUESTS, concurrency=CONCURRENCY, ok=(200, 201, 204), warmup=None, **kwargs):
    """A warm-up (requests make(total) .. make(total + warmup - 1), so write scenarios use
    members of their own; for reads it visits every distinct URL of the scenario once, so the
    timed run sees the steady state: the kit's catalog answers cached, as between two catalog
    changes), then the timed run of make(0) .. make(total - 1)."""
    warmup = min(200, total) if warmup is None else warmup
    if warmup:
        drive(
            name + " (warm-up)", HOST, port, lambda i: make(total + i), warmup, concurrency, ok, time_limit=TIME_LIMIT
        )
    result = drive(name, HOST, port, make, total, concurrency, ok, time_limit=TIME_LIMIT, **kwargs)
    show(result)
    return result


def main():
    started = time.time()
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    ensure_venv()
    if os.environ.get("BENCH_SCALE") == "1":  # the catalog at 1k, 10k, 100k alone, on its own database
        return scale.run(PY, RESULTS, server_env, migrations_fingerprint)
    database_url, admin_url, template, needs_migrate = ensure_database()
    redis, redis_url = start_redis()
    kit = peer = None
    try:
        kit_env = ENV["kit"] = server_env(database_url, redis_url, "bench.settings")
        peer_env = server_env(database_url, redis_url, "bench.peer_settings")
        if needs_migrate:
            migrate(kit_env, admin_url, template)
        shutil.rmtree(WORK / "media", ignore_errors=True)
        shutil.rmtree(WORK / "cache", ignore_errors=True)
        fixture_path = WORK / "fixture.json"
        sh(
            str(PY),
            "-m",
            "bench.prepare",
            str(fixture_path),
            MEMBERS,
            FLASH_MEMBERS.start,
            FLASH_MEMBERS.start + FLASH_BUYERS,
            POINTS_MEMBERS.start,
            POINTS_MEMBERS.stop,
            POINTS_GRANTED,
            cwd=ROOT,
            env=kit_env,
        )
        data = json.loads(fixture_path.read_text())
        print(f"prepared in {time.time() - started:.0f} s", flush=True)

        kit = start_server(kit_env, KIT_PORT)
        peer = start_server(peer_env, PEER_PORT)
        rows = scenarios(data)
    finally:
        stop(kit)
        stop(peer)
        stop(redis)

    machine = {
        "cores": os.cpu_count(),
        "memory_gib": memory_gib(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    report = {
        "machine": machine,
        "settings": {
            "workers": WORKERS,
            "requests": REQUESTS,
            "concurrency": CONCURRENCY,
            "cache": "redis" if redis_url else "file",
            "catalog": data["loaded"],
        },
        "scenarios": rows,
        "targets": targets(rows),
        "duration_s": round(time.time() - started, 1),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    # BENCH_ONLY=flash: the two flash-sale scenarios alone, written to results/flash.* (the
    # README keeps the full run's table).
    stem = "latest" if not ONLY else "flash" if ONLY == {"flash"} else "partial"
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(report))
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text()
    start, end = "<!-- bench:latest -->\n", "<!-- /bench:latest -->"
    if stem == "latest" and start in text and end in text:
        head, rest = text.split(start, 1)
        readme.write_text(head + start + markdown(report) + end + rest.split(end, 1)[1])
    print()
    print(markdown(report))


def scenarios(data):
    parents, skus, tokens = data["parents"], data["skus"], data["tokens"]
    rows = []
    ceilings = []

    def measure_ceiling():
        """The ceiling right before a kit scenario: the machine is shared, its load drifts
        within a run, and kit / ceiling compares two rates taken in the same minute."""
        result = measure("ceiling (trivial DRF endpoint)", KIT_PORT, lambda i: get("/bench/ceiling/"), warmup=100)
        ceilings.append(result.summary())
        return ceilings[-1]

    ceiling = measure_ceiling()
    if ONLY:
        return picked_scenarios(data, ceiling, measure_ceiling)

    def add(name, kit_result, peer_result=None):
        entry = {"scenario": name, "kit": kit_result.summary(), "ceiling": ceiling}
        if peer_result is not None:
            entry["oscar_api"] = peer_result.summary()
            entry["kit_vs_oscar_api"] = round(kit_result.rps / peer_result.rps, 2) if peer_result.rps else None
        entry["kit_vs_ceiling"] = round(kit_result.rps / ceiling["rps"], 2) if ceiling["rps"] else None
        rows.append(entry)
        return entry

    pages = len(parents) // 20
    # The product pages shoppers open: 200 of the 1,000 (the warm-up builds each once).
    hot = parents[:: max(1, len(parents) // HOT_PRODUCTS)][:HOT_PRODUCTS]
    words = ["乌龙", "龙井", "拿铁", "普洱", "送礼", "桂花"]
    reads = [
        (
            "product list (page of 20)",
            lambda i: get(f"/api/v1/products/?page={1 + i % pages}&page_size=20"),
            lambda i: get(f"/api/products/?structure=parent&page={1 + i % pages}"),
        ),
        (
            "product detail",
            lambda i: get(f"/api/v1/products/{hot[i % len(hot)]}/"),
            lambda i: get(f"/api/products/{hot[i % len(hot)]}/"),
        ),
        (
            "keyword search",
            lambda i: get(f"/api/v1/products/?q={quote(words[i % len(words)])}&page={1 + i // len(words) % 3}"),
            None,
        ),
    ]
    for index, (name, kit_make, peer_make) in enumerate(reads):
        if index:
            ceiling = measure_ceiling()
        kit_result = measure(f"kit: {name}", KIT_PORT, kit_make)
        peer_result = measure(f"oscar-api: {name}", PEER_PORT, peer_make) if peer_make else None
        add(name, kit_result, peer_result)

    # 4. add to basket, the kit then the peer (basket_scenario).
    add("add to basket", *basket_scenario(skus, tokens))

    # 5. place order: the members whose basket got lines above check them out, picking up
    # in store (a slow server may not have reached every member within the time limit).
    body = {"store_id": data["store_id"], "payment_method": "wechat"}
    buyers = in_process(ENV["kit"], "bench.verify", "baskets", data=list(KIT_MEMBERS))
    warmup = min(WARMUP_ORDERS, len(buyers) // 8)
    total = min(ORDERS, len(buyers) - warmup)

    def place(i):
        return post_json("/api/v1/checkout/", body, {**auth(tokens[buyers[i]]), "Idempotency-Key": uuid.uuid4().hex})

    placed = measure("kit: checkout place-order", KIT_PORT, place, total=total, warmup=warmup, keep_bodies=True)
    add("checkout place-order", placed)
    orders = [
        (json.loads(payload)["number"], tokens[buyers[index]])
        for index, (status, payload) in sorted(placed.bodies.items())
        if status == 201
    ]
    notified, check = notifications_scenario(orders)
    add("payment notifications (10% duplicates)", notified)["kit"]["check"] = check
    rows.append(flash_sale(data, tokens, ceiling := measure_ceiling()))
    rows.append(flash_sale_fast_path(data, tokens, measure_ceiling(), plain=rows[-1]))

    # 8. daily check-in: each member's first check-in, a tenth of them tapping twice.
    checked_in, check = check_in_scenario(tokens)
    add("daily check-in (10% tapped twice)", checked_in)["kit"]["check"] = check

    # 9. checkout with points: members holding points (bench.prepare) check out their basket
    # using some of them, picking up in store as in scenario 5.
    spent, check = points_checkout_scenario(data, tokens)
    add("checkout with points", spent)["kit"]["check"] = check
    claimed, check = coupon_claim_scenario(data, tokens)
    add("coupon claim (a batch of 300, 10% tapped twice)", claimed)["kit"]["check"] = check
    add("visit report (anonymous launches, 10% reported twice)", *visits_scenario())
    rows.append(giveaway_entry_scenario(data["tokens"], measure_ceiling()))
    rows.extend(vote_and_poll_scenarios(data["tokens"], measure_ceiling))
    return rows


def picked_scenarios(data, ceiling, measure_ceiling):
    """The scenarios BENCH_ONLY names, in the full run's order, each with the ceiling measured
    right before it."""
    rows = []

    def row(name, kit_result, peer_result=None, check=None):
        entry = {"scenario": name, "kit": kit_result.summary(), "ceiling": ceiling}
        if peer_result is not None:
            entry["oscar_api"] = peer_result.summary()
            entry["kit_vs_oscar_api"] = round(kit_result.rps / peer_result.rps, 2) if peer_result.rps else None
        entry["kit_vs_ceiling"] = round(kit_result.rps / ceiling["rps"], 2) if ceiling["rps"] else None
        if check is not None:
            entry["kit"]["check"] = check
        rows.append(entry)

    if "basket" in ONLY:
        row("add to basket", *basket_scenario(data["skus"], data["tokens"]))
        ceiling = measure_ceiling()
    if "flash" in ONLY:
        rows.append(flash_sale(data, data["tokens"], ceiling))
        rows.append(flash_sale_fast_path(data, data["tokens"], measure_ceiling(), plain=rows[-1]))
        ceiling = measure_ceiling()
    if "coupons" in ONLY:
        claimed, check = coupon_claim_scenario(data, data["tokens"])
        row("coupon claim (a batch of 300, 10% tapped twice)", claimed, check=check)
        ceiling = measure_ceiling()
    if "visits" in ONLY:
        row("visit report (anonymous launches, 10% reported twice)", *visits_scenario())
        ceiling = measure_ceiling()
    if "giveaways" in ONLY:
        rows.append(giveaway_entry_scenario(data["tokens"], ceiling))
        ceiling = measure_ceiling()
    if "votes" in ONLY:
        rows.extend(vote_and_poll_scenarios(data["tokens"], measure_ceiling))
    return rows


def basket_scenario(skus, tokens):
    """4. Add to basket: each request another member and another SKU, on the kit then on the
    peer. Both servers take the same bearer tokens (members of their own) and the same
    product ids. Returns the kit's and the peer's drive results."""

    def kit_add(i):
        return post_json(
            "/api/v1/basket/lines/",
            {"sku": skus[i % len(skus)], "quantity": 1},
            auth(tokens[KIT_MEMBERS[i % len(KIT_MEMBERS)]]),
        )

    def peer_add(i):
        url = f"http://{HOST}:{PEER_PORT}/api/products/{skus[i % len(skus)]}/"
        return post_json(
            "/api/basket/add-product/", {"url": url, "quantity": 1}, auth(tokens[PEER_MEMBERS[i % len(PEER_MEMBERS)]])
        )

    kit_result = measure("kit: add to basket", KIT_PORT, kit_add, total=ADDS)
    peer_result = measure("oscar-api: add to basket", PEER_PORT, peer_add, total=ADDS)
    return kit_result, peer_result


def visits_scenario():
    """`POST /api/v1/visits/`: anonymous launches through one scanned scene (unknown to the bench
    database: recorded without an entry point, the same write path), each from another
    client key, a tenth of them reported a second time with the same launch id, which must
    answer 202 with the first report's visit. Returns the drive result only."""
    launches = repeated([f"bench-visitor-{n:06d}" for n in range(REQUESTS)], REPEATED_TAPS)

    def report(i):
        visitor = launches[i]
        body = {
            "scene": 1047,
            "query": {"scene": "benchposter"},
            "path": "pages/index/index",
            "visitor": visitor,
            "launch": "1",
        }
        return post_json("/api/v1/visits/", body, {})

    result = measure("kit: visit report", KIT_PORT, report, total=len(launches), ok=(202,), warmup=0)
    return (result,)


def repeated(items, share):
    """`items` in sending order with a `share` of them sent a second time a few places later
    (a shopper's double tap, or a retry after a timeout)."""
    every = max(1, round(1 / share)) if share else 0
    ordered, again = [], []
    for index, item in enumerate(items):
        ordered.append(item)
        if every and index % every == every - 1:
            again.append(item)
        if again and index % 3 == 0:
            ordered.append(again.pop(0))
    return ordered + again


def check_in_scenario(tokens):
    """8. `POST /api/v1/loyalty/check-in/`, each request another member checking in for the
    first time (their points account is opened by it), a tenth of them tapping a second time
    a few requests later: that tap must answer 409 `already_checked_in`. Afterwards every
    member who checked in must have been paid once (one check-in, one ledger entry, the
    balance it says), and `loyalty.verification` must find the ledger, lots and balances of
    every account in agreement."""
    members = list(CHECK_IN_MEMBERS)
    warm, timed = members[:WARMUP_CHECK_INS], members[WARMUP_CHECK_INS : WARMUP_CHECK_INS + CHECK_INS]

    def tap(member):
        return post_json("/api/v1/loyalty/check-in/", {}, auth(tokens[member]))

    warmed = drive(
        "kit: daily check-in (warm-up)",
        HOST,
        KIT_PORT,
        lambda i: tap(warm[i]),
        len(warm),
        CONCURRENCY,
        ok_statuses=(201,),
        time_limit=TIME_LIMIT / 4,
        keep_bodies=True,
    )
    taps = repeated(timed, REPEATED_TAPS)
    result = drive(
        "kit: daily check-in (10% tapped twice)",
        HOST,
        KIT_PORT,
        lambda i: tap(taps[i]),
        len(taps),
        CONCURRENCY,
        ok_statuses=(201, 409),
        keep_bodies=True,
    )
    show(result)
    answered = {}  # member -> the statuses of its taps
    refused_otherwise = []
    for index, (status, payload) in result.bodies.items():
        answered.setdefault(taps[index], []).append(status)
        if status == 409 and json.loads(payload).get("error", {}).get("code") != "already_checked_in":
            refused_otherwise.append(payload)
    sent = sorted(warm[index] for index in warmed.bodies) + sorted(answered)
    check = in_process(ENV["kit"], "bench.verify", "check_ins", data=sent)
    check["taps"] = len(result.bodies)
    check["already_checked_in"] = sum(statuses.count(409) for statuses in answered.values()) - len(refused_otherwise)
    # Each member's first answered tap pays; a second one is refused.
    wrong_answers = sum(1 for statuses in answered.values() if statuses.count(201) != 1) + len(refused_otherwise)
    check["ok"] = (
        result.errors == 0
        and warmed.errors == 0
        and wrong_answers == 0
        and check["paid_once"] == len(sent)
        and check["already_checked_in"] == check["taps"] - len(answered)
        and check["drifted_accounts"] == 0
    )
    print(f"    check: {check}", flush=True)
    return result, check


def points_checkout_scenario(data, tokens):
    """9. `POST /api/v1/checkout/` with `use_points`: members holding POINTS_GRANTED points
    (granted in bench/prepare.py through loyalty.services) check out the basket prepared for
    them using POINTS_USED. Every order must reserve the points once, and the ledger agree."""
    buyers = list(POINTS_MEMBERS)
    body = {"store_id": data["store_id"], "payment_method": "wechat", "use_points": POINTS_USED}
    total = min(POINTS_ORDERS, len(buyers) - WARMUP_ORDERS)

    def place(i):
        return post_json("/api/v1/checkout/", body, {**auth(tokens[buyers[i]]), "Idempotency-Key": uuid.uuid4().hex})

    result = measure("kit: checkout with points", KIT_PORT, place, total=total, warmup=WARMUP_ORDERS, keep_bodies=True)
    numbers = [json.loads(payload)["number"] for status, payload in result.bodies.values() if status == 201]
    check = in_process(
        ENV["kit"],
        "bench.verify",
        "points_orders",
        data={"numbers": numbers, "used": POINTS_USED, "granted": POINTS_GRANTED},
    )
    check["ok"] = (
        result.errors == 0
        and check["reserved_once"] == len(numbers)
        and check["balances_right"] == len(numbers)
        and check["drifted_accounts"] == 0
    )
    print(f"    check: {check}", flush=True)
    return result, check


def coupon_claim_scenario(data, tokens):
    """10. `POST /api/v1/coupons/{id}/claim/`: the check-in members (CHECK_INS of them, a
    tenth tapping twice) claim a batch of 300, one each (bench/prepare.py). Exactly 300 claims
    answer 201; every other answer is 409 `coupon_sold_out` or, for a second tap,
    `coupon_limit_reached`."""
    members = list(CHECK_IN_MEMBERS)[:CHECK_INS]
    taps = repeated(members, REPEATED_TAPS)
    url = f"/api/v1/coupons/{data['coupon_batch']}/claim/"
    result = measure(
        "kit: coupon claim",
        KIT_PORT,
        lambda i: post_json(url, {}, auth(tokens[taps[i]])),
        total=len(taps),
        ok=(201, 409),
        warmup=0,
        keep_bodies=True,
    )
    codes = {}
    for status, payload in result.bodies.values():
        code = "claimed" if status == 201 else json.loads(payload).get("error", {}).get("code", str(status))
        codes[code] = codes.get(code, 0) + 1
    check = {
        **codes,
        "ok": result.errors == 0
        and codes.get("claimed") == 300
        and set(codes) <= {"claimed", "coupon_sold_out", "coupon_limit_reached"},
    }
    print(f"    check: {check}", flush=True)
    return result, check


GIVEAWAY_ENTRANTS, GIVEAWAY_PRIZES = 500, 20


def giveaway_entry_scenario(tokens, ceiling):
    """12. `POST /api/v1/campaigns/giveaways/{id}/entries/`: 500 members enter a first-come
    giveaway of exactly 20 prizes at once, one connection each, and a tenth of them tap again
    with the same Idempotency-Key (bench/giveaways.py prepares and reads it). Exactly 20 answer
    "won", every other first entry "lost" (201: sold out is no error), every second tap replays
    the first (200); no member has more than one entry."""
    giveaway = in_process(ENV["kit"], "bench.giveaways", "prepare")["giveaway"]
    members = list(range(GIVEAWAY_ENTRANTS))
    taps = members + members[:: int(1 / REPEATED_TAPS)]
    url = f"/api/v1/campaigns/giveaways/{giveaway}/entries/"
    result = drive(
        "kit: giveaway entry",
        HOST,
        KIT_PORT,
        lambda i: post_json(url, {}, {**auth(tokens[taps[i]]), "Idempotency-Key": f"bench-{taps[i]}"}),
        len(taps),
        GIVEAWAY_ENTRANTS,
        ok_statuses=(200, 201),
        keep_bodies=True,
    )
    show(result)
    answers = {}
    for status, payload in result.bodies.values():
        key = "replayed" if status == 200 else json.loads(payload).get("result", str(status))
        answers[key] = answers.get(key, 0) + 1
    database = in_process(ENV["kit"], "bench.giveaways", "verify", giveaway)
    check = {
        **answers,
        **database,
        "ok": result.errors == 0
        and answers.get("won") == GIVEAWAY_PRIZES
        and database["winners"] == GIVEAWAY_PRIZES
        and database["winning_members"] == GIVEAWAY_PRIZES
        and database["prizes_left"] == 0
        and database["most_entries_of_a_member"] <= 1,
    }
    print(f"    check: {check}", flush=True)
    summary = result.summary()
    summary["check"] = check
    return {
        "scenario": f"giveaway entry ({GIVEAWAY_ENTRANTS} at once for {GIVEAWAY_PRIZES} prizes, 10% tapped twice)",
        "kit": summary,
        "ceiling": ceiling,
        "kit_vs_ceiling": round(result.rps / ceiling["rps"], 2) if ceiling["rps"] else None,
    }


VOTERS = 500


def vote_and_poll_scenarios(tokens, measure_ceiling):
    """13. `POST /api/v1/campaigns/submissions/{id}/votes/`: 500 members vote at once, one
    connection each, for one of 20 approved UGC entries, and a tenth of them tap again, which
    must answer 409 `already_voted`. Afterwards 500 votes, the entries' counters add up to
    them, and no member counts twice for an entry.
    14. `POST /api/v1/campaigns/polls/{id}/responses/`: the same 500 members answer a poll
    with a quota of 300 at once, a tenth tapping again: exactly 300 answer 201, every other
    answer is 409 `poll_full` or, for a second tap, `already_answered`; the counter equals
    the responses (bench/votes.py prepares and reads both)."""
    made = in_process(ENV["kit"], "bench.votes", "prepare")
    entries, voters = made["entries"], list(range(VOTERS))
    taps = repeated(voters, REPEATED_TAPS)
    rows = []

    def run(name, label, send, expected_codes):
        ceiling = measure_ceiling()
        result = drive(label, HOST, KIT_PORT, send, len(taps), VOTERS, ok_statuses=(201, 409), keep_bodies=True)
        show(result)
        codes = {}
        for status, payload in result.bodies.values():
            code = "201" if status == 201 else json.loads(payload).get("error", {}).get("code", str(status))
            codes[code] = codes.get(code, 0) + 1
        summary = result.summary()
        summary["check"] = {**codes, "ok": result.errors == 0 and set(codes) <= {"201", *expected_codes}}
        rows.append(
            {
                "scenario": name,
                "kit": summary,
                "ceiling": ceiling,
                "kit_vs_ceiling": round(result.rps / ceiling["rps"], 2) if ceiling["rps"] else None,
            }
        )
        return summary["check"]

    votes = run(
        f"UGC vote ({VOTERS} members at once for 20 entries, 10% tapped twice)",
        "kit: UGC vote",
        lambda i: post_json(
            f"/api/v1/campaigns/submissions/{entries[taps[i] % len(entries)]}/votes/", {}, auth(tokens[taps[i]])
        ),
        {"already_voted"},
    )
    answer = [{"question": made["question"], "choices": [made["choices"][0]]}]
    polls = run(
        f"poll answer ({VOTERS} members at once for a quota of 300, 10% tapped twice)",
        "kit: poll answer",
        lambda i: post_json(
            f"/api/v1/campaigns/polls/{made['poll']}/responses/", {"answers": answer}, auth(tokens[taps[i]])
        ),
        {"poll_full", "already_answered"},
    )
    database = in_process(ENV["kit"], "bench.votes", "verify", made["campaign"], made["poll"])
    votes.update(
        votes=database["votes"],
        vote_counts_sum=database["vote_counts_sum"],
        votes_doubled=database["votes_doubled"],
    )
    votes["ok"] = (
        votes["ok"]
        and votes.get("201") == VOTERS
        and database["votes"] == database["vote_counts_sum"] == VOTERS
        and database["votes_doubled"] == 0
    )
    polls.update(
        responses=database["responses"],
        responses_counter=database["responses_counter"],
        members_answering_twice=database["members_answering_twice"],
    )
    polls["ok"] = (
        polls["ok"]
        and polls.get("201") == 300
        and database["responses"] == database["responses_counter"] == 300
        and database["members_answering_twice"] == 0
    )
    print(f"    check: {votes}\n    check: {polls}", flush=True)
    return rows


def notifications_scenario(orders):
    """6. WeChat Pay notifications for the orders placed above, 10% of them twice.
    Setup (not timed): each order's prepay through the kit's pay endpoint, then the payer
    pays in the sandbox. Timed: the signed, encrypted notifications POSTed to
    notify/wechatpay/. Every one must be acknowledged (2xx) and each order paid once."""
    prepays = drive(
        "notify: prepays (setup)",
        HOST,
        KIT_PORT,
        lambda i: post_json(f"/api/v1/orders/{orders[i][0]}/pay/", {"provider": "wechat"}, auth(orders[i][1])),
        len(orders),
        CONCURRENCY,
        ok_statuses=(200,),
    )
    if prepays.errors:
        print(f"    prepay errors: {prepays.errors}, e.g. {prepays.error_samples[:2]}", flush=True)
    numbers = [number for number, _ in orders]
    notes = in_process(ENV["kit"], "bench.notifications", data={"numbers": numbers, "duplicates": 0.1})
    result = drive(
        "kit: payment notifications (10% duplicates)",
        HOST,
        KIT_PORT,
        lambda i: Request("POST", "/api/v1/notify/wechatpay/", notes[i]["headers"], notes[i]["body"].encode()),
        len(notes),
        CONCURRENCY,
        ok_statuses=(200, 204),
    )
    show(result)
    check = in_process(ENV["kit"], "bench.verify", "payments", data=numbers)
    check["notifications"] = len(notes)
    check["duplicates_sent"] = sum(1 for note in notes if note["duplicate"])
    check["ok"] = result.errors == 0 and check["paid_once"] == len(numbers) and check["paid_more_than_once"] == 0
    print(f"    check: {check}", flush=True)
    return result, check


def flash_sale(data, tokens, ceiling):
    """7. 500 buyers, 100 units: every buyer has the flash SKU in the basket (bench.prepare), then
    all place their orders at once, one connection each. Exactly 100 orders; every other
    answer is 409 out_of_stock; the time to sell out is when the 100th order was answered."""
    sku = data["flash_sku"]
    buyers = [tokens[m] for m in FLASH_MEMBERS][:FLASH_BUYERS]
    body = {"store_id": data["store_id"], "payment_method": "wechat"}
    result = drive(
        "kit: flash sale",
        HOST,
        KIT_PORT,
        lambda i: post_json("/api/v1/checkout/", body, {**auth(buyers[i]), "Idempotency-Key": uuid.uuid4().hex}),
        len(buyers),
        len(buyers),
        ok_statuses=(201, 409),
        keep_bodies=True,
    )
    show(result)
    summary = result.summary()
    # A 409 counts only when it is out_of_stock; any other code is an error.
    other_conflicts = [
        payload
        for status, payload in result.bodies.values()
        if status == 409 and json.loads(payload).get("error", {}).get("code") != "out_of_stock"
    ]
    summary["errors"] += len(other_conflicts)
    summary["error_samples"] += [
        {"status": 409, "body": p[:300].decode("utf-8", "replace")} for p in other_conflicts[:3]
    ]
    sold = sorted(t for t, status in result.finished if status == 201)
    summary["orders_created"] = len(sold)
    summary["out_of_stock"] = result.statuses.get("409", 0) - len(other_conflicts)
    summary["time_to_sell_out_s"] = round(sold[FLASH_UNITS - 1], 3) if len(sold) >= FLASH_UNITS else None
    figures = _flash_figures(result, ceiling, accepted=("out_of_stock",))
    for name in ("losers_per_s", "losers_vs_half_ceiling", "server_ms_per_answer"):
        summary[name] = figures[name]
    check = in_process(ENV["kit"], "bench.verify", "flash", sku)
    check["ok"] = (
        summary["orders_created"] == FLASH_UNITS
        and summary["out_of_stock"] == len(buyers) - FLASH_UNITS
        and summary["errors"] == 0
        and check["orders"] == FLASH_UNITS
        and check["num_allocated"] == FLASH_UNITS
    )
    summary["check"] = check
    print(
        f"    flash sale: {summary['orders_created']} orders, {summary['out_of_stock']} out of stock, "
        f"errors {summary['errors']}, sold out in {summary['time_to_sell_out_s']} s; check {check}",
        flush=True,
    )
    return {
        "scenario": f"flash sale ({len(buyers)} buyers, {FLASH_UNITS} units)",
        "kit": summary,
        "ceiling": ceiling,
        "kit_vs_ceiling": round(result.rps / ceiling["rps"], 2) if ceiling["rps"] else None,
    }


def _flash_figures(result, ceiling, accepted):
    """What the two flash-sale scenarios report side by side: orders, losers answered with an
    `accepted` 409 code, the time to sell out (the 100th order answered), the losers' answer
    rate (losers / time until the last of them was answered) against half the ceiling, and the
    server time per answer (the run's seconds x gunicorn workers / answers: the worker time
    each answer cost, which is what bounds the rate when every buyer arrives at once)."""
    summary = result.summary()
    codes = {}
    for status, payload in result.bodies.values():
        if status == 409:
            code = json.loads(payload).get("error", {}).get("code")
            codes[code] = codes.get(code, 0) + 1
    others = sum(n for code, n in codes.items() if code not in accepted)
    summary["errors"] += others
    sold = sorted(t for t, status in result.finished if status == 201)
    lost = sorted(t for t, status in result.finished if status == 409)
    summary["orders_created"] = len(sold)
    summary["losers"] = sum(n for code, n in codes.items() if code in accepted)
    summary["conflict_codes"] = codes
    summary["time_to_sell_out_s"] = round(sold[FLASH_UNITS - 1], 3) if len(sold) >= FLASH_UNITS else None
    summary["losers_per_s"] = round(len(lost) / lost[-1], 1) if lost and lost[-1] else None
    summary["losers_vs_half_ceiling"] = (
        round(summary["losers_per_s"] / (0.5 * ceiling["rps"]), 2)
        if summary["losers_per_s"] and ceiling["rps"]
        else None
    )
    summary["server_ms_per_answer"] = (
        round(result.seconds * WORKERS * 1000 / result.requests, 2) if result.requests else None
    )
    return summary


def flash_sale_fast_path(data, tokens, ceiling, plain):
    """7b. The same flash sale through the flash-sale path: 2,000 buyers, 100 units of another
    SKU in a running sale (bench.prepare), all at once, one connection each, to
    POST /api/v1/flash-sales/{id}/orders/. Exactly 100 orders; every other answer 409
    `flash_sale_sold_out` (or `out_of_stock`). Compared with the plain checkout (scenario 7)
    measured just before: the losers' rate against half the ceiling, and the time to sell out."""
    sale, sku = data["fast_flash_sale"], data["fast_flash_sku"]
    buyers = [tokens[m] for m in FAST_FLASH_MEMBERS][:FLASH_BUYERS]
    body = {"sku": sku, "quantity": 1, "store_id": data["store_id"], "payment_method": "wechat"}
    path = f"/api/v1/flash-sales/{sale}/orders/"
    result = drive(
        "kit: flash sale, flash-sale path",
        HOST,
        KIT_PORT,
        lambda i: post_json(path, body, {**auth(buyers[i]), "Idempotency-Key": uuid.uuid4().hex}),
        len(buyers),
        len(buyers),
        ok_statuses=(201, 409),
        keep_bodies=True,
    )
    show(result)
    summary = _flash_figures(result, ceiling, accepted=("flash_sale_sold_out", "out_of_stock"))
    check = in_process(ENV["kit"], "bench.verify", "flash", sku)
    check["ok"] = (
        summary["orders_created"] == FLASH_UNITS
        and summary["losers"] == len(buyers) - FLASH_UNITS
        and summary["errors"] == 0
        and check["orders"] == FLASH_UNITS
        and check["num_allocated"] == FLASH_UNITS
    )
    summary["check"] = check
    plain_sell_out = plain["kit"].get("time_to_sell_out_s")
    fast_sell_out = summary["time_to_sell_out_s"]
    summary["sell_out_faster_than_plain"] = (
        round(plain_sell_out / fast_sell_out, 2) if plain_sell_out and fast_sell_out else None
    )
    summary["plain_server_ms_per_answer"] = plain["kit"].get("server_ms_per_answer")
    summary["targets"] = {
        "losers answered at >= half the ceiling's rate": (summary["losers_vs_half_ceiling"] or 0) >= 1,
        "sold out >= 3x sooner than the plain checkout": (summary["sell_out_faster_than_plain"] or 0) >= 3,
    }
    print(
        f"    flash-sale path: {summary['orders_created']} orders, {summary['losers']} answered sold out at "
        f"{summary['losers_per_s']}/s ({summary['losers_vs_half_ceiling']} x half the ceiling), sold out in "
        f"{fast_sell_out} s ({summary['sell_out_faster_than_plain']} x sooner than the plain checkout), "
        f"{summary['server_ms_per_answer']} ms of server per answer (plain {summary['plain_server_ms_per_answer']}); "
        f"check {check}",
        flush=True,
    )
    return {
        "scenario": f"flash sale, flash-sale path ({len(buyers)} buyers, {FLASH_UNITS} units)",
        "kit": summary,
        "ceiling": ceiling,
        "kit_vs_ceiling": round(result.rps / ceiling["rps"], 2) if ceiling["rps"] else None,
    }


def targets(rows):
    """Each target of the issue, met or not, with the figure measured."""
    found = []
    for entry in rows:
        name = entry["scenario"]
        if name in TARGETS:
            least_peer, least_ceiling = TARGETS[name]
            ratio = entry.get("kit_vs_oscar_api")
            found.append(
                {
                    "target": f"{name}: kit / oscar-api >= {least_peer}",
                    "measured": ratio,
                    "met": ratio is not None and ratio >= least_peer,
                }
            )
            if least_ceiling is not None:
                ratio = entry.get("kit_vs_ceiling")
                found.append(
                    {
                        "target": f"{name}: kit / ceiling >= {least_ceiling}",
                        "measured": ratio,
                        "met": ratio is not None and ratio >= least_ceiling,
                    }
                )
    for entry in rows:  # the flash-sale path's own targets (flash_sale_fast_path)
        for target, met in entry["kit"].get("targets", {}).items():
            found.append({"target": f"{entry['scenario']}: {target}", "measured": met, "met": met})
    errors = sum(entry["kit"]["errors"] for entry in rows)
    found.append({"target": "0 errors in every kit scenario", "measured": errors, "met": errors == 0})
    for entry in rows:
        check = entry["kit"].get("check")
        if check is not None:
            found.append({"target": f"{entry['scenario']}: database check", "measured": check, "met": check["ok"]})
    return found


def memory_gib():
    try:
        with open("/proc/meminfo") as handle:
            kib = int(handle.readline().split()[1])
        return round(kib / 1024 / 1024, 1)
    except OSError:
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _cell(value):
    return "" if value is None else str(value)


def markdown(report):
    machine, settings = report["machine"], report["settings"]
    lines = [
        f"Benchmark run {report['date']} on {machine['cores']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, "
        f"Python {machine['python']}; {settings['workers']} gunicorn workers per server, "
        f"{settings['concurrency']} concurrent clients, {settings['requests']} requests per read scenario, "
        f"{settings['cache']} cache; took {report['duration_s']} s.",
        "",
        "| scenario | kit req/s | kit p50 / p95 ms | kit queries | kit errors | oscar-api req/s | oscar-api p50 / p95 ms "
        "| oscar-api queries | kit / oscar-api | kit / ceiling |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for entry in report["scenarios"]:
        kit, peer = entry["kit"], entry.get("oscar_api")
        name = entry["scenario"]
        if "orders_created" in kit:
            name += (
                f": {kit['orders_created']} orders, {kit.get('losers', kit.get('out_of_stock'))} answered 409, "
                f"sold out in {kit['time_to_sell_out_s']} s"
            )
            if kit.get("losers_per_s") is not None:
                name += f", losers {kit['losers_per_s']}/s, {kit.get('server_ms_per_answer')} ms of server per answer"
        peer_cells = ["", "", ""]
        if peer:
            peer_cells = [str(peer["rps"]), f"{peer['p50_ms']} / {peer['p95_ms']}", _cell(peer.get("queries"))]
        lines.append(
            f"| {name} | {kit['rps']} | {kit['p50_ms']} / {kit['p95_ms']} | {_cell(kit.get('queries'))} | {kit['errors']} | "
            f"{' | '.join(peer_cells)} | {_cell(entry.get('kit_vs_oscar_api'))} | {_cell(entry.get('kit_vs_ceiling'))} |"
        )
    seen = []
    for entry in report["scenarios"]:
        if entry.get("ceiling") and entry["ceiling"] not in seen:
            seen.append(entry["ceiling"])
    if seen:
        lines.append(
            "\nCeiling (trivial DRF endpoint, same server and settings), measured right before each kit read "
            "scenario; each row's kit / ceiling uses the one before it: "
            + ", ".join(f"{c['rps']} req/s (p50 {c['p50_ms']} ms)" for c in seen)
            + "."
        )
    lines += ["", "| target | measured | met |", "| --- | --- | --- |"]
    for target in report["targets"]:
        measured = target["measured"]
        if isinstance(measured, dict):
            measured = ", ".join(f"{key} {value}" for key, value in measured.items() if key != "ok")
        lines.append(f"| {target['target']} | {measured} | {'yes' if target['met'] else 'NO'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
