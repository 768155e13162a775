"""The clinic web app: a second thin door over the library (form, preview, pharmacy, JSON API).

Pages and API calls turn HTTP into the same calls the command line makes
(parse → check → render) and turn the library's answers back into HTTP:
problems become 422 with JSON, a full pool 503 with Retry-After.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.schemas import SchemaGenerator
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import schema, yamlsource
from ..errors import HandoutError
from . import form, jobs, pharmacy
from .pool import Broken, Busy, RenderPool, TooSlow
from .security import SESSION_COOKIE, SESSION_LIFETIME, Guard, Keys

HERE = Path(__file__).parent
PAPERS = ("letter", "a4")
PRESCRIPTION_POSTS = ("/api/check", "/api/render", "/api/preview", "/api/yaml")   # they take a prescription
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")


@dataclass
class Settings:
    """What ``handout serve`` can change; the defaults suit one clinic computer."""

    token: str = ""                  # access token; required when listening beyond loopback
    max_body: int = 8 * 2**20        # bytes per request (a CSV of thousands of rows fits)
    max_rows: int = 5000             # prescriptions per pharmacy upload
    render_timeout: float = 30.0     # seconds for one handout
    workers: int | None = None       # render processes (default: the cores)
    queue: int | None = None         # renders waiting beyond those running (default: 2 per worker)
    pool: str = os.environ.get("HANDOUT_WEB_POOL", "process")   # process | thread
    content_dir: str | None = None
    hosts: tuple[str, ...] = ()      # Host names it answers to (empty: any); on loopback, only loopback's


def _layouts() -> list[tuple[str, str]]:
    from .. import layouts

    return [(name, module.DESCRIPTION) for name, module in layouts.available().items()]


templates = Jinja2Templates(directory=str(HERE / "templates"))


def create_app(settings: Settings | None = None) -> Starlette:
    """The ASGI app; the render pool starts with the server and stops with it."""
    settings = settings or Settings()
    keys = Keys(settings.token)
    pool = RenderPool(settings.workers, settings.queue, settings.render_timeout, settings.pool, settings.content_dir)
    batches = pharmacy.Batches(settings.max_rows, settings.workers, settings.content_dir)
    layout_names = _layouts()

    def page(request: Request, name: str, **extra) -> Response:
        return templates.TemplateResponse(request, name, {
            "csrf": keys.csrf_token(), "layouts": layout_names, "papers": PAPERS, **extra})

    async def form_page(request: Request) -> Response:
        choices = form.choices(settings.content_dir)
        return page(request, "form.html", controls=form.controls(), choices_data=choices,
                    choices=json.dumps(choices, ensure_ascii=False).replace("</", "<\\/"))

    async def pharmacy_page(request: Request) -> Response:
        return page(request, "pharmacy.html", max_rows=settings.max_rows)

    async def login_page(request: Request) -> Response:
        if request.method == "GET":
            return page(request, "login.html", failed=False)
        data = await request.form(max_files=0, max_fields=10)      # a token, not uploads: nothing spooled to disk
        if keys.locked():
            response = page(request, "login.html", failed=False, locked=keys.locked())
            response.status_code, response.headers["retry-after"] = 429, str(keys.locked())
            return response
        if not keys.csrf_ok(str(data.get("csrf", ""))) or not keys.token_ok(str(data.get("token", ""))):
            response = page(request, "login.html", failed=True)
            response.status_code = 403
            return response
        response = RedirectResponse("/", 303)
        response.set_cookie(SESSION_COOKIE, keys.session(), max_age=SESSION_LIFETIME, httponly=True,
                            samesite="strict",
                            secure=request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https")
        return response

    async def csrf(request: Request) -> Response:
        """
        summary: A CSRF token to send as X-CSRF-Token with every POST
        responses:
          200: {description: the token as plain text}
        """
        return PlainTextResponse(keys.csrf_token())

    async def schema_json(request: Request) -> Response:
        """
        summary: The JSON Schema of the prescription format
        responses:
          200: {description: JSON Schema (draft 2020-12)}
        """
        return JSONResponse(schema.load())

    async def check(request: Request) -> Response:
        """
        summary: Check a prescription (YAML or JSON body) as 'handout check' does
        responses:
          200: {description: "{ok, problems: [{field, line, severity, message, fix, source}]}"}
        """
        text = await _prescription_text(request)
        problems = await run_in_threadpool(jobs.check, text, content_dir=settings.content_dir)
        return JSONResponse({"ok": not any(p.severity == "error" for p in problems),
                             "problems": [p.as_dict() for p in problems]})

    async def render(request: Request) -> Response:
        """
        summary: Render a prescription (YAML or JSON body) to a PDF
        parameters:
          - {name: layout, in: query, schema: {type: string}}
          - {name: paper, in: query, schema: {type: string, enum: [letter, a4]}}
          - {name: X-PDF-Password, in: header, schema: {type: string}, description: protect the PDF (AES-256)}
        responses:
          200: {description: the handout, content: {application/pdf: {}}}
          400: {description: "unknown layout or paper, or a body that is not JSON"}
          413: {description: "larger than a prescription may be (256 KB, 10,000 values, 16 levels)"}
          422: {description: "refused: {problems}"}
          503: {description: "busy, or past the time limit; see Retry-After"}
        """
        started = time.perf_counter()
        layout, paper = _options(request, layout_names)
        text = await _prescription_text(request)
        outcome = await _run(pool, jobs.render, text, layout, paper, request.headers.get("x-pdf-password", ""))
        if outcome.refused:
            return _refused(outcome)
        return Response(outcome.pdf, media_type="application/pdf", headers={
            "content-disposition": 'attachment; filename="handout.pdf"',
            "x-handout-warnings": str(len(outcome.problems)),
            "server-timing": _timing(outcome, started)})

    async def preview(request: Request) -> Response:
        """
        summary: Render a prescription and return the PDF and its pages as PNG (base64), with warnings
        responses:
          200: {description: "{pdf, pages: [png], problems}"}
          422: {description: "refused: {problems}"}
        """
        started = time.perf_counter()
        layout, paper = _options(request, layout_names)
        text = await _prescription_text(request)
        outcome = await _run(pool, jobs.render, text, layout, paper, "", True)
        if outcome.refused:
            return _refused(outcome)
        return JSONResponse({"pdf": _b64(outcome.pdf), "pages": [_b64(p) for p in outcome.pages],
                             "problems": [p.as_dict() for p in outcome.problems]},
                            headers={"server-timing": _timing(outcome, started)})

    async def to_yaml(request: Request) -> Response:
        """
        summary: A prescription (JSON body) as YAML, the file the command line reads
        responses:
          200: {description: YAML text}
        """
        return PlainTextResponse(await _prescription_text(request), media_type="application/yaml")

    async def from_yaml(request: Request) -> Response:
        """
        summary: A prescription file (YAML body) as JSON, to fill the form with
        responses:
          200: {description: the prescription as JSON}
          422: {description: "not YAML, or not a set of fields"}
        """
        try:
            # bounded: a "billion laughs" stops at its limit
            data = (await run_in_threadpool(yamlsource.load, await _text(request))).data
        except yaml.YAMLError as error:
            problem = yamlsource.problem(error, jobs.NAME)
            raise HTTPException(422, f"not a prescription file: line {problem.line}: {problem.message}") from None
        if not isinstance(data, dict):
            raise HTTPException(422, "not a prescription: the file must be a set of 'key: value' fields")
        return JSONResponse(_plain(data))

    async def start_batch(request: Request) -> Response:
        """
        summary: Start a pharmacy batch (handout batch's CSV and defaults file)
        requestBody:
          required: true
          content:
            application/json:
              schema:
                type: object
                properties:
                  csv: {type: string, description: the CSV manifest as text}
                  csv_base64: {type: string, description: the CSV file's bytes, in place of csv}
                  csv_name: {type: string}
                  defaults: {type: string, description: the defaults file (YAML) as text}
                  defaults_base64: {type: string, description: the defaults file's bytes, in place of defaults}
                  defaults_name: {type: string}
                  layout: {type: string}
                  paper: {type: string, enum: [letter, a4]}
        responses:
          202: {description: "{id, state, total, done}; poll GET /pharmacy/batches/{id}"}
          413: {description: too many rows}
          422: {description: "the CSV cannot be read: {problems}"}
          503: {description: another batch is running}
        """
        data = await _json_body(request)
        layout, paper = _options(request, layout_names, data)
        names = [data.get(key) or "" for key in ("csv_name", "defaults_name")]
        if not all(isinstance(name, str) for name in names):
            raise HTTPException(400, "csv_name and defaults_name must be text")
        try:
            batch = await run_in_threadpool(batches.start, _upload(data, "csv"), names[0], _upload(data, "defaults"),
                                            names[1], layout, paper)     # counting 8 MB of rows takes a second
        except pharmacy.Busy:
            return JSONResponse({"error": "another batch is running; try again when it is done"}, 503,
                                headers={"retry-after": "30"})
        except pharmacy.TooManyRows as error:
            return JSONResponse({"error": str(error)}, 413)
        except OSError:                   # the memory disk is full: the files could not be laid out
            return JSONResponse({"error": "no room for the batch's files on this server (its memory disk is "
                                          "full); try again later, or a smaller CSV"}, 503,
                                headers={"retry-after": "60"})
        except HandoutError as error:
            return JSONResponse({"error": "the CSV file was refused; fix the problems listed",
                                 "problems": [p.as_dict() for p in error.problems]}, 422)
        return JSONResponse(batch.as_dict(), 202)

    async def batch_status(request: Request) -> Response:
        batch = batches.get(request.path_params["ident"])
        if batch is None:
            raise HTTPException(404, "no such batch (finished batches are kept for 15 minutes, the newest "
                                     f"{pharmacy.KEEP_FINISHED} at most)")
        return JSONResponse(batch.as_dict())

    async def batch_zip(request: Request) -> Response:
        batch = batches.get(request.path_params["ident"])
        if batch is None or not batch.zip:
            raise HTTPException(404, "no such batch, or it is not finished")
        return Response(batch.zip, media_type="application/zip",
                        headers={"content-disposition": 'attachment; filename="handouts.zip"'})

    api_routes = [
        Route("/api/csrf", csrf),
        Route("/api/schema", schema_json),
        Route("/api/check", check, methods=["POST"]),
        Route("/api/render", render, methods=["POST"]),
        Route("/api/preview", preview, methods=["POST"]),
        Route("/api/yaml", to_yaml, methods=["POST"]),
        Route("/api/parse", from_yaml, methods=["POST"]),
        Route("/pharmacy/batches", start_batch, methods=["POST"]),
    ]
    openapi = _openapi(api_routes)

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(openapi)

    routes = [
        Route("/", form_page),
        Route("/pharmacy", pharmacy_page),
        Route("/login", login_page, methods=["GET", "POST"]),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/api/openapi.json", openapi_json),
        *api_routes,
        Route("/pharmacy/batches/{ident}", batch_status),
        Route("/pharmacy/batches/{ident}/zip", batch_zip),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        pool.start()
        yield
        pool.close()
        batches.close()

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: _http_error})
    app.state.pool = pool
    app.state.batches = batches
    app.add_middleware(Guard, keys=keys, max_body=settings.max_body, hosts=settings.hosts)
    return app


def _openapi(routes: list[Route]) -> dict:
    """The API's description: the routes' docstrings, and the bodies they take (the prescription's JSON Schema,
    its $defs as components, or YAML text), so a client or a fuzzer knows what to send."""
    generated = SchemaGenerator({"openapi": "3.1.0", "info": {"title": "handouts", "version": _version()}})
    out = generated.get_schema(routes)
    prescription = json.loads(json.dumps(schema.load()).replace('"#/$defs/', '"#/components/schemas/'))
    out["components"] = {"schemas": {**prescription.pop("$defs"), "Prescription": prescription}}
    yaml_text = {"schema": {"type": "string"}}
    for path in PRESCRIPTION_POSTS:
        out["paths"][path]["post"]["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Prescription"}},
            "application/yaml": yaml_text}}
    out["paths"]["/api/parse"]["post"]["requestBody"] = {"required": True, "content": {"application/yaml": yaml_text}}
    return out


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("handouts")
    except PackageNotFoundError:
        return "0"


async def _http_error(request: Request, error: HTTPException) -> Response:
    return JSONResponse({"error": error.detail}, error.status_code, headers=error.headers)


async def _run(pool: RenderPool, function, *args):
    try:
        return await pool.run(function, *args)
    except Busy:
        raise HTTPException(503, "busy: every worker is rendering; try again shortly",
                            {"retry-after": str(pool.retry_after)}) from None
    except TooSlow:
        raise HTTPException(503, f"the handout took longer than {pool.timeout:g} s",
                            {"retry-after": str(pool.retry_after)}) from None
    except Broken:
        raise HTTPException(503, "the worker rendering this handout stopped (out of memory, or killed); "
                                 "a new one is starting: try again", {"retry-after": str(pool.retry_after)}) from None


def _timing(outcome: jobs.Outcome, started: float) -> str:
    """Server-Timing: the render in its worker (and its CPU time), the whole request in the server (waits included)."""
    return (f"render;dur={outcome.seconds * 1000:.1f}, cpu;dur={outcome.cpu_seconds * 1000:.1f}, "
            f"total;dur={(time.perf_counter() - started) * 1000:.1f}")


def _refused(outcome: jobs.Outcome) -> Response:
    return JSONResponse({"error": "the handout was refused; fix the problems listed",
                         "problems": [p.as_dict() for p in outcome.problems]}, 422)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _options(request: Request, layouts: list[tuple[str, str]], data: dict | None = None) -> tuple[str, str]:
    data = data or {}
    layout = str(data.get("layout") or request.query_params.get("layout") or "standard")
    paper = str(data.get("paper") or request.query_params.get("paper") or "letter").lower()
    if layout not in dict(layouts):
        raise HTTPException(400, f"unknown layout {layout!r}; choose one of: {', '.join(dict(layouts))}")
    if paper not in PAPERS:
        raise HTTPException(400, "paper must be letter or a4")
    return layout, paper


async def _text(request: Request) -> str:
    body = await request.body()
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(400, "the body is not UTF-8 text") from None


async def _json_body(request: Request) -> dict:
    text = await _text(request)
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise HTTPException(400, f"the body is not JSON: {error.msg} at line {error.lineno}") from None
    except (ValueError, RecursionError):      # an integer of thousands of digits; arrays nested thousands deep
        raise HTTPException(400, "the body is not JSON this server reads: a number too long or nesting too deep") \
            from None
    if not isinstance(data, dict):
        raise HTTPException(400, "the body must be a JSON object")
    try:                                      # a lone surrogate (an escape such as \\ud800) is half a character
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise HTTPException(400, "the body has an escape that is half a character (such as \\ud800)") from None
    return data


def _upload(data: dict, key: str) -> bytes:
    """An uploaded file's bytes: ``KEY_base64`` as the browser read the file, or ``KEY`` as text."""
    encoded, text = data.get(key + "_base64") or "", data.get(key) or ""
    if not isinstance(encoded, str) or not isinstance(text, str):
        raise HTTPException(400, f"{key} and {key}_base64 must be text")
    if not encoded:
        return text.encode("utf-8")
    try:
        return base64.b64decode(encoded, validate=True)
    except ValueError:
        raise HTTPException(400, f"{key}_base64 is not base64") from None


def _plain(value):
    """YAML's values as JSON's: keys as text, and as text what JSON has no word for (dates, .nan, binary)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (bool, int, str)) or (isinstance(value, float) and math.isfinite(value)):
        return value
    return str(value)


async def _prescription_text(request: Request) -> str:
    """The body as prescription YAML: YAML is taken as it is, JSON is written out as YAML.

    JSON is held to a YAML file's limits (size, values, depth) before it is written out, since writing
    out millions of values would hold the server for a minute.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in (*YAML_TYPES, "application/json"):
        raise HTTPException(415, "send the prescription as application/json or application/yaml")
    if len(await request.body()) > yamlsource.MAX_BYTES:
        raise HTTPException(413, f"a prescription is at most {yamlsource.MAX_BYTES // 1024} KB")
    if kind in YAML_TYPES:
        return await _text(request)
    data = await _json_body(request)
    _within_limits(data)
    return await run_in_threadpool(yaml.dump, data, Dumper=yamlsource.DUMPER, sort_keys=False, allow_unicode=True,
                                   default_flow_style=False)


def _within_limits(data) -> None:
    """Refuse JSON with more values, or nesting deeper, than a YAML prescription may have."""
    stack, count = [(data, 1)], 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > yamlsource.MAX_NODES or depth > yamlsource.MAX_DEPTH:
            raise HTTPException(413, f"a prescription has at most {yamlsource.MAX_NODES:,} values, nested at most "
                                     f"{yamlsource.MAX_DEPTH} deep")
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((item, depth + 1) for item in items)
