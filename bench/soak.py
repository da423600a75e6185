"""`make soak`: mixed shopper load for SOAK_MINUTES (default 10) against gunicorn on PostgreSQL
and Redis, reporting throughput, errors and the memory (RSS) of each server process over
time, written to bench/results/soak.md (and soak.json).

It reuses bench/run.py's machinery: its virtualenv, PostgreSQL server and migrated template
(the soak's database is its own, `kit_soak`), Redis, the catalog and members of bench/prepare.py, the gunicorn server
and the driver's request types. Then SOAK_CONCURRENCY shoppers (default 8), each with one
keep-alive connection and members of its own, repeat a journey until the time is up:

    browse (product list, a product page, a search) -> add to basket -> checkout (pickup,
    WeChat Pay) -> pay (prepay, then the payer pays in the sandbox, which sends the signed
    payment notification to the kit over HTTP from its delivery thread: the notify step)
    -> daily check-in (the first of the day answers 201, the next 409 already_checked_in)

Afterwards the database is asked whether every order placed was paid exactly once.
"""

import http.client
import json
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402
from bench.driver import get, post_json  # noqa: E402

MINUTES = float(os.environ.get("SOAK_MINUTES", "10"))
CONCURRENCY = int(os.environ.get("SOAK_CONCURRENCY", "8"))
SAMPLE_SECONDS = float(os.environ.get("SOAK_SAMPLE_SECONDS", "30"))  # one row of the report each
MEMBERS = int(os.environ.get("SOAK_MEMBERS", "2000"))
# Its own port, so a `make bench` running meanwhile (ports 8101 and 8102) is not disturbed.
PORT = int(os.environ.get("SOAK_PORT", "8103"))
# A notification comes from the sandbox's delivery thread after the payer pays: give the last
# ones this long to arrive before the database is checked.
SETTLE_SECONDS = 10

# Steps of the campaign features, added here when they land: each is
# (name, function(shopper, member_index) -> None), run after check-in in every journey, e.g.
# ("coupon claim", claim_coupon), ("giveaway entry", enter_giveaway). Use shopper.call(...)
# so their throughput, errors and latency are reported like the others.
CAMPAIGN_STEPS = []


class Stats:
    """Per step and per sample interval: answered requests, errors (any status the step does
    not expect, or no answer), latencies."""

    def __init__(self, started):
        self.started = started
        self.lock = threading.Lock()
        self.rows = {}  # (interval, step) -> {"n", "errors", "latencies"}
        self.samples = []  # error samples, the first few
        self.statuses = {}  # step -> {status: count}

    def record(self, step, status, elapsed_ms, ok, body=b""):
        interval = int((time.monotonic() - self.started) // SAMPLE_SECONDS)
        with self.lock:
            row = self.rows.setdefault((interval, step), {"n": 0, "errors": 0, "latencies": []})
            row["n"] += 1
            row["latencies"].append(elapsed_ms)
            counts = self.statuses.setdefault(step, {})
            counts[str(status)] = counts.get(str(status), 0) + 1
            if not ok:
                row["errors"] += 1
                if len(self.samples) < 10:
                    self.samples.append({"step": step, "status": status, "body": body[:300].decode("utf-8", "replace")})


class Shopper:
    """One connection, one thread, members of its own (so no two shoppers share a basket)."""

    def __init__(self, stats, tokens):
        self.stats = stats
        self.tokens = tokens
        self.connection = http.client.HTTPConnection(run.HOST, PORT, timeout=60)

    def call(self, step, request, ok=(200, 201, 204)):
        started = time.perf_counter()
        try:
            self.connection.request(request.method, request.path, body=request.body, headers=request.headers)
            response = self.connection.getresponse()
            body, status = response.read(), response.status
        except Exception as exc:  # noqa: BLE001  a broken request counts as an error, never stops the soak
            self.connection.close()
            self.connection = http.client.HTTPConnection(run.HOST, PORT, timeout=60)
            body, status = str(exc).encode(), 0
        elapsed = (time.perf_counter() - started) * 1000
        passed = status in ok
        self.stats.record(step, status, elapsed, passed, body)
        return status, (json.loads(body) if passed and body else None)

    def journey(self, n, member, data, numbers):
        headers = run.auth(self.tokens[member])
        parents, skus = data["parents"], data["skus"]
        pages = max(1, len(parents) // 20)
        words = ["乌龙", "龙井", "拿铁", "普洱", "送礼", "桂花"]
        self.call("browse: product list", get(f"/api/v1/products/?page={1 + n % pages}&page_size=20"))
        self.call("browse: product detail", get(f"/api/v1/products/{parents[(n * 7) % len(parents)]}/"))
        self.call("browse: search", get(f"/api/v1/products/?q={quote(words[n % len(words)])}"))
        sku = skus[(n * 13 + member) % len(skus)]
        status, _ = self.call("basket: add", post_json("/api/v1/basket/lines/", {"sku": sku, "quantity": 1}, headers))
        if status == 201:
            body = {"store_id": data["store_id"], "payment_method": "wechat"}
            checkout_headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
            status, order = self.call("checkout", post_json("/api/v1/checkout/", body, checkout_headers), ok=(201,))
            if order:
                number = order["number"]
                pay_path = f"/api/v1/orders/{number}/pay/"
                status, pay = self.call("pay: prepay", post_json(pay_path, {"provider": "wechat"}, headers))
                if pay:
                    # The payer pays in the sandbox; its delivery thread then posts the signed
                    # notification to /api/v1/notify/wechatpay/ (counted from the database).
                    payer = post_json("/sandbox/wechatpay/complete/", {**pay["params"], "result": "success"})
                    status, _ = self.call("pay: payer pays (sandbox)", payer)
                    if status == 200:
                        numbers.append(number)
        self.call("check-in", post_json("/api/v1/loyalty/check-in/", {}, headers), ok=(201, 409))
        for _name, step in CAMPAIGN_STEPS:
            step(self, member)


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def load_average():
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


def sample_memory(server_pid, redis_pid, started, samples, stop_event):
    """Every SAMPLE_SECONDS: the RSS of the gunicorn master, each worker and Redis (when the
    soak started its own), and the machine's load average."""
    while True:
        row = {"t_s": round(time.monotonic() - started), "load": load_average(), "rss_kib": {}}
        row["rss_kib"]["gunicorn master"] = rss_kib(server_pid)
        for pid in children(server_pid):
            row["rss_kib"][f"worker {pid}"] = rss_kib(pid)
        if redis_pid:
            row["rss_kib"]["redis"] = rss_kib(redis_pid)
        samples.append(row)
        if stop_event.wait(SAMPLE_SECONDS):
            return


def soak(data, server_pid, redis_pid):
    tokens = data["tokens"]
    started = time.monotonic()
    deadline = started + MINUTES * 60
    stats = Stats(started)
    memory, stop_memory = [], threading.Event()
    sampler = threading.Thread(target=sample_memory, args=(server_pid, redis_pid, started, memory, stop_memory))
    sampler.start()
    numbers = []
    per_shopper = max(1, len(tokens) // CONCURRENCY)

    def shopper_loop(index):
        shopper = Shopper(stats, tokens)
        mine = range(index * per_shopper, min(len(tokens), (index + 1) * per_shopper))
        n = 0
        while time.monotonic() < deadline:
            shopper.journey(n, mine[n % len(mine)], data, numbers)
            n += 1
        shopper.connection.close()

    threads = [threading.Thread(target=shopper_loop, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    time.sleep(SETTLE_SECONDS)
    stop_memory.set()
    sampler.join()
    return stats, memory, numbers, seconds


def table(stats, seconds):
    steps = sorted({step for _, step in stats.rows}, key=lambda s: _STEP_ORDER.get(s, 99))
    intervals = sorted({interval for interval, _ in stats.rows})
    overall = []
    for step in steps:
        rows = [stats.rows[(i, step)] for i in intervals if (i, step) in stats.rows]
        latencies = sorted(x for row in rows for x in row["latencies"])
        n = sum(row["n"] for row in rows)
        overall.append(
            {
                "step": step,
                "requests": n,
                "rps": round(n / seconds, 1),
                "errors": sum(row["errors"] for row in rows),
                "p50_ms": round(_pct(latencies, 50), 1),
                "p95_ms": round(_pct(latencies, 95), 1),
                "statuses": stats.statuses.get(step, {}),
            }
        )
    over_time = []
    for interval in intervals:
        rows = [stats.rows[(interval, step)] for step in steps if (interval, step) in stats.rows]
        latencies = sorted(x for row in rows for x in row["latencies"])
        n = sum(row["n"] for row in rows)
        over_time.append(
            {
                "t_s": int((interval + 1) * SAMPLE_SECONDS),
                "requests": n,
                "rps": round(n / SAMPLE_SECONDS, 1),
                "errors": sum(row["errors"] for row in rows),
                "p95_ms": round(_pct(latencies, 95), 1),
                "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0,
            }
        )
    return overall, over_time


_STEP_ORDER = {
    name: i
    for i, name in enumerate(
        [
            "browse: product list",
            "browse: product detail",
            "browse: search",
            "basket: add",
            "checkout",
            "pay: prepay",
            "pay: payer pays (sandbox)",
            "check-in",
        ]
    )
}


def _pct(ordered, pct):
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def markdown(report):
    lines = [
        "# Soak",
        "",
        f"{report['date']}: {report['minutes']} minutes, {report['concurrency']} shoppers in a loop, "
        f"gunicorn with {report['workers']} workers, PostgreSQL, cache: {report['cache']}. "
        f"Machine: {report['machine']['cores']} cores, {report['machine']['memory_gib']} GiB, "
        f"load average before the run {report['load_before']}.",
        "",
        "Journey: browse (list, product, search), add to basket, checkout (pickup, WeChat Pay), pay "
        "(prepay; the payer pays in the sandbox, which posts the signed notification to the kit), "
        "daily check-in (409 `already_checked_in` after the first of the day is expected).",
        "",
        "## Per step",
        "",
        "| step | requests | req/s | errors | p50 ms | p95 ms | statuses |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in report["steps"]:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(row["statuses"].items()))
        lines.append(
            f"| {row['step']} | {row['requests']} | {row['rps']} | {row['errors']} | "
            f"{row['p50_ms']} | {row['p95_ms']} | {statuses} |"
        )
    check = report["payments"]
    lines += [
        "",
        f"Payments: {check['orders']} orders paid by the payer in the sandbox; paid once {check['paid_once']}, "
        f"more than once {check['paid_more_than_once']}, not paid {check['not_paid']}; "
        f"notifications the sandbox delivered: {report['notifications']}.",
        "",
        "## Over time (all steps)",
        "",
        "| t (s) | requests | req/s | errors | mean ms | p95 ms |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["over_time"]:
        lines.append(
            f"| {row['t_s']} | {row['requests']} | {row['rps']} | {row['errors']} | {row['mean_ms']} | {row['p95_ms']} |"
        )
    names = []
    for row in report["memory"]:
        for name in row["rss_kib"]:
            if name not in names:
                names.append(name)
    lines += [
        "",
        "## Memory (RSS, MiB) per process over time",
        "",
        "| t (s) | load | " + " | ".join(names) + " |",
        "| ---: | --- | " + " | ".join("---:" for _ in names) + " |",
    ]
    for row in report["memory"]:
        cells = ["" if row["rss_kib"].get(name) is None else f"{row['rss_kib'][name] / 1024:.0f}" for name in names]
        load = "" if row["load"] is None else " ".join(str(x) for x in row["load"])
        lines.append(f"| {row['t_s']} | {load} | " + " | ".join(cells) + " |")
    if report["error_samples"]:
        lines += ["", "## Error samples", ""]
        lines += [
            f"- {sample['step']}: {sample['status']} {sample['body'][:200]}" for sample in report["error_samples"]
        ]
    return "\n".join(lines) + "\n"


def delivered_notifications(env):
    """The sandbox's notification deliveries to the kit, by HTTP status."""
    code = (
        "import django, json; django.setup()\n"
        "from django.db.models import Count\n"
        "from platforms.sandbox.models import Delivery\n"
        "rows = Delivery.objects.values_list('status_code').annotate(n=Count('id'))\n"
        "print(json.dumps({str(k): v for k, v in rows}))\n"
    )
    out = run.subprocess.run([str(run.PY), "-c", code], cwd=run.ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        return {"unknown": out.stderr[-300:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure_soak_database():
    """A fresh `kit_soak` database of its own (a `make bench` started meanwhile recreates
    `kit_bench`, and must not pull the soak's data away), made from bench/run.py's migrated
    template when there is one, else migrated here."""
    server_url = os.environ.get("DATABASE_URL") or run.LOCAL_DATABASE
    if not server_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    parts = urlsplit(server_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    soak_url = urlunsplit(parts._replace(path="/kit_soak"))
    if not run._can_connect(admin_url):
        raise SystemExit(f"cannot connect to the PostgreSQL server ({parts.hostname}); `make bench` sets one up")
    template = f"kit_bench_migrated_{run.migrations_fingerprint()}"
    recreate = (
        "import sys, psycopg\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        "    c.execute('DROP DATABASE IF EXISTS kit_soak WITH (FORCE)')\n"
        "    known = c.execute('SELECT 1 FROM pg_database WHERE datname = %s', [sys.argv[2]]).fetchone()\n"
        "    c.execute('CREATE DATABASE kit_soak' + (' TEMPLATE ' + sys.argv[2] if known else ''))\n"
        "    print('template' if known else 'empty')\n"
    )
    out = run.subprocess.run(
        [str(run.PY), "-c", recreate, admin_url, template], check=True, capture_output=True, text=True
    )
    return soak_url, out.stdout.strip() == "empty"


def main():
    began = time.time()
    load_before = load_average()
    run.WORK.mkdir(parents=True, exist_ok=True)
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    run.ensure_venv()
    database_url, needs_migrate = ensure_soak_database()
    redis, redis_url = run.start_redis()
    if not redis_url:
        raise SystemExit("the soak runs on Redis: install redis-server or set REDIS_URL")
    server = None
    try:
        env = run.ENV["kit"] = run.server_env(database_url, redis_url, "bench.settings")
        env["SITE_URL"] = f"http://{run.HOST}:{PORT}"  # where the sandbox posts its notifications
        if needs_migrate:
            run.sh(str(run.PY), "-m", "bench.prepare", "--migrate", cwd=run.ROOT, env=env)
        fixture = run.WORK / "soak-fixture.json"
        run.sh(str(run.PY), "-m", "bench.prepare", str(fixture), MEMBERS, 0, 0, cwd=run.ROOT, env=env)
        data = json.loads(fixture.read_text())
        print(f"prepared in {time.time() - began:.0f} s; soaking for {MINUTES:g} minutes", flush=True)
        server = run.start_server(env, PORT)
        stats, memory, numbers, seconds = soak(data, server.pid, redis.pid if redis else None)
        payments = run.in_process(env, "bench.verify", "payments", data=numbers)
        notifications = delivered_notifications(env)
    finally:
        run.stop(server)
        run.stop(redis)
    steps, over_time = table(stats, seconds)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "minutes": MINUTES,
        "concurrency": CONCURRENCY,
        "workers": run.WORKERS,
        "cache": "redis (private socket)" if redis else "redis (REDIS_URL)",
        "machine": {"cores": os.cpu_count(), "memory_gib": run.memory_gib(), "cpu": run.cpu_model()},
        "load_before": load_before,
        "steps": steps,
        "over_time": over_time,
        "memory": memory,
        "payments": payments,
        "notifications": notifications,
        "error_samples": stats.samples,
        "seconds": round(seconds, 1),
    }
    (run.RESULTS / "soak.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (run.RESULTS / "soak.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
