"""Example regression tests for a phone line, written the way its owners talk about it.

Run them against the demo line (crawled by ear once per session):

    pytest examples/phone-tree-tests --ivr-tree fixtures/recordings/acme-pbx/tree.yaml

or against a frozen copy (``ivraudit freeze AUDIT --to frozen/``) or an audit folder:

    pytest examples/phone-tree-tests --ivr-tree frozen/
"""

from __future__ import annotations


def test_zero_reaches_a_human_within_90_seconds(ivr):
    # From the main menu, 0 (the operator) reaches a person, hold included.
    ivr.press("0").reaches_human(within=90)


def test_typing_ahead_is_faster_than_listening(ivr):
    listening = ivr.press("0").reaches_human()
    typing = ivr.press("0").reaches_human(typeahead=True)
    assert typing.typeahead_seconds < listening.seconds


def test_main_menu_offers_sales_support_accounting_directory_operator(ivr):
    ivr.call().says("for an operator, press zero").offers("1", "2", "3", "4", "0")


def test_accounting_path_still_says_press_1_to_enter_a_number(ivr):
    ivr.press("3").says("press 1 to enter a number")


def test_sales_has_a_way_back_to_the_main_menu(ivr):
    ivr.press("1").says("press star to return to the main menu")
    ivr.press("1", "*").is_a("menu").says("thank you for calling")


def test_the_directory_still_takes_1_and_2_wherever_it_is(ivr):
    ivr.reach("use the directory").offers("1", "2", "*")


def test_an_invalid_key_is_explained_and_the_menu_repeats(ivr):
    ivr.press("7").says("that option is invalid").is_a("menu")


def test_voicemail_from_sales(ivr):
    ivr.press("1", "5").is_a("voicemail").says("leave your message after the tone")


def test_silence_at_the_main_menu_ends_with_goodbye(ivr):
    ivr.call().wait(until_it_gives_up=True).says("goodbye").is_a("hangup")
