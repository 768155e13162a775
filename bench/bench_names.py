"""What a name in another script costs: milliseconds per handout and kilobytes, against a Latin name.

    python bench/bench_names.py [--repeats 20]

Every script is timed in the same run, taking turns, so a busy machine slows
them alike. "new name" gives every handout a name not seen before (a batch of
different patients: each needs its own small fonts); "same name" repeats one
name (its fonts are remembered). "first" is the first such handout in a fresh
process, which opens the fallback face's file.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from harness import parser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT)]

LETTERS = {     # letters names are made of, per script; a name takes a few at random
    "latin": "abcdefghijklmnoprstuvwyz",
    "cyrillic": "абвгдежзиклмнопрстуфхцчшэюя",
    "chinese": ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡"
                "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
                "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤明伟芳娜敏静丽强磊军洋勇艳杰娟涛超秀霞平"
                "刚桂英华玉萍红"),
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
}


def _name(script: str, rng: random.Random) -> str:
    letters = LETTERS[script]
    if script == "chinese":
        return "".join(rng.choice(letters) for _ in range(3))
    return " ".join("".join(rng.choice(letters) for _ in range(rng.randint(4, 7))).title() for _ in range(2))


def _source(folder: Path, name: str, n: int) -> Path:
    data = yaml.safe_load((ROOT / "examples" / "cyanocobalamin-im.yaml").read_text(encoding="utf-8"))
    data["patient"]["name"] = name
    path = folder / f"rx{n}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def first(script: str) -> float:
    """Milliseconds for the first handout with a ``script`` name in a fresh process (after a Latin one)."""
    code = (f"import sys, time; sys.path[:0] = [{str(HERE)!r}]; import bench_names as b; print(b._first({script!r}))")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def _first(script: str) -> float:
    from handouts import api

    with tempfile.TemporaryDirectory() as tmp:
        api.generate(_source(Path(tmp), "Maria Lopez", 0))          # warm the base face and content
        path = _source(Path(tmp), _name(script, random.Random(1)), 1)
        start = time.perf_counter()
        api.generate(path)
        return (time.perf_counter() - start) * 1000


def main() -> None:
    args = parser(__doc__, repeats=20).parse_args()
    from handouts import api

    rng = random.Random(7)
    times: dict[tuple[str, str], list[float]] = {}
    sizes: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        same = {script: _source(folder, _name(script, rng), i) for i, script in enumerate(LETTERS)}
        for path in same.values():
            api.generate(path)                                       # warm every face
        n = len(LETTERS)
        for _ in range(args.repeats):
            for script in LETTERS:
                for kind, path in (("same name", same[script]), ("new name", _source(folder, _name(script, rng), n))):
                    n += 1
                    start = time.perf_counter()
                    pdf = api.generate(path).pdf
                    times.setdefault((script, kind), []).append((time.perf_counter() - start) * 1000)
                    sizes.setdefault(script, []).append(len(pdf))
    firsts = {script: first(script) for script in LETTERS}
    latin = {kind: statistics.median(times["latin", kind]) for kind in ("same name", "new name")}
    print(f"{'script':10} {'same name ms':>13} {'new name ms':>12} {'first ms':>9} {'KB':>7} {'KB vs latin':>12}")
    base_kb = statistics.median(sizes["latin"]) / 1024
    for script in LETTERS:
        same_ms = statistics.median(times[script, "same name"])
        new_ms = statistics.median(times[script, "new name"])
        kb = statistics.median(sizes[script]) / 1024
        print(f"{script:10} {same_ms:8.1f} ({same_ms / latin['same name']:.2f}x)"
              f" {new_ms:6.1f} ({new_ms / latin['new name']:.2f}x)"
              f" {firsts[script]:8.0f} {kb:7.1f} {kb - base_kb:+11.1f}")


if __name__ == "__main__":
    main()
