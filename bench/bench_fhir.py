"""FHIR in bulk: an NDJSON export of N Bundles through `handout batch`, against the same N as YAML files.

    python bench/bench_fhir.py [--count 1000] [--repeats 3] [--workers 2]

The same prescriptions (bench_batch's generator: names, doses, routes, sites
and dates vary) go through the batch twice in one run, once as YAML files and
once as one NDJSON file of FHIR R4 Bundles, alternating runs so both see the
same machine. It prints the median handouts per second of each and their
ratio, checks that both made byte-identical handouts, and exits 1 when the
FHIR rate is more than 15 % below the YAML rate.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_batch import write_inputs  # noqa: E402

from harness import as_child, in_child, parser  # noqa: E402

ALLOWED = 0.15


def write_ndjson(yaml_folder: Path, target: Path) -> None:
    """One FHIR Bundle per line, converted from each YAML file in the folder (sorted, as the batch reads them)."""
    from handouts import content, prescription
    from handouts.fhir import write

    lib = content.load()
    with open(target, "w", encoding="utf-8") as out:
        for path in sorted(yaml_folder.iterdir()):
            rx = prescription.load(path, lib)
            out.write(json.dumps(write.bundle(rx, lib), ensure_ascii=False, separators=(",", ":")) + "\n")


def child(inputs: str, out: str, workers: int) -> None:
    """One batch in this process; prints seconds, counts and a digest of the handouts as JSON."""
    from handouts import batch

    start = time.perf_counter()
    report = batch.run([inputs], out, batch.Options(), workers=workers)
    seconds = time.perf_counter() - start
    digest = hashlib.sha256()
    for pdf in sorted(Path(out).glob("*.pdf")):
        digest.update(pdf.name.encode() + pdf.read_bytes())
    print(json.dumps({"seconds": seconds, "count": report.done, "refused": len(report.failed),
                      "digest": digest.hexdigest()}))


def compare(count: int, repeats: int, workers: int, folder: Path) -> dict:
    """Rates of the YAML folder and of the NDJSON file, runs alternating; the results of the last runs."""
    yaml_in, ndjson_in = folder / "yaml", folder / "export.ndjson"
    write_inputs(yaml_in, count)
    write_ndjson(yaml_in, ndjson_in)
    rates = {"yaml": [], "fhir": []}
    last = {}
    for _ in range(repeats):
        for kind, inputs in (("yaml", yaml_in), ("fhir", ndjson_in)):
            last[kind] = in_child(__file__, inputs, workers)
            rates[kind].append(last[kind]["count"] / last[kind]["seconds"])
    return {"yaml": statistics.median(rates["yaml"]), "fhir": statistics.median(rates["fhir"]),
            "runs": rates, "last": last}


def main() -> None:
    if as_child(child):
        return
    args = parser(__doc__, count=1000, repeats=3, workers=2).parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = compare(args.count, args.repeats, args.workers, Path(tmp))
    last = result["last"]
    for kind in ("yaml", "fhir"):
        runs = ", ".join(f"{r:.1f}" for r in result["runs"][kind])
        print(f"{args.count} prescriptions as {kind.upper():<4} {result[kind]:6.1f} handouts/s "
              f"(median of {args.repeats}: {runs}), {last[kind]['refused']} refused")
    ratio = result["fhir"] / result["yaml"]
    same = last["yaml"]["digest"] == last["fhir"]["digest"]
    print(f"FHIR / YAML rate: {ratio:.2f} (allowed ≥ {1 - ALLOWED:.2f}); handouts byte-identical: {same}")
    if ratio < 1 - ALLOWED or not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
