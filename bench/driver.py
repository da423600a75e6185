"""A small closed-loop HTTP load generator: `concurrency` threads, each with one
keep-alive connection, send a fixed number of requests in total and record each latency.

Standard library only, so its own cost is the same for every server it drives; results
are read as ratios between servers measured in the same run."""

import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies_ms: list
    statuses: dict
    errors: int
    error_samples: list
    queries: list = field(default_factory=list)  # X-Bench-Queries of each answered request
    finished: list = field(default_factory=list)  # (seconds since start, status) of each request
    bodies: dict = field(default_factory=dict)  # index -> (status, body), when asked to keep them

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, pct):
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]

    def summary(self):
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0.0,
            "errors": self.errors,
            "queries": round(statistics.fmean(self.queries), 1) if self.queries else None,
            "queries_max": max(self.queries) if self.queries else None,
            "statuses": self.statuses,
            "error_samples": self.error_samples[:3],
        }


def drive(
    name, host, port, make_request, total, concurrency, ok_statuses=(200, 201, 204), time_limit=120.0, keep_bodies=False
):
    """Sends `total` requests made by make_request(i) -> Request from `concurrency` threads.

    Stops early when `time_limit` seconds pass (then fewer requests are reported). With
    keep_bodies, the answers are kept by request index (for setup steps that need them)."""
    counter = iter(range(total))
    lock = threading.Lock()
    latencies, statuses, samples, queries, finished, bodies = [], {}, [], [], [], {}
    errors = 0
    deadline = time.monotonic() + time_limit

    def worker():
        nonlocal errors
        connection = http.client.HTTPConnection(host, port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            request = make_request(index)
            started = time.perf_counter()
            try:
                connection.request(request.method, request.path, body=request.body, headers=request.headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
                counted = response.getheader("X-Bench-Queries")
            except Exception as exc:  # noqa: BLE001  a broken request counts as an error, never stops the run
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
                status, payload, counted = 0, str(exc).encode(), None
            now = time.perf_counter()
            elapsed = (now - started) * 1000
            with lock:
                latencies.append(elapsed)
                finished.append((now - begun, status))
                if keep_bodies:
                    bodies[index] = (status, payload)
                statuses[status] = statuses.get(status, 0) + 1
                if counted is not None:
                    queries.append(int(counted))
                if status not in ok_statuses:
                    errors += 1
                    if len(samples) < 5:
                        samples.append({"status": status, "body": payload[:300].decode("utf-8", "replace")})
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    begun = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - begun
    return Result(
        name,
        len(latencies),
        seconds,
        latencies,
        {str(k): v for k, v in sorted(statuses.items())},
        errors,
        samples,
        queries,
        finished,
        bodies,
    )


def get(path, headers=None):
    return Request("GET", path, headers or {})


def post_raw(path, body, headers):
    return Request("POST", path, dict(headers), body if isinstance(body, bytes) else body.encode())


def post_json(path, data, headers=None):
    return Request("POST", path, {"Content-Type": "application/json", **(headers or {})}, json.dumps(data).encode())
