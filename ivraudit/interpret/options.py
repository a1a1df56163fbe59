"""Pairing each announced key with its label, deciding the label side for the whole menu.

A menu says either "for billing, press 1" (label *before* the key) or "press 1 for billing" (label
*after*). Recogniser punctuation cannot tell which: Whisper writes "Thank you for calling Acme Bank
for billing questions. Press 1 for technical support. Press 2." for a label-before menu. So the
text between consecutive key mentions (a *gap*) is read both ways over the whole transcript:

- label-before: gap ``k`` labels mention ``k``; the gap after the last mention is left over;
- label-after: gap ``k + 1`` labels mention ``k``; the gap before the first mention is left over.

Each reading is scored: a label that opens with "for"/"to"/"if"/"para" scores 2, any other
non-empty label 0.5, and a left-over gap that still holds a "for/to/if ..." phrase costs 2 (a
label nobody claimed). Greetings and other stock phrases are masked first, so "thank you for
calling acme bank" neither counts as a label nor as a left-over. The higher score wins; on a tie,
the reading that keeps more labels in the same sentence as their key, then label-after.

Menus that mix the two styles ("press 1 for billing. Para español, oprima nueve.") leave one key
without a label in either reading; a repair step then splits the neighbouring gap at a clause
opener ("if", "para", or any opener right after a comma or full stop) and gives each key its part.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivraudit.interpret.mentions import Mention, find_mentions
from ivraudit.interpret.model import Option
from ivraudit.interpret.text import Token

INTROS = frozenset({"for", "to", "if", "para", "si"})
_CLAUSE_INTROS = frozenset({"if", "para", "si"})
_LEAD_FILLER = frozenset({"now", "please", "or", "and", "also", "then", "y", "o", "ahora",
                          "just", "simply", "u", "finally", "say", "diga"})
_TRAIL_FILLER: tuple[tuple[str, ...], ...] = (
    ("now",), ("please",), ("or",), ("and",), ("then",), ("simply",), ("just",), ("also",),
    ("say",), ("you", "can"), ("you", "may"), ("you", "could"), ("at", "any", "time"),
    ("anytime",), ("y",), ("o",), ("u",), ("por", "favor"), ("ahora",),
)
_YOU_MAY = (("you", "may"), ("you", "can"), ("you", "could"))
_IF_PREFIXES = (("you", "would", "like", "to"), ("you'd", "like", "to"), ("you", "want", "to"),
                ("you", "wish", "to"), ("you", "need", "to"), ("you", "are"), ("you're",))
_SI_PREFIXES = (("usted", "desea"), ("desea",), ("quiere",), ("usted",))

Span = tuple[int, int]


@dataclass
class Reading:
    """One way of pairing gaps with mentions, with its score."""

    after: bool
    spans: list[Span]
    intro: list[bool]
    dangling: Span | None
    score: float = 0.0
    coherence: int = 0


class Labeller:
    """Label extraction over one transcript's tokens and masks."""

    def __init__(self, tokens: list[Token], masks: list[Span], waits: list[Span]) -> None:
        self.tokens = tokens
        self.masked: set[int] = set()
        for lo, hi in masks:
            self.masked.update(range(lo, hi))
        self.waits: set[int] = set()
        for lo, hi in waits:
            self.waits.update(range(lo, hi))

    def words(self, lo: int, hi: int) -> list[str]:
        return [t.text for t in self.tokens[lo:hi]]

    def strip(self, lo: int, hi: int) -> Span:
        """Drop filler words ("now", "please", "or", "you can") from both ends."""
        while lo < hi and self.tokens[lo].text in _LEAD_FILLER:
            lo += 1
        trimmed = True
        while trimmed and lo < hi:
            trimmed = False
            for phrase in _TRAIL_FILLER:
                n = len(phrase)
                if hi - n >= lo and tuple(self.words(hi - n, hi)) == phrase:
                    hi -= n
                    trimmed = True
                    break
        return (lo, hi) if lo < hi else (lo, lo)

    def after_label(self, lo: int, hi: int) -> tuple[Span, bool]:
        """The label a gap gives the key before it: from its start to a mask or sentence end."""
        for j in range(lo, hi):
            if j in self.masked:
                hi = j
                break
        lo, hi = self.strip(lo, hi)
        if lo >= hi:
            return (lo, lo), False
        intro = self.tokens[lo].text in INTROS
        for j in range(lo, hi - 1):
            if self.tokens[j].stop == ".":
                hi = j + 1
                break
        for j in range(lo + 1, hi):
            if self.tokens[j].text == "otherwise":
                hi = j
                break
        return self.strip(lo, hi), intro

    def before_label(self, lo: int, hi: int) -> tuple[Span, bool]:
        """The label a gap gives the key after it: from the first opener after any mask.

        The first "for/to/if/para" opens the label ("to return to the main menu" keeps its
        second "to"). The label stays within the key's sentence, except that a full stop right
        before the key is ignored: that is where recognisers misplace them ("For billing
        questions. Press 1."), while one further back ends some other sentence ("... Center for
        Disease Control. For billing, press 1").
        """
        for j in range(hi - 1, lo - 1, -1):
            if j in self.masked or (j < hi - 1 and self.tokens[j].stop == "."):
                lo = j + 1
                break
        lo, hi = self.strip(lo, hi)
        if lo >= hi:
            return (lo, lo), False
        opens = [j for j in range(lo, hi - 1) if self.tokens[j].text in INTROS]
        lo, hi = self.strip(opens[0] if opens else lo, hi)
        return (lo, hi), lo < hi and self.tokens[lo].text in INTROS

    def has_loose_label(self, span: Span | None) -> float:
        """What a left-over gap costs: 2 if it holds a "for/to/if ..." phrase, a little if words.

        A phrase right before or after "stay on the line" is that choice's label ("for all
        other inquiries, please stay on the line"), so it is not left over.
        """
        if span is None:
            return 0.0
        cost = 0.0
        run: list[int] = []
        for j in [*range(*span), None]:
            if j is not None and j not in self.masked:
                run.append(j)
                continue
            if run and not (run[-1] + 1 in self.waits or run[0] - 1 in self.waits):
                words = [self.tokens[i].text for i in run]
                if any(w in INTROS for w in words[:-1]):
                    cost = 2.0
                elif any(w not in _LEAD_FILLER for w in words):
                    cost = max(cost, 0.25)
            run = []
        return cost

    def split_point(self, lo: int, hi: int, *, last: bool) -> int | None:
        """Where a gap holding two labels divides: at a clause opener not at its start."""
        points = [j for j in range(lo + 1, hi - 1)
                  if j not in self.masked and (self.tokens[j].text in _CLAUSE_INTROS or (
                      self.tokens[j].text in INTROS and self.tokens[j - 1].stop != ""))]
        if not points:
            return None
        return points[-1] if last else points[0]

    def by_clause(self, lo: int, mention: Mention) -> tuple[int, Span]:
        """For "you may X by pressing K": where the clause starts, and the span of X."""
        hi = mention.start - 1  # the "by"
        start = None
        for j in range(hi - 2, lo - 1, -1):
            if tuple(self.words(j, j + 2)) in _YOU_MAY:
                start = j
                break
        if start is not None:
            label_lo = start + 2
        else:
            ends = [j for j in range(lo, hi - 1) if self.tokens[j].stop == "."]
            start = label_lo = ends[-1] + 1 if ends else lo
        for j in range(label_lo, hi):
            if self.tokens[j].text == "by":
                hi = j
                break
        return start, self.strip(label_lo, hi)


def is_empty(span: Span) -> bool:
    return span[0] >= span[1]


def _reading(lab: Labeller, mentions: list[Mention], gaps: list[Span],
             fixed: dict[int, Span], *, after: bool) -> Reading:
    """Pair gaps and mentions one way, repair keys left without a label, and score it."""
    n = len(mentions)
    spans: list[Span] = []
    intro: list[bool] = []
    for k in range(n):
        if k in fixed:
            spans.append(fixed[k])
            intro.append(not is_empty(fixed[k]))
            continue
        span, opened = lab.after_label(*gaps[k + 1]) if after else lab.before_label(*gaps[k])
        spans.append(span)
        intro.append(opened)
    dangling: Span | None = gaps[0] if after else gaps[n]

    for k in range(n):
        if not is_empty(spans[k]) or k in fixed:
            continue
        if after:
            if k == 0 and dangling is not None:
                span, opened = lab.before_label(*dangling)
                if not is_empty(span):
                    spans[0], intro[0], dangling = span, opened, None
            elif k > 0 and k - 1 not in fixed:
                lo, hi = gaps[k]
                p = lab.split_point(lo, hi, last=True)
                if p is not None:
                    head, head_open = lab.after_label(lo, p)
                    tail, tail_open = lab.before_label(p, hi)
                    if not is_empty(head) and not is_empty(tail):
                        spans[k - 1], intro[k - 1] = head, head_open
                        spans[k], intro[k] = tail, tail_open
        else:
            if k == n - 1 and dangling is not None:
                span, opened = lab.after_label(*dangling)
                if not is_empty(span):
                    spans[k], intro[k], dangling = span, opened, None
            elif k + 1 < n and k + 1 in fixed:
                spans[k], intro[k] = lab.after_label(*gaps[k + 1])
            elif k + 1 < n:
                lo, hi = gaps[k + 1]
                p = lab.split_point(lo, hi, last=False)
                if p is not None:
                    head, head_open = lab.after_label(lo, p)
                    tail, tail_open = lab.before_label(p, hi)
                    if not is_empty(head) and not is_empty(tail):
                        spans[k], intro[k] = head, head_open
                        spans[k + 1], intro[k + 1] = tail, tail_open

    reading = Reading(after, spans, intro, dangling)
    reading.score = sum(2.0 if opened else 0.5 if not is_empty(span) else 0.0
                        for span, opened in zip(spans, intro)) - lab.has_loose_label(dangling)
    reading.coherence = sum(1 for m, span in zip(mentions, spans)
                            if not is_empty(span) and not _crosses_sentence(lab.tokens, m, span))
    return reading


def _crosses_sentence(tokens: list[Token], mention: Mention, span: Span) -> bool:
    """Whether a full stop falls between a key and its label."""
    if span[1] <= mention.start:
        between = range(span[1] - 1, mention.start)
    else:
        between = range(mention.end - 1, span[0])
    return any(tokens[j].stop == "." for j in between)


def _label_words(tokens: list[Token], span: Span) -> list[Token]:
    """The words of a label without its opener ("for", "to", "if you would like to", "para")."""
    words = tokens[span[0]:span[1]]
    texts = [w.text for w in words]
    if texts[:3] == ["in", "order", "to"]:
        return words[3:]
    if texts and texts[0] in INTROS:
        prefixes = _IF_PREFIXES if texts[0] == "if" else _SI_PREFIXES if texts[0] == "si" else ()
        words, texts = words[1:], texts[1:]
        for prefix in prefixes:
            if tuple(texts[:len(prefix)]) == prefix:
                return words[len(prefix):]
    return words


def _labels_for(keys: tuple[str, ...], words: list[Token]) -> list[str]:
    """One label per key; "4 or 6 to decrease or increase the volume" gives each its verb."""
    texts = [w.text for w in words]
    if len(keys) == 2 and len(words) >= 3 and texts[1] in ("or", "o"):
        rest = [w.raw for w in words[3:]]
        return [" ".join([words[0].raw, *rest]), " ".join([words[2].raw, *rest])]
    label = " ".join(w.raw for w in words)
    return [label] * len(keys)


def best_reading(tokens: list[Token]) -> tuple[Labeller, list[Mention], Reading] | None:
    """The mentions of keys in ``tokens`` and the best reading of their labels."""
    mentions, masks, waits = find_mentions(tokens)
    if not mentions:
        return None
    lab = Labeller(tokens, masks, waits)
    bounds = [0] + [m.end for m in mentions]
    gaps = [(bounds[k], mentions[k].start if k < len(mentions) else len(tokens))
            for k in range(len(mentions) + 1)]
    fixed: dict[int, Span] = {}
    for k, mention in enumerate(mentions):
        if mention.by_form:
            start, span = lab.by_clause(gaps[k][0], mention)
            fixed[k] = span
            gaps[k] = (gaps[k][0], start)
    for k, mention in enumerate(mentions):
        if mention.bare and k not in fixed:  # "two for test results": the label follows
            fixed[k] = lab.after_label(*gaps[k + 1])[0]
    readings = [_reading(lab, mentions, gaps, fixed, after=False),
                _reading(lab, mentions, gaps, fixed, after=True)]
    return lab, mentions, max(readings, key=lambda r: (r.score, r.coherence, r.after))


def read_options(tokens: list[Token]) -> tuple[Option, ...]:
    """The options a transcript announces, in order, each key once (its first label wins)."""
    read = best_reading(tokens)
    if read is None:
        return ()
    _, mentions, best = read
    options: list[Option] = []
    for mention, span in zip(mentions, best.spans):
        words = _label_words(tokens, span) if not is_empty(span) else []
        for key, label in zip(mention.keys, _labels_for(mention.keys, words)):
            known = next((i for i, o in enumerate(options) if o.key == key), None)
            if known is None:
                options.append(Option(key, label))
            elif not options[known].label and label:
                options[known] = Option(key, label)
    return tuple(options)
