"""Load on the web app: 4 clients × 50 renders against `handout serve`, then a burst past its queue.

    python bench/bench_web.py [--requests 200] [--clients 4] [--burst 40]

Done when: every render of the steady load succeeds, its p95 latency is at
most 3 × the in-process render time measured in the same run, and a burst
beyond the queue gets 503 with Retry-After, not a timeout. Only loopback is
ever contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

EXAMPLE = ROOT / "examples" / "cyanocobalamin-im.yaml"
TIMEOUT = 60.0          # no request may take longer: a hang fails the run


@contextlib.contextmanager
def serving(*args: str):
    """`handout serve` in a process of its own on a free loopback port; yields (url, log file)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-c", "import generate; generate.main()", "serve", "--port",
                                str(port), *args], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/api/csrf", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError("the server did not start:\n" + log.read().decode()) from None
                time.sleep(0.2)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def in_process_ms(repeats: int = 30) -> float:
    """The median time of one render in this process, warmed up."""
    from handouts import api

    api.generate(EXAMPLE)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        api.generate(EXAMPLE)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


class Client:
    """One keep-alive connection, as a browser tab or a script would hold."""

    def __init__(self, url: str):
        host, port = url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        self.connection.request("GET", "/api/csrf")
        self.token = self.connection.getresponse().read().decode()
        self.body = EXAMPLE.read_bytes()

    def render(self) -> tuple[int, float, str]:
        """(status, seconds, Retry-After) of one render."""
        start = time.perf_counter()
        self.connection.request("POST", "/api/render", body=self.body, headers={
            "Content-Type": "application/yaml", "X-CSRF-Token": self.token})
        response = self.connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start, response.getheader("retry-after") or ""

    def close(self) -> None:
        self.connection.close()


def steady(url: str, requests: int, clients: int) -> list[tuple[int, float, str]]:
    """``requests`` renders shared by ``clients`` concurrent clients, each waiting for its answer."""
    results: list[tuple[int, float, str]] = []
    lock = threading.Lock()

    def work(count: int) -> None:
        client = Client(url)
        try:
            for _ in range(count):
                outcome = client.render()
                with lock:
                    results.append(outcome)
        finally:
            client.close()

    share = [requests // clients + (i < requests % clients) for i in range(clients)]
    threads = [threading.Thread(target=work, args=(n,)) for n in share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * requests)
    return results


def burst(url: str, size: int) -> list[tuple[int, float, str]]:
    """``size`` renders sent at the same instant, each on its own connection."""
    clients = [Client(url) for _ in range(size)]
    gate = threading.Barrier(size)
    results: list[tuple[int, float, str]] = []
    lock = threading.Lock()

    def work(client: Client) -> None:
        gate.wait()
        try:
            outcome = client.render()
        except OSError as error:          # a timeout or a reset: the server did not answer
            outcome = (0, TIMEOUT, type(error).__name__)
        with lock:
            results.append(outcome)
        client.close()

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    return results


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def measure(requests: int = 200, clients: int = 4, burst_size: int = 40, workers: int | None = None,
            repeats: int = 30) -> dict:
    """Run the load and the burst; the figures the done-when criteria are judged on."""
    workers = workers or os.cpu_count() or 1
    with serving("--workers", str(workers)) as (url, _log):
        steady(url, 2 * workers, workers)                     # warm every worker
        base_ms = in_process_ms(repeats)
        started = time.perf_counter()
        load = steady(url, requests, clients)
        elapsed = time.perf_counter() - started
        spike = burst(url, burst_size)
    latencies = [seconds * 1000 for status, seconds, _ in load]
    return {
        "workers": workers, "in_process_ms": base_ms, "requests": len(load),
        "ok": sum(status == 200 for status, _, _ in load),
        "p50_ms": statistics.median(latencies), "p95_ms": p95(latencies), "max_ms": max(latencies),
        "per_second": len(load) / elapsed,
        "burst": len(spike), "burst_ok": sum(s == 200 for s, _, _ in spike),
        "burst_503": sum(s == 503 and r.isdigit() for s, _, r in spike),
        "burst_other": sorted({(s, r) for s, _, r in spike if s not in (200, 503)}),
        "burst_slowest_ms": max(seconds for _, seconds, _ in spike) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    r = measure(args.requests, args.clients, args.burst, args.workers)
    print(f"in-process render           {r['in_process_ms']:7.1f} ms (median)")
    print(f"{r['requests']} renders, {args.clients} clients  {r['ok']} ok, {r['per_second']:.1f}/s over "
          f"{r['workers']} workers")
    print(f"latency                      p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms"
          f"  (p95 = {r['p95_ms'] / r['in_process_ms']:.2f} × in-process; target ≤ 3)")
    print(f"burst of {r['burst']}                  {r['burst_ok']} ok, {r['burst_503']} × 503 with Retry-After, "
          f"other {r['burst_other'] or 'none'}; slowest answer {r['burst_slowest_ms']:.0f} ms")
    passed = (r["ok"] == r["requests"] and r["p95_ms"] <= 3 * r["in_process_ms"] and r["burst_503"] > 0
              and not r["burst_other"])
    print("done-when criteria:", "met" if passed else "NOT met")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
