"""Hostile input (issue 17): specs, WAVs and audit folders made to hang, flood or leak.

Each test builds the hostile input for real (a FIFO, a sparse two-hour WAV, a YAML alias bomb,
a symlink to a secret) and checks the clear outcome: an error naming the file and the field,
quickly, with nothing read that should not be.
"""

from __future__ import annotations

import os
import shutil
import struct
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from ivraudit.errors import QUOTE_CHARACTERS, AudioError, SpecError, quote
from ivraudit.spec import load_spec
from ivraudit.spec.checker import Checker
from ivraudit.spec.loader import _check_message_cycles
from ivraudit.spec.model import NodeSpec
from ivraudit.testing.chains import message_chain
from ivraudit.telephony.resample import resample, resample_blocks
from ivraudit.telephony.wav import (MAX_CHUNKS, MAX_PROMPT_SECONDS, MAX_WAV_BYTES,
                                    read_telephone_audio)
from conftest import finishes
from test_spec import GOOD as TREE
from test_spec import WAVS


def _spec_error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return caught.value


def _wav_header(rate: int, bits: int, tag: int, data_bytes: int) -> bytes:
    """A mono WAV header announcing ``data_bytes`` of samples."""
    fmt = struct.pack("<HHIIHH", tag, 1, rate, rate * bits // 8, bits // 8, bits)
    return (b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", data_bytes))


def _sparse_wav(path: Path, seconds: float, rate: int, bits: int = 16, tag: int = 1) -> Path:
    """A WAV of ``seconds`` of silence that takes no disk: the header, then a hole."""
    data_bytes = int(seconds * rate) * bits // 8
    header = _wav_header(rate, bits, tag, data_bytes)
    with path.open("wb") as out:
        out.write(header)
        out.truncate(len(header) + data_bytes)
    return path


# 1. Prompt paths that are not regular files, and caps on a WAV's size.

def test_a_fifo_as_a_prompt_is_refused_at_once_naming_the_spec_and_field(make_spec, tmp_path):
    spec = make_spec(TREE, WAVS)
    (tmp_path / "bye.wav").unlink()
    os.mkfifo(tmp_path / "bye.wav")  # no writer: reading it would block for ever
    error = finishes(lambda: load_spec(spec))
    assert isinstance(error, SpecError)
    assert error.where == "nodes.bye.prompt" and str(spec) in str(error)
    assert "named pipe" in error.problem and "not a regular file" in error.problem


def test_a_folder_as_a_prompt_is_refused(make_spec, tmp_path):
    spec = make_spec(TREE.replace("prompt: bye.wav", "prompt: sounds"), WAVS)
    (tmp_path / "sounds").mkdir()
    error = _spec_error(spec)
    assert error.where == "nodes.bye.prompt" and "a folder" in error.problem


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_never_read_as_audio(device):
    error = finishes(lambda: read_telephone_audio(device), seconds=10)
    assert isinstance(error, AudioError)
    assert device in str(error) and "character device" in str(error)


@pytest.mark.parametrize("prompt", ["/dev/zero", "../outside.wav", "link.wav"])
def test_audio_outside_the_spec_folder_is_refused(make_spec, tmp_path, prompt):
    """An absolute path, a way up, a link out: none is read, none reaches an audit."""
    make_spec(TREE, WAVS)
    folder = tmp_path / "spec"
    folder.mkdir()
    for name in WAVS:
        shutil.copyfile(tmp_path / name, folder / name)
    shutil.copyfile(tmp_path / "bye.wav", tmp_path / "outside.wav")
    (folder / "link.wav").symlink_to(tmp_path / "outside.wav")
    spec = folder / "tree.yaml"
    spec.write_text(TREE.replace("prompt: bye.wav", f"prompt: {prompt}"))
    error = finishes(lambda: load_spec(spec))
    assert isinstance(error, SpecError)
    assert error.where == "nodes.bye.prompt" and str(spec) in str(error)
    assert "outside the spec's folder" in error.problem and str(folder) in error.problem


def test_a_link_inside_the_spec_folder_is_followed(make_spec, tmp_path):
    spec = make_spec(TREE.replace("prompt: bye.wav", "prompt: again.wav"), WAVS)
    (tmp_path / "again.wav").symlink_to(tmp_path / "bye.wav")
    assert load_spec(spec).nodes["bye"].prompt == (Path("again.wav"),)


def test_a_wav_longer_than_the_cap_is_refused_before_its_samples_are_read(make_spec, tmp_path):
    """Two hours of 8 kHz μ-law (58 MB, under the byte cap): refused by its length."""
    spec = make_spec(TREE, WAVS)
    _sparse_wav(tmp_path / "bye.wav", 2 * 3600, 8000, bits=8, tag=7)
    error = _spec_error(spec)
    assert error.where == "nodes.bye.prompt"
    assert f"{MAX_PROMPT_SECONDS:.0f} s" in error.problem and "7200 s" in error.problem


def test_a_wav_file_larger_than_the_cap_is_refused_by_its_size(tmp_path):
    """Two hours at 44.1 kHz, 16 bits: 635 MB on paper, a hole on disk; never read."""
    path = _sparse_wav(tmp_path / "long.wav", 2 * 3600, 44100)
    assert path.stat().st_size > MAX_WAV_BYTES
    with pytest.raises(AudioError, match=f"more than the {MAX_WAV_BYTES} bytes"):
        read_telephone_audio(path)


def test_a_wav_of_endless_empty_chunks_is_refused(tmp_path):
    header = _wav_header(8000, 16, 1, 16)
    path = tmp_path / "chunks.wav"
    path.write_bytes(header[:12] + b"junk\0\0\0\0" * (MAX_CHUNKS + 10) + header[12:] + bytes(16))
    with pytest.raises(AudioError, match=f"more than {MAX_CHUNKS} RIFF chunks"):
        read_telephone_audio(path)


# 8. Resampling in bounded memory.

def _whole_signal_resample(pcm: np.ndarray, rate: int, target: int) -> np.ndarray:
    """The reference: filter the whole signal at once, then interpolate (what ivraudit did
    before it streamed, and what the streamed result must equal)."""
    x = pcm.astype(np.float64)
    cutoff = 0.45 * target / rate
    taps = 8 * int(np.ceil(rate / target)) + 1
    n = np.arange(taps) - (taps - 1) / 2
    kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
    x = np.convolve(x, kernel / kernel.sum(), mode="same")
    positions = np.arange(int(round(len(x) * target / rate))) * (rate / target)
    return np.clip(np.round(np.interp(positions, np.arange(len(x)), x)), -32768, 32767)


@pytest.mark.parametrize("rate", [44100, 11025, 48000])
@pytest.mark.parametrize("block", [97, 4096])
def test_resampling_by_blocks_equals_resampling_the_whole_signal(rate, block):
    pcm = np.random.default_rng(rate).integers(-30000, 30000, 20_000).astype(np.int16)
    blocks = (pcm[i:i + block] for i in range(0, len(pcm), block))
    streamed = resample_blocks(blocks, len(pcm), rate, 8000)
    assert np.array_equal(streamed, _whole_signal_resample(pcm, rate, 8000))
    assert np.array_equal(resample(pcm, rate, 8000), streamed)


def test_a_long_44k_wav_is_read_in_memory_bounded_by_its_8k_result(tmp_path):
    """Ten minutes at 44.1 kHz (53 MB of samples; 635 MB of float64 arrays the whole-signal
    way): the peak of what numpy allocates stays near the 9.6 MB result."""
    seconds = 600
    path = _sparse_wav(tmp_path / "long.wav", seconds, 44100)
    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(44100) / 44100)).astype("<i2")
    with path.open("r+b") as out:  # a second of tone at the start, the rest silence
        out.seek(44)
        out.write(tone.tobytes())
    tracemalloc.start()
    try:
        pcm = read_telephone_audio(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(pcm) == seconds * 8000
    assert 5000 < np.abs(pcm[:8000]).max() < 8500 and not pcm[16000:].any()
    assert peak < pcm.nbytes + 32_000_000, f"peak {peak / 1e6:.0f} MB"


# 3. Error messages quote at most a line of what they were given.

BOMB = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"] + [
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]"
    for i in range(8)]
"""Nine levels of nine: 900 bytes of YAML, 387 million strings when written out in full."""


def _with_bomb(lines: list[str], after: str, indent: str) -> list[str]:
    """``lines`` with the bomb's anchors as a ``zoo`` mapping (free-form, never read) after
    the line ``after``, so that the fields below it can name ``*i``."""
    at = lines.index(after) + 1
    return lines[:at] + [f"{indent}zoo:"] + [f"{indent}  {line}" for line in BOMB] + lines[at:]


def _short(error: SpecError, spec: Path) -> bool:
    return len(str(error)) < len(str(spec)) + 300


@pytest.mark.parametrize("field", ["name", "start", "answer_after", "gap", "line", "language",
                                   "nodes_extra"])
def test_an_alias_bomb_at_the_top_gives_a_short_error_at_once(make_spec, field):
    lines = [line for line in TREE.splitlines() if not line.startswith(f"{field}:")]
    lines = _with_bomb(lines, "  main:", "    ") + [f"{field}: *i"]
    spec = make_spec("\n".join(lines) + "\n", WAVS)
    started = time.perf_counter()
    error = _spec_error(spec)
    assert time.perf_counter() - started < 5
    assert _short(error, spec), str(error)[:500]


@pytest.mark.parametrize("field", ["wait", "prompt", "options", "type", "next", "barge_in",
                                   "on_timeout", "repeats", "hidden", "text"])
def test_an_alias_bomb_in_a_node_field_gives_a_short_error(make_spec, field):
    node = "bye" if field == "next" else "main"
    lines = [line for line in TREE.splitlines()
             if not (line.startswith(f"    {field}:") and _owner(TREE, line) == node)]
    lines = _with_bomb(lines, "name: Test line", "")
    lines.insert(lines.index(f"  {node}:") + 1, f"    {field}: *i")
    spec = make_spec("\n".join(lines) + "\n", WAVS)
    error = _spec_error(spec)
    assert error.where.startswith(f"nodes.{node}"), error.where
    assert _short(error, spec), str(error)[:500]


def test_quote_never_walks_a_whole_nested_value():
    nested: list[object] = ["x" * 10]
    for _ in range(40):
        nested = [nested] * 9  # 9**40 strings if written out
    assert len(quote(nested)) <= QUOTE_CHARACTERS
    assert len(quote("y" * 10_000)) <= QUOTE_CHARACTERS
    assert quote("short") == "'short'"


# 5. The message-chain check is linear.

def test_ten_thousand_chained_messages_are_checked_quickly(tmp_path):
    """A chain back to a menu is fine; made a loop, it is refused with a one-line message.
    (Before, each node's walk searched a list of the nodes walked: cubic, over 120 s here;
    bench/message_chains.py measures it.)"""
    check = Checker(tmp_path / "tree.yaml")
    _check_message_cycles(check, message_chain(10_000, loop=False))
    with pytest.raises(SpecError) as caught:
        _check_message_cycles(check, message_chain(10_000, loop=True))
    assert caught.value.where == "nodes.m0.next"
    assert "messages loop without waiting for input" in caught.value.problem
    assert "m0 → m1 → m2" in caught.value.problem and "9994 more" in caught.value.problem
    assert len(caught.value.problem) < 200


def test_a_message_loop_is_named_at_its_first_node_in_the_spec(tmp_path):
    nodes = {"main": NodeSpec(id="main", type="menu", options={"1": "c"}),
             "a": NodeSpec(id="a", type="message", next="b"),
             "b": NodeSpec(id="b", type="hold", next="a"),
             "c": NodeSpec(id="c", type="message", next="a")}
    with pytest.raises(SpecError) as caught:
        _check_message_cycles(Checker(tmp_path / "tree.yaml"), nodes)
    assert caught.value.where == "nodes.a.next"
    assert caught.value.problem.endswith("(a → b → a)")


# 6. Numbers that are not finite, a start that is not a name, keys given twice.

@pytest.mark.parametrize(("old", "new", "where"), [
    ("answer_after: 1.0", "answer_after: .nan", "spec.answer_after"),
    ("answer_after: 1.0", "answer_after: .inf", "spec.answer_after"),
    ("    wait: 2", "    wait: .inf", "nodes.main.wait"),
    ("    wait: 2", "    wait: -.inf", "nodes.main.wait"),
    ("    wait: 2", "    wait: .NaN", "nodes.main.wait"),
    ("    wait: 2", "    wait: " + "9" * 400, "nodes.main.wait"),
])
def test_numbers_that_are_not_finite_are_refused_at_load(make_spec, old, new, where):
    error = _spec_error(make_spec(TREE.replace(old, new), WAVS))
    assert error.where == where and "finite" in error.problem


@pytest.mark.parametrize("start", ["[main]", "{main: 1}", "1", "null"])
def test_a_start_that_is_not_a_node_id_is_a_clear_error(make_spec, start):
    error = _spec_error(make_spec(TREE.replace("start: main", f"start: {start}"), WAVS))
    assert error.where == "start" and "is not a node id" in error.problem


def _line_of(text: str, line: str, start: int = 0) -> int:
    """The number (from 1) of the first line of ``text`` that is ``line``, from line ``start``."""
    return text.splitlines().index(line, start) + 1


def test_a_key_given_twice_is_refused_with_both_lines(make_spec):
    text = TREE.replace("    wait: 2\n", "    wait: 2\n    barge_in: true\n    wait: 20\n")
    first = _line_of(text, "    wait: 2")
    error = _spec_error(make_spec(text, WAVS))
    assert error.where == f"line {first + 2}"
    assert f"'wait' is given twice (lines {first} and {first + 2})" in error.problem


def test_a_top_level_key_given_twice_is_refused(make_spec):
    text = TREE + "start: bye\n"
    error = _spec_error(make_spec(text, WAVS))
    lines = (_line_of(text, "start: main"), _line_of(text, "start: bye"))
    assert "'start' is given twice (lines %d and %d)" % lines in error.problem


def test_keys_merged_from_an_anchor_may_be_overridden(make_spec):
    text = TREE.replace("nodes:\n", "defaults: &menu {wait: 7, repeats: 1}\nnodes:\n", 1)
    text = text.replace("defaults:", "zoo:").replace("    wait: 2\n", "    <<: *menu\n    wait: 2\n")
    spec = load_spec(make_spec(text, WAVS))
    assert spec.nodes["main"].wait == 2 and spec.nodes["main"].repeats == 1


HOSTILE_VALUES = ["[a, b]", "{a: 1}", ".nan", "-.inf", "!!binary aGVsbG8=", "2026-12-05", "~"]
FIELDS = ["name", "language", "start", "answer_after", "gap", "line", "zoo", "nodes",
          "main.prompt", "main.options", "main.wait", "main.type", "main.on_timeout",
          "main.repeats", "main.barge_in", "main.hidden", "main.language", "main.text",
          "bye.next", "bye.prompt"]


@pytest.mark.parametrize("field", FIELDS)
def test_any_field_given_a_hostile_value_is_a_spec_error_or_loads(make_spec, field):
    """Every field, given each value YAML can make, is refused with a SpecError naming the
    spec (or, where the value is one the field takes, loads): never a traceback."""
    spec_path = make_spec(TREE, WAVS)
    refused = []
    for value in HOSTILE_VALUES:
        if "." in field:
            node, name = field.split(".")
            lines = [line for line in TREE.splitlines() if not line.startswith(f"    {name}:")
                     or _owner(TREE, line) != node]
            at = lines.index(f"  {node}:") + 1
            lines.insert(at, f"    {name}: {value}")
        else:
            lines = [line for line in TREE.splitlines() if not line.startswith(f"{field}:")]
            if field == "nodes":
                lines = lines[:lines.index("  main:")] + [f"nodes: {value}"]
            else:
                lines.append(f"{field}: {value}")
        spec_path.write_text("\n".join(lines) + "\n")
        try:
            load_spec(spec_path)
        except SpecError as error:
            assert str(spec_path) in str(error)
            assert len(str(error)) < len(str(spec_path)) + 300
            refused.append(value)
    assert "[a, b]" in refused  # no field takes a list of two unknown names


def _owner(text: str, line: str) -> str:
    """The node a field line of ``text`` belongs to."""
    owner = ""
    for each in text.splitlines():
        if each.startswith("  ") and not each.startswith("   ") and each.endswith(":"):
            owner = each.strip(": ")
        if each == line:
            return owner
    return owner


@pytest.mark.parametrize("kind", ["fifo", "device", "nested"])
def test_a_spec_that_is_not_a_spec_file_is_refused_at_once(tmp_path, kind):
    spec = tmp_path / "tree.yaml"
    if kind == "fifo":
        os.mkfifo(spec)
    elif kind == "device":
        spec = Path("/dev/zero")
    else:  # YAML nested deeper than the parser's recursion goes
        spec.write_text("format: " + "[" * 20_000 + "\n")
    error = finishes(lambda: load_spec(spec))
    assert isinstance(error, SpecError), repr(error)
    assert error.where == "spec" and str(spec) in str(error)


def test_an_error_naming_a_hostile_node_id_prints_no_control_characters(make_spec):
    text = TREE.replace("  bye:\n", '  "by\\e[2Je":\n').replace("3: bye}", '3: "by\\e[2Je"}')
    error = _spec_error(make_spec(text.replace("    prompt: bye.wav", "    prompt: []"), WAVS))
    assert "\x1b" not in str(error) and "by\\x1b[2Je" in error.where
