"""The prompt interpreter against real-world-style transcripts.

Menus come verbatim from Debian's asterisk-core-sounds-en texts and the bundled fixture trees, and
in the shapes small recognisers give them: lowercase, no punctuation (Vosk), punctuation in the
wrong place (Whisper), numbers as words or digits, keys as symbols.
"""

from __future__ import annotations

import pytest

from ivraudit.interpret.text import tokenize
from ivraudit.interpret import Interpretation, Option, interpret, person_answers, say_key

PBX_MAIN = [("1", "establish a sales partnership"), ("2", "speak with a customer advocate"),
            ("3", "accounting and other receivables"), ("4", "a company directory"),
            ("0", "an operator")]
CONF_ADMIN = [("1", "mute or unmute yourself"), ("2", "lock or unlock the conference"),
              ("3", "eject the last user"), ("4", "decrease the conference volume"),
              ("6", "increase the conference volume"), ("7", "decrease your volume"),
              ("9", "increase your volume"), ("8", "exit")]
RIVERSIDE = [("1", "billing"), ("2", "outages"), ("3", "new service"), ("4", "payments"),
             ("5", "account changes"), ("6", "all other questions")]
BILLING_SUPPORT = [("1", "billing"), ("2", "support")]

MENUS: list[tuple[str, list[tuple[str, str]]]] = [
    # --- Debian asterisk-core-sounds-en, verbatim -------------------------------------------
    ("Thank you for calling Super Awesome Company, Waldo's premier provider of perfect products. "
     "If you know your party's extension, you may dial it at any time. To establish a sales "
     "partnership, press one. To speak with a customer advocate, press two. For accounting and "
     "other receivables, press three. For a company directory, press four. For an operator, "
     "press zero.", PBX_MAIN),
    ("Press star to return to the main menu", [("*", "return to the main menu")]),
    # whisper tiny.en on the directory prompt of the demo tree: "star" heard as "Start"
    ("Press 1 to enter an extension. Press 2 to use the directory. Press Start to return to the "
     "main menu.", [("1", "enter an extension"), ("2", "use the directory"),
                    ("*", "return to the main menu")]),
    ("To start over, press 1.", [("1", "start over")]),
    # whisper tiny.en on flite's "Press one for loans. Press two for appointments."
    ("Thank you for calling Generate of Utilities. Press 1-4-loans. Press 2-4-appointments.",
     [("1", "loans"), ("2", "appointments")]),
    ("You have reached deliveries, press 1-4 events, press 2-4 orders.",
     [("1", "events"), ("2", "orders")]),
    # whisper tiny.en on flite's "dial": "die all", "die of", and "dial it" as "die only"
    ("To speak with a representative, press 0. If you know your party's extension, you may die "
     "only at any time. For the front desk, die all 6,500.",
     [("0", "speak with a representative"), ("6500", "the front desk")]),
    ("For the front desk. die of 6,500.", [("6500", "the front desk")]),
    ("you may dial it at any time, for the front desk, Die, all 677.",  # (a zoo tree's)
     [("677", "the front desk")]),
    ("if you know your party's extension you may die only at any time for the front desk die "
     "all six thousand five hundred", [("6500", "the front desk")]),  # (zoo seed 30040)
    ("Please choose from the following. 1 for payments to 4 account changes. 3 for your "
     "balance.", [("1", "payments"), ("2", "account changes"), ("3", "your balance")]),  # 21040
    ("If you know your party's extension, you may dial it at any time for the front desk, "
     "Die Hall 639", [("639", "the front desk")]),  # (zoo seed 21000, decoded afresh)
    ("If you know your party's extension, you may dial it at any time for the front desk, "
     "Die Hole 629.", [("629", "the front desk")]),  # (zoo seed 29179)
    ("If you know your party's extension, you may diele it at any time for the front desk, "
     "diele 600.", [("600", "the front desk")]),  # (zoo seed 27033)
    # whisper tiny.en on flite's "... 1 for prescription refills. 2 for a specialist." (19050)
    ("Please choose from the following one for prescription refails to four a specialist three "
     "for hours and locations four for order status.",
     [("1", "prescription refails"), ("2", "a specialist"), ("3", "hours and locations"),
      ("4", "order status")]),
    # whisper tiny.en on Debian's spliced words "press" "one" "for" "foxtrot" "sierra" ...
    ("Hello, press 1, 4, Foxtrot Sierra, press 2, 4, Zulu, Gulf, press 3, 4, Charlie, Romeo.",
     [("1", "foxtrot sierra"), ("2", "zulu gulf"), ("3", "charlie romeo")]),
    ("Foxtrot Delta Press 1-4. Victor Lima Press 2-4. Charlie Tango Press 3-4. Lima Bravo",
     [("1", "victor lima"), ("2", "charlie tango"), ("3", "lima bravo")]),
    ("Please press 1 to mute or unmute yourself, 2 to lock or unlock the conference, 3 to eject "
     "the last user, 4 or 6 to decrease or increase the conference volume, 7 or 9 to decrease "
     "or increase your volume, or 8 to exit.", CONF_ADMIN),
    ("press 1 to accept this call, or 2 to reject it",
     [("1", "accept this call"), ("2", "reject it")]),
    ("To hear the next message press 6, to repeat this message press 5, to hear the previous "
     "message press 4, to delete or undelete this message press zero, to quit voicemail press "
     "pound.", [("6", "hear the next message"), ("5", "repeat this message"),
                ("4", "hear the previous message"), ("0", "delete or undelete this message"),
                ("#", "quit voicemail")]),
    ("Press 1 to record your unavailable message, press 2 to record your busy message, press 3 "
     "to record your name, press 4 to record your temporary greeting, press 5 to change your "
     "password, press star to return to the main menu.",
     [("1", "record your unavailable message"), ("2", "record your busy message"),
      ("3", "record your name"), ("4", "record your temporary greeting"),
      ("5", "change your password"), ("*", "return to the main menu")]),
    ("Press star for help or pound to exit.", [("*", "help"), ("#", "exit")]),
    ("Press 2 to change folders, press 3 for advanced options, press zero for mailbox options.",
     [("2", "change folders"), ("3", "advanced options"), ("0", "mailbox options")]),
    ("press 1 to send this message, or 2 to add another recipient.",
     [("1", "send this message"), ("2", "add another recipient")]),
    ("If this is the person you are looking for press 1 now, otherwise please press star now.",
     [("1", "this is the person you are looking for"), ("*", "otherwise")]),
    ("To look into your messages press 1 now.  You may quit voicemail at any time by pressing "
     "the pound key.", [("1", "look into your messages"), ("#", "quit voicemail")]),
    ("press 1 to accept this recording, otherwise, please continue to hold",
     [("1", "accept this recording")]),
    ("press 1 to accept this recording press 2 to listen to it press 3 to rerecord your message",
     [("1", "accept this recording"), ("2", "listen to it"), ("3", "rerecord your message")]),
    ("press 1 to record your temporary greeting, or press 2 to erase your temporary greeting",
     [("1", "record your temporary greeting"), ("2", "erase your temporary greeting")]),
    ("Press 5 to leave a message", [("5", "leave a message")]),
    # --- the fixture trees' menus -----------------------------------------------------------
    ("Press 5 to leave a message. press 0 to reach an operator. press star to return to the "
     "main menu", [("5", "leave a message"), ("0", "reach an operator"),
                   ("*", "return to the main menu")]),
    ("Press 1 to enter an extension, press 2 to use the directory. press star to return to the "
     "main menu", [("1", "enter an extension"), ("2", "use the directory"),
                   ("*", "return to the main menu")]),
    ("Thank you for calling Riverside Power and Water. Press 1 for billing. Press 2 for outages. "
     "Press 3 for new service. Press 4 for payments. Press 5 for account changes. Press 6 for "
     "all other questions.", RIVERSIDE),
    ("Press 1 for your balance. Press 2 for a billing specialist. Press star for the main menu.",
     [("1", "your balance"), ("2", "a billing specialist"), ("*", "the main menu")]),
    ("Press 1 for goodbye. Press 2 for an agent.", [("1", "goodbye"), ("2", "an agent")]),
    # --- Whisper-like: digits, lowercase, punctuation missing or misplaced ------------------
    ("thank you for calling super awesome company waldo's premier provider of perfect products "
     "if you know your party's extension you may dial it at any time to establish a sales "
     "partnership press 1 to speak with a customer advocate press 2 for accounting and other "
     "receivables press 3 for a company directory press 4 for an operator press 0", PBX_MAIN),
    ("Thank you for calling Super Awesome Company. Waldo's premier provider of perfect products, "
     "if you know your party's extension. You may dial it at any time to establish a sales "
     "partnership. Press 1. To speak with a customer advocate. Press 2 for accounting and other "
     "receivables. Press 3 for a company directory. Press 4 for an operator. Press 0.", PBX_MAIN),
    ("Thank you for calling Super Awesome Company, Waldo's premier provider of perfect products. "
     "If you know your party's extension, you may dial it at any time. To establish a sales "
     "partnership, press 1. To speak with a customer advocate, press 2. For accounting and other "
     "receivables, press 3. For a company directory, press 4. For an operator, press 0.",
     PBX_MAIN),
    ("press star to return to the main menu.", [("*", "return to the main menu")]),
    ("Press *, to return to the main menu.", [("*", "return to the main menu")]),
    ("Press the star key to return to the main menu.", [("*", "return to the main menu")]),
    ("To return to the main menu, press star.", [("*", "return to the main menu")]),
    ("Thank you for calling Acme Bank for billing questions. Press 1 for technical support. "
     "Press 2.", [("1", "billing questions"), ("2", "technical support")]),
    ("thank you for calling riverside power and water press one for billing press two for "
     "outages press three for new service press four for payments press five for account "
     "changes press six for all other questions", RIVERSIDE),
    ("Press one. For billing. Press two. For support.", BILLING_SUPPORT),
    ("for billing press one for support press two", BILLING_SUPPORT),
    ("For billing press 1, for support press 2.", BILLING_SUPPORT),
    ("press one for billing, two for support, or three for sales",
     [("1", "billing"), ("2", "support"), ("3", "sales")]),
    # whisper tiny.en on flite's "... For lost or stolen cards, press 2. ...": "pressed to".
    ("for account balances press one for lost or stolen cards pressed to for loans and "
     "mortgages press three", [("1", "account balances"), ("2", "lost or stolen cards"),
                               ("3", "loans and mortgages")]),
    # One label for a list of keys: each key is an option (what each does is learned).
    ("For hours and locations, payments or new service, press 1, 2 or 3. To return to the "
     "main menu, press star.", [("1", "hours and locations payments or new service"),
                                ("2", "hours and locations payments or new service"),
                                ("3", "hours and locations payments or new service"),
                                ("*", "return to the main menu")]),
    ("For billing, sales or support, press 1, 2, or 3.",
     [("1", "billing sales or support"), ("2", "billing sales or support"),
      ("3", "billing sales or support")]),
    # Whisper's hyphen for the pause between listed keys (zoo seed 28022).
    ("Billing menu. For payments, account changes or your balance. Press 1-2 or 3.",
     [("1", "payments account changes or your balance"),
      ("2", "payments account changes or your balance"),
      ("3", "payments account changes or your balance")]),
    # Whisper without the commas of "press 1, 2 or 3" (zoo seed 29113).
    ("for baggage frequent flyer or flight status press 1 2 or 3 to speak with a "
     "representative press 0", [("1", "baggage frequent flyer or flight status"),
                                ("2", "baggage frequent flyer or flight status"),
                                ("3", "baggage frequent flyer or flight status"),
                                ("0", "speak with a representative")]),
    # No verb at all: the keys count up, so they are a list of choices.
    ("Please choose from the following, one for outages, two for payments.",
     [("1", "outages"), ("2", "payments")]),
    ("Make your selection now. 1 for billing. 2 for sales. 3 for support.",
     [("1", "billing"), ("2", "sales"), ("3", "support")]),
    ("please press one to mute or unmute yourself two to lock or unlock the conference three to "
     "eject the last user four or six to decrease or increase the conference volume seven or "
     "nine to decrease or increase your volume or eight to exit", CONF_ADMIN),
    ("For billing questions press 1. For an operator press 0.",
     [("1", "billing questions"), ("0", "an operator")]),
    ("to pay a bill press 1 to check your balance press 2 to repeat these options press 9",
     [("1", "pay a bill"), ("2", "check your balance"), ("9", "repeat these options")]),
    ("Press 1 to pay a bill, or press pound to hear this again.",
     [("1", "pay a bill"), ("#", "hear this again")]),
    ("For billing, press 1. For sales, press 2. Or press pound to hear this again.",
     [("1", "billing"), ("2", "sales"), ("#", "hear this again")]),
    ("Press # to repeat this menu.", [("#", "repeat this menu")]),
    ("Press hash to go back.", [("#", "go back")]),
    ("To hear these options again, press the pound key.", [("#", "hear these options again")]),
    ("to reach the operator press the number sign", [("#", "reach the operator")]),
    ("thank you for calling super awesome company waldos premier provider of perfect products "
     "if you know your parties extension you may dial it at any time to establish a sales "
     "partnership press one to speak with a customer advocate press two for accounting and "
     "other receivables press three for a company directory press four for an operator press "
     "zero", PBX_MAIN),
    ("Press 1. For billing, press 2. For support.", BILLING_SUPPORT),
    ("press * to toggle pause, press # to enter a new dictation filename",
     [("*", "toggle pause"), ("#", "enter a new dictation filename")]),
    ("thank you for calling acme this call may be monitored or recorded for quality and "
     "training purposes for billing press one for technical support press two for all other "
     "inquiries please stay on the line", [("1", "billing"), ("2", "technical support")]),
    ("Press 1 for sales or press 2 for service or stay on the line for an operator.",
     [("1", "sales"), ("2", "service")]),
    # --- other phrasings ----------------------------------------------------------------------
    ("If you would like to learn more technical information about Asterisk dial 2 now.  If "
     "you'd like to test out the voice over IP capabilities of Asterisk you can dial 500 to "
     "attempt an Inter-Asterisk Exchange or IAX connection to a demonstration server at "
     "Digium.  Finally,  you can press the pound key to disconnect from the PBX.",
     [("2", "learn more technical information about asterisk"),
      ("500", "test out the voice over ip capabilities of asterisk"),
      ("#", "disconnect from the pbx")]),
    ("Press 1 to list users currently in the conference, 2 to kick all non-administrator users, "
     "4 to record this conference, or 8 to exit this menu and return to the conference.",
     [("1", "list users currently in the conference"), ("2", "kick all non-administrator users"),
      ("4", "record this conference"), ("8", "exit this menu and return to the conference")]),
    ("Press 1 if you are a new patient, or 2 if you are an existing patient.",
     [("1", "a new patient"), ("2", "an existing patient")]),
    ("Please enter 1 for yes or 2 for no.", [("1", "yes"), ("2", "no")]),
    ("Press 1 or say billing. Press 2 or say support.", BILLING_SUPPORT),
    ("press o for the operator", [("0", "the operator")]),
    ("Press the number one key for billing.", [("1", "billing")]),
    ("If you are calling about an order, press 2. For all other questions, press 3.",
     [("2", "calling about an order"), ("3", "all other questions")]),
    ("If you know your party's extension, press one. For all other calls, press two.",
     [("1", "you know your party's extension"), ("2", "all other calls")]),
    ("If you would like to speak with a representative, press 0.",
     [("0", "speak with a representative")]),
    ("Dial 3 for sales. Select 4 for service. Say or press 5 for parts. Push 6 for returns. "
     "Enter 7 for the company directory.",
     [("3", "sales"), ("4", "service"), ("5", "parts"), ("6", "returns"),
      ("7", "the company directory")]),
    ("To speak to a representative press 1 now.", [("1", "speak to a representative")]),
    ("Please listen carefully as our menu options have changed. For new accounts, press 1. For "
     "existing accounts, press 2.", [("1", "new accounts"), ("2", "existing accounts")]),
    ("This call may be recorded for quality assurance purposes. For billing press 1. For "
     "support press 2.", BILLING_SUPPORT),
    ("press 1 for sales press 2 for service press 3 for parts thank you for calling",
     [("1", "sales"), ("2", "service"), ("3", "parts")]),
    ("Press 1 for billing. Press 2 for sales. To return to billing, press 1.",
     [("1", "billing"), ("2", "sales")]),
    ("Press 1 for billing. If you are calling about an order, press 2.",
     [("1", "billing"), ("2", "calling about an order")]),
    ("To speak to an operator you may press 0 at any time.", [("0", "speak to an operator")]),
    ("Thank you for calling the Center for Disease Control. Press 1 for vaccines. Press 2 for "
     "travel.", [("1", "vaccines"), ("2", "travel")]),
    ("For English, press 1. Para español, oprima dos.", [("1", "english"), ("2", "español")]),
    # --- Spanish --------------------------------------------------------------------------------
    ("Para español, oprima nueve.", [("9", "español")]),
    ("para español oprima el nueve", [("9", "español")]),
    ("Oprima 9 para español.", [("9", "español")]),
    ("para espanol oprima nueve", [("9", "espanol")]),
    ("Para ventas, marque 2. Para soporte técnico, presione 3.",
     [("2", "ventas"), ("3", "soporte técnico")]),
    ("Para hablar con un representante, oprima cero.", [("0", "hablar con un representante")]),
    ("Press 1 for billing. Press 2 for support. Para español, oprima nueve.",
     [("1", "billing"), ("2", "support"), ("9", "español")]),
    ("press one for english para espanol oprima dos", [("1", "english"), ("2", "espanol")]),
    ("Oprima 1 para ventas, 2 para soporte o asterisco para repetir este menú.",
     [("1", "ventas"), ("2", "soporte"), ("*", "repetir este menú")]),
]


@pytest.mark.parametrize("transcript, expected", MENUS)
def test_menu_options(transcript: str, expected: list[tuple[str, str]]) -> None:
    reading = interpret(transcript)
    assert reading.kind == "menu"
    assert [(o.key, o.label) for o in reading.options] == expected


def test_menu_table_is_large() -> None:
    assert len(MENUS) >= 40


KINDS: list[tuple[str, str]] = [
    # hold
    ("Please hold.", "hold"),
    ("Your call is important to us. Please stay on the line.", "hold"),
    ("All of our agents are busy assisting other callers.", "hold"),
    ("All of our represenatives are currently busy. Please stay on the line and your call will "
     "be answered by the next available representative.", "hold"),
    ("Your call is now first in line and will be answered by the next available "
     "representative.", "hold"),
    ("you are next in line", "hold"),
    ("Please hold while I try that extension.", "hold"),
    ("please hold while I try to locate the person you are calling", "hold"),
    ("Please hold while we try to connect you.", "hold"),
    ("Your call will be answered in the order received.", "hold"),
    ("Please hold for the next available agent.", "hold"),
    ("please stay on the line", "hold"),
    ("You are currently caller number 3.", "hold"),
    ("you are color number five.", "hold"),  # Whisper's "caller" (zoo seed 13010)
    ("currently, color number two.", "hold"),  # its first words cut by the agent (21027)
    ("The estimated whole time is currently eight minutes.", "hold"),  # "hold" (zoo 20041)
    ("The estimated delivery date is Monday.", "message"),
    ("You are now connected to number five.", "message"),
    ("Por favor espere. Su llamada es muy importante para nosotros.", "hold"),
    # voicemail
    ("Please leave a message after the tone.", "voicemail"),
    ("After the beep, record your message.", "voicemail"),
    ("Please leave my message after.", "voicemail"),  # Whisper's "a" (zoo seed 21012)
    ("The person you are calling is not available.", "voicemail"),
    ("Nobody is available to take your call at the moment", "voicemail"),
    ("Nobody is available to take your call at the moment Please leave your message after the "
     "tone. When done hang up or press the pound key.", "voicemail"),
    ("Please leave your message after the tone.  When done hang up or press the pound key.",
     "voicemail"),
    ("After the tone say your name and then press the pound key.", "voicemail"),
    ("At the tone, please record an introduction to the forwarded message.  When done, press the "
     "pound sign.", "voicemail"),
    ("Hi, this is Sam. I can't take your call right now, please leave a message after the beep.",
     "voicemail"),
    ("Please leave your name and account number after the tone.", "voicemail"),
    ("You have reached the voicemail of John Smith.", "voicemail"),
    ("Deje su mensaje después del tono.", "voicemail"),
    # human
    ("hi this is Sam, how can I help you", "human"),
    ("Thank you for holding, my name is Ana. How may I help you?", "human"),
    ("Customer service, this is Ana speaking.", "human"),
    # "how may I help you?" with its "how" misheard (zoo seed 30341), and said without one
    ("Thank you for calling, so spread it to a few millions. I may I help you.", "human"),
    ("May I help you?", "human"),
    ("In a few words, tell me how I can help you.", "message"),
    ("hello?", "human"),
    ("Hello.", "human"),
    ("how may I help you today", "human"),
    ("Hello, this is Alex. How can I help you?", "human"),
    ("Operator speaking. How may I direct your call?", "human"),
    ("Hi, this is Sam.", "human"),
    ("Good morning, Acme Dental, this is Jenny.", "human"),
    ("Hi, this is Sam in customer advocacy. How can I help you today?", "human"),
    ("Buenas tardes, le atiende María, ¿en qué le puedo ayudar?", "human"),
    # input
    ("please enter your 8 digit account number followed by the pound key", "input"),
    ("please enter the number you wish to call", "input"),
    ("please enter the extension", "input"),
    ("Please enter your phone number, starting with the area code.", "input"),
    ("To leave a message, please enter a mailbox number.", "input"),
    ("Please enter one or more keywords separated by * and then press the pound key.", "input"),
    # message
    ("That is not a valid option.", "message"),
    ("goodbye", "message"),
    ("Thank you for calling, our offices are closed.", "message"),
    ("thank you for calling our offices are closed our hours are 9 to 5 goodbye", "message"),
    ("I am sorry, that's not a valid extension.  Please try again.", "message"),
    ("That option is invalid. Please try again.", "message"),
    ("Your balance is forty two dollars and ten cents.", "message"),
    ("There are no outages reported in your area. Goodbye.", "message"),
    ("you have no messages", "message"),
    ("The number you have dialed is not in service. Please check the number and try again.",
     "message"),
    ("If you know your party's extension, you may dial it at any time.", "message"),
    ("No directory entries match your search.", "message"),
    ("That feature is not available on this line.", "message"),
    ("Hello and thank you for calling Acme, this is the automated attendant.", "message"),
    ("", "message"),
]


@pytest.mark.parametrize("transcript, kind", KINDS)
def test_kind(transcript: str, kind: str) -> None:
    reading = interpret(transcript)
    assert reading.kind == kind
    assert reading.options == ()


INPUTS: list[tuple[str, int | None, str | None]] = [
    ("please enter your 8 digit account number followed by the pound key", 8, "#"),
    ("Please enter your eight-digit account number, followed by the pound key.", 8, "#"),
    ("please enter the number you wish to call", None, None),
    ("please enter the number you wish to call, followed by the pound key.", None, "#"),
    # whisper tiny.en on the Debian prompt: a key is named, and it rhymes with pound
    ("Please enter the number you wish to call, followed by the town key.", None, "#"),
    ("Please enter your account number, followed by the car key.", None, "*"),
    ("Please enter your account number, followed by the blue key.", None, None),
    ("Please enter the number you wish to call, followed by the town clerk.", None, None),
    ("please enter the extension", None, None),
    ("Please enter your phone number, starting with the area code.", 10, None),
    ("Please enter your password followed by the pound key.", None, "#"),
    ("Please enter a new extension, followed by pound.", None, "#"),
    ("Agent login.  Please enter your agent number followed by the pound key.", None, "#"),
    ("Welcome to the directory.  Please enter the first three letters of your party's last name "
     "using your touch tone keypad.  Use the 7 key for Q and the 9 key for Z.", 3, None),
    ("Please enter your four digit PIN, then press pound.", 4, "#"),
    ("please enter your 4 to 6 digit pin followed by the hash key", None, "#"),
    ("Enter your account number followed by star.", None, "*"),
    ("Please enter your zip code and press pound when you are finished.", None, "#"),
    ("Ingrese su número de cuenta de 10 dígitos seguido de la tecla numeral.", 10, "#"),
]


@pytest.mark.parametrize("transcript, digits, terminator", INPUTS)
def test_input_details(transcript: str, digits: int | None, terminator: str | None) -> None:
    assert interpret(transcript) == Interpretation("input", (), digits, terminator)


def test_options_win_over_input() -> None:
    reading = interpret("If you know your party's extension, you may dial it at any time. "
                        "For sales, press 1.")
    assert reading.kind == "menu"
    assert reading.options == (Option("1", "sales"),)
    reading = interpret("Please enter your account number, or press star to return to the "
                        "main menu.")
    assert reading.kind == "menu"
    assert reading.options == (Option("*", "return to the main menu"),)
    assert reading.digits is None and reading.terminator is None


def test_language_is_passed_through() -> None:
    reading = interpret("Para ventas, oprima uno.", "es")
    assert reading == Interpretation("menu", (Option("1", "ventas"),), language="es")
    assert interpret("Deje su mensaje después del tono.", "es").language == "es"


def test_finishing_keys_are_not_options() -> None:
    # "and then press pound" ends an entry; "hang up or press pound" ends a recording.
    assert interpret("Enter your PIN and then press pound.").kind == "input"
    assert interpret("Please record your message, and when finished press the pound key.").kind \
        == "voicemail"
    # ...but only "#" and "*" finish anything.
    assert interpret("When you are done, press 1 to send this message.").options == (
        Option("1", "send this message"),)


def test_keys_that_do_not_count_up_are_no_list() -> None:
    # Without a verb, a lone "one for" or numbers out of order are words, not choices.
    for said in ["Thank you. One for all and all for one.",
                 "Our team of 5 for sales and 2 for support will help you.",
                 "One for the road."]:
        assert interpret(said).kind == "message", said


def test_numbers_that_are_not_keys() -> None:
    # "one of" is a quantity, "9 to 5" are hours, a count says how many digits to enter, and a
    # phone number is too long to be an option.
    reading = interpret("Press one of the following keys.")
    assert reading.kind == "message"
    reading = interpret("Press 1 for billing. Our hours are 9 to 5.")
    assert [o.key for o in reading.options] == ["1"]
    assert interpret("Please enter your 10 digit account number.").digits == 10
    assert interpret("For sales, call 1 800 555 1234.").options == ()
    # Single digits with no commas are a list of keys only where "or" and a key end them,
    # and not when they count digits.
    assert interpret("Enter 5 5 5 1 2 1 2.").options == ()
    assert interpret("Press 1 2 or 3 digits.").options == ()


def test_multi_digit_options_are_extensions() -> None:
    """Asterisk's own demo says "dial 600" and "dial 8500": extensions are options, and
    whisper writes a four-digit one with a thousands separator."""
    reading = interpret("To execute an echo test dial 600. Dial extension 8,500 for the "
                        "conference room. Press 0 for an operator.")
    assert [(o.key, o.label) for o in reading.options] == [
        ("600", "execute an echo test"), ("8500", "the conference room"), ("0", "an operator")]
    # in words, as Whisper writes them for a flite voice (zoo seed 20026)
    said = interpret("For the front desk, dial six hundred. For the conference room, dial "
                     "eight thousand five hundred.")
    assert [o.key for o in said.options] == ["600", "8500"]
    assert interpret("Press one hundred times.").options == ()
    assert [o.key for o in interpret("Press 1 for billing. Wait times are over two hundred "
                                     "minutes.").options] == ["1"]


def test_an_extension_whose_verb_was_misheard_is_an_option() -> None:
    """Whisper writes the flite "For the front desk, dial 699." as "for the front desk, die
    whole 699." (zoo seeds 29876, 29897): a choice's clause, its pause, a word or two where
    the verb stands and an extension that ends the sentence. An address or a count in such a
    clause, or a number where no menu is, is no option."""
    reading = interpret("For credit cards, press 1. If you know your party's extension, you "
                        "may dial it at any time for the front desk, die whole 6500.")
    assert [(o.key, o.label) for o in reading.options] == [("1", "credit cards"),
                                                          ("6500", "the front desk")]
    assert [o.key for o in interpret("For billing, press 1. For our office, visit suite "
                                     "200.").options] == ["1"]
    assert [o.key for o in interpret("For billing, press 1. For your account, your 10 digit "
                                     "number.").options] == ["1"]
    assert interpret("For the front desk, die whole 699.").options == ()


@pytest.mark.parametrize("word, key", [
    ("one", "1"), ("One", "1"), ("1", "1"), ("zero", "0"), ("oh", "0"), ("0", "0"),
    ("nine", "9"), ("star", "*"), ("asterisk", "*"), ("*", "*"), ("pound", "#"),
    ("hash", "#"), ("number sign", "#"), ("#", "#"), ("the pound key", "#"),
    ("uno", "1"), ("nueve", "9"), ("cero", "0"), ("asterisco", "*"), ("numeral", "#"),
    ("almohadilla", "#"), ("gato", "#"), ("dos", "2"), ("Five.", "5"),
])
def test_say_key(word: str, key: str) -> None:
    assert say_key(word) == key


@pytest.mark.parametrize("word", ["ten", "12", "billing", "", "number", "o", "press"])
def test_say_key_rejects(word: str) -> None:
    assert say_key(word) is None


def test_a_list_of_keys_is_not_read_as_key_for():
    """"1, 4, Foxtrot" is whisper's "one for foxtrot"; "1, 4, or 6" stays a list of keys."""
    assert [t.text for t in tokenize("press 1, 4, Foxtrot")] == ["press", "1", "for", "foxtrot"]
    assert [t.text for t in tokenize("Press 1, 4, or 6 to continue.")] == [
        "press", "1", "4", "or", "6", "to", "continue"]


@pytest.mark.parametrize("greeting", [
    "Hi, this is Sam.", "Thank you for calling, how may I help you?", "Billing, Maria speaking.",
    "Thanks for holding, this is Priya.", "Thank you for holding, this is Priya.",
    "Good morning, support desk, Kevin speaking, how can I assist?",
])
def test_people_answer_in_many_ways(greeting: str) -> None:
    """How live agents greet (issue 16): a name to end on, "speaking", "how may I help"."""
    assert interpret(greeting).kind == "human"


def test_keys_whisper_writes_as_words_that_sound_alike() -> None:
    """"press two to refill" comes out as "press to refill", "press four" as "press for"."""
    reading = interpret("To make an appointment press one to hear your test results press to "
                        "refill a prescription press three. For sales press for.")
    assert [o.key for o in reading.options] == ["1", "2", "3", "4"]
    from ivraudit.interpret import ends_before_its_key
    assert ends_before_its_key("to cancel your service press one to hear your balance press")
    assert not ends_before_its_key("To hear your balance, press 2.")
    flite = interpret("for account changes press one for a specialist press do.")  # zoo 20054
    assert [(o.key, o.label) for o in flite.options] == [("1", "account changes"),
                                                         ("2", "a specialist")]


@pytest.mark.parametrize("heard, kind, terminator", [
    ("Enter your phone number than press pound.", "input", "#"),      # "then", misheard
    ("Enter your zip code, and then press pound.", "input", "#"),
    ("Please enter your account number, or press pound to speak to an agent.", "menu", None),
    ("For billing press 1. To enter your account number press pound.", "menu", None),
])
def test_the_pound_key_that_ends_an_entry_is_no_option(heard: str, kind: str,
                                                         terminator: str | None) -> None:
    """An entry's "press pound" is how it ends, whatever the words around it sound like to
    the recogniser; a pound key offered for something else is a menu's option."""
    reading = interpret(heard)
    assert (reading.kind, reading.terminator) == (kind, terminator)


@pytest.mark.parametrize(("first_words", "after_a_queue", "anywhere"), [
    ("Hi, this is Sam in customer", True, False),   # could go on "...'s voicemail"
    ("Operator speaking.", True, True),
    ("Customer service, Sam speaking", True, True),
    ("Hello, this is Alex. How can I", True, False),
    ("Thank you for holding. How can I help you", True, True),
    ("Thank you for calling Acme", False, False),
    ("Please leave your name", False, False),
    ("Your call is important to us", False, False),
])
def test_a_person_is_known_from_their_first_words(first_words: str, after_a_queue: bool,
                                                 anywhere: bool) -> None:
    """The beginning of a prompt still being spoken: after a queue any cue a whole greeting
    is read by says a person; elsewhere only one more words cannot undo."""
    assert person_answers(first_words, True) is after_a_queue
    assert person_answers(first_words, False) is anywhere


def test_a_list_that_counts_up_before_the_first_verb_is_read_with_labels_after_keys():
    """No verb until the last option (zoo seed 12002 mapped only '#')."""
    reading = interpret("Please choose from the following. One for billing. Two for test "
                        "results. Three for prescription refills. To end this call, press pound.",
                        "en")
    assert [(o.key, o.label) for o in reading.options] == [
        ("1", "billing"), ("2", "test results"), ("3", "prescription refills"),
        ("#", "end this call")]


def test_whispers_to_for_two_in_a_list_that_counts_up():
    """"one for billing to for appointments" (zoo seed 12004): "to for" is "two for"."""
    reading = interpret("Please choose from the following, one for billing to for "
                        "appointments, three for prescription refills.", "en")
    assert [o.key for o in reading.options] == ["1", "2", "3"]
    assert interpret("We went to for a walk. One for all.", "en").kind == "message"


def test_please_enter_your_anything_asks_for_keys():
    """A caller enters nothing but keys: "Please enter your PIN." heard as "... PIM." (zoo
    seeds 11045, 12008) still asks for digits."""
    assert interpret("Please enter your PIM.", "en").kind == "input"
    assert interpret("To enter your account, press 1. For sales, press 2.", "en").kind == "menu"


def test_one_moment_please_asks_the_caller_to_wait():
    """"One moment, please." and 31 s of silence was taken for a person waiting for the
    caller (zoo seed 12021): the words ask the caller to hold."""
    assert interpret("One moment, please.", "en").kind == "hold"
    assert interpret("At this moment, please listen carefully.", "en").kind == "message"


def test_a_menu_has_said_something_of_its_own_once_its_first_option_is_said():
    """A house opening ("Please select from the following options.") begins several menus:
    a prompt is told from another sharing it only once an option, key and label, is said
    (a return to the main menu is taken no earlier: zoo family trees hidden and structure)."""
    from ivraudit.interpret import first_option_said_by
    words = "Please select from the following options. Select 1 for moving. Select 2 for billing."
    timed = [(word, 0.4 * (i + 1)) for i, word in enumerate(words.split())]
    assert first_option_said_by(timed) == pytest.approx(0.4 * 10)  # "moving."
    assert first_option_said_by([("Goodbye.", 0.6)]) == 0.0
    late = "For billing, press 1. For support, press 2."  # label first: said once the key is
    assert first_option_said_by([(w, 0.5 * (i + 1)) for i, w in enumerate(late.split())]) == \
        pytest.approx(0.5 * 4)


@pytest.mark.parametrize("text, music, tone, kind", [
    # a person's greeting whose last words scored as music (flite, zoo seed 18030)
    ("Hi, this is Priya in customer service. What can I do for you?", True, False, "human"),
    ("Please hold while I try that extension.", True, False, "hold"),   # a queue says hold
    ("Thank you for calling Valley Water District.", True, False, "hold"),  # says no person
    ("Press 1 for billing.", True, False, "menu"),                     # keys offered
    ("Hi, this is Tom. Please leave a message after the tone.", False, True, "voicemail"),
    # a box's greeting whose words that make pound a way to finish were garbled (zoo 20043)
    ("Nobody is available to take your call at the moment. Please leave your message after "
     "the tone when Dunt Enva press the pound key.", False, True, "voicemail"),
    ("Nobody is available. To leave a message, press 1.", False, False, "menu"),  # no beep
])
def test_what_follows_the_words_and_what_they_say_make_the_kind(
        text: str, music: bool, tone: bool, kind: str) -> None:
    """Music after the words makes a queue, a beep voicemail, unless the words offer keys or
    say a person speaks; words that ask for a message and a beep are voicemail whatever
    keys they mention."""
    from ivraudit.interpret.node_kind import node_kind

    said = interpret(text, "en").kind
    assert node_kind(said, text, ran_into_music=music, ends_in_tone=tone) == kind


def test_a_numbered_list_with_a_number_not_heard_is_still_a_list():
    """Whisper dropped the "two" of "one for account balances, two for lost or stolen cards,
    three for loans" (zoo seed 19018): before a "press 9", keys that count up but for one
    missing number are still the menu's list (the crawl then tries the missing one, see
    ivraudit.crawl.probes.skipped_keys). Without a verb two keys two apart are no list."""
    reading = interpret("Please choose from the following. One for account balances for lost "
                        "or stolen cards. Three for loans and mortgages. To hear these options "
                        "again, press 9.", "en")
    assert [o.key for o in reading.options] == ["1", "3", "9"]
    assert interpret("One for all, three for you.", "en").kind == "message"


def test_a_number_skipped_between_an_option_and_a_key_named_is_tried():
    """"1. For billing, 2. For prescription refills, 3 for test results, 4 for appointments"
    written "... 3.4 test results, 4.4" by Whisper (zoo seed 29503; its "3.4" is read as "3
    for" now, test_a_key_joined_to_to_or_for_by_a_decimal_point_is_read): where the 3 is
    heard as no key at all, options 1 and 2 are read, 4 is named but joined to no label, and
    3, the number between, was lost: the crawl tries it as well as 4. Keys named in order
    leave nothing between to try."""
    from ivraudit.audit.model import Audit, NodeRecord, Option
    from ivraudit.crawl.policy import CrawlPolicy
    from ivraudit.crawl.scheduler import Scheduler

    def tried(said: str) -> set[str]:
        audit = Audit(target="t", started="")
        reading = interpret(said, "en")
        node = NodeRecord(id="n0", kind="menu", path=[], via=[], transcript=said,
                          options=[Option(o.key, o.label) for o in reading.options])
        scheduler = Scheduler(audit, CrawlPolicy(), lambda: 0.0, lambda node: 0.0)
        scheduler.queue_probes(node)
        return {p.keys for p in scheduler.frontier.at("n0") if p.role == "escape"}

    said = ("Please choose from the following. 1. For billing, 2. For prescription refills, "
            "the test results, 4.4")
    assert [o.key for o in interpret(said, "en").options] == ["1", "2"]
    assert {"3", "4"} <= tried(said)
    assert not any(k.isdigit() for k in tried(
        "For billing, press 1. For refills, press 2. For appointments, press 3. To speak with "
        "a representative, press 0."))


def test_a_key_joined_to_to_or_for_by_a_decimal_point_is_read():
    """Whisper writes "press 3. To end this call" as "press 3.2. And this call" (zoo seed
    29542: the flight status queue never tried) and "3 for test results" as "3.4 test
    results" (29503): a single digit, a point, the 2 or 4 of "to" or "for", then a word. A
    price or a figure with more digits stays a number."""
    heard = ("For Baddage, press 1. For reservations, press 2. For Flight Status, press 3.2. "
             "And this call, press pound.")
    assert [o.key for o in interpret(heard, "en").options] == ["1", "2", "3", "#"]
    heard = ("Please choose from the following. 1. For billing, 2. For prescription refills, "
             "3.4 test results, 4.4 appointments.")
    assert [(o.key, o.label) for o in interpret(heard, "en").options][2:] == [
        ("3", "test results"), ("4", "appointments")]
    assert [o.key for o in interpret("Your balance is $3.45 today. Press 1 for more.",
                                     "en").options] == ["1"]


def test_the_keypad_named_asks_for_keys():
    """"Using your telephone keypad, enter your PIN." heard as "... Enter your PIM." (zoo
    seeds 28045, 28056): a caller uses the keypad for keys alone, whatever they are called."""
    assert interpret("using your telephone keypad. Enter your PIM.", "en").kind == "input"
    assert interpret("Using your keypad, press 1 for sales. Press 2 for billing.",
                     "en").kind == "menu"


def test_a_wait_said_in_minutes_says_hold():
    """"Your estimated wait time is two minutes." heard as "... the way time is due minutes."
    (zoo seed 28018) still announces a wait; a time of day does not."""
    assert interpret("Go rest and make the way time is due minutes.", "en").kind == "hold"
    assert interpret("Good way to time in three minutes.", "en").kind == "hold"
    assert interpret("Please allow 10 minutes for processing.", "en").kind == "message"
    assert interpret("The current time is 5 minutes past noon.", "en").kind == "message"


def test_the_end_of_thanks_for_patience_says_hold():
    """"Thank you for your patience." with its first words lost in the queue's music: "for
    your patients." (zoo seed 28055); patients named in a longer prompt are no queue's."""
    assert interpret("for your patients.", "en").kind == "hold"
    assert interpret("We appreciate your patience.", "en").kind == "hold"
    assert interpret("Information for your patients is on our website.", "en").kind == "message"


def test_your_call_is_important_with_its_first_words_lost_says_hold():
    """"Your call is important to us." with its first words kept by the music that ran into
    it, and its end cut by the agent: "important to us. Please take..." (zoo seed 29311).
    Something else important to us, said whole, is no queue's."""
    assert interpret("important to us. Please take...", "en").kind == "hold"
    assert interpret("is important to us.", "en").kind == "hold"
    assert interpret("Your privacy is important to us. Goodbye.", "en").kind == "message"
    assert interpret("Thank you. Your business is important to us.", "en").kind == "message"


def test_keys_said_leaves_out_words_that_only_sound_like_keys():
    """"Press two, for account balances" heard "pressed for account balances" reads a 4 the
    prompt never named (zoo seeds 24048, 24005); "dinald 4" names a 4 no option took
    (20050). keys_said lists keys named by their own names only."""
    from ivraudit.interpret import keys_said
    heard = ("for credit cards press one for lost or stolen cards pressed for account "
             "balances press three to hear these options again press nine")
    assert "4" in [o.key for o in interpret(heard, "en").options]
    assert keys_said(heard) == ["1", "3", "9"]
    assert keys_said("for new service, dial one for payment or diamonds, dinald for billing, "
                     "dinald 3, 4 outages, dinald 4.") == ["1", "3", "4"]
    assert keys_said("Press 1 to speak with one of our agents, or press the pound key.") == \
        ["1", "#"]


def test_keys_a_reading_may_have_lost_are_tried():
    """A choice said without its key gets the first number of the run no option has: "For
    loans and mortgages, press one for account balances." (26034, "press 2" lost), a list's
    label that runs into the next ("three for baggage for reservations", 26012, "four"
    lost), "... for payment or to hear these options again. Press 9." (25054). A prompt
    whose choices all have keys costs none, whatever numbers it skips; a key the prompt
    names that no option took is tried too (20050)."""
    from ivraudit.crawl.probes import keys_for_lost_choices, unread_keys
    assert keys_for_lost_choices(["1"], "and all the way away. For loans and mortgages, press "
                                        "one for account balances.", []) == ["2"]
    assert keys_for_lost_choices(["1", "2", "3"], "Please choose from the following. One for "
                                 "flight status to for frequent flyer. Three for baggage for "
                                 "reservations.", []) == ["4"]
    assert keys_for_lost_choices(["1", "9"], "for new service press 1 for payment or to hear "
                                             "these options again. Press 9.", []) == ["2"]
    # a key read from a word that sounds like one, breaking the run (26056: "Select 2")
    assert keys_for_lost_choices(["1", "4", "#"], "Select one for your balance. Select for a "
                                 "specialist. To go back to the previous menu, press pound.",
                                 []) == ["2"]
    # a choice another rule already tries a key for costs no second key
    assert keys_for_lost_choices(["1"], "For billing, press 1. For sales, press", ["2"]) == []
    assert keys_for_lost_choices(["1", "3"], "One for billing, for sales, three for support. "
                                             "Four for loans", ["2"]) == []
    for announced, said in [
            (["5", "0", "*"], "Press 5 to leave a message. Press 0 to reach an operator. Press "
                              "star to return to the main menu."),
            (["1", "4"], "Press 1 for sales. Press 4 for support."),
            (["1", "2", "9"], "For billing, press 1. For sales, press 2. To hear these options "
                              "again, press 9."),
            (["1", "2"], "Calls are recorded for training. You consent to the recording. Press 1 "
                         "for outages. Press 2 for payments."),
            (["1", "2"], "Press 1 to apply for a permit. Press 2 to return to the main menu.")]:
        assert keys_for_lost_choices(announced, said, []) == [], said
    assert unread_keys(["1", "3"], "for new service, dial one for payment or diamonds, dinald "
                                   "for billing, dinald 3, 4 outages, dinald 4.") == ["4"]
    assert unread_keys(["1", "2"], "Press 1 for billing. Press 2 for sales.") == []


def test_a_key_verb_whose_word_names_no_key_is_a_key_misheard():
    """The Flite "For billing, dial 4. To speak with a representative, press 0." heard as
    "For billing, dial floor to speak with a representative" (zoo seeds 29209, 29275): the
    word where the key stands names none, so that choice's key was misheard and the first
    free number is tried. A verb's other objects ("dial it at any time", "press any key",
    "press and hold", "by dialing digits", "say billing") and a verb in a list of words ("the
    dial, answer and hang up commands") are no lost key."""
    from ivraudit.crawl.probes import keys_for_lost_choices
    said = ("For permits, dial one. For parking tickets, dial two. For water, dial three. For "
            "trash and recycling. Dial floor to speak with a representative. Press zero.")
    assert [o.key for o in interpret(said, "en").options] == ["1", "2", "3", "0"]
    assert keys_for_lost_choices(["1", "2", "3", "0"], said, []) == ["4"]
    # with a choice whose key was lost as well ("for payment or" for "... arrangements, dial 3")
    said = ("for outages dial 1 for new service, dial 2 for payment or for billing, dial floor "
            "to speak with a representative, press the zero key.")
    assert keys_for_lost_choices(["1", "2", "0"], said, []) == ["3", "4"]
    for announced, said in [
            (["1"], "If you know your party's extension, you may dial it at any time. For "
                    "sales, press 1."),
            (["1"], "Press 1 for sales. Press any key to hear these options again."),
            (["*"], "Press and hold the star key to return to the main menu."),
            (["1"], "You will navigate this demonstration by dialing digits. Press 1 for "
                    "sales."),
            (["1"], "Say billing or press 1."),
            (["1"], "You can use the dial, answer, and hang up commands. Press 1 for sales."),
            (["1", "2"], "Please dial now. For sales, press 1. For support, press 2.")]:
        assert keys_for_lost_choices(announced, said, []) == [], said


def test_a_stock_phrase_where_a_key_stands_is_a_key_misheard():
    """The flite "For order status, press 2." written "for order status press Thank you." by
    Whisper on one machine's CPU (zoo seed 30028): a verb's key slot holds a phrase no key
    names, so the choice's key was lost and the next free number is tried. A stock phrase that
    holds the verb itself ("you may dial it at any time") or follows a key is no lost key."""
    from ivraudit.crawl.probes import keys_for_lost_choices
    said = ("you have reached parking tickets for account changes press one for order status "
            "press Thank you.")
    assert keys_for_lost_choices(["1"], said, []) == ["2"]
    assert keys_for_lost_choices(["1", "2"], "For sales, press 1. Thank you for calling. For "
                                             "support, press 2.", []) == []
    assert keys_for_lost_choices(["1"], "If you know your party's extension, you may dial it "
                                        "at any time. Thank you. For sales, press 1.", []) == []


def test_a_key_heard_joined_to_to_by_hyphens_is_read():
    """Whisper writes "press one to ask about your miles" as "Press 1-2-esque about your
    miles" (zoo seed 28002); "press 1-2 or 3" stays a list."""
    heard = ("Press 1-2-esque about your miles. Press 2 to check a flight. Press 3-2-esque "
             "about your miles to speak with a representative. Press 0.")
    assert [o.key for o in interpret(heard, "en").options] == ["1", "2", "3", "0"]


def test_a_list_announced_ahead_begins_with_its_first_choice():
    """"Please choose from the following. 1 for technical support. 2 for billing." heard as
    "... One for technical support for billing." (the "two" lost, zoo seed 29047): a list
    said to follow is numbered from 1, so its "one for" is a choice however few others were
    heard, and the label run into the next one tells the crawl a key was lost."""
    from ivraudit.crawl.probes import keys_for_lost_choices
    said = ("Welcome to Metro Fiber. Calls are recorded for training and quality purposes. "
            "Please choose from the following. One for technical support for billing.")
    reading = interpret(said, "en")
    assert reading.kind == "menu" and [o.key for o in reading.options] == ["1"]
    assert keys_for_lost_choices(["1"], said, []) == ["2"]
    # No list said to follow, or one that does not begin at 1: words, not choices.
    assert interpret("Thank you. One for all and all for one.").kind == "message"
    assert interpret("Please choose from the following. Three for all.").kind == "message"


def test_a_list_announced_ahead_begins_with_its_first_choice_before_keys_with_a_verb():
    """The same list before choices that name their verb ("1 for a specialist. 2 for
    billing. To speak with a representative, press 0.") heard with its "two" lost (zoo seed
    30286): its "one for" is still a choice, and the crawl tries the key lost after it. Bare
    keys that do not count up from a list said to follow are still words."""
    from ivraudit.crawl.probes import keys_for_lost_choices
    said = ("Please choose from the following, one for a specialist, for billing, to speak "
            "with a representative, press zero, to hear these options again, press 9.")
    reading = interpret(said, "en")
    assert [o.key for o in reading.options] == ["1", "0", "9"]
    assert keys_for_lost_choices(["1", "0", "9"], said, []) == ["2"]
    assert [o.key for o in interpret("One for all and all for one. To leave a message, press "
                                     "5.", "en").options] == ["5"]
    assert [o.key for o in interpret("Please choose from the following. Three for all. To "
                                     "leave a message, press 5.", "en").options] == ["5"]


def test_a_numbered_choice_whose_two_for_was_heard_as_to_after_a_pause_is_a_key_lost():
    """"1 for your balance. 2 for a specialist." heard as "one for your balance, to a
    specialist" (zoo seed 30339): the label of 1 holds a "to" after a pause, where the
    next number and its "for" were, and the crawl tries 2. A "to" inside a label ("two for
    help to pay your bill") is no choice."""
    from ivraudit.crawl.probes import keys_for_lost_choices
    said = ("You have reached billing, please choose from the following, one for your "
            "balance, to a specialist to return to the main menu press star.")
    keys = [o.key for o in interpret(said, "en").options]
    assert keys_for_lost_choices(keys, said, []) == ["2"]
    said = "One for billing, two for help to pay your bill."
    assert keys_for_lost_choices([o.key for o in interpret(said, "en").options], said, []) == []


def test_a_key_before_a_full_stop_and_a_digit_is_a_key():
    """Whisper wrote the spliced Debian words "press one for victor quebec" as "press 1. 4.
    Victor Quebec." (the generated 200-node maze of bench/crawl_cost.py): a full stop ends a
    number, so the 1 is a key, as before a comma; a phone number's groups after a dot are
    longer than one digit, and stay no key."""
    said = "Whiskey, Mike, press 1. 4. Victor Quebec. Press 2 for Echo."
    assert [o.key for o in interpret(said, "en").options] == ["1", "2"]
    assert interpret("To reach us, call 1.800.555.1234.", "en").options == ()


def test_an_extension_written_as_its_hundreds_and_the_rest_is_one_number():
    """Whisper writes "dial six hundred eighty-six" as "dial 600-86" (zoo seed 29024: the
    front desk's 686 never dialled), and "six hundred ten" as "600 10" (30090); a phone
    number's groups after a hyphen are longer, and a pause after the hundreds ends them."""
    said = "For the front desk, dial 600-86."
    assert [(o.key, o.label) for o in interpret(said, "en").options] == [("686", "the front desk")]
    said = "For the front desk, dial 600 10."
    assert [(o.key, o.label) for o in interpret(said, "en").options] == [("610", "the front desk")]
    assert interpret("Dial 600, 10 times.").options == ()
    assert interpret("For sales, call 1-800-555-1234.").options == ()
    assert interpret("Dial 600-86.5 now.").options == ()


def test_a_list_of_labels_with_fewer_keys_than_it_names_lost_the_rest():
    """"For prescription refills or appointments, press 1 or 2." in a flite voice, written
    by Whisper tiny.en as "... or appointments. Press one bar to speak with a representative."
    (zoo seed 29210; "press 1-OR to speak" from another start): the key's clause goes on where
    the lost key was said, so the list's second choice gets the first free number. One choice
    whose label holds "or", its key ending its clause, costs no key."""
    from ivraudit.crawl.probes import keys_for_lost_choices
    from ivraudit.interpret import choices_without_a_key
    for said in ("Welcome to Lakeside Family Clinic for prescription refills or appointments. "
                 "Press one bar to speak with a representative. Press zero.",
                 "for prescription refills or appointments, press 1-OR to speak with a "
                 "representative, press 0."):
        assert [o.key for o in interpret(said, "en").options] == ["1", "0"]
        assert keys_for_lost_choices(["1", "0"], said, []) == ["2"], said
    assert choices_without_a_key("For billing, outages or new service, press one bar.") == 2
    for said in ("For lost or stolen cards, press 1. For loans, press 2.",
                 "For lost or stolen cards press 1 for loans press 2.",
                 "For lost or stolen cards, press 1 now. For loans, press 2.",
                 "To report a lost or stolen card, press 1 at any time.",
                 "For billing, outages or new service, press 1, 2 or 3.",
                 "Press 1 for billing or payments. Press 2 for sales."):
        assert choices_without_a_key(said) == 0, said
