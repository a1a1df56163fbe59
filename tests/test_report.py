"""The HTML report and the comparison page: rendered from audit documents, then opened in a
real headless Chromium (Debian's ``/usr/bin/chromium``, driven by playwright, a fresh profile
per module) the way a reader opens them.

The browser tests crawl each bundled tree once (three CLI crawls at the same time, real
replay line and whisper tiny.en), check the page loads with no console error, click a node and
read its details, and save screenshots in ``tests/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ivraudit.audit.document import AuditDoc
from ivraudit.cli import main
from ivraudit.report import format_seconds, render_compare, render_report
from ivraudit.report.audio import audio_sources, safe_recording
from ivraudit.report.files import write_compare
from ivraudit.telephony.tones import tone
from ivraudit.telephony.wav import write_wav

from conftest import ROOT, TREES
from regress_support import original
from test_findings import edge, good_tree, node

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
PAYLOAD = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def hostile_document() -> dict[str, Any]:
    """A tree whose every heard string carries markup."""
    doc = good_tree()
    doc["target"] = "sip:" + PAYLOAD
    doc["nodes"][0]["transcript"] = "Press 1 for billing. " + PAYLOAD
    doc["nodes"][0]["options"][0]["label"] = PAYLOAD
    doc["nodes"][3]["transcript"] = PAYLOAD
    doc["problems"] = [PAYLOAD]
    doc["asr"] = {"engine": PAYLOAD}
    return doc


def write_folder(folder: Path, document: dict[str, Any], wav_seconds: float = 0.0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if wav_seconds:
        (folder / "recordings").mkdir(exist_ok=True)
        for n in document["nodes"]:
            write_wav(folder / "recordings" / f"{n['id']}.wav", tone(440.0, wav_seconds, dbfs=-20))
            n["recording"] = f"recordings/{n['id']}.wav"
    (folder / "audit.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


# ---- rendering (fast) ---------------------------------------------------------------------

def test_everything_heard_is_escaped():
    html = render_report(hostile_document())
    assert "<script>window.__pwned" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert len(re.findall(r"<script>", html)) == 1  # the report's own script, nothing else


def test_report_shows_headline_figures_findings_and_formula():
    doc = good_tree()
    doc["edges"].append(edge("n0", "n3", "*", "*", "escape"))
    html = render_report(doc)
    assert 'data-testid="maze-score"' in html
    assert "maze score = 40\u00b7min(1, time to a human / 180)" in html
    assert "32 s" in html and "25 s" in html and "20 s" in html  # listening, type-ahead, hold
    assert 'data-rule="unannounced-escape"' in html
    assert html.count('class="detail"') == len(doc["nodes"])


def test_every_key_found_invalid_is_listed_and_the_drawing_counts_them():
    """Which keys do nothing at a menu is an answer too (is 0 an operator here?): the details
    list every key found invalid, the drawing shows the first and how many more."""
    doc = good_tree()
    doc["nodes"].append(node("n9", "message", "That option is invalid."))
    doc["edges"].append({**edge("n0", "n9", "invalid", "9", "invalid"), "also_pressed": ["*", "#"]})
    html = render_report(doc)
    assert "keys not offered: <kbd>9</kbd> <kbd>*</kbd> <kbd>#</kbd>" in html
    assert "9+2\u2717" in html


def test_the_report_opens_with_the_audit_in_words():
    doc = good_tree()
    doc["edges"] = [e for e in doc["edges"] if not (e["source"] == "n0" and e["key"] == "0")]
    doc["edges"].append(edge("n0", "n2", "0", "0", "escape"))
    html = render_report(doc)
    lede = re.search(r'<p class="lede" data-testid="summary">(.*?)</p>', html).group(1)
    assert lede.startswith("A caller who listens to every prompt reaches a person after 32 seconds "
                           "by pressing 0 (0 never announced), 20 seconds of it on hold; typing "
                           "ahead, after 25 seconds.")
    assert "1 menu offering 4 options, 1 level deep" in lede
    doc["metrics"].update(human_reachable=False, time_to_human_seconds=None, path_to_human=None)
    html = render_report(doc)
    assert "No key sequence the crawl tried reached a person." in html
    assert "Most serious: no way to reach a human." in html


def test_diagram_draws_each_node_colours_kinds_and_highlights_the_way_to_a_human():
    html = render_report(good_tree())
    svg = html[html.index("<svg"):html.index("</svg>")]
    for n in good_tree()["nodes"]:
        assert f'data-node="{n["id"]}"' in svg
    assert re.search(r'class="node on-route[^"]*" data-node="n2"', svg)  # 0 -> hold -> human
    assert re.search(r'class="node on-route[^"]*" data-node="n3" data-kind="human"', svg)
    assert not re.search(r'class="node on-route[^"]*" data-node="n5"', svg)
    assert re.search(r'class="edge e-key route" data-source="n0" data-target="n2" data-key="0"', svg)
    assert "#bff0cb" in svg and "#cfe0ff" in svg  # human green, menu blue


def test_loops_are_drawn_as_loops():
    doc = good_tree()
    doc["nodes"][1]["kind"] = "menu"
    doc["edges"].append(edge("n1", "n0", "*"))
    doc["metrics"]["loops"].append(["n1", "n0", "*"])
    svg = render_report(doc)
    assert re.search(r'class="edge e-key loop" data-source="n1" data-target="n0" data-key="\*"', svg)
    assert 'class="edge e-timeout repeat" data-source="n0" data-target="n0"' in svg


def test_shared_targets_do_not_draw_lines_across_the_picture():
    doc = good_tree()
    doc["nodes"].append(node("hangup", "hangup", ["timeout"], "", seconds=0.0))
    doc["edges"].append(edge("n0", "hangup", "timeout", "timeout", "timeout"))
    svg = render_report(doc)
    svg = svg[svg.index("<svg"):svg.index("</svg>")]
    # the line going dead: a red cross beside the node, not a box everyone points at
    assert 'class="edge e-timeout to-hangup" data-source="n0" data-target="hangup"' in svg
    assert 'data-node="hangup"' not in svg
    # "that is not valid" returns to its menu: the invalid edge is drawn, the way back is not
    assert 'data-source="n0" data-target="n4" data-key="invalid"' in svg
    assert 'data-source="n4" data-target="n0"' not in svg


def test_audio_is_embedded_when_small_and_linked_otherwise(tmp_path: Path):
    doc = good_tree()
    write_folder(tmp_path, doc, wav_seconds=0.5)
    sources, mode = audio_sources(doc, tmp_path)
    assert mode == "embedded"
    wav = base64.b64decode(sources["recordings/n0.wav"].split(",", 1)[1])
    assert wav[:4] == b"RIFF" and wav == (tmp_path / "recordings" / "n0.wav").read_bytes()
    sources, mode = audio_sources(doc, tmp_path, embed_limit=100)
    assert mode == "linked" and sources["recordings/n0.wav"] == "recordings/n0.wav"
    html = render_report(doc, tmp_path)
    assert html.count('src="data:audio/wav;base64,') == len(doc["nodes"])


@pytest.mark.parametrize("path, ok", [
    ("recordings/n0.wav", True), ("../secret.wav", False), ("/etc/passwd.wav", False),
    ("javascript:alert(1).wav", False), ("recordings/n0.mp3", False), (None, False),
])
def test_only_plain_relative_wav_paths_are_used(path, ok):
    assert (safe_recording(path) is not None) == ok


def test_seconds_are_formatted_for_people():
    assert [format_seconds(v) for v in (None, 0, 2.24, 71.66, 185)] == \
        ["\u2014", "0 s", "2.2 s", "72 s", "3 min 05 s"]


def ranked_documents() -> dict[str, dict[str, Any]]:
    """Three audits of one line: as built, with a slow queue, and with no human at all."""
    quick = good_tree()
    slow = good_tree()
    slow["metrics"].update(time_to_human_seconds=170.0, hold_seconds_to_human=150.0)
    closed = good_tree()
    closed["metrics"].update(human_reachable=False, path_to_human=None,
                             time_to_human_seconds=None, time_to_human_typeahead_seconds=None)
    return {"closed": closed, "quick": quick, "slow": slow}


def test_cli_reports_and_compares(tmp_path: Path):
    folders = [write_folder(tmp_path / name, doc) for name, doc in ranked_documents().items()]
    runner = CliRunner()
    result = runner.invoke(main, ["report", str(folders[0])])
    assert result.exit_code == 0, result.output
    assert "Maze score" in (folders[0] / "report.html").read_text(encoding="utf-8")
    out = tmp_path / "out" / "compare.html"
    result = runner.invoke(main, ["report", *map(str, folders), "--compare", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    order = [m for m in re.findall(r'<div class="name">(?:<a href="[^"]*">)?([a-z]+)', html)]
    assert order == ["quick", "slow", "closed"]
    result = runner.invoke(main, ["report", str(folders[0]), "-o", str(out)])
    assert result.exit_code == 2 and "--compare" in result.output
    result = runner.invoke(main, ["report", str(tmp_path)])  # a folder with no audit.json
    assert result.exit_code == 1 and "audit.json" in result.output


def test_compare_page_escapes_names_and_targets():
    doc = hostile_document()
    html = render_compare([(PAYLOAD, doc, None), ("b", good_tree(), None), ("c", good_tree(), None)])
    assert "<script>window" not in html and "&lt;script&gt;" in html


# ---- in Chromium (slow) -------------------------------------------------------------------

@pytest.fixture(scope="module")
def crawled() -> dict[str, Path]:
    """Each bundled tree's audit folder, report included: the crawl the regression tests
    share (regress_support.original: crawled by ear once per test process, written as the
    CLI writes it), not a crawl of its own (three cold crawls took 46 s)."""
    return {name: original(name).folder for name in TREES}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, with a fresh profile for this module."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium (scripts/test-deps.sh)"
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True,
            viewport={"width": 1280, "height": 900})
        yield context
        context.close()


class Opened:
    """A page and everything it complained about: console errors, script errors, failed
    requests (a report must load nothing from anywhere)."""

    def __init__(self, context: Any, url: str, width: int = 1280, height: int = 900) -> None:
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.set_viewport_size({"width": width, "height": height})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        self.page.goto(url)
        self.page.wait_for_load_state("load")


def human_on_route(folder: Path) -> dict[str, Any]:
    """The person at the end of the fastest way to a human (every bundled tree has one)."""
    document = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    route = AuditDoc(document).route_to_human()
    assert route, "every bundled tree has a way to a human"
    human = next(n for n in document["nodes"] if n["id"] == route[-1]["target"])
    assert human["kind"] == "human"
    return human


@pytest.mark.slow
@pytest.mark.parametrize("name", TREES)
def test_bundled_tree_report_in_chromium(name: str, crawled: dict[str, Path], browser: Any):
    folder = crawled[name]
    target = human_on_route(folder)
    opened = Opened(browser, (folder / "report.html").as_uri())
    page = opened.page
    assert page.locator("svg.diagram .node").count() >= 3
    root_detail = page.locator(".detail:not([hidden])")
    assert root_detail.count() == 1  # the answer's node is shown before any click

    page.click(f'svg .node[data-node="{target["id"]}"]')
    detail = page.locator(f'#detail-{target["id"]}')
    assert detail.is_visible()
    assert page.locator(".detail:not([hidden])").count() == 1
    shown = " ".join(detail.locator('[data-testid="transcript"]').inner_text().split())
    assert shown == " ".join(target["transcript"].split())
    assert detail.locator("audio").first.get_attribute("src").startswith("data:audio/wav;base64,")
    assert page.locator(f'svg .node.selected[data-node="{target["id"]}"]').count() == 1
    assert page.locator(f'svg .node.on-route[data-node="{target["id"]}"]').count() == 1
    # the embedded audio really decodes in the browser, to the recording's length
    duration = detail.locator("audio").first.evaluate(
        "a => new Promise(r => { a.onloadedmetadata = () => r(a.duration); a.onerror = () => r(-1);"
        " a.preload = 'metadata'; a.load(); })")
    with wave.open(str(folder / target["recording"])) as wav:
        assert duration == pytest.approx(wav.getnframes() / wav.getframerate(), abs=0.05)

    # a hold queue also plays what the crawl heard on hold (acme and synthetic-voices have one)
    document = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    holds = [n for n in document["nodes"] if n.get("music_recording")]
    assert bool(holds) == (name != "tiny")
    for hold in holds:
        page.click(f'svg .node[data-node="{hold["id"]}"]')
        players = page.locator(f'#detail-{hold["id"]} audio')
        assert players.count() == 2 + bool(hold.get("announcement_recording"))
        assert all(players.nth(i).get_attribute("src").startswith("data:audio/wav")
                   for i in range(players.count()))
    page.click(f'svg .node[data-node="{target["id"]}"]')

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
    page.locator("#explorer").screenshot(path=str(ARTIFACTS / f"report-{name}-tree.png"))
    # a phone: nothing wider than the screen but the diagram's own scroller
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.screenshot(path=str(ARTIFACTS / f"report-{name}-phone.png"))
    # print: the details panel goes, the table of every node stays
    page.emulate_media(media="print")
    assert not page.locator("#details").is_visible()
    assert page.locator(".nodes-table").is_visible()
    page.emulate_media(media="screen")
    assert opened.errors == []
    page.close()


@pytest.mark.slow
def test_script_in_a_transcript_renders_as_text_in_chromium(tmp_path: Path, browser: Any):
    folder = write_folder(tmp_path / "hostile", hostile_document(), wav_seconds=0.3)
    (folder / "report.html").write_text(render_report(hostile_document(), folder), encoding="utf-8")
    opened = Opened(browser, (folder / "report.html").as_uri())
    page = opened.page
    page.click('svg .node[data-node="n3"]')
    text = page.locator("#detail-n3 [data-testid=transcript]").inner_text()
    assert text == PAYLOAD
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img[src=x]").count() == 0
    assert PAYLOAD in page.locator("h1").inner_text()
    assert opened.errors == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-markup-as-text.png"))
    page.close()


@pytest.mark.slow
def test_compare_page_ranks_the_bundled_audits(tmp_path: Path, crawled: dict[str, Path],
                                               browser: Any):
    out = write_compare([crawled[name] for name in TREES], tmp_path / "compare.html")
    opened = Opened(browser, out.as_uri())
    rows = opened.page.locator("table.ranking tbody tr")
    assert rows.count() == len(TREES) >= 3
    ranks = [int(rows.nth(i).get_attribute("data-rank")) for i in range(rows.count())]
    scores = [int(rows.nth(i).get_attribute("data-score")) for i in range(rows.count())]
    assert ranks == list(range(1, len(TREES) + 1))
    assert scores == sorted(scores)
    for name in TREES:
        document = json.loads((crawled[name] / "audit.json").read_text(encoding="utf-8"))
        assert document["maze_score"]["score"] in scores  # the writer stored the same score
        assert document["metrics"]["maze_score"] == document["maze_score"]["score"]
        assert document["metrics"]["findings"] == len(document["findings"]) > 0
    opened.page.locator("table.ranking a").first.click()  # links open each audit's report
    opened.page.wait_for_load_state("load")
    assert opened.page.url.endswith("/report.html")
    assert opened.errors == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened.page.goto(out.as_uri())
    opened.page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)
    opened.page.close()
