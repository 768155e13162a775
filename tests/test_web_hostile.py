"""The web app against hostile clients: malformed bodies, bombs, dying workers, renders that never end."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import signal
import time

import pytest
from starlette.testclient import TestClient

from conftest import ROOT
from handouts.web import create_app, pharmacy, security, server
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
    pytest.param("/api/parse", "a: .nan\nb: .inf\n", YAML, 200, id="values-json-has-no-word-for"),
    pytest.param("/api/parse", "c: !!binary aGk=\n", YAML, 422, id="binary-is-not-text"),
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


# --- what the log shows, who the server answers, how long a login lasts --------------------------

def test_the_log_shows_no_batch_id_and_no_line_a_path_wrote(client, caplog):
    with caplog.at_level(logging.INFO, logger="handouts"):
        client.get("/pharmacy/batches/Kq3xSecretBatchId/zip")
        client.get("/nope%0A127.0.0.1 \"GET /admin\" 200 1ms%1B[2J")
    lines = [r.getMessage() for r in caplog.records if r.name == "handouts.web.access"]
    assert len(lines) == 2 and "Kq3xSecretBatchId" not in "\n".join(lines)
    assert '"GET /pharmacy/batches/…/zip" 404' in lines[0]
    assert all("\n" not in line and "\x1b" not in line for line in lines)


def test_a_loopback_server_answers_only_to_loopback_names(monkeypatch):
    """DNS rebinding: a page whose name now points at 127.0.0.1 must not be served as if it were this app."""
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(app))
    server.run(Settings(workers=1, pool="thread"), "127.0.0.1", 8000)
    app = started[0]
    assert TestClient(app, base_url="http://evil.example:8000").get("/api/schema").status_code == 400
    for name in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000"):
        assert TestClient(app, base_url=f"http://{name}").get("/api/schema").status_code == 200, name
    server.run(Settings(workers=1, pool="thread", token="secret"), "127.0.0.1", 8000)     # behind a proxy
    bearer = {"authorization": "Bearer secret"}
    assert TestClient(started[1], base_url="https://handouts.clinic.example").get("/api/schema",
                                                                                  headers=bearer).status_code == 200


@pytest.fixture
def guarded():
    with TestClient(create_app(Settings(workers=1, pool="thread", token="correct horse")),
                    base_url="http://testserver") as c:
        yield c


def _log_in(c: TestClient):
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    return c.post("/login", data={"csrf": csrf, "token": "correct horse"}, follow_redirects=False)


def test_wrong_tokens_stop_token_checks_for_a_while_but_not_a_session(guarded, monkeypatch):
    assert _log_in(guarded).status_code == 303
    session = dict(guarded.cookies)
    guarded.cookies.clear()
    for guess in range(security.FAILURES_ALLOWED):
        assert guarded.get("/api/schema", headers={"authorization": f"Bearer guess {guess}"}).status_code == 401
    right = guarded.get("/api/schema", headers={"authorization": "Bearer correct horse"})
    assert right.status_code == 429 and 1 <= int(right.headers["retry-after"]) <= security.FAILURE_WINDOW
    assert _log_in(guarded).status_code == 429                      # the login form too
    guarded.cookies.update(session)
    assert guarded.get("/api/schema").status_code == 200          # a clinician logged in goes on
    guarded.cookies.clear()
    monkeypatch.setattr(security, "FAILURE_WINDOW", 0)
    assert guarded.get("/api/schema", headers={"authorization": "Bearer correct horse"}).status_code == 200


def test_a_login_lasts_a_day_not_for_ever(guarded, monkeypatch):
    done = _log_in(guarded)
    assert f"max-age={security.SESSION_LIFETIME}" in done.headers["set-cookie"].lower()
    assert guarded.get("/api/schema").status_code == 200
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + security.SESSION_LIFETIME + 60)
    assert guarded.get("/api/schema").status_code == 401


# --- pharmacy batches ------------------------------------------------------------------------------

def test_only_the_newest_finished_batches_are_kept_in_memory():
    batches = pharmacy.Batches()
    now = time.monotonic()
    for age in range(pharmacy.KEEP_FINISHED + 3):            # a client starting batch after batch
        batch = pharmacy.Batch(f"b{age}", state="done", zip=b"PK" * 1000, finished_at=now - age)
        batches._batches[batch.ident] = batch
    assert batches.get("b0") is not None
    assert sorted(batches._batches) == [f"b{age}" for age in range(pharmacy.KEEP_FINISHED)]


def test_a_csv_in_another_code_page_is_refused_as_the_command_line_refuses_it():
    """The page sends the file's bytes: a Windows-1252 'í' would otherwise reach the handout as U+FFFD."""
    with TestClient(create_app(Settings(workers=1, pool="thread", max_rows=1)), base_url="http://testserver") as c:
        c.headers["x-csrf-token"] = c.get("/api/csrf").text
        windows = "patient.name\nMaría Núñez\n".encode("cp1252")
        refused = c.post("/pharmacy/batches", json={"csv_base64": base64.b64encode(windows).decode()})
        assert refused.status_code == 422
        problem = refused.json()["problems"][0]
        assert problem["line"] == 2 and "not UTF-8" in problem["message"] and "CSV UTF-8" in problem["fix"]
        utf16 = "patient.name\nMaría Núñez\nJosé Ortiz\n".encode("utf-16")     # with its byte order mark
        counted = c.post("/pharmacy/batches", json={"csv_base64": base64.b64encode(utf16).decode()})
        assert counted.status_code == 413 and "has 2 prescriptions" in counted.json()["error"]
        assert c.post("/pharmacy/batches", json={"csv_base64": "not base64!"}).status_code == 400


@pytest.mark.parametrize(("server_kind", "headers"), [
    pytest.param("client", {"x-csrf-token": "{now}.\xc3\xa9"}, id="csrf-token-not-ascii"),
    pytest.param("client", {"x-csrf-token": "9" * 5000 + ".0"}, id="csrf-stamp-of-5000-digits"),
    pytest.param("guarded", {"cookie": "handout_session={now}.\xc3\xa9"}, id="session-cookie-not-ascii"),
    pytest.param("guarded", {"cookie": "handout_session=" + "9" * 5000 + ".0"}, id="session-stamp-of-5000-digits"),
    pytest.param("guarded", {"authorization": "Bearer \xc3\xa9"}, id="bearer-not-ascii"),
])
def test_forged_credentials_are_refused_not_a_server_error(request, server_kind, headers):
    """Headers arrive as Latin-1 text; compare_digest refuses text that is not ASCII, int() 5,000 digits."""
    now = str(int(time.time()))
    sent = {name: value.replace("{now}", now).encode("latin-1") for name, value in headers.items()}
    response = request.getfixturevalue(server_kind).post("/api/check", content=b"{}", headers={**JSON, **sent})
    assert response.status_code in (401, 403), response.text


def test_the_login_form_takes_no_file(guarded):
    """An upload to /login (open to anyone) would be spooled to disk past 1 MB."""
    csrf = re.search(r'name="csrf" value="([^"]+)"', guarded.get("/login").text).group(1)
    response = guarded.post("/login", data={"csrf": csrf}, files={"token": ("../../x", b"x" * 2_000_000)})
    assert response.status_code == 400


def test_a_batch_is_counted_off_the_event_loop(client, monkeypatch):
    """Counting the rows of an 8 MB CSV takes a second: the server must go on answering meanwhile."""
    seen = []

    def start(*args):
        try:
            asyncio.get_running_loop()
            seen.append("on the event loop")
        except RuntimeError:
            seen.append("in a thread")
        raise pharmacy.Busy
    monkeypatch.setattr(client.app.state.batches, "start", start)
    assert client.post("/pharmacy/batches", json={"csv": "patient.name\nAna\n"}).status_code == 503
    assert seen == ["in a thread"]


def test_a_full_memory_disk_refuses_the_batch_and_leaves_nothing(client, monkeypatch, tmp_path):
    made = []

    def scratch():
        made.append(tmp_path / f"batch{len(made)}")
        made[-1].mkdir()
        return str(made[-1])

    def full(self, data):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(pharmacy, "_scratch", scratch)
    monkeypatch.setattr(pharmacy.Path, "write_bytes", full)
    response = client.post("/pharmacy/batches", json={"csv": "patient.name\nAna\n"})
    assert response.status_code == 503 and "no room" in response.json()["error"]
    assert made and not any(path.exists() for path in made)
    monkeypatch.undo()
    assert client.app.state.batches._batches == {}
