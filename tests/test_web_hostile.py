"""The web app against hostile clients: malformed bodies, bombs, dying workers, renders that never end."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time

import pytest
from starlette.testclient import TestClient

from conftest import ROOT
from handouts.web import create_app
from handouts.web.app import Settings
from handouts.web.pool import Broken, RenderPool, TooSlow

EXAMPLE = ROOT / "examples" / "cyanocobalamin-im.yaml"
YAML = {"content-type": "application/yaml"}
JSON = {"content-type": "application/json"}
# Nine times nine ... nine "lol"s: 10^8 values once its aliases are expanded, in 500 bytes.
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(7))


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(workers=1, pool="thread")), base_url="http://testserver") as c:
        c.headers["x-csrf-token"] = c.get("/api/csrf").text
        yield c


@pytest.mark.parametrize(("path", "body", "headers", "status"), [
    pytest.param("/api/parse", LAUGHS, YAML, 422, id="billion-laughs"),
    pytest.param("/api/parse", "[" * 5000 + "]" * 5000, YAML, 422, id="yaml-nested-past-recursion"),
    pytest.param("/api/parse", "1: one\n2020-01-01: date\n", YAML, 200, id="keys-json-cannot-hold"),
    pytest.param("/api/parse", "a: .nan\nb: .inf\nc: !!binary aGk=\n", YAML, 200, id="values-json-has-no-word-for"),
    pytest.param("/api/check", "patient: {weight: " + "9" * 5000 + "}\n", YAML, 200, id="yaml-int-of-5000-digits"),
    pytest.param("/api/check", "[" * 5000 + "]" * 5000, JSON, 400, id="json-nested-past-recursion"),
    pytest.param("/api/check", '{"a":' + "[" * 500 + "]" * 500 + "}", JSON, 413, id="json-deeper-than-a-prescription"),
    pytest.param("/api/check", '{"patient": {"weight": ' + "9" * 5000 + "}}", JSON, 400, id="json-int-of-5000-digits"),
    pytest.param("/api/yaml", '{"patient": {"name": "\\ud800"}}', JSON, 400, id="json-half-a-character"),
    pytest.param("/api/render", '{"notes": [' + ",".join(["0"] * 20000) + "]}", JSON, 413, id="json-20000-values"),
    pytest.param("/pharmacy/batches", '{"csv": "patient.name\\n\\udfff\\n"}', JSON, 400, id="csv-half-a-character"),
    pytest.param("/pharmacy/batches", '{"csv": ["patient.name", "Ana"]}', JSON, 400, id="csv-not-text"),
])
def test_hostile_bodies_get_a_clear_refusal_never_a_server_error(client, path, body, headers, status):
    started = time.perf_counter()
    response = client.post(path, content=body.encode(), headers=headers)
    assert response.status_code == status, response.text
    assert time.perf_counter() - started < 5                     # refused while small, not after expanding
    if status == 200 and path == "/api/check":
        assert "cannot be read" in response.json()["problems"][0]["message"]
    if status == 200 and path == "/api/parse":
        json.dumps(response.json(), allow_nan=False)
        assert all(isinstance(v, str | int | float | dict | list) for v in response.json().values())


def test_a_huge_json_body_is_refused_before_it_is_read_as_a_prescription(client):
    """Millions of values written out as YAML held the server for a minute; a prescription is under 256 KB."""
    body = json.dumps({"notes": [0] * 1_000_000}).encode()
    started = time.perf_counter()
    response = client.post("/api/check", content=body, headers=JSON)
    assert response.status_code == 413 and "256 KB" in response.json()["error"]
    assert time.perf_counter() - started < 2


# --- workers that die or never finish -------------------------------------------------------

def _pid(*, content_dir=None) -> int:
    return os.getpid()


def _die(*, content_dir=None) -> None:
    os.kill(os.getpid(), signal.SIGKILL)          # what the kernel's out-of-memory killer does


def _forever(*, content_dir=None) -> None:
    while True:
        time.sleep(1)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as stat:       # a zombie until its parent reaps it is dead too
        return stat.read().split(")")[-1].split()[0] == "Z"


def test_a_dead_worker_is_replaced_and_a_render_that_never_ends_frees_its_worker():
    async def scenario():
        pool = RenderPool(workers=1, queue=0, timeout=60, kind="process")
        try:
            first = await pool.run(_pid)
            with pytest.raises(Broken):
                await pool.run(_die)
            second = await pool.run(_pid)               # not BrokenProcessPool for ever after
            assert second != first and _gone(first)
            pool.timeout = 0.5
            with pytest.raises(TooSlow):
                await pool.run(_forever)
            pool.timeout = 60
            for _ in range(100):                        # the killed job gives back its place in the line
                if pool._in_flight == 0:
                    break
                await asyncio.sleep(0.1)
            third = await pool.run(_pid)                # queue=0: Busy if the endless job still held the worker
            assert third != second and _gone(second)
        finally:
            pool.close()
    asyncio.run(scenario())


def test_a_worker_killed_between_renders_does_not_stop_the_server():
    with TestClient(create_app(Settings(workers=1)), base_url="http://testserver") as c:
        c.headers["x-csrf-token"] = c.get("/api/csrf").text
        assert c.post("/api/render", content=EXAMPLE.read_bytes(), headers=YAML).status_code == 200
        pool = c.app.state.pool
        for pid in list(pool._executor._processes):
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        statuses = [c.post("/api/render", content=EXAMPLE.read_bytes(), headers=YAML).status_code for _ in range(2)]
    assert statuses == [200, 200]
