"""Outputs: devices and FIFOs are written, never replaced; links are never written through; nothing is left."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import ROOT, base_rx, dump, pdf_text
from handouts import output

EXAMPLE = ROOT / "examples" / "cyanocobalamin-im.yaml"


def rx_folder(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        rx = base_rx()
        rx["patient"]["name"] = name
        (folder / f"rx{i}.yaml").write_text(dump(rx), encoding="utf-8")
    return folder


def test_a_fifo_is_written_to_and_stays_a_fifo(run, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run("generate", EXAMPLE, "-o", fifo)
    reader.join(30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0].startswith(b"%PDF") and "Maria" in pdf_text(received[0])


def test_a_device_is_written_to_and_never_replaced(run, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    null = tmp_path / "null"                      # a private /dev/null: same device numbers
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for args in (("generate", EXAMPLE, "-o", null),
                 ("batch", rx_folder(tmp_path / "in", "Ana", "Ben"), "-o", tmp_path / "out", "--merge", null,
                  "--report", null)):
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert not list(tmp_path.glob(".*.part"))


def test_a_link_at_the_output_path_is_refused_and_its_target_kept(run, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "handout.pdf"
    link.symlink_to(target)
    result = run("generate", EXAMPLE, "-o", link)
    assert result.exit_code == 1 and "symbolic link" in result.stderr and "Traceback" not in result.stderr
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep me"
    for option in ("--merge", "--report"):
        refused = run("batch", rx_folder(tmp_path / "in", "Ana"), "-o", tmp_path / "out", option, link)
        assert refused.exit_code == 1 and "symbolic link" in refused.stderr
        assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep me"


def test_a_link_with_a_handouts_name_in_the_folder_is_left_alone(run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "precious.txt"
    target.write_text("keep me", encoding="utf-8")
    (out / "Ana-cyanocobalamin-2026-12-01.pdf").symlink_to(target)
    for collisions in ("suffix", "overwrite"):
        result = run("batch", rx_folder(tmp_path / "in", "Ana"), "-o", out, "--collisions", collisions)
        assert result.exit_code == 0, result.stderr
        assert (out / "Ana-cyanocobalamin-2026-12-01.pdf").is_symlink()
        assert target.read_text(encoding="utf-8") == "keep me"
        assert "Ana" in pdf_text(out / "Ana-cyanocobalamin-2026-12-01-2.pdf")


def test_an_empty_password_is_refused(run, tmp_path):
    result = run("generate", EXAMPLE, "-o", tmp_path / "a.pdf", "--password", "")
    assert result.exit_code == 2 and "password is empty" in result.output
    assert not (tmp_path / "a.pdf").exists()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_part_files_of_killed_runs_are_removed_by_the_next_run(run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = [out / f".Ana.pdf.{_dead_pid()}-abcd_123.part", out / f".report.csv.{_dead_pid()}-zz9zz9zz.part"]
    live = out / f".Other.pdf.{os.getppid()}-abcdefgh.part"      # a run that is still writing
    old = out / ".Old.pdf.k2j4h5g6.part"                          # left by a version without PIDs, hours ago
    for path in (*dead, live, old):
        path.write_bytes(b"patient data")
    os.utime(old, (1, 1))
    assert run("batch", rx_folder(tmp_path / "in", "Ana"), "-o", out).exit_code == 0
    assert [p.exists() for p in (*dead, live, old)] == [False, False, True, False]
    again = tmp_path / f".a.pdf.{_dead_pid()}-abcdefgh.part"
    again.write_bytes(b"patient data")
    assert run("generate", EXAMPLE, "-o", tmp_path / "a.pdf").exit_code == 0
    assert not again.exists() and (tmp_path / "a.pdf").exists()


def test_a_part_file_killed_midway_is_cleaned_up_for_real(tmp_path):
    """A real kill -9 in the middle of writing, then the next run."""
    script = ("import os, signal\nfrom handouts.output import atomic_file\n"
              f"with atomic_file({str(tmp_path / 'a.pdf')!r}) as f:\n"
              "    f.write(b'patient data'); f.flush(); os.kill(os.getpid(), signal.SIGKILL)\n")
    subprocess.run(["python3", "-c", script], cwd=ROOT)
    assert len(list(tmp_path.glob(".a.pdf.*.part"))) == 1
    assert output.remove_stale_parts(tmp_path) == 1
    assert not list(tmp_path.glob(".*.part"))


def test_report_cells_cannot_run_as_formulas(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                  # sources are named as given: bare file names
    Path("=HYPERLINK(1).yaml").write_text("patient: [unclosed\n", encoding="utf-8")
    Path("@SUM(1).yaml").write_text("", encoding="utf-8")
    Path("-rows.csv").write_text("patient.name,+cmd,-2+3\nAna,=1+1,@x\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run("batch", "-o", out, "--", "=HYPERLINK(1).yaml", "@SUM(1).yaml", "-rows.csv").exit_code == 1
    raw = (out / "report.csv").read_text(encoding="utf-8")
    cells = [cell for row in csv.reader(raw.splitlines()) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert any(c.startswith("'=HYPERLINK") or "'=HYPERLINK" in c for c in cells)
    assert all(line.startswith('"') for line in raw.splitlines())          # every cell quoted
