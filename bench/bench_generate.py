"""Time one handout: in process (median of many) and a cold `handout generate`.

    python bench/bench_generate.py [--repeats 60]

Targets on a 2-core machine: ≤ 25 ms per standard handout in process, ≤ 0.4 s
for a cold command-line run. Also times the tagging share (structure tree and
marked content) and every layout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from baseline import baseline_ms, median_ms  # noqa: E402
from handouts import api, content, model, prescription, render  # noqa: E402

EXAMPLE = ROOT / "examples" / "cyanocobalamin-im.yaml"


def cold_cli_s(repeats: int) -> float:
    handout = Path(sys.executable).parent / "handout"
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            start = time.perf_counter()
            subprocess.run([str(handout), "generate", str(EXAMPLE), "-o", os.path.join(tmp, f"{i}.pdf")],
                           check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    args = parser.parse_args()

    base = baseline_ms()
    api.generate(EXAMPLE)                                   # warm: fonts, content, caches
    whole = median_ms(lambda: api.generate(EXAMPLE), args.repeats)
    lib = content.load()
    handout = model.build(prescription.load(EXAMPLE, lib), lib)
    rendering = median_ms(lambda: render.render(handout), args.repeats)
    render.render(handout, tagged=False)
    plain = median_ms(lambda: render.render(handout, tagged=False), args.repeats)
    print(f"baseline (naive reportlab handout):  {base:6.1f} ms median")
    print(f"standard handout, in process:        {whole:6.1f} ms median of {args.repeats}  "
          f"({whole / base:.2f} x baseline)")
    print(f"  of which render:                   {rendering:6.1f} ms; without tagging {plain:.1f} ms "
          f"(tagging {rendering - plain:.1f} ms)")
    for layout in ("compact", "large-print"):
        api.generate(EXAMPLE, layout=layout)
        ms = median_ms(lambda layout=layout: api.generate(EXAMPLE, layout=layout), max(10, args.repeats // 3))
        print(f"{layout + ' handout, in process:':<37}{ms:6.1f} ms median")
    print(f"cold `handout generate`:             {cold_cli_s(7):6.2f} s median of 7")


if __name__ == "__main__":
    main()
