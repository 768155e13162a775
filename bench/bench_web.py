"""Load on the web app: 4 clients × 50 renders against `handout serve`, then a burst past its queue.

    python bench/bench_web.py [--requests 200] [--clients 4] [--burst 40]

Done when: every render of the steady load succeeds, its p95 latency is at
most 3 × the in-process render time measured in the same run, and a burst
beyond the queue gets 503 with Retry-After, not a timeout. Only loopback is
ever contacted; every loop is bounded in count and time.

The in-process renders and the load take turns (``--rounds`` of each), so a
machine that gets busier or quieter during the run weighs on both figures
alike. Where the time goes is read from each answer's Server-Timing header:
the render in its worker, and the rest (waiting for a worker, HTTP).
With more clients than workers a request waits for others' renders, so its
latency cannot fall below clients ÷ workers renders (the queueing floor:
2 × for 4 clients on 2 cores), however fast the server itself is.
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
    """`handout serve` in a process of its own on a free loopback port; yields (url, log file).

    It gets a session of its own, as a server started from its own terminal or
    service has: Linux shares the cores fairly between sessions (autogroups),
    so a server in its clients' session would be measured on their share.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-c", "import generate; generate.main()", "serve", "--port",
                                str(port), *args], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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


def in_process_renders(count: int) -> list[tuple[float, float]]:
    """(seconds, CPU seconds) of ``count`` renders in this process, warmed up: a program calling the library."""
    from handouts import api

    api.generate(EXAMPLE)
    times = []
    for _ in range(count):
        start, cpu = time.perf_counter(), time.thread_time()
        api.generate(EXAMPLE)
        times.append((time.perf_counter() - start, time.thread_time() - cpu))
    return times


def server_timing(header: str) -> dict[str, float]:
    """A Server-Timing header's durations, in seconds: {"render": …, "cpu": …, "total": …}."""
    found = {}
    for metric in header.split(","):
        name, _, duration = metric.strip().partition(";dur=")
        if duration:
            found[name] = float(duration) / 1000
    return found


class Client:
    """One keep-alive connection, as a browser tab or a script would hold."""

    def __init__(self, url: str):
        host, port = url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        self.connection.request("GET", "/api/csrf")
        self.token = self.connection.getresponse().read().decode()
        self.body = EXAMPLE.read_bytes()

    def render(self) -> tuple[int, float, str, dict[str, float]]:
        """(status, seconds, Retry-After, the server's timings) of one render."""
        start = time.perf_counter()
        self.connection.request("POST", "/api/render", body=self.body, headers={
            "Content-Type": "application/yaml", "X-CSRF-Token": self.token})
        response = self.connection.getresponse()
        response.read()
        return (response.status, time.perf_counter() - start, response.getheader("retry-after") or "",
                server_timing(response.getheader("server-timing") or ""))

    def close(self) -> None:
        self.connection.close()


def steady(url: str, requests: int, clients: int) -> list[tuple[int, float, str, dict[str, float]]]:
    """``requests`` renders shared by ``clients`` concurrent clients, each waiting for its answer."""
    results: list[tuple[int, float, str, dict[str, float]]] = []
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


def burst(url: str, size: int) -> list[tuple[int, float, str, dict[str, float]]]:
    """``size`` renders sent at the same instant, each on its own connection."""
    clients = [Client(url) for _ in range(size)]
    gate = threading.Barrier(size)
    results: list[tuple[int, float, str, dict[str, float]]] = []
    lock = threading.Lock()

    def work(client: Client) -> None:
        gate.wait()
        try:
            outcome = client.render()
        except OSError as error:          # a timeout or a reset: the server did not answer
            outcome = (0, TIMEOUT, type(error).__name__, {})
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
            repeats: int = 30, rounds: int = 5) -> dict:
    """Run the load (in turns with in-process renders) and the burst; the figures the criteria are judged on."""
    from handouts.web.pool import cores

    workers = workers or cores()
    alone: list[tuple[float, float]] = []
    load: list[tuple[int, float, str, dict[str, float]]] = []
    elapsed = 0.0
    with serving("--workers", str(workers)) as (url, _log):
        steady(url, 2 * workers, workers)                     # every worker has answered once
        for turn in range(rounds):
            alone += in_process_renders(repeats // rounds + (turn < repeats % rounds))
            started = time.perf_counter()
            load += steady(url, requests // rounds + (turn < requests % rounds), clients)
            elapsed += time.perf_counter() - started
        spike = burst(url, burst_size)
    base_ms = statistics.median(wall for wall, _ in alone) * 1000
    latencies = [seconds * 1000 for _, seconds, _, _ in load]
    timings = [timing for status, _, _, timing in load if status == 200 and "render" in timing]
    return {
        "workers": workers, "clients": clients, "in_process_ms": base_ms,
        "in_process_p95_ms": p95([wall * 1000 for wall, _ in alone]),
        "in_process_cpu_ms": statistics.median(cpu for _, cpu in alone) * 1000,
        "requests": len(load), "ok": sum(status == 200 for status, _, _, _ in load),
        "p50_ms": statistics.median(latencies), "p95_ms": p95(latencies), "max_ms": max(latencies),
        "worker_ms": statistics.median(t["render"] for t in timings) * 1000 if timings else 0.0,
        "worker_cpu_ms": statistics.median(t["cpu"] for t in timings) * 1000 if timings else 0.0,
        "floor": max(1.0, clients / workers),
        "per_second": len(load) / elapsed,
        "burst": len(spike), "burst_ok": sum(s == 200 for s, _, _, _ in spike),
        "burst_503": sum(s == 503 and r.isdigit() for s, _, r, _ in spike),
        "burst_other": sorted({(s, r) for s, _, r, _ in spike if s not in (200, 503)}),
        "burst_slowest_ms": max(seconds for _, seconds, _, _ in spike) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--rounds", type=int, default=5, help="turns of in-process renders and load")
    args = parser.parse_args()
    r = measure(args.requests, args.clients, args.burst, args.workers, rounds=args.rounds)
    base = r["in_process_ms"]
    print(f"in-process render           {base:7.1f} ms (median; p95 {r['in_process_p95_ms']:.1f} ms), "
          f"in {args.rounds} turns with the load; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{r['requests']} renders, {args.clients} clients  {r['ok']} ok, {r['per_second']:.1f}/s over "
          f"{r['workers']} workers")
    print(f"latency                      p50 {r['p50_ms']:.0f} ms ({r['p50_ms'] / base:.2f} ×), "
          f"p95 {r['p95_ms']:.0f} ms ({r['p95_ms'] / base:.2f} ×), max {r['max_ms']:.0f} ms; target p95 ≤ 3 ×")
    print(f"where it goes                a render in its worker takes {r['worker_ms']:.0f} ms "
          f"({r['worker_ms'] / base:.2f} × in-process), of which {r['worker_cpu_ms']:.0f} ms on a core "
          f"(in-process: {r['in_process_cpu_ms']:.0f} ms); the rest of a request is waiting for a worker")
    print(f"queueing floor               {args.clients} clients on {r['workers']} workers: each request waits for "
          f"≥ {r['floor']:.1f} renders, so p50 ≥ {r['floor']:.1f} × a render in its worker")
    print(f"burst of {r['burst']}                  {r['burst_ok']} ok, {r['burst_503']} × 503 with Retry-After, "
          f"other {r['burst_other'] or 'none'}; slowest answer {r['burst_slowest_ms']:.0f} ms")
    passed = (r["ok"] == r["requests"] and r["p95_ms"] <= 3 * r["in_process_ms"] and r["burst_503"] > 0
              and not r["burst_other"])
    print("done-when criteria:", "met" if passed else "NOT met")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
