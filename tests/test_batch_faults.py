"""A batch survives anything one input can do: exceptions, bombs, bad bytes, a killed worker, a full disk."""

from __future__ import annotations

import csv
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ROOT, base_rx, dump, sc_rx
from handouts import api, batch, pool

INTERNAL = "internal error while rendering; the other handouts are fine"


def report_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def good(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        rx = base_rx() if i % 2 else sc_rx()
        rx["patient"]["name"] = f"Good Patient {i:03d}"
        (folder / f"good{i:03d}.yaml").write_text(dump(rx), encoding="utf-8")
    return folder


@pytest.fixture
def sabotage(monkeypatch):
    """Patients named 'Crash Me' raise inside rendering; 'Kill Me' kill their worker process.

    Workers are forked from the test process, so the patch reaches them.
    """
    real = api.from_prescription

    def from_prescription(rx, *args, **kwargs):
        if rx.patient_name == "Crash Me":
            raise RuntimeError("a bug")
        if rx.patient_name == "Kill Me":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(rx, *args, **kwargs)

    monkeypatch.setattr(api, "from_prescription", from_prescription)


def poison(folder: Path, outside: Path) -> list[str]:
    """Ten inputs that must each cost exactly one row."""
    def named(name):
        rx = base_rx()
        rx["patient"]["name"] = name
        return dump(rx)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcd", "bcde", strict=True))
    texts = {
        "p01-crash.yaml": named("Crash Me"),
        "p02-killed.yaml": named("Kill Me"),
        "p03-divide.yaml": dump(base_rx()).replace("dose: 1000 mcg", "dose: 1/0 mcg"),
        "p04-bomb.yaml": bomb,
        "p05-cp1252.yaml": named("José Núñez").encode("cp1252"),
        "p06-utf16.yaml": named("Ana").encode("utf-16"),
        "p07-binary.yaml": b"\x00\x01\x02\xff" * 50,
        "p08-not-yaml.yaml": "patient: [unclosed\n",
        "p09-empty.yaml": "",
    }
    for name, text in texts.items():
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    secret = outside / "secret.yaml"
    secret.write_text("SECRET-CONTENT: do not echo\n", encoding="utf-8")
    (folder / "p10-link.yaml").symlink_to(secret)
    return [*texts, "p10-link.yaml"]


def test_200_good_and_10_poisoned(run, tmp_path, sabotage):
    src = good(tmp_path / "in", 200)
    (tmp_path / "elsewhere").mkdir()
    poisoned = poison(src, tmp_path / "elsewhere")
    out = tmp_path / "out"
    result = run("batch", src, "-o", out, "--workers", "2", "--layout", "compact", "--merge", tmp_path / "print.pdf")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "SECRET-CONTENT" not in result.stderr
    assert len(list(out.glob("*.pdf"))) == 200
    rows = report_rows(out / "report.csv")
    assert {Path(r["source"]).name for r in rows} == {f"good{i:03d}.yaml" for i in range(200)} | set(poisoned)
    refused = {Path(r["source"]).name for r in rows if r["status"] == "refused"}
    assert refused == set(poisoned)
    by_name = {Path(r["source"]).name: r for r in rows}
    assert by_name["p01-crash.yaml"]["message"] == f"{INTERNAL} (RuntimeError)"
    assert "stopped unexpectedly: killed by SIGKILL" in by_name["p02-killed.yaml"]["message"]
    assert "outside the input folder" in by_name["p10-link.yaml"]["message"]
    assert "SECRET-CONTENT" not in (out / "report.csv").read_text(encoding="utf-8")
    assert "200 written, 0 unchanged, 10 refused" in result.stderr
    assert len(PdfReader(tmp_path / "print.pdf").pages) == 400           # one sheet, both sides, each


def test_any_exception_is_one_refused_row_in_a_small_batch(run, tmp_path, sabotage):
    src = good(tmp_path / "in", 2)
    rx = base_rx()
    rx["patient"]["name"] = "Crash Me"
    (src / "a-crash.yaml").write_text(dump(rx), encoding="utf-8")
    result = run("batch", src, "-o", tmp_path / "out", "--merge", tmp_path / "print.pdf")
    assert result.exit_code == 1
    assert f"{INTERNAL} (RuntimeError)" in result.stderr and "Traceback" not in result.stderr
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 2 and (tmp_path / "print.pdf").exists()


def test_a_worker_killed_from_outside_never_hangs_the_batch(tmp_path):
    src = good(tmp_path / "in", 40)
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from generate import main; main()", "batch", str(src), "-o", str(out),
               "--workers", "2"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.time() + 60
    while time.time() < deadline and len(list(out.glob("*.pdf"))) < 6:
        time.sleep(0.02)
    workers = children.read_text().split()
    assert workers, "the batch finished before a worker could be killed"
    os.kill(int(workers[0]), signal.SIGKILL)
    _, stderr = proc.communicate(timeout=120)
    rows = report_rows(out / "report.csv")
    assert sorted(Path(r["source"]).name for r in rows) == sorted(p.name for p in src.iterdir())
    lost = [r for r in rows if r["status"] == "refused"]
    assert len(lost) <= 1                                          # the one it was rendering, if any
    assert all("killed by SIGKILL" in r["message"] for r in lost)
    assert len(list(out.glob("*.pdf"))) == 40 - len(lost)
    assert proc.returncode == (1 if lost else 0), stderr
    assert "Traceback" not in stderr


def _kill_self(n):
    if n == 7:
        os.kill(os.getpid(), signal.SIGKILL)
    if n == 11:
        time.sleep(30)
    return n * n


def test_pool_reports_the_exact_item_a_dead_or_stuck_worker_was_on():
    results = list(pool.ordered_map(_kill_self, range(40), workers=2, chunk=3, timeout=2,
                                    lost=lambda item, why: f"lost {item}: {why}"))
    assert results[:7] == [n * n for n in range(7)] and results[12:] == [n * n for n in range(12, 40)]
    assert results[7].startswith("lost 7: the worker process stopped unexpectedly: killed by SIGKILL")
    assert results[11] == "lost 11: took longer than 2 s and was stopped"


def test_a_full_disk_refuses_the_files_it_could_not_write(run, tmp_path, monkeypatch):
    real = batch.write_atomic

    def write_atomic(path, data, **kwargs):
        if "002" in Path(path).name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, data, **kwargs)

    monkeypatch.setattr(batch, "write_atomic", write_atomic)
    src = good(tmp_path / "in", 4)
    result = run("batch", src, "-o", tmp_path / "out", "--workers", "1")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "cannot be written (No space left on device)" in result.stderr and "free some disk space" in result.stderr
    rows = report_rows(tmp_path / "out" / "report.csv")
    assert [r["status"] for r in rows].count("refused") == 1 and len(rows) == 4


@pytest.fixture
def tiny_disk(tmp_path):
    """A 600 KB tmpfs (root only): a disk that fills up in the middle of a batch."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def test_a_disk_that_fills_up_gives_a_clean_message_and_no_partial_files(run, tmp_path, tiny_disk):
    src = good(tmp_path / "in", 30)
    result = run("batch", src, "-o", tiny_disk / "out", "--workers", "2", "--merge", tiny_disk / "print.pdf")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "No space left on device" in result.stderr
    assert not [p for p in tiny_disk.rglob("*") if p.name.endswith(".part")]
    for pdf in (tiny_disk / "out").glob("*.pdf"):
        assert len(PdfReader(pdf).pages) == 4                           # every file there is whole


def test_a_read_only_folder_stops_the_batch_before_any_work(run, tmp_path, tiny_disk):
    good(tmp_path / "in", 4)
    (tiny_disk / "out").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    result = run("batch", tmp_path / "in", "-o", tiny_disk / "out")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert f"{tiny_disk / 'out'}: error: cannot be written (Read-only file system)" in result.stderr
    generated = run("generate", ROOT / "examples" / "cyanocobalamin-im.yaml", "-o", tiny_disk / "out" / "a.pdf")
    assert generated.exit_code == 1 and "Read-only file system" in generated.stderr
    assert "Traceback" not in generated.stderr
