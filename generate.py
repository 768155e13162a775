"""The ``handout`` command line: parse arguments, call the library, report.

Exit codes: 0 done, 1 the input was refused (the message says why and how to
fix it), 2 usage error.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import click

from handouts import naming  # light: the library (reportlab) is imported by the commands that render
from handouts.errors import HandoutError, OutputError, PrescriptionError
from handouts.output import io_error, not_an_input, remove_stale_parts, write_output, write_stdout

PAPERS = click.Choice(["letter", "a4"], case_sensitive=False)


def _check_layout(layout: str) -> None:
    """An unknown --layout is a usage error that lists the layouts (imported: the render needs them)."""
    from handouts import layouts

    names = layouts.available()
    if layout not in names:
        raise click.BadParameter(f"{layout!r}; choose one of: {', '.join(names)}", param_hint="--layout")


content_option = click.option("--content", "content_dir", type=click.Path(exists=True, file_okay=False),
                              help="A clinic's own content folder; its files replace the built-in ones.")
strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
language_option = click.option("--language", help="Write the handout in this language (en-US, en-GB, es, or one "
                                "in the --content folder), whatever the prescription's patient.language says.")
paper_option = click.option("--paper", type=PAPERS, help="Paper size (default: the language's; letter for en-US, "
                            "A4 for en-GB).")
defaults_option = click.option("--defaults", type=click.Path(exists=True, dir_okay=False),
                               help="YAML with what a bare FHIR MedicationRequest (or CSV row) lacks: "
                                    "prescriber, needle…")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="handouts")
def cli() -> None:
    """Turn a prescription file into a personalized patient handout PDF."""


@cli.command()
@click.argument("prescription", type=click.Path(dir_okay=True, path_type=Path))
@click.option("-o", "--output", required=True, help="The PDF to write, or - for standard output.")
@click.option("--layout", default="standard", show_default=True, help="See 'handout layouts'.")
@paper_option
@language_option
@click.option("--password", envvar="HANDOUT_PASSWORD", help="Protect the PDF with this password (AES-256); "
              "printing and screen readers still work. Also read from HANDOUT_PASSWORD.")
@defaults_option
@content_option
@strict_option
def generate(prescription: Path, output: str, layout: str, paper: str | None, language: str | None,
             password: str | None, defaults: str | None, content_dir: str | None, strict: bool) -> None:
    """Make the handout for one PRESCRIPTION file (YAML, or FHIR R4 JSON: a Bundle or a MedicationRequest)."""
    _check_layout(layout)
    if password is not None and not password:
        raise click.BadParameter("the password is empty; give one, or leave out --password for an unprotected file",
                                 param_hint="--password")
    from handouts import api

    _not_an_input(output, prescription, defaults)
    _check_language(language, content_dir)
    try:
        result = api.generate(prescription, layout, paper and paper.lower(), content_dir, strict, defaults=defaults,
                              language=language)
    except HandoutError as error:
        click.echo(str(error), err=True)
        _refuse(f"{prescription}: no handout written.")
    except Exception as error:  # a fault of ours, not of the input: say so, without a traceback
        _refuse(f"{prescription}: internal error while making the handout ({type(error).__name__}: "
                f"{str(error)[:200]}); no handout written. The prescription may be fine; please report this.")
    for warning in result.warnings:
        click.echo(warning.format(), err=True)
    if password:
        from handouts import protect  # loads the crypto library only when asked
        pdf = protect.encrypt(result.pdf, password)
    else:
        pdf = result.pdf
    path = _deliver(output, pdf, f"{prescription}: no handout written.")
    if path:
        click.echo(f"wrote {path} ({len(pdf) // 1024 + 1} KB)", err=True)


def _check_language(language: str | None, content_dir: str | None) -> None:
    """A --language the library has no text for is a usage error, not an English handout."""
    if language is None:
        return
    from handouts import context

    try:
        lib = context.default(content_dir).library
    except HandoutError as error:        # the content folder itself is broken
        click.echo(str(error), err=True)
        sys.exit(1)
    if lib.language(language) is None:
        raise click.BadParameter(f"{language!r}; choose one of: {', '.join(sorted(lib.texts))}",
                                 param_hint="--language")


def _not_an_input(output: str, *inputs) -> None:
    """An output that is one of the command's own inputs (``-o rx.yaml``) is refused before any work."""
    if not output:
        raise click.BadParameter("the file name is empty; give the PDF to write, or - for standard output",
                                 param_hint="-o")
    try:
        not_an_input(output, inputs)
    except OutputError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


def _deliver(output: str, data: bytes, refusal: str) -> Path | None:
    """Write to standard output or atomically to a file; an I/O failure exits 1 with ``refusal``.

    Stale hidden ``.part`` files of killed runs in the target folder are removed first:
    they may hold patient data.
    """
    if output == "-":
        write_stdout(data)
        return None
    try:
        remove_stale_parts(Path(output).parent)
        return write_output(output, data)
    except OutputError as error:
        click.echo(f"{error}\n{refusal}", err=True)
    except OSError as error:
        click.echo(f"{io_error(output, error)}\n{refusal}", err=True)
    sys.exit(1)


def _refuse(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@defaults_option
@content_option
@strict_option
def check(files: tuple[Path, ...], fmt: str, defaults: str | None, content_dir: str | None, strict: bool) -> None:
    """Validate prescription FILES (YAML or FHIR R4 JSON) without rendering (exit 1 if any has an error)."""
    from handouts import api

    try:
        report = api.check_many(files, content_dir, strict, defaults=defaults)
    except HandoutError as error:        # the content folder itself is broken
        click.echo(str(error), err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        for problem in report.problems:
            click.echo(problem.format())
        click.echo(report.summary())
    sys.exit(1 if report.failed else 0)


@cli.command(name="batch")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the handouts (created if needed).")
@click.option("--defaults", type=click.Path(exists=True, dir_okay=False),
              help="YAML with the fields every CSV row shares (prescriber, medication…).")
@click.option("--merge", type=click.Path(dir_okay=False), help="Also write one print-ready PDF of the whole batch.")
@click.option("--workers", type=click.IntRange(1, 64), help="Parallel processes (default: the CPU count).")
@click.option("--layout", default="standard", show_default=True, help="See 'handout layouts'.")
@paper_option
@language_option
@click.option("--name", "template", default=naming.DEFAULT_TEMPLATE, show_default=True,
              help="File name template; fields: " + ", ".join(f"{{{f}}}" for f in naming.FIELDS) + ".")
@click.option("--collisions", type=click.Choice(naming.COLLISIONS), default="suffix", show_default=True,
              help="When a name is taken: add -2, -3…; refuse; or replace a different file left by an "
                   "earlier run. Two handouts of one batch never replace each other.")
@click.option("--report", type=click.Path(dir_okay=False),
              help="Where to write the CSV report (default: OUTPUT/report.csv).")
@content_option
@strict_option
def batch_command(inputs, outdir, defaults, merge, workers, layout, paper, language, template, collisions, report,
                  content_dir, strict):
    """Make handouts for many prescriptions: files, folders, globs or a CSV manifest (INPUTS)."""
    from handouts import batch

    signal.signal(signal.SIGTERM, _stop)     # a kill stops cleanly, like Ctrl-C
    _check_layout(layout)
    try:
        naming.check_template(template)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--name") from None
    _check_language(language, content_dir)
    options = batch.Options(layout, paper and paper.lower(), content_dir, strict, template, collisions, language)
    bar = None
    if sys.stderr.isatty():
        bar = click.progressbar(length=1, label="handouts", file=sys.stderr, show_pos=True)

    def progress(outcome):
        if bar is not None:
            bar.update(1)

    try:
        result = batch.run(inputs, outdir, options, workers=workers, defaults=defaults, merge=merge,
                           report=report, progress=progress, on_count=_bar_length(bar))
    except (PrescriptionError, OutputError) as error:   # the defaults file is broken, or no output can be written
        click.echo(str(error), err=True)
        sys.exit(1)
    except OSError as error:                             # the disk filled up or went away during the batch
        click.echo(str(io_error(error.filename or outdir, error)), err=True)
        sys.exit(1)
    finally:
        if bar is not None:
            bar.render_finish()
    for outcome in result.failed:
        for problem in outcome.problems:
            click.echo(problem.format(), err=True)
    click.echo(result.summary(), err=True)
    sys.exit(0 if result.ok else 1)


def _stop(signum, frame):
    raise KeyboardInterrupt


def _bar_length(bar):
    def set_length(total: int) -> None:
        if bar is not None:
            bar.length = total
    return set_length


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --token, and TLS in a reverse proxy.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--token", envvar="HANDOUT_TOKEN", help="Access token the browser or API client must give. "
              "Required off loopback. Also read from HANDOUT_TOKEN (keeps it out of the process list).")
@click.option("--workers", type=click.IntRange(1, 64), help="Render processes (default: the CPU count).")
@click.option("--queue", type=click.IntRange(0, 10_000), help="Renders waiting beyond those running before the "
              "server answers 503 (default: 2 per worker).")
@click.option("--max-body", type=click.IntRange(1024), default=8 * 2**20, show_default=True,
              help="Largest request in bytes (413 beyond).")
@click.option("--max-rows", type=click.IntRange(1), default=5000, show_default=True,
              help="Most prescriptions in one pharmacy upload.")
@click.option("--render-timeout", type=click.FloatRange(0.1), default=30.0, show_default=True,
              help="Seconds one handout may take (503 beyond).")
@content_option
def serve(host, port, token, workers, queue, max_body, max_rows, render_timeout, content_dir):
    """Start the clinic web app (form, preview, pharmacy batch, JSON API)."""
    from handouts.web import server

    try:
        server.check_bind(host, token)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    settings = server.Settings(token=token or "", workers=workers, queue=queue, max_body=max_body,
                               max_rows=max_rows, render_timeout=render_timeout, content_dir=content_dir)
    for line in server.warnings(host):
        click.echo(line, err=True)
    server.run(settings, host, port)


@cli.command()
@click.argument("prescription", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "target", type=click.Choice(["fhir", "yaml"]), required=True,
              help="fhir: a FHIR R4 Bundle (JSON); yaml: the prescription format.")
@click.option("-o", "--output", default="-", show_default=True, help="The file to write, or - for standard output.")
@defaults_option
@content_option
def convert(prescription: Path, target: str, output: str, defaults: str | None, content_dir: str | None) -> None:
    """Write PRESCRIPTION (YAML or FHIR) in another format; the handout it makes stays the same."""
    from handouts.fhir import convert as converting

    _not_an_input(output, prescription, defaults)
    try:
        text = converting.convert(prescription, target, content_dir, defaults)
    except PrescriptionError as error:
        click.echo(str(error), err=True)
        click.echo(f"{prescription}: not converted.", err=True)
        sys.exit(1)
    path = _deliver(output, text.encode("utf-8"), f"{prescription}: not converted.")
    if path:
        click.echo(f"wrote {path}", err=True)


@cli.command(name="layouts")
def list_layouts() -> None:
    """List the layouts."""
    from handouts import layouts

    for name, description in layouts.described().items():
        click.echo(f"{name:<12} {description}")


@cli.command()
@content_option
def medications(content_dir: str | None) -> None:
    """List the medications in the content library and their routes."""
    from handouts import content

    lib = content.load(content_dir)
    for ident, med in lib.medications.items():
        routes = ", ".join(med.get("routes", {}))
        off = ", ".join(med.get("off_label_routes", {}) or {})
        strengths = ", ".join(med.get("strengths", []))
        line = f"{ident:<18} {med.get('display_name', ident)} · {strengths} · routes: {routes}"
        click.echo(line + (f" · off-label only: {off}" if off else ""))


@cli.command(name="schema")
def print_schema() -> None:
    """Print the JSON Schema of the prescription format."""
    from handouts import schema

    click.echo(json.dumps(schema.load(), indent=2, ensure_ascii=False))


def main() -> None:
    cli(prog_name="handout")


if __name__ == "__main__":
    main()
