"""Garbage collection in the worker processes that render handout after handout.

A worker loads fonts and the content library and fills its memos once, then
renders for hours. Left to itself, Python's collector runs full collections
in the middle of renders, scanning the long-lived state and the half-built
document alike: one cost more than a whole render (60-110 ms against about
40 ms), and those renders were the slowest answers the web app gave.

A worker therefore freezes what warm-up loaded (out of every later scan) and
sweeps after each handout, when the document is garbage: the youngest
objects are then exactly that handout's, and collecting them costs about a
millisecond, the same every time. Every tenth sweep also takes the middle
generation and every hundredth the oldest (where the memos' discarded
entries end up), as the collector's own schedule would. Automatic collection
stays on, with a threshold no ordinary render reaches, as a safety valve for
a render that would otherwise fill memory with cycles before its sweep.

Only a process that owns its heap calls ``settle``; ``sweep`` does nothing
anywhere else, so the same job code runs unchanged in a program's own
process or a thread.
"""

from __future__ import annotations

import gc

# Container objects a render may hold before an automatic collection. Every
# example in every layout stays below it (the default, 700, is reached dozens
# of times per handout); the longest calendar the safety check allows (400
# doses) passes it once.
THRESHOLD = 20_000

_settled = False
_sweeps = 0


def settle() -> None:
    """After warm-up, in a worker: freeze what is loaded, and collect between handouts rather than inside them."""
    global _settled
    gc.collect()
    gc.freeze()
    gc.set_threshold(THRESHOLD, *gc.get_threshold()[1:])
    _settled = True


def sweep() -> None:
    """Between handouts: free the last one's reference cycles, in a settled worker."""
    global _sweeps
    if _settled:
        _sweeps += 1
        gc.collect(2 if _sweeps % 100 == 0 else 1 if _sweeps % 10 == 0 else 0)
