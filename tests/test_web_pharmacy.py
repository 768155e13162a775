"""The pharmacy page's batches: handout batch over HTTP, with nothing left on disk."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
import zipfile

import pytest
from pypdf import PdfReader
from starlette.testclient import TestClient

from conftest import base_rx, dump
from handouts.web import create_app, pharmacy
from handouts.web.app import Settings

ROWS = ("patient.name,patient.id,dose,sites,needle.gauge\n"
        "Ana Ruiz,P-1,1000 mcg,left thigh; right thigh,23\n"
        "Ben Cho,P-2,1000 mcg,left thigh; right thigh,18\n"        # gauge out of range: refused
        "Cy Diaz,P-3,1 mL,left hip; right hip,23\n")


def defaults() -> str:
    rx = base_rx()
    for key in ("patient", "sites", "dose"):
        rx.pop(key)
    return dump(rx)


@pytest.fixture
def scratch(monkeypatch):
    """The scratch folders this test's batches make (other programs' folders in /dev/shm are theirs)."""
    made = []
    real = pharmacy._scratch

    def recorded():
        made.append(real())
        return made[-1]
    monkeypatch.setattr(pharmacy, "_scratch", recorded)
    return made


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(workers=2, max_rows=10, pool="thread")), base_url="http://testserver") as c:
        c.headers["x-csrf-token"] = c.get("/api/csrf").text
        yield c


def wait(client, ident: str) -> dict:
    deadline = time.monotonic() + 120
    seen = []
    while time.monotonic() < deadline:
        state = client.get(f"/pharmacy/batches/{ident}").json()
        seen.append(state["done"])
        if state["state"] not in ("starting", "running"):
            return state | {"seen": seen}
        time.sleep(0.1)
    raise AssertionError("the batch did not finish")


def test_csv_batch_gives_a_zip_of_handouts_print_file_and_report(client, scratch):
    started = client.post("/pharmacy/batches", json={"csv": ROWS, "csv_name": "clinic list.csv",
                                                     "defaults": defaults(), "defaults_name": "shared.yaml"})
    assert started.status_code == 202 and started.json()["total"] == 3
    state = wait(client, started.json()["id"])
    assert state["state"] == "done" and state["done"] == 3
    assert state["counts"] == {"written": 2, "refused": 1} and state["zip"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(state["zip"]).content))
    names = sorted(archive.namelist())
    pdfs = [n for n in names if n.startswith("handouts/")]
    assert names == [*pdfs, "print-all.pdf", "report.csv"]
    assert [n.split("/")[1][:7] for n in pdfs] == ["Ana-Rui", "Cy-Diaz"]
    text = PdfReader(io.BytesIO(archive.read(pdfs[1]))).pages[0].extract_text()
    assert "Cy Diaz" in text
    merged = PdfReader(io.BytesIO(archive.read("print-all.pdf")))
    assert len(merged.pages) >= 2
    rows = list(csv.DictReader(io.StringIO(archive.read("report.csv").decode())))
    refused = [r for r in rows if r["status"] == "refused"]
    assert refused[0]["source"] == "clinic-list.csv:3" and refused[0]["field"] == "needle.gauge"
    assert sorted(r["output"] for r in rows if r["status"] == "written") == pdfs
    assert len(scratch) == 1 and not os.path.exists(scratch[0])        # the scratch folder is gone…
    in_memory = os.access(pharmacy.MEMORY_DISK, os.W_OK)                # …and it was in memory
    assert os.path.dirname(scratch[0]) == (pharmacy.MEMORY_DISK if in_memory else tempfile.gettempdir())


def test_too_many_rows_is_413_and_leaves_nothing(client, scratch):
    many = "patient.name\n" + "".join(f"Patient {i}\n" for i in range(11))
    response = client.post("/pharmacy/batches", json={"csv": many, "defaults": defaults()})
    assert response.status_code == 413 and "at most 10" in response.json()["error"]
    assert len(scratch) == 1 and not os.path.exists(scratch[0])


def test_a_broken_defaults_file_refuses_the_batch(client):
    state = wait(client, client.post("/pharmacy/batches", json={"csv": ROWS, "defaults": "a: [",
                                                                "defaults_name": "d.yaml"}).json()["id"])
    assert state["state"] == "refused" and state["problems"] and not state["zip"]


def test_unknown_batch_is_404(client):
    assert client.get("/pharmacy/batches/nope").status_code == 404
    assert client.get("/pharmacy/batches/nope/zip").status_code == 404


def test_uploaded_names_cannot_leave_the_folder():
    assert pharmacy.safe_name("../../etc/passwd", "x") == "passwd"
    assert pharmacy.safe_name("..", "fallback.csv") == "fallback.csv"
    assert pharmacy.safe_name("a b/c d.csv", "x") == "c-d.csv"


def test_a_batch_of_more_than_three_rows_renders_in_worker_processes(scratch):
    """handout batch renders 4 or more rows in worker processes of its own, which a daemon process may not start."""
    rows = "patient.name,dose,sites\n" + "".join(f"Patient {i},1000 mcg,left thigh; right thigh\n" for i in range(5))
    with TestClient(create_app(Settings(workers=2, max_rows=10, pool="thread")), base_url="http://testserver") as c:
        c.headers["x-csrf-token"] = c.get("/api/csrf").text
        state = wait(c, c.post("/pharmacy/batches", json={"csv": rows, "defaults": defaults()}).json()["id"])
        assert state["state"] == "done" and state["counts"] == {"written": 5}
        names = zipfile.ZipFile(io.BytesIO(c.get(state["zip"]).content)).namelist()
        assert len([n for n in names if n.startswith("handouts/")]) == 5


def test_stopping_the_server_stops_its_batch_and_removes_its_folder(scratch):
    rows = "patient.name\n" + "".join(f"Patient {i}\n" for i in range(10))
    with TestClient(create_app(Settings(workers=1, max_rows=10, pool="thread")), base_url="http://testserver") as c:
        c.headers["x-csrf-token"] = c.get("/api/csrf").text
        assert c.post("/pharmacy/batches", json={"csv": rows, "defaults": defaults()}).status_code == 202
        processes = set(c.app.state.batches._processes)
        time.sleep(0.5)
    assert processes and not any(p.is_alive() for p in processes)
    assert len(scratch) == 1 and not os.path.exists(scratch[0])


def test_a_batch_whose_server_is_gone_removes_its_own_folder(tmp_path, monkeypatch):
    """The server killed (-9) cannot remove the folder, with its patients' files, from /dev/shm: the batch does."""
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "today.csv").write_text("patient.name\nAna Ruiz\n", encoding="utf-8")

    class Gone:
        def send(self, message):
            raise BrokenPipeError(32, "Broken pipe")

        def close(self):
            pass
    monkeypatch.chdir(tmp_path)                  # the batch works inside its folder; the test's own comes back
    pharmacy._run(str(folder), "today.csv", None, "standard", "letter", None, 1, Gone())
    assert not folder.exists()
