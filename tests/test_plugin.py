"""The pytest plugin: a team's tests about its phone tree pass and fail as they should."""

from __future__ import annotations

from pathlib import Path

import pytest

from regress_support import ROOT, frozen, original

pytest_plugins = ["pytester"]

EXAMPLES = ROOT / "examples" / "phone-tree-tests" / "test_acme_line.py"


@pytest.mark.slow
def test_examples_pass_against_the_acme_audit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_acme_line=EXAMPLES.read_text())
    result = pytester.runpytest("--ivr-tree", str(original("acme-pbx").folder), "-p",
                                "no:cacheprovider")
    result.assert_outcomes(passed=9)


@pytest.mark.slow
def test_broken_expectations_fail_with_the_callers_view(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_expectations='''
        def test_operator_within_a_minute(ivr):
            ivr.press("0").reaches_human(within=60)

        def test_sales_says_press_1_to_pay(ivr):
            ivr.press("1").says("press 1 to pay")

        def test_main_menu_takes_9(ivr):
            ivr.call().offers("9")

        def test_cannot_press_keys_to_a_human(ivr):
            ivr.press("0").reaches_human().press("1")

        def test_operator_within_two_minutes(ivr):
            ivr.press("0").reaches_human(within=120)
    ''')
    result = pytester.runpytest("--ivr-tree", str(original("acme-pbx").folder), "-p",
                                "no:cacheprovider")
    result.assert_outcomes(failed=4, passed=1)
    result.stdout.fnmatch_lines([
        "test_expectations.py:*: expected a human within 60 s; the fastest way takes 7*.* s "
        "(listening to every prompt)",
        "*after 0:",
        "*key 0 → hold n* \"Please hold while we try to connect you.\"",
        "*then human n* \"Hi, this is Sam*",
        "test_expectations.py:*: expected the caller to hear \"press 1 to pay\"; closest words: *",
        "test_expectations.py:*: expected menu n0 * to take key(s) 9; it takes: 1 → *",
        "test_expectations.py:*: cannot press 1: human n* \"Hi, this is Sam* does not wait for keys",
    ])
    assert "Traceback" not in result.stdout.str()


@pytest.mark.slow
def test_a_frozen_tree_is_crawled_by_ear_once(pytester: pytest.Pytester) -> None:
    spec = frozen("tiny").spec_path
    pytester.makeini(f"[pytest]\nivr_tree = {spec}\n")
    pytester.makepyfile(test_tiny='''
        def test_agent_on_2(ivr):
            ivr.press("2").is_a("human").reaches_human(within=6)

        def test_goodbye_on_1(ivr):
            ivr.press("1").says("goodbye").is_a("hangup")

        def test_same_tree_object(ivr, ivr_tree):
            assert ivr is ivr_tree(ivr.name)

        def test_agent_within_3_seconds(ivr):
            ivr.press("2").reaches_human(within=3)
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*expected a human within 3 s; the fastest way takes 4.* s*"])


@pytest.mark.slow
def test_marker_names_a_tree_next_to_the_test(pytester: pytest.Pytester) -> None:
    import shutil

    shutil.copytree(original("tiny").folder, pytester.path / "baseline")
    pytester.makepyfile(test_marked='''
        import pytest

        @pytest.mark.ivr_tree("baseline")
        def test_unchanged(ivr, ivr_tree):
            ivr.unchanged_since(ivr_tree("baseline"))
            ivr.call().says("press 2 for an agent")
    ''')
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_without_a_tree_the_fixture_says_how_to_configure_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="def test_x(ivr):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no IVR tree configured; use @pytest.mark.ivr_tree*"])


def test_a_path_that_is_not_a_tree_fails_clearly(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_bad="def test_x(ivr):\n    pass\n")
    result = pytester.runpytest("--ivr-tree", str(tmp_path / "nothing.yaml"), "-p",
                                "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cannot load the IVR tree*file not found*"])
