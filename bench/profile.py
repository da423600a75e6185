"""Profiles one endpoint in-process with pyinstrument, on the benchmark database and settings.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://kit:kit@127.0.0.1:5432/kit_bench \\
        bench/.work/venv/bin/python -m bench.profile GET /api/v1/products/12/ [--token T] [--body JSON] [-n 200]

Runs the request a few times to warm up, then -n times under the profiler, and prints the
call tree (slowest paths first) and the mean time per request. For GETs of the cached
catalog endpoints pass --no-cache to see what building the answer costs."""

import argparse
import json
import time

import django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("method")
    parser.add_argument("path")
    parser.add_argument("--token", default="")
    parser.add_argument("--body", default="")
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--no-cache", action="store_true", help="clear the cache before every request")
    parser.add_argument("--flat", action="store_true", help="functions by their own time instead of the call tree")
    args = parser.parse_args()

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    client = Client()
    extra = {"HTTP_AUTHORIZATION": f"Bearer {args.token}"} if args.token else {}
    for header in args.header:
        name, value = header.split(":", 1)
        extra["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()

    def call():
        if args.no_cache:
            cache.clear()
        if args.method == "GET":
            return client.get(args.path, **extra)
        body = json.loads(args.body) if args.body else {}
        return client.generic(args.method, args.path, json.dumps(body), content_type="application/json", **extra)

    for _ in range(5):
        response = call()
    with CaptureQueriesContext(connection) as queries:
        response = call()
    print(f"status {response.status_code}, {len(queries)} queries: {response.content[:160]!r}")
    profiler = Profiler(interval=0.0005)
    started, cpu = time.perf_counter(), time.process_time()
    with profiler:
        for _ in range(args.n):
            call()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{args.n} requests, {seconds / args.n * 1000:.2f} ms each, {cpu / args.n * 1000:.2f} ms CPU of this "
        "process each (profiler on)"
    )
    print(profiler.output_text(unicode=False, color=False, show_all=False, flat=args.flat))


if __name__ == "__main__":
    main()
