"""The ``ivraudit`` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ivraudit import __version__
from ivraudit.errors import IvrauditError

DEMO_SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "recordings" / "acme-pbx" / "tree.yaml"


class _Group(click.Group):
    """Turns IvrauditError into one clear line on stderr and its exit status."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except IvrauditError as error:
            click.echo(f"ivraudit: error: {error}", err=True)
            sys.exit(error.exit_code)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="ivraudit")
def main() -> None:
    """IVR maze auditor: crawl a phone tree by ear, map it, report how deep the maze goes."""


def _keys(_ctx: click.Context, _param: click.Parameter, value: str) -> frozenset[str]:
    from ivraudit.telephony.constants import DTMF_KEYS

    bad = sorted(set(value) - set(DTMF_KEYS))
    if bad:
        raise click.BadParameter(f"{''.join(bad)!r} are not phone keys (0-9, *, #)")
    return frozenset(value)


def _crawl_options(func):
    options = [
        click.option("--asr", type=click.Choice(["auto", "vosk", "whisper"]), default="auto",
                     show_default=True, help="Speech recognition engine."),
        click.option("--model", type=click.Path(path_type=Path), default=None,
                     help="Speech model folder (a Vosk model, or a CTranslate2 Whisper model)."),
        click.option("--language", default=None, help="Language the prompts are spoken in (en, es, ...)."),
        click.option("--max-depth", type=click.IntRange(1, 50), default=8, show_default=True),
        click.option("--max-calls", type=click.IntRange(1), default=300, show_default=True),
        click.option("--max-call-seconds", type=click.FloatRange(10), default=900.0, show_default=True),
        click.option("--forbid", default="", callback=_keys, help="Keys never to press, e.g. '9#'."),
        click.option("--no-escapes", is_flag=True,
                     help="Do not probe 0, *, #, an invalid key and no input at each menu."),
        click.option("--cache", type=click.Path(path_type=Path), default=None,
                     help="Folder for the transcript cache (default: none)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress lines."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run_crawl(target: str, out: Path, *, asr: str, model: Path | None, language: str | None,
               max_depth: int, max_calls: int, max_call_seconds: float, forbid: frozenset[str],
               no_escapes: bool, cache: Path | None, quiet: bool) -> int:
    from ivraudit.asr import open_recognizer
    from ivraudit.audit.metrics import compute_metrics
    from ivraudit.audit.writer import write_audit
    from ivraudit.crawl.explorer import Explorer
    from ivraudit.crawl.policy import CrawlPolicy
    from ivraudit.lines import open_line

    line = open_line(target)  # a bad spec or WAV fails here, before any call
    language = language or getattr(getattr(line, "spec", None), "language", None) or "en"
    recognizer = open_recognizer(asr, model=model, language=language, cache_dir=cache)
    policy = CrawlPolicy(max_depth=max_depth, max_calls=max_calls,
                         max_call_seconds=max_call_seconds, forbid=forbid,
                         probe_escapes=not no_escapes)
    echo = (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))
    explorer = Explorer(line, recognizer, policy=policy, language=language, progress=echo)
    audit = explorer.crawl()
    report = write_audit(audit, out)
    metrics = compute_metrics(audit)
    tth = metrics["time_to_human_seconds"]
    click.echo(f"{metrics['nodes']} nodes, {metrics['menus']} menus, depth {metrics['max_depth']}, "
               f"{metrics['calls']} calls; time to a human: "
               + (f"{tth:.1f} s (keys {' '.join(metrics['path_to_human'])})" if tth is not None
                  else "no human reached"))
    click.echo(f"report: {report}")
    if not audit.complete:
        click.echo("ivraudit: the crawl is incomplete: " + "; ".join(audit.problems[-3:]), err=True)
        return 1
    return 0


@main.command()
@click.argument("target")
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True,
              help="Audit folder to write (audit.json, graph.graphml, recordings/, report.html).")
@_crawl_options
def crawl(target: str, out: Path, **options) -> None:
    """Crawl TARGET (a tree spec path; sip: URIs come with the SIP line) into an audit folder."""
    sys.exit(_run_crawl(target, out, **options))


@main.command()
@click.option("--out", "-o", type=click.Path(path_type=Path), default=Path("demo-audit"),
              show_default=True)
@_crawl_options
def demo(out: Path, **options) -> None:
    """Crawl the bundled demo tree end to end and write its report."""
    if not DEMO_SPEC.exists():
        raise click.ClickException(f"demo tree not found at {DEMO_SPEC}; run from a checkout "
                                   "installed with `pip install -e .`")
    sys.exit(_run_crawl(str(DEMO_SPEC), out, **options))


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
def report(folder: Path) -> None:
    """Re-render FOLDER/report.html from FOLDER/audit.json."""
    import json

    from ivraudit.report import render_report

    try:
        document = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{folder / 'audit.json'}: cannot read ({exc})") from None
    (folder / "report.html").write_text(render_report(document), encoding="utf-8")
    click.echo(f"report: {folder / 'report.html'}")


@main.group()
def models() -> None:
    """List and download Vosk speech models."""


@models.command("list")
def models_list() -> None:
    """Official Vosk models: name, language, size, and whether it is in the cache."""
    from ivraudit.asr.models import list_models

    for entry in list_models():
        mark = "*" if entry.installed else " "
        click.echo(f"{mark} {entry.name:40s} {entry.language:8s} {entry.size / 1e6:8.0f} MB")


@models.command("download")
@click.argument("name")
def models_download(name: str) -> None:
    """Download, verify and unpack the Vosk model NAME into the model cache."""
    from ivraudit.asr.models import download_model

    with click.progressbar(length=1, label=f"downloading {name}") as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        path = download_model(name, progress=progress)
    click.echo(f"model ready: {path}  (use: --asr vosk --model {path})")
