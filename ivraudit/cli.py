"""The ``ivraudit`` command line."""

from __future__ import annotations

import faulthandler
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ivraudit import __version__
from ivraudit.errors import IvrauditError
from ivraudit.shutdown import GracefulStop

if TYPE_CHECKING:  # the crawl and the SIP stack load only when a command needs them
    from ivraudit.crawl.pacing import Pacer
    from ivraudit.crawl.strategy import CrawlStrategy
    from ivraudit.lines.sip import SipAccount

SIP_MEASURED_CONCURRENCY = 8
"""Most calls at once bench/sip_concurrency.py has crawled over SIP with exact maps and no late
keys (2 cores, whisper tiny.en)."""
DEMO_SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "recordings" / "acme-pbx" / "tree.yaml"
BUILTIN_APOLOGY = "builtin"
"""``--courtesy-message`` without a file: ivraudit/sounds/apology.wav (see its CREDITS.md)."""
APOLOGY_MAX_SECONDS = 10.0
"""An apology longer than this keeps a person on the line for it: refused (exit 2)."""


class _Group(click.Group):
    """Turns IvrauditError into one clear line on stderr and its exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except IvrauditError as error:
            click.echo(f"ivraudit: error: {error}", err=True)
            sys.exit(error.exit_code)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="ivraudit")
def main() -> None:
    """IVR maze auditor: crawl a phone tree by ear, map it, report how deep the maze goes."""
    if sys.stderr is not None and not faulthandler.is_enabled():
        # a crash in native code (speech engine, codecs) says where, in every thread
        faulthandler.enable(file=sys.stderr)


def _keys(_ctx: click.Context, _param: click.Parameter, value: str) -> frozenset[str]:
    from ivraudit.telephony.constants import DTMF_KEYS

    bad = sorted(set(value) - set(DTMF_KEYS))
    if bad:
        raise click.BadParameter(f"{''.join(bad)!r} are not phone keys (0-9, *, #)")
    return frozenset(value)


def _strategy(_ctx: click.Context, _param: click.Parameter, value: str):
    from ivraudit.crawl.strategy import CrawlStrategy

    if value == "auto":
        return None  # chosen by the line in _run_crawl
    try:
        return CrawlStrategy.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _checked(check_name: str):
    """A click callback that hands a given value to ``ivraudit.crawl.pacing.<check_name>``,
    whose ValueError becomes click's bad parameter (exit 2)."""
    def callback(_ctx: click.Context, _param: click.Parameter, value):
        if value is None:
            return None
        from ivraudit.crawl import pacing

        try:
            return getattr(pacing, check_name)(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None
    return callback


def _pacer(calls_per_hour: int | None, min_gap: float | None, quiet_hours: str | None,
           timezone: str | None) -> Pacer | None:
    """The politeness limits' pacer (ivraudit.crawl.pacing); None when none is asked for."""
    from ivraudit.crawl.pacing import Limits, Pacer
    from ivraudit.crawl.quiet import QuietHours

    if (quiet_hours is None) != (timezone is None):
        raise click.UsageError("--quiet-hours and --timezone go together: quiet hours are "
                               "read on the line owner's clock (e.g. --quiet-hours "
                               "20:00-08:00 --timezone Europe/Paris)")
    try:
        quiet = QuietHours.parse(quiet_hours, timezone) if quiet_hours and timezone else None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    limits = Limits(calls_per_hour, min_gap, quiet)
    return Pacer(limits) if limits.active else None


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
        click.option("--max-hold", type=click.FloatRange(1), default=900.0, show_default=True,
                     help="Seconds a queue is waited on (music, ringback or silence) for someone "
                          "to answer, as a patient caller would."),
        click.option("--max-wrong-keys", type=click.IntRange(1, 10), default=4, show_default=True,
                     help="Wrong keys pressed in a row at a menu to find its invalid-entry "
                          "limit (1: press one only; limits above this are not found)."),
        click.option("--forbid", default="", callback=_keys, help="Keys never to press, e.g. '9#'."),
        click.option("--no-escapes", is_flag=True,
                     help="Do not probe 0, *, #, an invalid key and no input at each menu."),
        click.option("--strategy", default="auto", show_default=True, callback=_strategy,
                     help="How to spend line time: all, naive (one probe per call, every prompt "
                          "heard in full), or a comma list of typeahead, reuse, hangup. auto: all "
                          "on a replay; reuse,hangup on SIP, where typing ahead is tested against "
                          "fixed delays up to 0.3 s but not yet against real lines' jitter."),
        click.option("--concurrency", type=click.IntRange(1, 16), default=1, show_default=True,
                     help="Calls at once, sharing one frontier and one speech model. One call "
                          "costs the least line time; over SIP, 2 to 8 are measured safe on 2 "
                          "cores (bench/sip_concurrency.py: no RTP lost, keys never late by "
                          "more than 0.04 s, exact maps) and shorten a crawl at the price of "
                          "more line time."),
        click.option("--calls-per-hour", type=int, default=None, callback=_checked("check_calls_per_hour"),
                     help="Politeness: at most this many calls start in any hour (all lanes "
                          "together). On a replay the line clock moves on instead of waiting."),
        click.option("--min-gap", type=float, default=None, callback=_checked("check_min_gap"),
                     metavar="SECONDS", help="Politeness: seconds between the starts of two "
                                             "calls to the target (up to a day)."),
        click.option("--quiet-hours", default=None, metavar="HH:MM-HH:MM",
                     help="No call starts in these hours of --timezone (e.g. 20:00-08:00)."),
        click.option("--timezone", default=None, metavar="ZONE",
                     help="The line owner's time zone for --quiet-hours (IANA, e.g. Europe/Paris)."),
        click.option("--max-human-calls", type=click.IntRange(0), default=3, show_default=True,
                     help="Courtesy: once this many calls have reached a person, a queue the "
                          "crawl knows is no longer waited through for its answer (new queues "
                          "still are: their person must be mapped)."),
        click.option("--stay-with-people", is_flag=True,
                     help="Hear a person who answers to the end of what they say, as before "
                          "issue 17, instead of hanging up once their first words are known."),
        click.option("--courtesy-message", is_flag=False, flag_value=BUILTIN_APOLOGY,
                     default=None, metavar="[WAV]",
                     help="Say a short apology to a person before hanging up on them: the "
                          "WAV given, or without one a recorded 'Sorry, this is an automated "
                          f"test call. Goodbye.' (at most {APOLOGY_MAX_SECONDS:g} s)."),
        click.option("--cache", type=click.Path(path_type=Path), default=None,
                     help="Folder for the transcript cache (default: none)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress lines."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run_crawl(target: str, out: Path, *, asr: str, model: Path | None, language: str | None,
               max_depth: int, max_calls: int, max_call_seconds: float, max_hold: float,
               forbid: frozenset[str], max_wrong_keys: int = 4,
               no_escapes: bool, cache: Path | None, quiet: bool, strategy: CrawlStrategy | None,
               concurrency: int = 1, calls_per_hour: int | None = None,
               min_gap: float | None = None, quiet_hours: str | None = None,
               timezone: str | None = None, max_human_calls: int = 3,
               stay_with_people: bool = False, courtesy_message: str | None = None,
               account: SipAccount | None = None, resume: bool = False) -> int:
    from ivraudit.asr import DECODE_THREADS, open_recognizer
    from ivraudit.audit.destination import check_destination
    from ivraudit.audit.metrics import compute_metrics
    from ivraudit.audit.writer import write_audit
    from ivraudit.crawl.explorer import Explorer
    from ivraudit.crawl.policy import CrawlPolicy
    from ivraudit.lines import open_line
    from ivraudit.lines.journal import JournalLine
    from ivraudit.report.files import write_report

    pacer = _pacer(calls_per_hour, min_gap, quiet_hours, timezone)  # bad limits: exit 2
    apology = _apology(courtesy_message)  # a missing, bad or long WAV: exit 2
    check_destination(out)  # an unusable --out is refused before anything is dialled
    with GracefulStop() as stop:  # SIGTERM stops the crawl as Ctrl-C does (ivraudit.shutdown)
        try:
            line = open_line(target, account=account)  # bad spec/WAV/registration fail here
        except KeyboardInterrupt:
            return _stopped_before_calling(stop)
        try:
            language = language or getattr(getattr(line, "spec", None), "language", None) or "en"
            if strategy is None:
                from ivraudit.crawl.strategy import CrawlStrategy

                strategy = CrawlStrategy.parse("all" if line.virtual_clock else "reuse,hangup")
            journal = _open_journal(out, target, line, resume, {  # what decides what is asked
                "strategy": strategy.name, "concurrency": concurrency, "max_depth": max_depth,
                "max_call_seconds": max_call_seconds, "max_hold": max_hold,
                "max_wrong_keys": max_wrong_keys, "forbid": "".join(sorted(forbid)),
                "no_escapes": no_escapes, "max_human_calls": max_human_calls,
                "stay_with_people": stay_with_people, "courtesy_message": courtesy_message,
                "language": language, "asr": asr, "model": str(model) if model else None})
            threads = DECODE_THREADS if line.virtual_clock or concurrency == 1 else 1
            recognizer = open_recognizer(asr, model=model, language=language,
                                         cache_dir=cache or journal.transcripts, cpu_threads=threads)
            if account is not None:
                recognizer.load()  # a live line does not wait: load the model before the IVR answers
            policy = CrawlPolicy(max_depth=max_depth, max_calls=max_calls,
                                 max_call_seconds=max_call_seconds, max_hold=max_hold,
                                 max_wrong_keys=max_wrong_keys, forbid=forbid,
                                 probe_escapes=not no_escapes, courtesy=not stay_with_people,
                                 max_human_calls=max_human_calls)
            echo = (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))
            if concurrency > SIP_MEASURED_CONCURRENCY and not line.virtual_clock:
                click.echo(f"warning: {concurrency} calls at once over SIP is more than was "
                           f"measured ({SIP_MEASURED_CONCURRENCY}, bench/sip_concurrency.py): "
                           "keys may go in late", err=True)
            journal.start()  # every call journalled from here on (ivraudit.lines.journal)
            if resume:
                echo(f"resuming: {journal.recorded} calls from {journal.path} are replayed, "
                     "not dialled")
            line = JournalLine(line, journal, echo)
            if pacer is not None and resume and not line.virtual_clock:
                pacer.seed(line.dial_times())  # the first part's calls count against the limits
            explorer = Explorer(line, recognizer, policy=policy, strategy=strategy,
                                language=language, concurrency=concurrency, progress=echo,
                                pacer=pacer, apology=apology)
            explorer.audit.started = journal.started  # a resumed crawl began when its first part did
            if line.virtual_clock:  # and its calls' start stamps are its first part's line clock
                explorer.gate.set_origin(journal.origin)
            audit = explorer.crawl()  # returns what it learned when interrupted
        except KeyboardInterrupt:  # before the first call: nothing learned, nothing to write
            return _stopped_before_calling(stop)
        finally:
            stop.hold()   # from here on a signal waits: hang up, deregister, write
            line.close()  # a SIP line hangs up, takes its registration back, closes its sockets
        _line_problems(audit, line)
        if journal.failed:  # the crawl went on; only a later resume would dial more again
            audit.problems.append(f"journal: {journal.failed}")
        if stop.signal_name:
            audit.complete = False
            audit.problems.append(f"stopped by {stop.signal_name}")
        report = write_report(out, write_audit(audit, out))
    if resume and isinstance(line, JournalLine):
        click.echo(f"resumed: {line.replayed} calls from the journal, {line.dialled} dialled",
                   err=True)
    metrics = compute_metrics(audit)
    tth = metrics["time_to_human_seconds"]
    keys = metrics["path_to_human"] or []
    assert isinstance(keys, list)
    click.echo(f"{metrics['nodes']} nodes, {metrics['menus']} menus, depth {metrics['max_depth']}, "
               f"{metrics['calls']} calls; time to a human: "
               + (f"{tth:.1f} s (keys {' '.join(map(str, keys))})" if tth is not None
                  else "no human reached"))
    click.echo(f"report: {report}")
    if not audit.complete:
        click.echo("ivraudit: the crawl is incomplete: " + "; ".join(audit.problems[-3:]), err=True)
        return 1
    return 0


def _apology(message: str | None):
    """The audio ``--courtesy-message`` says (ivraudit.crawl.people): the bundled apology,
    or the user's WAV; None without the option. A file that is not a readable WAV, or an
    apology longer than ``APOLOGY_MAX_SECONDS``, is bad input (exit 2)."""
    if message is None:
        return None
    from ivraudit.errors import AudioError, quote
    from ivraudit.telephony.constants import SAMPLE_RATE
    from ivraudit.telephony.wav import read_telephone_audio

    path = Path(__file__).resolve().parent / "sounds" / "apology.wav" \
        if message == BUILTIN_APOLOGY else Path(message)
    audio = read_telephone_audio(path)
    if len(audio) > APOLOGY_MAX_SECONDS * SAMPLE_RATE:
        raise AudioError(f"--courtesy-message {quote(str(path))}: "
                         f"{len(audio) / SAMPLE_RATE:.1f} s is too long for an apology "
                         f"(at most {APOLOGY_MAX_SECONDS:g} s)")
    return audio


def _open_journal(out: Path, target: str, line, resume: bool, options: dict[str, object]):
    """The crawl's journal in ``out/journal`` (ivraudit.lines.journal_store): with ``resume``
    the one an interrupted crawl left, refused (exit 2) when it is another crawl's; else a new
    one, whose files replace the old only once the crawl starts."""
    from datetime import datetime, timezone

    from ivraudit.lines.journal_store import Journal, crawl_header

    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = crawl_header(target, getattr(line, "spec", None), __version__, options, started)
    journal = Journal.open(out / "journal", header, resume=resume)
    if not resume and journal.unfinished(out / "audit.json"):
        click.echo(f"ivraudit: note: {out} holds the journal of a crawl that did not finish; "
                   "this crawl starts anew and replaces it (--resume would have gone on)", err=True)
    return journal


def _line_problems(audit, line) -> None:
    """What the line saw go wrong on the wire that no single prompt shows (a SIP line's
    ``problems``: RTP from strangers ignored, audio lost to a flood); audio lost leaves the
    audit incomplete, since what was heard on that call is not what the line said."""
    audit.problems += getattr(line, "problems", [])
    if getattr(line, "lost_audio", False):
        audit.complete = False


def _stopped_before_calling(stop: GracefulStop) -> int:
    click.echo(f"ivraudit: stopped by {stop.signal_name or 'an interrupt'} before the first call: "
               "nothing learned, nothing written", err=True)
    return 1


@main.command()
@click.argument("target")
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True,
              help="Audit folder to write (audit.json, graph.graphml, recordings/, report.html).")
@_crawl_options
@click.option("--account", "account_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="SIP account settings (TOML); IVRAUDIT_SIP_* variables override "
                                 "it. Passwords come from IVRAUDIT_SIP_PASSWORD or a prompt.")
@click.option("--dtmf", type=click.Choice(["auto", "rfc4733", "inband"]), default=None,
              help="How keys are sent on SIP lines (default: auto = RFC 4733 when the far end "
                   "accepts telephone-events, else in-band tones).")
@click.option("--ask-password", is_flag=True, help="Prompt for the SIP password (not echoed).")
@click.option("--resume", is_flag=True,
              help="Continue the interrupted crawl whose journal is in --out (same TARGET and "
                   "options): its calls are replayed from the journal, not dialled again.")
def crawl(target: str, out: Path, account_file: Path | None, dtmf: str | None, ask_password: bool,
          resume: bool, **options) -> None:
    """Crawl TARGET (a tree spec path, or sip:NUMBER@HOST[:PORT]) into an audit folder."""
    account = None
    if target.startswith(("sip:", "sips:")):
        account = _sip_account(account_file, dtmf, ask_password)
    elif account_file or dtmf or ask_password:
        raise click.UsageError("--account, --dtmf and --ask-password are for sip: targets")
    sys.exit(_run_crawl(target, out, account=account, resume=resume, **options))


def _sip_account(account_file: Path | None, dtmf: str | None, ask_password: bool):
    """The SIP account: file, then environment, then (if asked, or a registrar needs one and
    a terminal is there) a hidden password prompt."""
    from ivraudit.lines.sip import Secret, load_account

    account = load_account(account_file)
    if dtmf:
        account.dtmf = dtmf
    if not account.password and (ask_password or (account.registrar and sys.stdin.isatty())):
        account.password = Secret(click.prompt(f"SIP password for {account.auth_user or account.user}",
                                               hide_input=True, default="", show_default=False))
    return account


@main.command()
@click.option("--out", "-o", type=click.Path(path_type=Path), default=Path("demo-audit"),
              show_default=True)
@_crawl_options
@click.option("--sip", "over_sip", is_flag=True,
              help="Start the IVR simulator on 127.0.0.1 and crawl it over real SIP and RTP.")
@click.option("--real-time", is_flag=True,
              help="With --sip: the simulator plays in real time (the demo tree takes ~40 min) "
                   "instead of pacing itself by the crawler's listening.")
def demo(out: Path, over_sip: bool, real_time: bool, **options) -> None:
    """Crawl the bundled demo tree end to end and write its report."""
    if not DEMO_SPEC.exists():
        raise click.ClickException(f"demo tree not found at {DEMO_SPEC}; run from a checkout "
                                   "installed with `pip install -e .`")
    if not over_sip:
        sys.exit(_run_crawl(str(DEMO_SPEC), out, **options))
    from ivraudit.lines.sip import SipAccount
    from ivraudit.simulator import Simulator
    from ivraudit.spec import load_spec

    spec = load_spec(DEMO_SPEC)
    options["language"] = options["language"] or spec.language
    with Simulator(spec, paced=not real_time) as sim:
        click.echo(f"simulator: {sim.uri()} playing {spec.name!r} "
                   + ("in real time" if real_time else "paced by the crawler"), err=True)
        sys.exit(_run_crawl(sim.uri(), out, account=SipAccount(pace_by_reading=not real_time),
                            **options))


@main.command()
@click.argument("spec_path", metavar="SPEC", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=5060, show_default=True,
              help="SIP port (UDP); 0 picks a free one.")
@click.option("--speed", type=click.FloatRange(0.1, 64), default=1.0, show_default=True,
              help="Play this many times faster than real time (for tests).")
@click.option("--paced", is_flag=True,
              help="Keep at most 40 ms ahead of the caller's RTP clock (never slower than "
                   "--speed): as fast as a caller that sends a frame per frame it reads.")
@click.option("--auth-user", default=None,
              help="Require digest authentication for REGISTER and INVITE as this user; the "
                   "password comes from IVRAUDIT_SIMULATOR_PASSWORD.")
@click.option("--no-telephone-events", is_flag=True,
              help="Refuse RFC 4733 in the SDP answer: callers must send keys in band.")
def simulate(spec_path: Path, host: str, port: int, speed: float, paced: bool,
             auth_user: str | None, no_telephone_events: bool) -> None:
    """Answer SIP calls with the tree SPEC, played over RTP (Ctrl-C stops).

    Test numbers: busy (486), not-found (404), forbidden (403), declined (603), no-answer,
    no-media, hangup-after-SECONDS; any other number plays the tree.
    """
    import os
    import time

    from ivraudit.simulator import Simulator
    from ivraudit.spec import load_spec
    from ivraudit.telephony.digest import DigestChallenger

    spec = load_spec(spec_path)
    auth = None
    if auth_user:
        password = os.environ.get("IVRAUDIT_SIMULATOR_PASSWORD")
        if not password:
            raise click.UsageError("--auth-user needs IVRAUDIT_SIMULATOR_PASSWORD in the environment")
        auth = DigestChallenger("ivraudit", auth_user, password)

    def show(trace) -> None:
        keys = "".join(k for _, k, _ in trace.keys)
        click.echo(f"call {trace.number}: {trace.mode}, ended by {trace.ended_by or '?'}, "
                   f"{trace.frames_sent * 0.02:.1f} s sent, keys {keys or '-'}, "
                   f"{trace.late_frames} frames late (max {trace.max_late_ms:.0f} ms)")

    try:
        sim = Simulator(spec, host, port, speed=speed, auth=auth, paced=paced,
                        events=not no_telephone_events, on_trace=show).start()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    click.echo(f"simulating {spec.name!r} on sip:ivr@{sim.host}:{sim.port} (UDP)"
               + (f" at {speed:g}x" if speed != 1 else "") + "; Ctrl-C stops")
    try:
        with GracefulStop(notify=lambda message: None):  # SIGTERM too: callers get their BYE
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


@main.command()
@click.argument("folders", nargs=-1, required=True,
                type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--compare", is_flag=True,
              help="Rank the audits side by side on one page (written to -o) instead of "
                   "re-rendering each folder's report.html.")
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="With --compare: the page to write (default: compare.html).")
@click.option("--link-audio", is_flag=True,
              help="Link recordings/ beside the report instead of embedding the audio.")
def report(folders: tuple[Path, ...], compare: bool, out: Path | None, link_audio: bool) -> None:
    """Re-render FOLDER/report.html from FOLDER/audit.json, or compare several audits:
    ivraudit report DIR1 DIR2 ... --compare -o FILE."""
    from ivraudit.report.files import rerender, write_compare

    if out is not None and not compare:
        raise click.UsageError("-o/--out goes with --compare (each report is FOLDER/report.html)")
    if compare:
        page = write_compare(list(folders), out or Path("compare.html"))
        click.echo(f"comparison of {len(folders)} audits: {page}")
        return
    for folder in folders:
        click.echo(f"report: {rerender(folder, embed_audio=not link_audio)}")


@main.command()
@click.argument("audit", type=click.Path(path_type=Path))
@click.option("--to", "dest", type=click.Path(path_type=Path), required=True,
              help="Folder for the frozen tree (tree.yaml and prompts/).")
@click.option("--force", is_flag=True,
              help="Write into a non-empty folder (one with an earlier frozen tree needs none).")
def freeze(audit: Path, dest: Path, force: bool) -> None:
    """Freeze the audit folder AUDIT into a tree spec that replays with no call."""
    from ivraudit.regress.freeze import freeze as freeze_audit

    result = freeze_audit(audit, dest, force=force)
    for warning in result.warnings:
        click.echo(f"ivraudit: note: {warning}", err=True)
    click.echo(f"{result.nodes} nodes frozen (gap {result.gap:.2f} s): {result.spec_path}")
    click.echo(f"replay: ivraudit crawl {result.spec_path} --out AUDIT")


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
@click.option("--ignore", multiple=True, metavar="KIND",
              help="A change kind to accept (repeatable, or comma-separated), e.g. "
                   "prompt-rerecorded.")
@click.option("--tolerance", type=click.FloatRange(0), default=2.0, show_default=True,
              help="Seconds by which times may differ and still count as the same.")
def diff(old: Path, new: Path, as_json: bool, ignore: tuple[str, ...], tolerance: float) -> None:
    """Compare two audit folders. Exit 0: unchanged, 1: changed, 2: bad input.

    \b
    Change kinds (for --ignore):
      prompt-reworded prompt-rerecorded option-added option-removed option-rekeyed
      option-retargeted handling-changed node-added node-removed node-moved kind-changed
      hold-changed dead-end-added dead-end-removed loop-added loop-removed time-to-human depth
    """
    import json

    from ivraudit.regress.diff import diff_audits, format_diff
    from ivraudit.audit.reader import read_audit

    kinds = [k.strip() for item in ignore for k in item.split(",") if k.strip()]
    audits = [read_audit(old, missing_audio_ok=True), read_audit(new, missing_audio_ok=True)]
    for loaded in audits:
        for note in loaded.notes:  # without a recording, that prompt is matched by its words
            click.echo(f"ivraudit: note: {loaded.folder}: {note}", err=True)
    result = diff_audits(*audits, ignore=kinds, tolerance=tolerance)
    click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False) if as_json
               else format_diff(result))
    sys.exit(result.exit_code)


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
