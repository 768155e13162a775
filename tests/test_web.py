"""The web app through its HTTP interface: the JSON API, the form page and every security rule."""

from __future__ import annotations

import io
import json
import logging
import re
import statistics
import threading
import time
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from starlette.testclient import TestClient

from conftest import ROOT, base_rx, dump
from handouts import api, schema
from handouts.web import create_app, form, jobs, server
from handouts.web.app import Settings
from handouts.web.pool import Busy, RenderPool

EXAMPLE = ROOT / "examples" / "cyanocobalamin-im.yaml"
YAML = {"content-type": "application/yaml"}
ORIGIN = "http://testserver"


def _client(**settings) -> TestClient:
    return TestClient(create_app(Settings(**settings)), base_url=ORIGIN)


@pytest.fixture(scope="module")
def client():
    """The app as `handout serve` runs it: a process pool sized to the cores."""
    with _client() as c:
        c.headers["x-csrf-token"] = c.get("/api/csrf").text
        yield c


@pytest.fixture
def small():
    """A one-thread app with small limits, for the limits themselves."""
    def make(**settings):
        c = _client(workers=1, pool="thread", **settings)
        c.__enter__()
        c.headers["x-csrf-token"] = c.get("/api/csrf").text
        made.append(c)
        return c
    made = []
    yield make
    for c in made:
        c.__exit__(None, None, None)


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- the JSON API ---------------------------------------------------------------------

def test_render_yaml_gives_the_same_pdf_as_the_command_line(client):
    response = client.post("/api/render", content=EXAMPLE.read_bytes(), headers=YAML)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content == api.generate(EXAMPLE).pdf
    assert "Maria López" in pdf_text(response.content)


def test_render_json_with_layout_and_paper(client):
    response = client.post("/api/render?layout=large-print&paper=a4", json=json.loads(json.dumps(base_rx(),
                                                                                               default=str)))
    assert response.status_code == 200, response.text
    reader = PdfReader(io.BytesIO(response.content))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)
    assert "Dr. Aisha Chen" in pdf_text(response.content)


def test_a_refused_prescription_is_422_with_problems_named_by_field(client):
    rx = base_rx()
    rx["needle"]["gauge"] = 18
    response = client.post("/api/render", content=dump(rx), headers=YAML)
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert any(p["field"] == "needle.gauge" and p["severity"] == "error" for p in problems)
    check = client.post("/api/check", content=dump(rx), headers=YAML).json()
    assert check["ok"] is False and check["problems"] == problems


def test_check_reports_parse_problems_and_warnings(client):
    assert client.post("/api/check", content=b"patient: [", headers=YAML).json()["problems"][0]["field"] == ""
    rx = base_rx()
    rx["patient"]["language"] = "xx"
    result = client.post("/api/check", content=dump(rx), headers=YAML).json()
    assert result["ok"] is True
    assert [p["field"] for p in result["problems"]] == ["patient.language"]


def test_check_warns_of_unreviewed_wording_as_the_command_does(client):
    rx = base_rx()
    rx["patient"]["language"] = "es"
    result = client.post("/api/check", content=dump(rx), headers=YAML).json()
    assert result["ok"] is True
    assert [(p["field"], p["severity"]) for p in result["problems"]] == [("patient.language", "warning")]
    assert "wording has not been reviewed by a clinician" in result["problems"][0]["message"]

def test_patient_copy_is_password_protected(client):
    response = client.post("/api/render", content=EXAMPLE.read_bytes(),
                           headers={**YAML, "x-pdf-password": "sunflower 42"})
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.is_encrypted
    assert reader.decrypt("wrong") == 0
    assert reader.decrypt("sunflower 42") != 0
    assert "Maria López" in reader.pages[0].extract_text()


def test_preview_sends_the_pdf_and_a_png_of_every_page(client):
    data = client.post("/api/preview", content=EXAMPLE.read_bytes(), headers=YAML).json()
    import base64
    pdf = base64.b64decode(data["pdf"])
    pages = [base64.b64decode(p) for p in data["pages"]]
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages) >= 1
    assert all(p.startswith(b"\x89PNG") for p in pages)


def test_yaml_round_trip(client):
    rx = json.loads(json.dumps(base_rx(), default=str))
    text = client.post("/api/yaml", json=rx).text
    assert client.post("/api/parse", content=text, headers=YAML).json() == rx
    assert client.post("/api/parse", content=b"- a list", headers=YAML).status_code == 422


def test_schema_and_openapi(client):
    assert client.get("/api/schema").json() == schema.load()
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/render", "/api/check", "/api/schema"} <= set(paths)


def test_unknown_layout_and_wrong_content_type(client):
    assert client.post("/api/render?layout=nope", content=EXAMPLE.read_bytes(), headers=YAML).status_code == 400
    assert client.post("/api/render", content=b"x", headers={"content-type": "image/png"}).status_code == 415


# --- the form is made from the schema and the library ---------------------------------

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def schema_leaves(node=None, prefix=""):
    node = node or schema.load()
    for key, child in node.get("properties", {}).items():
        child = form._resolve(child, schema.load())
        if "properties" in child:
            yield from schema_leaves(child, f"{prefix}{key}.")
        elif isinstance(child.get("items"), dict) and "properties" in child["items"]:
            yield from schema_leaves(child["items"], f"{prefix}{key}.*.")
        else:
            yield f"{prefix}{key}"


def test_every_schema_field_is_in_the_form_with_a_label(client):
    page = parse(client.get("/").text)
    paths = {a["data-path"] for t, a in page.tags if "data-path" in a} | {a["data-multi"] for t, a in page.tags
                                                                            if "data-multi" in a}
    assert set(schema_leaves()) <= paths
    labelled = {a["for"] for t, a in page.tags if t == "label"}
    for tag, attrs in page.tags:
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            assert attrs["id"] in labelled, attrs
            for ident in attrs.get("aria-describedby", "").split():
                assert any(a.get("id") == ident for _, a in page.tags), ident


def test_a_new_schema_field_appears_in_the_form(client, monkeypatch):
    extended = json.loads(json.dumps(schema.load()))
    extended["properties"]["schedule"]["properties"]["phases"]["items"]["properties"]["at"] = {
        "type": "string", "description": "Where a dose is given."}
    monkeypatch.setattr(schema, "load", lambda: extended)
    form.controls.cache_clear()
    try:
        html = client.get("/").text
    finally:
        monkeypatch.undo()
        form.controls.cache_clear()
    assert 'data-path="schedule.phases.*.at"' in html and "Where a dose is given." in html


def test_pickers_come_from_the_library():
    choices = form.choices()
    assert set(choices["medications"]["hydroxocobalamin"]["routes"]) == {"intramuscular", "subcutaneous"}
    assert choices["medications"]["hydroxocobalamin"]["routes"]["subcutaneous"] == "off-label"
    assert "intravenous" not in choices["routes"]                        # refused routes are not offered
    im = choices["routes"]["intramuscular"]
    assert im["gauges"] == [21, 22, 23, 24, 25]
    assert {s["site"] for s in im["sites"]} == {"deltoid", "ventrogluteal", "vastus_lateralis", "dorsogluteal"}
    assert all(16 <= int(re.search(r"\((\d+) mm\)", n["label"]).group(1)) <= 38 for n in im["lengths"])


def test_pages_have_no_inline_script_or_handlers(client):
    for path in ("/", "/pharmacy"):
        page = parse(client.get(path).text)
        for tag, attrs in page.tags:
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            if tag == "script":
                assert attrs.get("src", "").startswith("/static/") or attrs.get("type") == "application/json"


# --- security -------------------------------------------------------------------------

def test_security_headers_on_every_response(client):
    refused = client.post("/api/check", content=b"x", headers={**YAML, "x-csrf-token": ""})
    responses = [client.get("/"), client.get("/pharmacy"), client.get("/static/form.js"), client.get("/nope"),
                 client.get("/api/schema"), refused]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"


def test_csrf_token_and_origin_are_required_for_every_post(client):
    body = {"content": EXAMPLE.read_bytes(), "headers": YAML}
    token = client.headers["x-csrf-token"]
    for path in ("/api/check", "/api/render", "/api/preview", "/api/yaml", "/api/parse", "/pharmacy/batches"):
        assert client.post(path, content=b"{}", headers={**YAML, "x-csrf-token": ""}).status_code == 403, path
    forged = token.split(".")[0] + "." + "0" * 64
    assert client.post("/api/check", content=body["content"],
                       headers={**YAML, "x-csrf-token": forged}).status_code == 403
    assert client.post("/api/check", content=body["content"],
                       headers={**YAML, "origin": "https://evil.example"}).status_code == 403
    assert client.post("/api/check", content=body["content"],
                       headers={**YAML, "referer": "https://evil.example/page"}).status_code == 403
    assert client.post("/api/check", content=body["content"], headers={**YAML, "origin": ORIGIN}).status_code == 200


def test_an_old_csrf_token_expires(client, monkeypatch):
    token = client.headers["x-csrf-token"]
    monkeypatch.setattr(time, "time", lambda: float(token.split(".")[0]) + 13 * 3600)
    assert client.post("/api/check", content=EXAMPLE.read_bytes(), headers=YAML).status_code == 403


def test_body_size_limit_is_413(small):
    c = small(max_body=4096)
    big = EXAMPLE.read_bytes() + b"#" * 5000
    assert c.post("/api/render", content=big, headers=YAML).status_code == 413

    def chunks():       # no Content-Length: counted while it streams in
        yield EXAMPLE.read_bytes()
        yield b"#" * 5000
    assert c.post("/api/render", content=chunks(), headers=YAML).status_code == 413
    assert c.post("/api/render", content=EXAMPLE.read_bytes(), headers=YAML).status_code == 200


def test_access_token_guards_every_page_and_call(small):
    c = small(token="correct horse")
    c.headers.pop("x-csrf-token")
    assert c.get("/", follow_redirects=False).headers["location"] == "/login"
    assert c.get("/api/schema").status_code == 401
    assert c.get("/api/csrf").status_code == 401
    assert c.get("/api/schema", headers={"authorization": "Bearer wrong"}).status_code == 401
    bearer = {"authorization": "Bearer correct horse"}
    assert c.post("/api/render", content=EXAMPLE.read_bytes(), headers={**YAML, **bearer}).status_code == 200
    login = c.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
    assert c.post("/login", data={"csrf": csrf, "token": "nope"}).status_code == 403
    assert c.post("/login", data={"csrf": "bad", "token": "correct horse"}).status_code == 403
    done = c.post("/login", data={"csrf": csrf, "token": "correct horse"}, follow_redirects=False)
    assert done.status_code == 303
    assert "httponly" in done.headers["set-cookie"].lower() and "samesite=strict" in done.headers["set-cookie"].lower()
    assert c.get("/").status_code == 200
    assert c.post("/api/check", content=EXAMPLE.read_bytes(), headers=YAML).status_code == 403   # cookie, no CSRF
    token = c.get("/api/csrf").text
    with_token = c.post("/api/check", content=EXAMPLE.read_bytes(), headers={**YAML, "x-csrf-token": token})
    assert with_token.status_code == 200


def test_only_loopback_without_a_token(run):
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        server.check_bind(host, None)
        assert server.warnings(host) == []
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        with pytest.raises(ValueError, match="token"):
            server.check_bind(host, None)
        server.check_bind(host, "secret")
        assert "TLS" in server.warnings(host)[0] and "reverse proxy" in server.warnings(host)[0]
    result = run("serve", "--host", "0.0.0.0")
    assert result.exit_code == 2 and "--token" in result.stderr


def test_default_address_is_loopback():
    import generate
    host = next(p for p in generate.serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


def server_log(caplog) -> str:
    """What the server logged (the test client logs its own requests, query and all)."""
    return "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records if r.name.startswith(("handouts", "uvicorn")))


def test_no_patient_detail_in_logs(client, caplog):
    rx = base_rx()
    rx["patient"]["name"] = "Zebulon Quartermaine"
    with caplog.at_level(logging.DEBUG):
        client.post("/api/render?patient=Zebulon+Quartermaine", content=dump(rx), headers=YAML)
        client.post("/api/check", content=dump(rx), headers=YAML)
        rx["needle"]["gauge"] = 18
        client.post("/api/render", content=dump(rx), headers=YAML)
        client.post("/api/parse", content=b"patient: {name: Zebulon Quartermaine", headers=YAML)
    text = server_log(caplog)
    assert '"POST /api/render" 200' in text and '"POST /api/render" 422' in text
    assert "Zebulon" not in text and "Quartermaine" not in text and "patient=" not in text


def test_an_unexpected_error_is_logged_by_type_only(small, caplog, monkeypatch):
    c = small()

    def broken(*args, **kwargs):
        raise RuntimeError("Zebulon Quartermaine")
    monkeypatch.setattr(jobs, "check", broken)
    with caplog.at_level(logging.DEBUG):
        response = c.post("/api/check", content=EXAMPLE.read_bytes(), headers=YAML)
    assert response.status_code == 500 and "Zebulon" not in response.text
    assert "RuntimeError" in server_log(caplog) and "Zebulon" not in server_log(caplog)


# --- the work queue ----------------------------------------------------------------------

def _slow(seconds, *, content_dir=None):
    time.sleep(seconds)
    return seconds


def test_a_full_queue_answers_at_once_and_a_slow_render_times_out():
    import asyncio

    async def scenario():
        pool = RenderPool(workers=1, queue=1, timeout=0.3, kind="thread")
        first = asyncio.ensure_future(pool.run(_slow, 0.2))
        second = asyncio.ensure_future(pool.run(_slow, 0.2))
        await asyncio.sleep(0.01)
        refused = pool.run(_slow, 0.2)
        with pytest.raises(Busy):
            refused.send(None)                      # refused before its first wait: it never queues
        assert await first == 0.2
        from handouts.web.pool import TooSlow
        with pytest.raises(TooSlow):
            await second                            # waited 0.2 s for the worker, then ran 0.2 s
        pool.close()
    asyncio.run(scenario())


def test_busy_server_answers_503_with_retry_after(small, monkeypatch):
    c = small(queue=0, render_timeout=5)
    entered, release = threading.Event(), threading.Event()
    real = jobs.render

    def held(*args, **kwargs):
        entered.set()
        release.wait(5)
        return real(*args, **kwargs)
    monkeypatch.setattr(jobs, "render", held)
    results = []
    first = threading.Thread(target=lambda: results.append(
        c.post("/api/render", content=EXAMPLE.read_bytes(), headers=YAML).status_code))
    first.start()
    assert entered.wait(10)                     # the only worker is now rendering the first
    busy = c.post("/api/render", content=EXAMPLE.read_bytes(), headers=YAML)
    release.set()
    first.join(10)
    assert busy.status_code == 503 and int(busy.headers["retry-after"]) >= 1
    assert results == [200]


def test_workers_are_warm_before_the_first_patient():
    """Each worker renders a handout as it starts, so the first patient's costs what the next ones' do."""
    def cpu_ms(response) -> float:
        timing = dict(m.strip().split(";dur=") for m in response.headers["server-timing"].split(","))
        return float(timing["cpu"])

    def patient(i: int) -> str:             # each one new: nothing of a patient's own is remembered yet
        rx = base_rx()
        rx["patient"]["name"], rx["notes"] = f"Ana Ruiz {i}", f"Bring your sharps container on visit {i}."
        return dump(rx)

    with _client(workers=1) as c:                # one worker process: every render below is its
        c.headers["x-csrf-token"] = c.get("/api/csrf").text
        first, *later = [c.post("/api/render", content=patient(i), headers=YAML) for i in range(6)]
    assert all(r.status_code == 200 for r in (first, *later))
    # CPU time, which other programs' load does not inflate; a cold worker's first render takes 2.5-3.5 times
    # what the later ones take, once they have the clinic's repeated details (prescriber, pharmacy, dates) too
    cpu = [cpu_ms(r) for r in (first, *later)]
    assert cpu[0] <= 2 * statistics.median(cpu[2:]), cpu


def test_a_render_past_the_time_limit_is_503(small, monkeypatch):
    c = small(render_timeout=0.2)
    monkeypatch.setattr(jobs, "render", lambda *a, **k: time.sleep(1))
    response = c.post("/api/render", content=EXAMPLE.read_bytes(), headers=YAML)
    assert response.status_code == 503 and "longer than" in response.json()["error"]


# --- hostile input ----------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=20)
fields = st.fixed_dictionaries({}, optional={key: json_values for key in schema.load()["properties"]})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=fields | json_values)
def test_any_json_gets_problems_never_a_server_error(client, data):
    response = client.post("/api/check", content=json.dumps(data), headers={"content-type": "application/json"})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert isinstance(response.json()["problems"], list)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_any_yaml_text_gets_problems_never_a_server_error(client, text):
    response = client.post("/api/check", content=text.encode(), headers=YAML)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is False and result["problems"]


def test_the_readme_shows_the_form():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert "docs/web-form.png" in pictures
    assert all((ROOT / p).is_file() and (ROOT / p).read_bytes().startswith(b"\x89PNG") for p in pictures), pictures
