"""The tree diagram: an SVG drawn from the audit graph, one column per step from the answer.

Drawn in Python rather than by a script in the page so the report shows the maze with
scripts off, in print and in e-mail previews. Every piece of text heard on the line goes
through ``Markup.format`` (which escapes its arguments) or ``escape``: a transcript is data.

Reading the picture:
- columns are steps from the answer (a key press, a timeout or the line moving on by itself);
- fill colour is the node's kind; the path to a human is drawn thick and green;
- an edge back to an earlier or the same column (``*`` for the main menu, a message that
  returns to its menu) is a loop, drawn dashed below the nodes; a timeout that repeats a node
  is a small circle-arrow on that node.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ivraudit.audit.document import HANGUP_NODE, AuditDoc, Edge, key_order
from ivraudit.kinds import HANGUP_KIND

COLUMN = 200      # horizontal distance between columns
BOX_W = 156
BOX_H = 48
ROW = 66          # vertical distance between rows
MARGIN = 24
TOP = 40          # room for the column headings

KIND_COLOURS: dict[str, str] = {
    "menu": "#cfe0ff", "message": "#e7e9ee", "hold": "#ffe8a8", "human": "#bff0cb",
    "voicemail": "#e4d4ff", "input": "#c9efef", HANGUP_KIND: "#ffc9c9", "unknown": "#f2f2f2",
}
SHORT_KIND: dict[str, str] = {"hold": "hold", "input": "entry", "unknown": "unclear"}
"""Kind names that fit in a box next to the id and the seconds."""
KIND_NAMES: dict[str, str] = {
    "menu": "menu", "message": "message", "hold": "hold / queue", "human": "human",
    "voicemail": "voicemail", "input": "digit entry", HANGUP_KIND: "line dead", "unknown": "not understood",
}


@dataclass
class Placed:
    """A node's box in the drawing (top-left corner)."""

    id: str
    column: int
    row: int
    x: float
    y: float


def edge_label(edge: Edge) -> str:
    """What the caller did on an edge, short enough for the drawing."""
    key = edge["key"]
    pressed = edge.get("pressed") or ""
    if key == "auto":
        return ""
    if key == "timeout":
        return "wait"
    if key == "invalid":  # the first key found invalid, and how many more were
        more = len(edge.get("also_pressed") or [])
        return (f"{pressed}{f'+{more}' if more else ''}\u2717") if pressed else "bad key"
    if key == "input":
        return pressed if len(pressed) <= 6 else pressed[:4] + "\u2026"
    return key


def layout(doc: AuditDoc) -> dict[str, Placed]:
    """Columns by steps from the answer; rows ordered by the parents' rows (barycentre),
    then by the key that leads in, so siblings appear in keypad order."""
    layers = doc.layers(drawn_edges(doc))
    columns: dict[int, list[str]] = {}
    for node_id in (n["id"] for n in doc.ordered_nodes()):
        if node_id != HANGUP_NODE:  # drawn as a red cross beside each node that hangs up
            columns.setdefault(layers[node_id], []).append(node_id)
    rows: dict[str, int] = {}
    for column in sorted(columns):
        members = columns[column]
        if column == min(columns):
            members.sort(key=lambda i: (i != doc.root, i))
        else:
            members.sort(key=lambda i: _barycentre(doc, i, layers, rows, column))
        for index, node_id in enumerate(members):
            rows[node_id] = index
    tallest = max((len(m) for m in columns.values()), default=1)
    placed = {}
    for column, members in columns.items():
        offset = (tallest - len(members)) * ROW / 2
        for node_id in members:
            placed[node_id] = Placed(node_id, column, rows[node_id],
                                     MARGIN + column * COLUMN,
                                     TOP + offset + rows[node_id] * ROW)
    return placed


def _barycentre(doc: AuditDoc, node_id: str, layers: dict[str, int], rows: dict[str, int],
                column: int) -> tuple[float, int, tuple[int, str], str]:
    incoming = [e for e in doc.in_edges(node_id)
                if layers.get(e["source"], column) < column and e["source"] in rows]
    if not incoming:
        return (1e9, 1, (99, ""), node_id)
    centre = sum(rows[e["source"]] for e in incoming) / len(incoming)
    first = min(incoming, key=lambda e: (layers[e["source"]], rows[e["source"]],
                                         key_order(e["key"])))
    return (centre, 0, key_order(first["key"]), node_id)


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _node_svg(node: dict, box: Placed, on_route: bool, selected: bool) -> Markup:
    kind = node.get("kind", "unknown")
    colour = KIND_COLOURS.get(kind, KIND_COLOURS["unknown"])
    keys = " ".join(node.get("path") or []) or "answer"
    summary = node.get("transcript") or ("(the line went dead)" if kind == HANGUP_KIND else "(silence)")
    seconds = node.get("hold_seconds") or node.get("prompt_seconds") or 0.0
    classes = "node" + (" on-route" if on_route else "") + (" selected" if selected else "")
    label = f"{node['id']}: {KIND_NAMES.get(kind, kind)}, keys {keys}. {summary}"
    return Markup(
        '<g class="{classes}" data-node="{id}" data-kind="{kind}" tabindex="0" role="button" '
        'aria-label="{label}" transform="translate({x:.1f},{y:.1f})">'
        '<title>{title}</title>'
        '<rect width="{w}" height="{h}" rx="8" fill="{colour}"/>'
        '<text x="8" y="17" class="n-head"><tspan class="n-id">{id}</tspan> {kindname}'
        '<tspan class="n-sec" x="{right}" text-anchor="end">{seconds}</tspan></text>'
        '<text x="8" y="36" class="n-text">{summary}</text>'
        '</g>'
    ).format(classes=classes, id=node["id"], kind=kind, label=label, x=box.x, y=box.y,
             title=f"{node['id']} ({kind}), keys {keys}: {summary}", w=BOX_W, h=BOX_H,
             colour=colour, kindname=SHORT_KIND.get(kind, kind), right=BOX_W - 8,
             seconds=f"{seconds:.0f} s", summary=_short(summary, 24))


def drawn_edges(doc: AuditDoc) -> list[Edge]:
    """The edges the picture shows: all but the way back from an invalid-key message to the
    menu it came from (the faint invalid edge already says "and back"), which would otherwise
    tie every menu to one shared "That option is invalid" node with a loop."""
    invalid_from = {(e["target"], e["source"]) for e in doc.edges if e["key"] == "invalid"}
    return [e for e in doc.edges
            if not (e["key"] == "auto" and (e["source"], e["target"]) in invalid_from)]


def _curve(x1: float, y1: float, x2: float, y2: float, c1: tuple[float, float],
           c2: tuple[float, float]) -> str:
    return (f"M{x1:.1f},{y1:.1f} C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} "
            f"{x2:.1f},{y2:.1f}")


def _edge_geometry(a: Placed, b: Placed, slot: int) -> tuple[str, float, float, bool]:
    """(path, label x, label y, is a loop back) for an edge between two placed boxes."""
    if a.id == b.id:  # a repeat: drawn as a glyph by _edge_svg
        return "", a.x + BOX_W - 6, a.y - 2, False
    if b.column > a.column:  # forward: right side to left side
        x1, y1 = a.x + BOX_W, a.y + BOX_H / 2
        x2, y2 = b.x, b.y + BOX_H / 2
        bend = (x2 - x1) / 2
        return (_curve(x1, y1, x2, y2, (x1 + bend, y1), (x2 - bend, y2)),
                (x1 + x2) / 2, (y1 + y2) / 2, False)
    if b.column < a.column:  # back to an earlier column: left side to the target's right side
        x1, y1 = a.x, a.y + BOX_H * 0.72
        x2, y2 = b.x + BOX_W + 3, b.y + BOX_H * (0.72 if b.y > a.y else 0.9)
        pull = 30 + 8 * slot
        return (_curve(x1, y1, x2, y2, (x1 - pull, y1 + 6), (x2 + pull, y2 + 6)),
                x1 - 18 - 6 * slot, y1 + 2, True)
    # same column: bulge out to the right between the columns
    x1, y1 = a.x + BOX_W, a.y + BOX_H * 0.7
    x2, y2 = b.x + BOX_W + 3, b.y + BOX_H * 0.3
    pull = 26 + 6 * slot
    return (_curve(x1, y1, x2, y2, (x1 + pull, y1), (x2 + pull, y2)),
            x1 + pull * 0.75, (y1 + y2) / 2, True)


def _edge_svg(edge: Edge, a: Placed, b: Placed | None, on_route: bool, slot: int,
              loop: bool = False) -> Markup:
    """One edge. An edge to the dead line is a short stub ending in a red cross beside its
    source: a shared "hangup" box would draw a line from every menu across the picture."""
    label = edge_label(edge)
    kind = edge["key"]
    classes = ["edge", f"e-{kind if kind in ('auto', 'timeout', 'invalid', 'input') else 'key'}"]
    if on_route:
        classes.append("route")
    end = Markup("")
    if b is not None and a.id != b.id and b.column <= a.column and not loop and not on_route \
            and kind in ("invalid", "timeout"):
        # A wrong key or silence that lands on a node drawn elsewhere (the shared "that is not
        # valid" message): a clickable note under the box, not a line across the column.
        return Markup('<g class="{classes} note" data-source="{s}" data-target="{t}" '
                      'data-key="{k}"><text class="e-note" x="{x:.1f}" y="{y:.1f}" '
                      'data-node="{t}">{label} \u2192 {t}</text></g>').format(
            classes=" ".join(classes), s=a.id, t=b.id, k=kind, label=label,
            x=a.x + 6 + 58 * slot, y=a.y + BOX_H + 11)
    if b is None:
        classes.append("to-hangup")
        # under the box's right end: the right side is where the forward edges leave
        x1, y1 = a.x + BOX_W - 12 - 16 * slot, a.y + BOX_H
        x2, y2 = x1, y1 + 5
        path = f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
        lx, ly = x2 - 14, y2 + 2
        end = Markup('<g class="dead" transform="translate({x:.1f},{y:.1f})"><circle r="5.5"/>'
                     '<path d="M-2.5,-2.5 L2.5,2.5 M2.5,-2.5 L-2.5,2.5"/></g>').format(
            x=x2, y=y2 + 5)
        if kind in ("timeout", "auto"):
            label = ""  # the cross says it; the details panel says after what
        why = "waiting in silence ends the call" if kind == "timeout" else "the call ends"
        end += Markup("<title>{why}</title>").format(why=why)
    elif a.id == b.id:
        classes.append("repeat")
        return Markup('<g class="{classes}" data-source="{s}" data-target="{s}" data-key="{k}">'
                      '<title>waiting in silence repeats this prompt</title>'
                      '<text class="repeat-glyph" x="{x:.1f}" y="{y:.1f}">\u21bb</text></g>'
                      ).format(classes=" ".join(classes), s=a.id, k=kind,
                               x=a.x + BOX_W - 42, y=a.y + 17)
    else:
        path, lx, ly, backwards = _edge_geometry(a, b, slot)
        if loop:
            classes.append("loop")
        elif backwards:
            classes.append("cross")
    text = Markup("")
    if label:
        text = Markup('<text class="e-label" x="{x:.1f}" y="{y:.1f}">{label}</text>').format(
            x=lx, y=ly + 4, label=label)
    return Markup('<g class="{classes}" data-source="{s}" data-target="{t}" data-key="{k}">'
                  '<path d="{d}"/>{end}{text}</g>').format(
        classes=" ".join(classes), s=edge["source"], t=edge["target"], k=edge["key"], d=path,
        end=end, text=text)


def diagram_svg(document: dict) -> Markup:
    """The whole diagram as an inline ``<svg>`` element."""
    doc = AuditDoc(document)
    placed = layout(doc)
    if not placed:
        return Markup('<p class="empty">No nodes were heard.</p>')
    route = doc.route_to_human()
    route_edges = {(e["source"], e["target"], e["key"]) for e in route}
    route_nodes = {e["source"] for e in route} | {e["target"] for e in route}
    columns = max(p.column for p in placed.values()) + 1
    bottom = max(p.y for p in placed.values()) + BOX_H
    width = MARGIN * 2 + (columns - 1) * COLUMN + BOX_W + 30
    height = bottom + 30 + MARGIN

    edges = sorted(drawn_edges(doc), key=lambda e: (e["source"], key_order(e["key"]), e["target"]))
    drawn: list[Markup] = []
    route_drawn: list[Markup] = []
    marks: list[Markup] = []  # repeat glyphs, drawn over the boxes' headers
    slots: dict[tuple[str, str], int] = {}
    loops = {tuple(loop) for loop in doc.metrics.get("loops") or []}
    for edge in edges:
        a, b = placed.get(edge["source"]), placed.get(edge["target"])
        if a is None:
            continue
        group = "hangup" if b is None else ("back" if b.column <= a.column else "fwd")
        if b is not None and b.column <= a.column and edge["key"] in ("invalid", "timeout"):
            group = "note"
        slot = slots.get((a.id, group), 0)
        slots[(a.id, group)] = slot + 1
        on_route = (edge["source"], edge["target"], edge["key"]) in route_edges
        loop = (edge["source"], edge["target"], edge["key"]) in loops
        layer = route_drawn if on_route else marks if b is a else drawn
        layer.append(_edge_svg(edge, a, b, on_route, slot, loop))
    heads = Markup("").join(
        Markup('<text class="col-head" x="{x:.1f}" y="18">{label}</text>').format(
            x=MARGIN + c * COLUMN + BOX_W / 2, label="answer" if c == 0 else f"step {c}")
        for c in range(columns))
    nodes = Markup("").join(
        _node_svg(doc.nodes[i], placed[i], i in route_nodes, i == doc.root) for i in placed)
    return Markup(
        '<svg class="diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0f} {h:.0f}" '
        'width="{w:.0f}" height="{h:.0f}" style="max-width: {w:.0f}px; min-width: min(40rem, {w:.0f}px)" role="group" '
        'aria-label="Phone tree diagram">'
        '<defs>{markers}</defs>{heads}<g class="edges">{edges}</g>'
        '<g class="nodes">{nodes}</g><g class="edges route-layer">{route}</g>'
        '<g class="edges marks">{marks}</g></svg>'
    ).format(w=width, h=height, markers=_markers(), heads=heads,
             edges=Markup("").join(drawn), route=Markup("").join(route_drawn), nodes=nodes,
             marks=Markup("").join(marks))


def _markers() -> Markup:
    """Arrowheads, one per edge style (SVG markers cannot take the colour of their line);
    sized in user units so the thick route line does not get a giant head."""
    styles = {"arrow": "#7b8496", "arrow-route": "#17803d", "arrow-loop": "#c2410c",
              "arrow-faint": "#b7bdc8"}
    return Markup("").join(
        Markup('<marker id="{id}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" '
               'markerWidth="{size}" markerHeight="{size}" orient="auto-start-reverse">'
               '<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>').format(
            id=name, colour=colour, size=12 if name == "arrow-route" else 9)
        for name, colour in styles.items())


def legend() -> list[tuple[str, str, str]]:
    """(kind, name, colour) for the legend under the diagram."""
    return [(kind, KIND_NAMES[kind], colour) for kind, colour in KIND_COLOURS.items()]

