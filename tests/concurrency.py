"""Run code at the same moment from several threads, each with its own database connection.

Race tests use it with `@pytest.mark.postgres` and `@pytest.mark.django_db(transaction=True)`:
the data the threads race over must be committed, and on SQLite the test is skipped
because SQLite has no row locks to show anything.

    results = run_concurrently(lambda i: place_order(...), times=50)
    assert results.count_ok == 1
"""

import threading
from dataclasses import dataclass, field

from django.db import close_old_connections, connections


@dataclass
class RaceResults:
    values: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def count_ok(self):
        return len(self.values)

    def errors_of(self, exc_type):
        return [e for e in self.errors if isinstance(e, exc_type)]


def run_concurrently(func, times, timeout=60):
    """Calls func(i) for i in range(times) in `times` threads released together.

    Returns the values and the exceptions; a thread that does not finish within `timeout`
    seconds fails the race (a deadlock shows up as that, or as a database error)."""
    barrier = threading.Barrier(times)
    results = RaceResults()
    lock = threading.Lock()

    def worker(i):
        try:
            barrier.wait(timeout=timeout)
            value = func(i)
            with lock:
                results.values.append(value)
        except BaseException as exc:  # collected for the test to assert on
            with lock:
                results.errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = [t for t in threads if t.is_alive()]
    if stuck:
        raise AssertionError(f"{len(stuck)} of {times} threads did not finish in {timeout}s (deadlock?)")
    close_old_connections()
    return results
