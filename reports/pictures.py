"""Pictures drawn on the server: a board's concept map and the attendance bar chart.

Each picture is first laid out as a small scene of rectangles, lines and text, then
written as SVG (text) or PNG (Pillow), so both formats show the same thing. Text is
measured with DejaVu Sans, which has Cyrillic; without that font we fall back to
Pillow's built-in font and an estimated width, and the picture still renders.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from mapping.models import Board

from .markup import clean, one_line
from .selectors import WorkshopData, country_label, country_order

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD_FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
NOTE_FONT_PATH = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
NOTE_BOLD_FONT_PATH = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf")
NOTE_FAMILY = "Liberation Sans, Arial, Helvetica, sans-serif"
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_FILL = "#fff3b0"
SERIES_COLOURS = ["#0b5fff", "#f79009", "#1b7f3b", "#b42318"]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str = "#8a93a6"
    radius: float = 6


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = "#5b6477"
    width: float = 2
    arrow: bool = False


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 13
    fill: str = "#1d2433"
    anchor: str = "start"  # start | middle | end
    bold: bool = False
    cls: str = ""
    face: str = ""  # "" DejaVu Sans; "note" the screen's note font


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    fill: str


@dataclass(frozen=True)
class Group:
    """Items drawn together; in SVG a <g class="{kind}" data-id="{ident}"> (tests count them)."""

    kind: str
    items: list
    ident: int | None = None


@dataclass
class Scene:
    width: float
    height: float
    items: list
    title: str = ""


# --- Fonts and measuring -----------------------------------------------------------------------


@lru_cache(maxsize=128)
def _font(size: int, bold: bool = False, face: str = ""):
    """DejaVu Sans at `size`; face "note" is the board screen's note font (Arial/Helvetica,
    here Liberation Sans, which has their metrics and Cyrillic), or DejaVu a size smaller,
    which takes about as much room, when Liberation is not installed."""
    if face == "note":
        try:
            return ImageFont.truetype(str(NOTE_BOLD_FONT_PATH if bold else NOTE_FONT_PATH), size)
        except OSError:
            return _font(max(1, round(size * 11 / 12)), bold)
    path = BOLD_FONT_PATH if bold else FONT_PATH
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        try:
            return ImageFont.truetype(str(FONT_PATH), size)
        except OSError:
            return None


def text_width(text: str, size: float, bold: bool = False, face: str = "") -> float:
    font = _font(round(size), bold, face)
    if font is None:
        return len(text) * size * 0.6
    return float(font.getlength(text))


def wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """Greedy word wrap to `width` pixels; the last line ends with an ellipsis if cut."""
    words = " ".join(str(text).split()).split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while len(word) > 1 and text_width(word, size) > width:  # one very long word: cut it
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut], size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _colour(value: str, default: str = DEFAULT_FILL) -> str:
    return value if value and HEX.match(value) else default


# --- The concept map ---------------------------------------------------------------------------
#
# The picture shows a board as its screen does (static/js/board-layout.js, drawn by
# static/js/board.js): a note's stored x/y is the centre of its box, the box is as wide as
# the screen's and as tall as its text, and a note that was never placed goes where the
# screen puts a note added from the list. On top of that the picture guarantees what a
# live canvas leaves to people: no two notes overlap (stored positions that collide are
# nudged, deterministically) and every link label is readable. test_pictures.py reads
# board-layout.js and fails when these numbers drift from it.

SCREEN_NOTE = {"width": 170, "padding": 10, "border": 1, "textWidth": 150, "fontSize": 12, "lineHeight": 1.25}
SCREEN_GAP = 40  # board-layout.js GAP: the least space the screen leaves around a new note
SCREEN_GRID = {"x0": 120, "y0": 80, "dx": 280, "dy": 150, "columns": 4}
OUTER_W = SCREEN_NOTE["width"] + 2 * SCREEN_NOTE["padding"] + 2 * SCREEN_NOTE["border"]  # 192
LINE_H = SCREEN_NOTE["fontSize"] * SCREEN_NOTE["lineHeight"]  # 15
NOTE_FONT = float(SCREEN_NOTE["fontSize"])  # in the screen's face (see _font), so lines break where they do there
#: Stored positions closer than this are nudged apart (a link between them still shows).
NUDGE_GAP = 16.0
LABEL_FONT = 11.0  # the screen's edge font-size
LABEL_W = 140.0  # the screen's text-max-width for link labels
LINK_COLOUR = "#667085"
PAD = 24.0
MIN_WIDTH = 560.0
PNG_MAX_SIDE = 6000.0
#: A report page shows a picture at most 16 cm wide: more pixels only make the file
#: bigger and the export slower (a 150-note map is ~3,900 px wide at full size).
REPORT_MAX_SIDE = 2400.0


@dataclass(frozen=True)
class Box:
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def w(self) -> float:
        return self.x2 - self.x1

    @property
    def h(self) -> float:
        return self.y2 - self.y1

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2

    def apart(self, other: Box, gap: float = 0.0) -> bool:
        """At least `gap` between the two on some axis (the screen's `clear`)."""
        return (self.x2 + gap <= other.x1 or self.x1 - gap >= other.x2
                or self.y2 + gap <= other.y1 or self.y1 - gap >= other.y2)


def note_box(x: float, y: float, text_h: float) -> Box:
    """board-layout.js noteBox: the drawn box of a note whose text is `text_h` tall, centred on (x, y)."""
    h = text_h + 2 * SCREEN_NOTE["padding"] + 2 * SCREEN_NOTE["border"]
    return Box(x - OUTER_W / 2, y - h / 2, x + OUTER_W / 2, y + h / 2)


class _Placed:
    """The boxes laid so far, bucketed on a coarse grid so that checking a spot costs the
    same on a board of 5 notes as on one of 500."""

    CELL = 256.0

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box, gap: float):
        for i in range(math.floor((box.x1 - gap) / self.CELL), math.floor((box.x2 + gap) / self.CELL) + 1):
            for j in range(math.floor((box.y1 - gap) / self.CELL), math.floor((box.y2 + gap) / self.CELL) + 1):
                yield i, j

    def clear(self, box: Box, gap: float) -> bool:
        return all(box.apart(other, gap) for key in self._keys(box, gap) for other in self._cells.get(key, ()))

    def add(self, box: Box) -> None:
        for key in self._keys(box, 0.0):
            self._cells.setdefault(key, []).append(box)


def first_free_slot(placed: _Placed, text_h: float, gap: float = SCREEN_GAP) -> tuple[float, float]:
    """board-layout.js firstFreeSlot: the first grid slot, row by row, where the note keeps `gap`."""
    g = SCREEN_GRID
    for row in range(10000):
        for col in range(g["columns"]):
            x, y = g["x0"] + col * g["dx"], g["y0"] + row * g["dy"]
            if placed.clear(note_box(x, y, text_h), gap):
                return x, y
    return g["x0"], g["y0"]


def nearest_free_spot(placed: _Placed, text_h: float, centre: tuple[float, float], gap: float) -> tuple[float, float]:
    """board-layout.js nearestFreeSpot: the free spot nearest `centre` on rings of a grid a note's size apart."""
    step_x = round(OUTER_W / 2 + gap / 2)
    step_y = round((text_h + 2 * SCREEN_NOTE["padding"] + gap) / 2)
    cx, cy = centre
    for ring in range(40):
        spots = [
            (round(cx + i * step_x), round(cy + j * step_y))
            for i in range(-ring, ring + 1) for j in range(-ring, ring + 1) if max(abs(i), abs(j)) == ring
        ]
        spots.sort(key=lambda s: math.hypot(s[0] - cx, s[1] - cy))  # stable, as Array.sort
        for x, y in spots:
            if placed.clear(note_box(x, y, text_h), gap):
                return x, y
    return first_free_slot(placed, text_h, gap)


def wrap_lines(text: str, width: float, size: float, bold: bool = False, face: str = "") -> list[str]:
    """Every line of `text` wrapped to `width` pixels, keeping the writer's line breaks (as
    the screen does); a word longer than a line is cut, so no text leaves its box."""
    out: list[str] = []
    for paragraph in clean(text).split("\n"):
        words = paragraph.split()
        current = ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size, bold, face) <= width:
                current = candidate
                continue
            if current:
                out.append(current)
            while len(word) > 1 and text_width(word, size, bold, face) > width:
                cut = len(word) - 1
                while cut > 1 and text_width(word[:cut], size, bold, face) > width:
                    cut -= 1
                out.append(word[:cut])
                word = word[cut:]
            current = word
        if current:
            out.append(current)
    return out or [""]


@dataclass(frozen=True)
class NoteLine:
    text: str
    kind: str  # cluster | text | votes


def note_lines(text: str, cluster: str, votes: int) -> list[NoteLine]:
    """The note's label as board.js noteLabel builds it: [cluster], the text, ● votes."""
    width = SCREEN_NOTE["textWidth"]
    lines = []
    if cluster:
        lines += [NoteLine(t, "cluster") for t in wrap_lines(f"[{cluster}]", width, NOTE_FONT, face="note")]
    lines += [NoteLine(t, "text") for t in wrap_lines(text, width, NOTE_FONT, face="note")]
    if votes:
        lines.append(NoteLine(f"● {votes}", "votes"))
    return lines


def text_height(lines: int) -> float:
    """board-layout.js noteHeight for a label of that many lines."""
    return math.ceil(lines * LINE_H) + 2


def layout_notes(notes: list, heights: dict[int, float]) -> dict[int, Box]:
    """Where each note is drawn: at its stored centre unless that is within NUDGE_GAP of a
    note laid before it (lower id), then on the nearest free spot; a note still at (0, 0)
    was never placed, and goes in the first free slot of the screen's grid."""
    placed = _Placed()
    boxes: dict[int, Box] = {}
    unplaced = [n for n in notes if n.x == 0 and n.y == 0]
    for note in sorted((n for n in notes if not (n.x == 0 and n.y == 0)), key=lambda n: n.pk):
        h = heights[note.pk]
        x, y = note.x, note.y
        if not placed.clear(note_box(x, y, h), NUDGE_GAP):
            x, y = nearest_free_spot(placed, h, (x, y), NUDGE_GAP)
        boxes[note.pk] = note_box(x, y, h)
        placed.add(boxes[note.pk])
    for note in sorted(unplaced, key=lambda n: n.pk):
        h = heights[note.pk]
        boxes[note.pk] = note_box(*first_free_slot(placed, h), h)
        placed.add(boxes[note.pk])
    return boxes


def _edge_point(box: Box, towards: tuple[float, float], start: tuple[float, float]) -> tuple[float, float]:
    """Where the segment from `start` (inside `box`) towards `towards` leaves the box."""
    dx, dy = towards[0] - start[0], towards[1] - start[1]
    limits = []
    if dx:
        limits.append(((box.x2 if dx > 0 else box.x1) - start[0]) / dx)
    if dy:
        limits.append(((box.y2 if dy > 0 else box.y1) - start[1]) / dy)
    t = min([lim for lim in limits if lim >= 0] or [0.0])
    return start[0] + dx * t, start[1] + dy * t


@dataclass(frozen=True)
class LinkShape:
    start: tuple[float, float]  # on the source note's edge
    end: tuple[float, float]  # the arrow's tip, on the target note's edge
    label: list[str]
    label_box: Box | None


def layout_links(links: list, boxes: dict[int, Box]) -> list[LinkShape]:
    """Straight links from edge to edge (two links between the same notes side by side),
    each label on a white box at the first point along its link that covers no note and
    no other label."""
    pairs: dict[frozenset, list] = {}
    for link in links:
        pairs.setdefault(frozenset((link.source_id, link.target_id)), []).append(link)
    notes = _Placed()
    for box in boxes.values():
        notes.add(box)
    labels = _Placed()
    shapes = []
    for link in links:
        a, b = boxes[link.source_id], boxes[link.target_id]
        siblings = pairs[frozenset((link.source_id, link.target_id))]
        (ax, ay), (bx, by) = a.centre, b.centre
        length = math.hypot(bx - ax, by - ay) or 1.0
        shift = (siblings.index(link) - (len(siblings) - 1) / 2) * 12
        nx, ny = -(by - ay) / length * shift, (bx - ax) / length * shift
        sa, sb = (ax + nx, ay + ny), (bx + nx, by + ny)
        start, end = _edge_point(a, sb, sa), _edge_point(b, sa, sb)
        lines = wrap_lines(link.label, LABEL_W, LABEL_FONT, face="note")[:3] if link.label.strip() else []
        label_box = None
        if lines:
            w = max(text_width(t, LABEL_FONT, face="note") for t in lines) + 8
            h = len(lines) * LABEL_FONT * 1.3 + 4
            # Along the link first, then just beside it (still read as its label).
            seg = math.hypot(end[0] - start[0], end[1] - start[1]) or 1.0
            px, py = -(end[1] - start[1]) / seg, (end[0] - start[0]) / seg
            candidates = []
            for side in (0.0, 1.0, -1.0):
                off = side * (abs(px) * w + abs(py) * h) / 2 + side * 3
                for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
                    mx = start[0] + (end[0] - start[0]) * t + px * off
                    my = start[1] + (end[1] - start[1]) * t + py * off
                    candidates.append(Box(mx - w / 2, my - h / 2, mx + w / 2, my + h / 2))
            label_box = next(
                (c for c in candidates if notes.clear(c, 2) and labels.clear(c, 2)),
                next((c for c in candidates if labels.clear(c, 2)), candidates[0]),
            )
            labels.add(label_box)
        shapes.append(LinkShape(start, end, lines, label_box))
    return shapes


def board_caption(board: Board) -> str:
    """"<board> — <group> · <session>": what a picture shows, wherever it is pasted.
    A group's board named after its group is called by its kind, not its name twice."""
    group = board.group.name if board.group_id else _("Plenary")
    title = board.title
    if board.group_id and " ".join(title.split()).casefold() == " ".join(group.split()).casefold():
        title = board.get_template_display()
    return one_line(_("%(board)s — %(group)s · %(session)s") % {
        "board": one_line(title), "group": one_line(group), "session": one_line(board.session.title)})


def _legend(data: WorkshopData, board: Board, notes: list) -> list[tuple[str | None, str]]:
    """(swatch colour or None, label): the board's categories, then what else a note shows."""
    entries: list[tuple[str | None, str]] = [
        (_colour(c.colour), c.name) for c in sorted(
            (c for c in data.categories.values() if c.board_id == board.pk), key=lambda c: (c.order, c.pk))
    ]
    if any(n.category_id is None and not n.colour for n in notes):
        entries.append((DEFAULT_FILL, _("No category")))
    if any(n.cluster_id for n in notes):
        entries.append((None, _("[…] cluster")))
    if any(data.votes.get(n.pk) for n in notes):
        entries.append((None, _("● votes")))
    return entries


def _legend_items(entries: list[tuple[str | None, str]], left: float, top: float, width: float
                  ) -> tuple[list, float]:
    """The legend's entries flowing in rows across `width`, long names wrapped; (items, height)."""
    size, line_h, swatch, inner = 12.0, 16.0, 14.0, 10.0
    items: list = []
    x, y, row_h = left + inner, top + inner, 0.0
    right = left + width - inner
    for colour, label in entries:
        indent = swatch + 6 if colour else 0.0
        lines = wrap_lines(label, right - left - inner - indent, size)
        w = indent + max(text_width(t, size) for t in lines)
        h = len(lines) * line_h
        if x > left + inner and x + w > right:
            x, y, row_h = left + inner, y + row_h + 6, 0.0
        if colour:
            items.append(Rect(x, y + 1, swatch, swatch, colour, radius=3))
        for i, line in enumerate(lines):
            items.append(Text(x + indent, y + 12 + i * line_h, line, size=size))
        x += w + 20
        row_h = max(row_h, h)
    height = (y + row_h + inner) - top
    return [Group("legend", [Rect(left, top, width, height, "#f9fafb", stroke="#d0d5dd", radius=4), *items])], height


def map_scene(data: WorkshopData, board: Board) -> Scene:
    """Lay out one board as its screen does (see above), with its caption and legend."""
    notes = [n for n in data.notes if n.board_id == board.pk]
    ids = {n.pk for n in notes}
    links = [k for k in data.links if k.board_id == board.pk and k.source_id in ids and k.target_id in ids
             and k.source_id != k.target_id]
    labels = {}
    for note in notes:
        cluster = data.clusters.get(note.cluster_id) if note.cluster_id else None
        labels[note.pk] = note_lines(note.text, cluster.name if cluster else "", data.votes.get(note.pk, 0))
    boxes = layout_notes(notes, {pk: text_height(len(lines)) for pk, lines in labels.items()})
    shapes = layout_links(links, boxes)
    extent = list(boxes.values()) + [s.label_box for s in shapes if s.label_box]
    if extent:
        min_x, min_y = min(b.x1 for b in extent), min(b.y1 for b in extent)
        span_w, span_h = max(b.x2 for b in extent) - min_x, max(b.y2 for b in extent) - min_y
    else:
        min_x = min_y = 0.0
        span_w, span_h = MIN_WIDTH - 2 * PAD, 80.0
    width = max(span_w + 2 * PAD, MIN_WIDTH)
    caption = board_caption(board)
    items: list = [Rect(0, 0, 0, 0, "#ffffff", stroke="#ffffff", radius=0)]  # sized below
    y = PAD
    for line in wrap_lines(caption, width - 2 * PAD, 16, bold=True):
        items.append(Text(PAD, y + 15, line, size=16, bold=True, cls="caption"))
        y += 21
    entries = _legend(data, board, notes)
    if entries:
        legend, legend_h = _legend_items(entries, PAD, y + 8, width - 2 * PAD)
        items += legend
        y += 8 + legend_h
    top = y + PAD
    # The map, centred when narrower than the caption and legend.
    dx = PAD + (width - 2 * PAD - span_w) / 2 - min_x
    dy = top - min_y

    def at(box: Box) -> Box:
        return Box(box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy)

    if not notes:
        items.append(Text(width / 2, top + span_h / 2, _("No notes on this board."), size=13, fill="#5b6477",
                          anchor="middle"))
    for link, shape in zip(links, shapes, strict=True):
        (x1, y1), (x2, y2) = (shape.start[0] + dx, shape.start[1] + dy), (shape.end[0] + dx, shape.end[1] + dy)
        angle = math.atan2(y2 - y1, x2 - x1)
        head, half = 10.0, 5.0
        bx, by = x2 - head * math.cos(angle), y2 - head * math.sin(angle)
        parts: list = [
            Line(x1, y1, bx, by, stroke=LINK_COLOUR),
            Polygon(((x2, y2), (bx + half * math.sin(angle), by - half * math.cos(angle)),
                     (bx - half * math.sin(angle), by + half * math.cos(angle))), fill=LINK_COLOUR),
        ]
        items.append(Group("link", parts, ident=link.pk))
    for note in notes:
        box = at(boxes[note.pk])
        category = data.categories.get(note.category_id) if note.category_id else None
        fill = _colour(note.colour, _colour(category.colour if category else ""))
        parts = [Rect(box.x1, box.y1, box.w, box.h, fill)]
        lines = labels[note.pk]
        block = len(lines) * LINE_H
        first = box.y1 + (box.h - block) / 2 + LINE_H * 0.75
        cx = (box.x1 + box.x2) / 2
        for i, line in enumerate(lines):
            style = {"cluster": {"fill": "#344054"}, "votes": {"fill": "#b54708", "bold": True}, "text": {}}[line.kind]
            parts.append(Text(cx, first + i * LINE_H, line.text, size=NOTE_FONT, anchor="middle", face="note",
                              **style))
        items.append(Group("note", parts, ident=note.pk))
    for link, shape in zip(links, shapes, strict=True):  # labels last: nothing covers them
        if shape.label_box is None:
            continue
        box = at(shape.label_box)
        parts = [Rect(box.x1, box.y1, box.w, box.h, "#ffffff", stroke="#d0d5dd", radius=3)]
        for i, line in enumerate(shape.label):
            parts.append(Text((box.x1 + box.x2) / 2, box.y1 + 2 + LABEL_FONT * (1.0 + 1.3 * i), line,
                              size=LABEL_FONT, fill="#344054", anchor="middle", face="note"))
        items.append(Group("link-label", parts, ident=link.pk))
    height = top + span_h + PAD
    items[0] = Rect(0, 0, width, height, "#ffffff", stroke="#ffffff", radius=0)
    return Scene(width=width, height=height, items=items, title=caption)


# --- The attendance chart ----------------------------------------------------------------------


def attendance_counts(data: WorkshopData) -> tuple[list[str], list[str], list[list[int]]]:
    """(countries, series labels, counts[series][country]): each session, then "both"."""
    codes = sorted({p.country for p in data.participants.values()}, key=country_order)
    series: list[str] = [s.title for s in data.sessions]
    counts: list[list[int]] = []
    for session in data.sessions:
        present = data.attendance.get(session.pk, set())
        counts.append([sum(1 for pid in present if data.participants[pid].country == c) for c in codes])
    if len(data.sessions) > 1:
        both = set.intersection(*(data.attendance.get(s.pk, set()) for s in data.sessions))
        series.append(_("Attended all sessions"))
        counts.append([sum(1 for pid in both if data.participants[pid].country == c) for c in codes])
    return [country_label(c) for c in codes], series, counts


def attendance_scene(data: WorkshopData) -> Scene:
    countries, series, counts = attendance_counts(data)
    title = _("Participants per session by country")
    bar_w, gap, group_gap = 22.0, 4.0, 28.0
    left, top, chart_h = 56.0, 48.0, 260.0
    group_w = len(series) * (bar_w + gap) + group_gap
    legend_h = 26.0 * len(series) + 10
    label_h = 54.0
    width = max(left + group_w * max(1, len(countries)) + 24, 480.0)
    height = top + chart_h + label_h + legend_h
    peak = max([1] + [v for row in counts for v in row])
    step = max(1, math.ceil(peak / 5))
    axis_max = step * math.ceil(peak / step)
    items: list = [Rect(0, 0, width, height, "#ffffff", stroke="#ffffff", radius=0)]
    items.append(Text(16, 28, title, size=16, bold=True))
    for tick in range(0, axis_max + 1, step):
        y = top + chart_h - chart_h * tick / axis_max
        items.append(Line(left, y, width - 16, y, stroke="#e3e6eb", width=1))
        items.append(Text(left - 8, y + 4, str(tick), size=11, fill="#5b6477", anchor="end"))
    for ci, country in enumerate(countries):
        gx = left + 12 + ci * group_w
        for si in range(len(series)):
            value = counts[si][ci]
            h = chart_h * value / axis_max
            x = gx + si * (bar_w + gap)
            if value:
                items.append(Rect(x, top + chart_h - h, bar_w, h, SERIES_COLOURS[si % len(SERIES_COLOURS)],
                                  stroke=SERIES_COLOURS[si % len(SERIES_COLOURS)], radius=0))
            items.append(Text(x + bar_w / 2, top + chart_h - h - 4, str(value), size=10, anchor="middle"))
        center = gx + (len(series) * (bar_w + gap)) / 2
        for li, line in enumerate(wrap(country, group_w - 8, 11, 2)):
            items.append(Text(center, top + chart_h + 18 + 14 * li, line, size=11, anchor="middle"))
    items.append(Line(left, top + chart_h, width - 16, top + chart_h, stroke="#5b6477", width=1))
    ly = top + chart_h + label_h
    for si, label in enumerate(series):
        items.append(Rect(left, ly + 26 * si, 14, 14, SERIES_COLOURS[si % len(SERIES_COLOURS)], radius=2))
        items.append(Text(left + 22, ly + 26 * si + 12, label, size=12))
    return Scene(width=width, height=height, items=items, title=title)


# --- Writers -----------------------------------------------------------------------------------


def _attr(value: str) -> str:
    return escape(clean(value), {'"': "&quot;"})


def _svg_items(items: list, out: list[str]) -> None:
    for item in items:
        if isinstance(item, Group):
            ident = f' data-id="{item.ident}"' if item.ident is not None else ""
            out.append(f'<g class="{_attr(item.kind)}"{ident}>')
            _svg_items(item.items, out)
            out.append("</g>")
        elif isinstance(item, Rect):
            out.append(
                f'<rect x="{item.x:.1f}" y="{item.y:.1f}" width="{item.w:.1f}" height="{item.h:.1f}" '
                f'rx="{item.radius:.1f}" fill="{_colour(item.fill, "#ffffff")}" '
                f'stroke="{_colour(item.stroke, "#8a93a6")}"/>'
            )
        elif isinstance(item, Line):
            marker = ' marker-end="url(#arrow)"' if item.arrow else ""
            out.append(
                f'<line x1="{item.x1:.1f}" y1="{item.y1:.1f}" x2="{item.x2:.1f}" y2="{item.y2:.1f}" '
                f'stroke="{_colour(item.stroke, "#5b6477")}" stroke-width="{item.width:.1f}"{marker}/>'
            )
        elif isinstance(item, Polygon):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in item.points)
            out.append(f'<polygon points="{points}" fill="{_colour(item.fill, "#5b6477")}"/>')
        elif isinstance(item, Text):
            weight = ' font-weight="bold"' if item.bold else ""
            cls = f' class="{_attr(item.cls)}"' if item.cls else ""
            if item.face == "note":
                cls += f' font-family="{NOTE_FAMILY}"'
            out.append(
                f'<text x="{item.x:.1f}" y="{item.y:.1f}" font-size="{item.size:.1f}" '
                f'fill="{_colour(item.fill, "#1d2433")}" text-anchor="{_attr(item.anchor)}"{weight}{cls}>'
                f"{escape(clean(item.text))}</text>"
            )


def to_svg(scene: Scene) -> str:
    """The scene as a standalone SVG. Every text and attribute from users is escaped
    (they are untrusted); colours that are not #rrggbb are replaced."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{scene.width:.0f}" height="{scene.height:.0f}" '
        f'viewBox="0 0 {scene.width:.1f} {scene.height:.1f}" font-family="DejaVu Sans, Arial, sans-serif">',
        f"<title>{escape(clean(scene.title))}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#5b6477"/></marker></defs>',
    ]
    _svg_items(scene.items, out)
    out.append("</svg>")
    return "\n".join(out)


def _flat(items: list):
    for item in items:
        if isinstance(item, Group):
            yield from _flat(item.items)
        else:
            yield item


def to_png(scene: Scene, max_side: float = PNG_MAX_SIDE) -> bytes:
    """The scene as a PNG, pixel for pixel the SVG's size, scaled down only past `max_side`."""
    k = min(1.0, max_side / max(scene.width, scene.height, 1.0))
    image = Image.new("RGB", (max(1, round(scene.width * k)), max(1, round(scene.height * k))), "#ffffff")
    draw = ImageDraw.Draw(image)
    for item in _flat(scene.items):
        if isinstance(item, Rect):
            box = (item.x * k, item.y * k, (item.x + max(item.w, 1)) * k, (item.y + max(item.h, 1)) * k)
            draw.rounded_rectangle(box, radius=item.radius * k, fill=item.fill, outline=item.stroke)
        elif isinstance(item, Line):
            draw.line((item.x1 * k, item.y1 * k, item.x2 * k, item.y2 * k), fill=item.stroke,
                      width=max(1, round(item.width * k)))
            if item.arrow:
                _arrow_head(draw, item, k)
        elif isinstance(item, Polygon):
            draw.polygon([(x * k, y * k) for x, y in item.points], fill=item.fill)
        elif isinstance(item, Text):
            font = _font(max(1, round(item.size * k)), item.bold, item.face)
            width = text_width(item.text, item.size * k, item.bold, item.face)
            x = item.x * k - (width / 2 if item.anchor == "middle" else width if item.anchor == "end" else 0)
            if font is None:  # no DejaVu: Pillow's own font, positioned by its top edge
                draw.text((x, (item.y - item.size) * k), item.text, fill=item.fill, font=ImageFont.load_default())
            else:
                draw.text((x, item.y * k), item.text, fill=item.fill, font=font, anchor="ls")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # far faster than the default 6, a little larger
    return buffer.getvalue()


def _arrow_head(draw: ImageDraw.ImageDraw, line: Line, k: float = 1.0) -> None:
    angle = math.atan2(line.y2 - line.y1, line.x2 - line.x1)
    size = 10 * k
    x2, y2 = line.x2 * k, line.y2 * k
    left = (x2 - size * math.cos(angle - 0.4), y2 - size * math.sin(angle - 0.4))
    right = (x2 - size * math.cos(angle + 0.4), y2 - size * math.sin(angle + 0.4))
    draw.polygon([(x2, y2), left, right], fill=line.stroke)


def concept_map_boards(data: WorkshopData) -> list[tuple[int, Board]]:
    """(1-based position among the workshop's boards, board) for every concept map worth drawing."""
    return [
        (i, b) for i, b in enumerate(data.boards, start=1)
        if b.template == Board.Template.CONCEPT_MAP and not b.read_only_input
    ]


def report_maps(data: WorkshopData) -> list[tuple[int, Board]]:
    """The maps the flash report pictures: each session's plenary map, then each of its
    groups' maps (data.boards order), leaving out maps nobody wrote on."""
    used = {n.board_id for n in data.notes}
    return [(i, b) for i, b in concept_map_boards(data) if b.pk in used]


def picture_png(data: WorkshopData, ref: str) -> bytes | None:
    """PNG for a draft's `picture:<ref>`: `board-<n>` (n-th board of the workshop) or `attendance`."""
    if ref == "attendance":
        return to_png(attendance_scene(data))
    if ref.startswith("board-") and ref[6:].isdigit():
        index = int(ref[6:])
        if 1 <= index <= len(data.boards):
            return to_png(map_scene(data, data.boards[index - 1]), max_side=REPORT_MAX_SIDE)
    return None
