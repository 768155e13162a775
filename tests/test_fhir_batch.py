"""FHIR in bulk: NDJSON through the batch, one report row per line, the same handouts as the YAML files."""

from __future__ import annotations

import csv
import json
import statistics
import sys
import time

from conftest import ROOT
from handouts import api, batch, content, prescription
from handouts.fhir import write

sys.path.insert(0, str(ROOT / "bench"))
from bench_batch import write_inputs  # noqa: E402
from bench_fhir import write_ndjson  # noqa: E402


def test_ndjson_batch_gives_the_yaml_handouts_and_a_row_per_line(tmp_path):
    yaml_in, ndjson_in = tmp_path / "yaml", tmp_path / "export.ndjson"
    write_inputs(yaml_in, 12)
    write_ndjson(yaml_in, ndjson_in)
    lines = ndjson_in.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[4])
    bad["entry"][0]["resource"]["intent"] = "proposal"
    lines[4] = json.dumps(bad)
    ndjson_in.write_text("\n".join(lines[:7]) + "\n\n" + "\n".join(lines[7:]) + "\n", encoding="utf-8")

    from_yaml = batch.run([yaml_in], tmp_path / "out-yaml", workers=2)
    from_fhir = batch.run([ndjson_in], tmp_path / "out-fhir", workers=2)
    assert from_yaml.counts["written"] == 12
    assert (from_fhir.counts["written"], from_fhir.counts["refused"]) == (11, 1)
    for pdf in (tmp_path / "out-fhir").glob("*.pdf"):
        assert pdf.read_bytes() == (tmp_path / "out-yaml" / pdf.name).read_bytes()

    with open(tmp_path / "out-fhir" / "report.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    assert [r["source"] for r in rows][-1] == f"{ndjson_in}:13"              # the blank line is skipped, not renumbered
    refused = [r for r in rows if r["status"] == "refused"]
    assert [(r["source"], r["line"], r["field"]) for r in refused] == [
        (f"{ndjson_in}:5", "5", "MedicationRequest.intent")]


def test_reading_fhir_costs_under_15_percent_of_a_handout():
    """The bench's promise (NDJSON within 15 % of the YAML batch rate), measured per prescription."""
    lib = content.load()
    rx = prescription.load(ROOT / "examples" / "cyanocobalamin-im.yaml", lib)
    yaml_text = (ROOT / "examples" / "cyanocobalamin-im.yaml").read_text(encoding="utf-8")
    fhir_text = json.dumps(write.bundle(rx, lib))
    prescription.parse(fhir_text, "warm", lib)

    def median_ms(work, n: int) -> float:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    render = median_ms(lambda: api.from_prescription(rx, lib), 5)
    yaml_ms = median_ms(lambda: prescription.parse(yaml_text, "rx.yaml", lib), 30)
    fhir_ms = median_ms(lambda: prescription.parse(fhir_text, "rx.json", lib), 30)
    assert fhir_ms - yaml_ms < 0.15 * (render + yaml_ms), (fhir_ms, yaml_ms, render)
