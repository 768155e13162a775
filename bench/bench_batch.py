"""Time a pharmacy batch: N distinct prescriptions → N PDFs and one merged print file.

    python bench/bench_batch.py [--count 1000] [--repeats 3] [--big 10000]

Runs the batch with 1 worker and with 2 in the same run (each --repeats
times), reports the median handouts per second (including the merge), peak
resident memory and the merged file's size per handout; then the --big run
for the memory check. Targets on a
2-core machine: ≥ 80 handouts/s with 2 workers, ≤ 300 MB, the same memory
for 10,000 as for 1,000, ≤ 10 KB per handout in the merged file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import yaml  # noqa: E402

from baseline import baseline_ms  # noqa: E402
from harness import as_child, in_child, parser  # noqa: E402

FIRST = ["Maria", "James", "Priya", "Chen", "Amara", "Luis", "Olga", "Kofi", "Sara", "Tomás"]
LAST = ["López", "O'Connor", "Natarajan", "Wu", "Okafor", "García", "Ivanova", "Mensah", "Berg", "Silva"]


def prescription(i: int) -> dict:
    """A different, valid prescription for every i: names, dates, doses, routes and sites vary."""
    subcut = i % 3 == 2
    rx = {
        "patient": {"name": f"{FIRST[i % 10]} {LAST[(i // 10) % 10]} {i:05d}", "id": f"P{i:05d}",
                    "weight": f"{55 + i % 60} kg" if not subcut else f"{60 + i % 40} kg"},
        "medication": "cyanocobalamin" if i % 4 else "hydroxocobalamin",
        "dose": "1000 mcg" if i % 5 else "500 mcg",
        "route": "subcutaneous" if subcut and i % 4 else "intramuscular",
        "schedule": {"start": (dt.date(2026, 12, 1) + dt.timedelta(days=i % 90)).isoformat(),
                     "phases": [{"every": "1 day", "count": 7}, {"every": "1 week", "count": 4},
                                {"every": "1 month"}]},
        "prescriber": {"name": "Dr. Aisha Chen", "phone": "555-010-4477", "clinic": "Riverside Family Clinic"},
        "pharmacy": {"name": "Main Street Pharmacy", "phone": "555-010-2200"},
        "notes": f"Batch note {i}.",
    }
    if rx["medication"] == "hydroxocobalamin":
        rx["form"] = "ampoule"          # it comes in ampoules and vials: say which, as a prescriber would
    if rx["route"] == "subcutaneous":
        rx.update(sites=["left abdomen", "right abdomen"], needle={"gauge": 25, "length": "5/8 in"})
    else:
        rx.update(sites=["left thigh", "right thigh"] if i % 2 else ["left hip", "right hip"],
                  needle={"gauge": 23, "length": "1 in" if i % 7 else "1.5 in"})
    return rx


def write_inputs(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"rx{i:05d}.yaml").write_text(yaml.safe_dump(prescription(i), allow_unicode=True), encoding="utf-8")


def child(inputs: str, out: str, workers: int) -> None:
    """One batch in this process; prints seconds, outcome counts and peak memory as JSON."""
    from handouts import batch

    start = time.perf_counter()
    report = batch.run([inputs], out, batch.Options(), workers=workers, merge=os.path.join(out, "print.pdf"))
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "refused": len(report.failed), "count": report.done,
                      "parent_mb": own, "worker_mb": kids, "merged_bytes": os.path.getsize(report.merged)}))


def show(label: str, results: list[dict], workers: int) -> None:
    """The median rate of the repeats (slowest and fastest beside it) and the highest memory."""
    rates = sorted(r["count"] / r["seconds"] for r in results)
    parent = max(r["parent_mb"] for r in results)
    worker = max(r["worker_mb"] for r in results)
    total = parent + (worker * workers if workers > 1 else 0)
    last = results[-1]
    runs = f"median of {len(rates)} (runs {rates[0]:.1f}–{rates[-1]:.1f})" if len(rates) > 1 else "(one run)"
    print(f"{label:<26} {statistics.median(rates):6.1f} handouts/s {runs}, "
          f"{last['refused']} refused; peak RSS parent {parent:.0f} MB, largest worker {worker:.0f} MB, "
          f"all processes ≤ {total:.0f} MB; merged {last['merged_bytes'] / last['count'] / 1024:.1f} KB/handout")


def main() -> None:
    if as_child(child):
        return
    arguments = parser(__doc__, count=1000, repeats=3)
    arguments.add_argument("--big", type=int, default=10000, help="second, larger run for the memory check (0: skip)")
    args = arguments.parse_args()
    print(f"baseline (naive reportlab handout): {baseline_ms():.1f} ms median; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "in"
        write_inputs(inputs, max(args.count, args.big))
        small = Path(tmp) / "small"
        small.mkdir()
        for path in sorted(inputs.iterdir())[:args.count]:
            os.link(path, small / path.name)
        for workers in (1, 2):
            show(f"{args.count} handouts, {workers} worker{'s' if workers > 1 else ''}:",
                 [in_child(__file__, small, workers) for _ in range(args.repeats)], workers)
        if args.big:
            show(f"{args.big} handouts, 2 workers:", [in_child(__file__, inputs, 2)], 2)


if __name__ == "__main__":
    main()
