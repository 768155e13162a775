"""Time one handout: in process (median of many) and a cold `handout generate`.

    python bench/bench_generate.py [--repeats 60] [--against OTHER_CHECKOUT]...

Targets on a 2-core machine: ≤ 25 ms per standard handout in process, ≤ 0.4 s
for a cold command-line run (the checkout's generate.py in a fresh
interpreter). Also times the tagging share (structure tree and marked
content) and every layout, and one handout rendered on 8 threads at once
(per handout, wall clock), against the same 8 one after another.

``--against`` (once or more) times other checkouts of the project (older
versions, say) in the same run: each checkout in a process of its own, taking turns
(``--turns``), so a busy machine slows both alike. It prints the median of
the turns' medians and the fastest turn's median: on a machine others are
using, the second is the steadier comparison.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import parser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIGURES = ("standard", "render", "untagged", "compact", "large-print")


def in_process(root: Path, repeats: int) -> dict[str, float]:
    """Median milliseconds of each figure, for the checkout that is first on sys.path."""
    from baseline import median_ms
    from handouts import api, content, model, prescription, render

    example = root / "examples" / "cyanocobalamin-im.yaml"
    api.generate(example)                                   # warm: fonts, content, memos
    out = {"standard": median_ms(lambda: api.generate(example), repeats)}
    lib = content.load()
    handout = model.build(prescription.load(example, lib), lib)
    out["render"] = median_ms(lambda: render.render(handout), repeats)
    render.render(handout, tagged=False)
    out["untagged"] = median_ms(lambda: render.render(handout, tagged=False), repeats)
    for layout in ("compact", "large-print"):
        api.generate(example, layout=layout)
        out[layout] = median_ms(lambda layout=layout: api.generate(example, layout=layout), max(10, repeats // 3))
    return out


def threads(root: Path, rounds: int = 5) -> tuple[float, float]:
    """Per handout: 8 renders one after another, and 8 on 8 threads at once (median of rounds)."""
    from concurrent.futures import ThreadPoolExecutor

    from handouts import api

    example = root / "examples" / "cyanocobalamin-im.yaml"
    api.generate(example)
    serial, parallel = [], []
    with ThreadPoolExecutor(8) as pool:
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(8):
                api.generate(example)
            serial.append((time.perf_counter() - start) * 1000 / 8)
            start = time.perf_counter()
            list(pool.map(lambda _: api.generate(example), range(8)))
            parallel.append((time.perf_counter() - start) * 1000 / 8)
    return statistics.median(serial), statistics.median(parallel)


def _measured_apart(root: Path, repeats: int) -> dict[str, float]:
    """``in_process`` for ``root``, in a process that imports that checkout."""
    script = (f"import json, sys; sys.path[:0] = [{str(root)!r}, {str(HERE)!r}]; import bench_generate as b; "
              f"print(json.dumps(b.in_process(b.Path({str(root)!r}), {repeats})))")
    done = subprocess.run([sys.executable, "-c", script], cwd=root, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def cold_cli_s(root: Path, repeats: int, bytecode: str) -> list[float]:
    """Seconds for ``handout generate`` in a fresh interpreter, run from the checkout at ``root``.

    The checkout's generate.py is the same module the installed ``handout`` command runs, so no
    installed script is needed, and another checkout is timed the same way. Compiled modules go to
    ``bytecode`` (a folder of the run's own, as an install has them compiled): a checkout whose
    own compiled files are stale, or that may not write them, would otherwise compile its changed
    modules on every start and seem slower than it is.
    """
    example = root / "examples" / "cyanocobalamin-im.yaml"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPYCACHEPREFIX": bytecode}
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, str(root / "generate.py"), "generate", str(example),
                            "-o", os.path.join(tmp, f"{i}.pdf")], check=True, capture_output=True, cwd=root, env=env)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    arguments = parser(__doc__, repeats=60, turns=5)
    arguments.add_argument("--against", type=Path, action="append", default=[],
                           help="another checkout to time in the same run (may be given more than once)")
    args = arguments.parse_args()
    sys.path[:0] = [str(ROOT), str(HERE)]
    from baseline import baseline_ms

    base = baseline_ms()
    print(f"baseline (naive reportlab handout):  {base:6.1f} ms median")
    others = [path.resolve() for path in args.against]
    roots = [ROOT, *others]
    if others:
        runs: dict[Path, list[dict]] = {root: [] for root in roots}
        for _ in range(args.turns):
            for root in roots:
                runs[root].append(_measured_apart(root, args.repeats))
        for title, pick in (("median of turns", statistics.median), ("fastest turn", min)):
            print(f"{'ms per handout, ' + title:<32}{'this':>9}" + "".join(f"{f'other {i}':>9}{'ratio':>7}"
                                                                       for i in range(1, len(others) + 1)))
            for key in FIGURES:
                mine = pick(r[key] for r in runs[ROOT])
                theirs = [pick(r[key] for r in runs[other]) for other in others]
                print(f"{key:<32}{mine:9.1f}" + "".join(f"{t:9.1f}{mine / t:7.2f}" for t in theirs))
        print(f"this: {ROOT}" + "".join(f"\nother {i}: {other}" for i, other in enumerate(others, 1)))
    else:
        t = in_process(ROOT, args.repeats)
        print(f"standard handout, in process:        {t['standard']:6.1f} ms median of {args.repeats}  "
              f"({t['standard'] / base:.2f} x baseline)")
        print(f"  of which render:                   {t['render']:6.1f} ms; without tagging {t['untagged']:.1f} ms "
              f"(tagging {t['render'] - t['untagged']:.1f} ms)")
        for layout in ("compact", "large-print"):
            print(f"{layout + ' handout, in process:':<37}{t[layout]:6.1f} ms median")
    serial, parallel = threads(ROOT)
    print(f"8 handouts one after another:        {serial:6.1f} ms per handout; on 8 threads at once "
          f"{parallel:.1f} ms per handout")
    cold: dict[Path, list[float]] = {root: [] for root in roots}
    with tempfile.TemporaryDirectory() as bytecode:
        for root in roots:
            cold_cli_s(root, 1, bytecode)       # compiles each checkout's modules; not counted
        for _ in range(7):       # taking turns, as above
            for root in roots:
                cold[root] += cold_cli_s(root, 1, bytecode)
    mine, theirs = statistics.median(cold[ROOT]), [statistics.median(cold[other]) for other in others]
    print(f"cold `handout generate`:             {mine:6.2f} s median of 7"
          + "".join(f"; other {i} {t:.2f} s (ratio {mine / t:.2f})" for i, t in enumerate(theirs, 1)))


if __name__ == "__main__":
    main()
