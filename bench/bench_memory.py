"""Memory of one process rendering many handouts whose names use Latin Extended letters.

    python bench/bench_memory.py [--count 2000] [--root CHECKOUT]

Every name brings letters beyond Latin-1, so every handout embeds font
subsets of its own; memos that keep them all grow with the run. Prints the
resident memory (RSS) after the first handout and at checkpoints, and the
growth from the 100th handout to the last. Target: flat (a few MB of
growth, none of it per handout). ``--root`` measures another checkout of
the project (an older version, say) with the same names.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import parser

HERE = Path(__file__).resolve().parent

# Latin Extended letters of Polish, Czech, Slovak, Hungarian, Baltic, Turkish and Romanian names
# (all in the handout's face), with ASCII ones between them.
EXTENDED = ("ĀāĂăĄąĆćĊċČčĎďĐđĒēĖėĘęĚěĞğĠġĢģĦħĪīĮįıĶķĻļĽľŁłŃńŅņŇňŐőŒœŔŕŘřŚśŞşŠšŢţŤťŪūŮůŰűŲųŸŹźŻżŽžȘșȚț")
PLAIN = "aeiourstlnmkdbgvzh"


def name(i: int) -> str:
    """A different two-word name for every i, each word carrying two or three extended letters."""
    pick = random.Random(i)
    words = []
    for _ in range(2):
        letters = [pick.choice(PLAIN) for _ in range(pick.randint(4, 8))]
        for _ in range(pick.randint(2, 3)):
            letters[pick.randrange(len(letters))] = pick.choice(EXTENDED)
        words.append("".join(letters).capitalize())
    return " ".join(words)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(count: int) -> None:
    """Runs inside the measured checkout (its handouts package first on sys.path)."""
    import yaml
    from bench_batch import prescription

    import handouts
    from handouts import api

    print(f"measuring {Path(handouts.__file__).parent}", flush=True)
    checkpoints = {1, 100, 250, 500, 1000, 1500, count}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rx.yaml"
        start = time.perf_counter()
        for i in range(1, count + 1):
            rx = prescription(i)
            rx["patient"]["name"] = name(i)
            path.write_text(yaml.safe_dump(rx, allow_unicode=True), encoding="utf-8")
            api.generate(path)
            if i in checkpoints:
                print(f"{i:6d} handouts: RSS {rss_mb():6.1f} MB", flush=True)
        took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.1f} MB; {took / count * 1000:.1f} ms per handout")


def main() -> None:
    arguments = parser(__doc__, count=2000)
    arguments.add_argument("--root", type=Path, default=HERE.parent, help="checkout to measure")
    args = arguments.parse_args()
    root = args.root.resolve()
    # a process of its own, importing the measured checkout (and this script from here)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "bench"), str(HERE)])}
    print(f"{root}: {args.count} handouts, names with Latin Extended letters (for example {name(1)!r})")
    subprocess.run([sys.executable, "-c", f"import bench_memory; bench_memory.measure({args.count})"], env=env,
                   check=True, cwd=root)


if __name__ == "__main__":
    main()
