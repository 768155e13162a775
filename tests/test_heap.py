"""A settled worker collects between handouts, not inside them, and stays the same size.

Run in a process of its own: settling changes the collector for the whole
process, and the test process is not a worker.
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

WORKER = r"""
import gc, json, sys
from pathlib import Path
from handouts import heap
from handouts.web import jobs

jobs.warm(None)
heap.settle()
automatic = []
gc.callbacks.append(lambda phase, info: phase == "start" and automatic.append(info["generation"]))


def render(text):
    for layout in ("standard", "large-print", "compact"):
        assert not jobs.render(text, layout, "a4").refused, layout
        before = len(automatic)
        heap.sweep()
        del automatic[before:]            # the sweep's own collection


for path in sorted(Path("examples").glob("*.yaml")):
    render(path.read_text(encoding="utf-8"))
# one patient's handouts again and again: the memos have what they keep after the second time
text = Path("examples/cyanocobalamin-im.yaml").read_text(encoding="utf-8")
tracked = []
for _ in range(4):
    render(text)
    tracked.append(len(gc.get_objects()))
print(json.dumps({"automatic": automatic, "tracked": tracked}))
"""


def test_no_collection_inside_a_render_and_memory_stays_flat():
    out = subprocess.run([sys.executable, "-c", WORKER], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         check=True).stdout
    seen = json.loads(out)
    # every example in every layout rendered without one automatic collection in the middle of it
    assert seen["automatic"] == []
    # after each sweep the heap is back where it was: no handout's cycles are left behind
    *_, third, fourth = seen["tracked"]
    assert abs(fourth - third) < 0.01 * third, seen["tracked"]


def test_sweep_does_nothing_in_a_process_that_was_not_settled():
    import gc

    from handouts import heap

    collections = []
    gc.callbacks.append(collect := lambda phase, info: collections.append(phase))
    try:
        heap.sweep()
    finally:
        gc.callbacks.remove(collect)
    assert collections == []
