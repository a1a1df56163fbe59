"""`ivraudit diff`: each kind of change to a tree is found by crawling the changed tree by ear."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivraudit.cli import main
from ivraudit.regress.diff import CHANGE_KINDS, diff_audits, format_diff
from ivraudit.regress.words import word_diff, words
from regress_support import crawled, flite, original, variant


def _diff(old: Path, new: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["diff", str(old), str(new), "--json", *extra])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def _kinds(document: dict) -> set[str]:
    return {c["kind"] for c in document["changes"]}


def _tiny(name: str, edit) -> Path:
    return crawled(variant("tiny", name, edit)).folder


def _main_says(text: str, options: dict[str, str]):
    def edit(spec: dict, folder: Path) -> None:
        spec["nodes"]["main"]["prompt"] = flite(text, folder / "main-new.wav")
        spec["nodes"]["main"]["text"] = text
        spec["nodes"]["main"]["options"] = options
    return edit


@pytest.mark.slow
def test_identical_audits_exit_0() -> None:
    folder = original("tiny").folder
    result = CliRunner().invoke(main, ["diff", str(folder), str(folder)])
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output
    assert "our menu options have changed\": no" in result.output


@pytest.mark.slow
def test_reworded_prompt_gives_a_word_diff() -> None:
    def edit(spec: dict, folder: Path) -> None:
        spec["nodes"]["agent"]["prompt"] = flite("Hello, this is Alex from the billing team.",
                                                 folder / "agent-new.wav", voice="rms")
    code, doc = _diff(original("tiny").folder, _tiny("reworded", edit))
    assert code == 1
    assert _kinds(doc) == {"prompt-reworded"}
    change = doc["changes"][0]
    assert "{+" in change["detail"]["words"] and "[-" in change["detail"]["words"]
    assert "alex" in words(change["detail"]["new"]) and "sam" in words(change["detail"]["old"])
    assert doc["menu_options_changed"] is False
    # a team that accepts the new greeting
    code, doc = _diff(original("tiny").folder, _tiny("reworded", edit), "--ignore",
                      "prompt-reworded")
    assert code == 0 and len(doc["ignored"]) == 1


@pytest.mark.slow
def test_rerecorded_prompt_with_the_same_words_can_be_accepted() -> None:
    def edit(spec: dict, folder: Path) -> None:  # the agent's words, spoken more slowly
        spec["nodes"]["agent"]["prompt"] = flite("Hi, this is Sam.", folder / "agent-new.wav",
                                                 voice="rms", stretch=1.25)
    code, doc = _diff(original("tiny").folder, _tiny("rerecorded", edit))
    assert code == 1
    assert _kinds(doc) == {"prompt-rerecorded"}, doc["changes"]
    assert doc["changes"][0]["detail"]["audio_similarity"] < 0.8
    code, doc = _diff(original("tiny").folder, _tiny("rerecorded", edit), "--ignore",
                      "prompt-rerecorded")
    assert code == 0 and [c["kind"] for c in doc["ignored"]] == ["prompt-rerecorded"]


@pytest.mark.slow
def test_removed_option() -> None:
    new = _tiny("removed", _main_says("Press 1 for goodbye.", {"1": "bye"}))
    code, doc = _diff(original("tiny").folder, new)
    assert code == 1
    kinds = _kinds(doc)
    assert {"option-removed", "node-removed", "prompt-reworded", "time-to-human",
            "dead-end-added"} <= kinds
    assert not {"option-added", "option-rekeyed"} & kinds
    removed = next(c for c in doc["changes"] if c["kind"] == "option-removed")
    assert removed["detail"]["key"] == "2"
    assert doc["menu_options_changed"] is True
    assert any("key 2" in reason for reason in doc["menu_option_reasons"])


@pytest.mark.slow
def test_rekeyed_option() -> None:
    new = _tiny("rekeyed", _main_says("Press 1 for goodbye. Press 3 for an agent.",
                                      {"1": "bye", "3": "agent"}))
    code, doc = _diff(original("tiny").folder, new)
    assert code == 1
    kinds = _kinds(doc)
    assert "option-rekeyed" in kinds
    assert not {"option-added", "option-removed", "node-added", "node-removed",
                "node-moved"} & kinds
    rekeyed = next(c for c in doc["changes"] if c["kind"] == "option-rekeyed")
    assert (rekeyed["detail"]["old_key"], rekeyed["detail"]["new_key"]) == ("2", "3")
    assert doc["menu_options_changed"] is True


@pytest.mark.slow
def test_new_submenu() -> None:
    def edit(spec: dict, folder: Path) -> None:
        _main_says("Press 1 for goodbye. Press 2 for an agent. Press 3 for opening hours.",
                   {"1": "bye", "2": "agent", "3": "hours"})(spec, folder)
        spec["nodes"]["hours"] = {
            "type": "menu", "prompt": flite("For weekday hours, press 1. For the main menu, "
                                            "press star.", folder / "hours.wav"),
            "options": {"1": "bye", "*": "main"}}
    code, doc = _diff(original("tiny").folder, _tiny("submenu", edit))
    assert code == 1
    kinds = _kinds(doc)
    assert {"node-added", "option-added", "loop-added"} <= kinds
    added = [c for c in doc["changes"] if c["kind"] == "node-added"]
    assert [c["where"].split()[0] for c in added] == ["menu"]
    assert next(c for c in doc["changes"] if c["kind"] == "option-added")["detail"]["key"] == "3"
    assert doc["menu_options_changed"] is True


@pytest.mark.slow
def test_agent_moved_one_menu_deeper() -> None:
    def edit(spec: dict, folder: Path) -> None:
        _main_says("Press 1 for goodbye. Press 2 for more options.",
                   {"1": "bye", "2": "more"})(spec, folder)
        spec["nodes"]["more"] = {
            "type": "menu", "prompt": flite("Press 1 for an agent.", folder / "more.wav"),
            "options": {"1": "agent"}}
    code, doc = _diff(original("tiny").folder, _tiny("moved", edit))
    assert code == 1
    kinds = _kinds(doc)
    assert {"node-moved", "node-added", "option-retargeted", "depth", "time-to-human"} <= kinds
    moved = next(c for c in doc["changes"] if c["kind"] == "node-moved")
    assert (moved["detail"]["old_path"], moved["detail"]["new_path"]) == (["2"], ["2", "1"])
    assert "prompt-reworded" not in {c["kind"] for c in doc["changes"]
                                     if c["old_node"] == moved["old_node"]}


@pytest.mark.slow
def test_longer_hold() -> None:
    def edit(spec: dict, folder: Path) -> None:
        spec["nodes"]["queue"]["seconds"] = 45
    new = crawled(variant("synthetic-voices", "longer-hold", edit))
    old = original("synthetic-voices")
    code, doc = _diff(old.folder, new.folder)
    assert code == 1
    assert _kinds(doc) == {"hold-changed"}
    change = doc["changes"][0]
    assert change["detail"]["new_seconds"] - change["detail"]["old_seconds"] == \
        pytest.approx(15.0, abs=0.5)
    assert doc["menu_options_changed"] is False
    text = format_diff(diff_audits(old, new))
    assert "hold longer" in text and "+15.0 s" in text


# -- bad input and the pieces -----------------------------------------------------------------

def test_bad_input_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "audit.json").write_text(json.dumps({"format": "ivraudit.audit/1", "nodes": []}))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "audit.json").write_text("{not json")
    runner = CliRunner()
    for args, message in [
        ([str(tmp_path / "missing"), str(good)], "not an audit folder"),
        ([str(broken), str(good)], "not valid JSON"),
        ([str(good), str(good)], "not a valid audit"),
    ]:
        result = runner.invoke(main, ["diff", *args])
        assert result.exit_code == 2, result.output
        assert message in result.output


@pytest.mark.slow
def test_unknown_ignore_kind_exits_2() -> None:
    folder = original("tiny").folder
    result = CliRunner().invoke(main, ["diff", str(folder), str(folder), "--ignore", "typo"])
    assert result.exit_code == 2 and "unknown change kind" in result.output


def test_word_diff_marks_only_what_changed() -> None:
    assert word_diff("Press 1 for billing.", "Press one for payments.") == \
        "Press one for [-billing.-] {+payments.+}"
    assert words("Press ONE, then #") == ["press", "1", "then", "#"]


def test_every_change_kind_is_documented() -> None:
    assert all(CHANGE_KINDS.values())


@pytest.mark.slow
def test_missing_recording_diffs_by_words_but_cannot_be_frozen(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(original("tiny").folder, copy)
    (copy / "recordings" / "n1.wav").unlink()
    result = CliRunner().invoke(main, ["diff", str(original("tiny").folder), str(copy)])
    assert result.exit_code == 0, result.output
    assert "n1.wav: audio file not found" in result.output  # the note (stderr is mixed in)
    result = CliRunner().invoke(main, ["freeze", str(copy), "--to", str(tmp_path / "frozen")])
    assert result.exit_code == 2 and "n1.wav: audio file not found" in result.output


@pytest.mark.slow
def test_same_recording_transcribed_differently_is_a_note_not_a_change(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(original("tiny").folder, copy)
    document = json.loads((copy / "audit.json").read_text())
    agent = next(n for n in document["nodes"] if n["kind"] == "human")
    agent["transcript"] = "Hi, this is Pam."   # what a recogniser might hear in a cut prompt
    (copy / "audit.json").write_text(json.dumps(document))
    code, doc = _diff(original("tiny").folder, copy)
    assert code == 0 and doc["changes"] == []
    assert "Pam" in doc["notes"][0]
    # with a different recording too, it is a reworded prompt
    shutil.copy(copy / "recordings" / "n0.wav", copy / agent["recording"])
    code, doc = _diff(original("tiny").folder, copy)
    assert code == 1 and "prompt-reworded" in _kinds(doc)


def test_help_lists_every_change_kind() -> None:
    text = CliRunner().invoke(main, ["diff", "--help"]).output
    assert all(kind in text.split() for kind in CHANGE_KINDS)
