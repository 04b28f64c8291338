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

from .markup import clean
from .selectors import WorkshopData, country_label, country_order

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD_FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_FILL = "#fff3b0"
NOTE_W, NOTE_H = 180.0, 96.0
MAX_SIDE = 2400.0
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


@dataclass
class Scene:
    width: float
    height: float
    items: list
    title: str = ""


# --- Fonts and measuring -----------------------------------------------------------------------


@lru_cache(maxsize=64)
def _font(size: int, bold: bool = False):
    path = BOLD_FONT_PATH if bold else FONT_PATH
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        try:
            return ImageFont.truetype(str(FONT_PATH), size)
        except OSError:
            return None


def text_width(text: str, size: float, bold: bool = False) -> float:
    font = _font(round(size), bold)
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


def map_scene(data: WorkshopData, board: Board) -> Scene:
    """Lay out one board from its stored positions, links and categories."""
    notes = [n for n in data.notes if n.board_id == board.pk]
    categories = sorted(
        (c for c in data.categories.values() if c.board_id == board.pk), key=lambda c: (c.order, c.pk)
    )
    positions: dict[int, tuple[float, float]] = {n.pk: (n.x, n.y) for n in notes}
    if len({positions[n.pk] for n in notes}) < len(notes):
        # Positions collide (e.g. notes never moved): lay them out in a grid by category.
        order = {c.pk: i for i, c in enumerate(categories)}
        ranked = sorted(notes, key=lambda n: (order.get(n.category_id, len(order)), n.pk))
        columns = max(1, math.ceil(math.sqrt(len(ranked))))
        positions = {
            n.pk: ((i % columns) * (NOTE_W + 30), (i // columns) * (NOTE_H + 30)) for i, n in enumerate(ranked)
        }
    legend_h = 40.0 if categories else 0.0
    title_h = 36.0
    if notes:
        min_x = min(p[0] for p in positions.values())
        min_y = min(p[1] for p in positions.values())
        max_x = max(p[0] for p in positions.values()) + NOTE_W
        max_y = max(p[1] for p in positions.values()) + NOTE_H
    else:
        min_x = min_y = 0.0
        max_x, max_y = 600.0, 120.0
    pad = 24.0
    span_w, span_h = max_x - min_x, max_y - min_y
    scale = min(1.0, MAX_SIDE / max(span_w, 1.0), MAX_SIDE / max(span_h, 1.0))
    scale = max(scale, 0.25)
    note_w, note_h = NOTE_W * scale, NOTE_H * scale
    width = max(span_w * scale + 2 * pad, 480.0)
    height = span_h * scale + 2 * pad + title_h + legend_h
    top = title_h + legend_h + pad

    def place(note_id: int) -> tuple[float, float]:
        x, y = positions[note_id]
        return pad + (x - min_x) * scale, top + (y - min_y) * scale

    items: list = [Rect(0, 0, width, height, "#ffffff", stroke="#ffffff", radius=0)]
    items.append(Text(pad, 26, board.title, size=18, bold=True))
    x = pad
    for category in categories:
        items.append(Rect(x, title_h + 8, 16, 16, _colour(category.colour), radius=3))
        label = category.name
        items.append(Text(x + 22, title_h + 21, label, size=13))
        x += 22 + text_width(label, 13) + 24
    labels: list[Text] = []  # drawn last, so cards do not hide them
    for link in data.links:
        if link.source_id in positions and link.target_id in positions and link.board_id == board.pk:
            sx, sy = place(link.source_id)
            tx, ty = place(link.target_id)
            x1, y1 = sx + note_w / 2, sy + note_h / 2
            x2, y2 = tx + note_w / 2, ty + note_h / 2
            # End the arrow at the target card's edge, not under it.
            dx, dy = x2 - x1, y2 - y1
            cut = min(note_w / 2 / abs(dx) if dx else math.inf, note_h / 2 / abs(dy) if dy else math.inf)
            if cut < 1:
                x2, y2 = x2 - dx * cut, y2 - dy * cut
            items.append(Line(x1, y1, x2, y2, arrow=True))
            if link.label:
                labels.append(Text((x1 + x2) / 2, (y1 + y2) / 2 - 4, link.label, size=11, fill="#5b6477",
                                   anchor="middle"))
    font_size = max(8.0, 13.0 * scale)
    for note in notes:
        nx, ny = place(note.pk)
        category = data.categories.get(note.category_id) if note.category_id else None
        fill = _colour(note.colour, _colour(category.colour if category else ""))
        items.append(Rect(nx, ny, note_w, note_h, fill))
        max_lines = max(1, int((note_h - 8) // (font_size * 1.3)))
        lines = wrap(note.text, note_w - 12 * scale, font_size, max_lines=max_lines)
        for i, line in enumerate(lines):
            items.append(Text(nx + 6 * scale, ny + 6 * scale + font_size * (1.1 + 1.3 * i), line, size=font_size))
        votes = data.votes.get(note.pk, 0)
        if votes:
            items.append(Text(nx + note_w - 6 * scale, ny + note_h - 6 * scale, f"● {votes}", size=font_size,
                              fill="#b54708", anchor="end", bold=True))
    items.extend(labels)
    return Scene(width=width, height=height, items=items, title=board.title)


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


def to_svg(scene: Scene) -> str:
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{scene.width:.0f}" height="{scene.height:.0f}" '
        f'viewBox="0 0 {scene.width:.1f} {scene.height:.1f}" font-family="DejaVu Sans, Arial, sans-serif">',
        f"<title>{escape(clean(scene.title))}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#5b6477"/></marker></defs>',
    ]
    for item in scene.items:
        if isinstance(item, Rect):
            out.append(
                f'<rect x="{item.x:.1f}" y="{item.y:.1f}" width="{item.w:.1f}" height="{item.h:.1f}" '
                f'rx="{item.radius:.1f}" fill="{item.fill}" stroke="{item.stroke}"/>'
            )
        elif isinstance(item, Line):
            marker = ' marker-end="url(#arrow)"' if item.arrow else ""
            out.append(
                f'<line x1="{item.x1:.1f}" y1="{item.y1:.1f}" x2="{item.x2:.1f}" y2="{item.y2:.1f}" '
                f'stroke="{item.stroke}" stroke-width="{item.width:.1f}"{marker}/>'
            )
        elif isinstance(item, Text):
            weight = ' font-weight="bold"' if item.bold else ""
            out.append(
                f'<text x="{item.x:.1f}" y="{item.y:.1f}" font-size="{item.size:.1f}" fill="{item.fill}" '
                f'text-anchor="{item.anchor}"{weight}>{escape(clean(item.text))}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def to_png(scene: Scene) -> bytes:
    image = Image.new("RGB", (max(1, round(scene.width)), max(1, round(scene.height))), "#ffffff")
    draw = ImageDraw.Draw(image)
    for item in scene.items:
        if isinstance(item, Rect):
            box = (item.x, item.y, item.x + max(item.w, 1), item.y + max(item.h, 1))
            draw.rounded_rectangle(box, radius=item.radius, fill=item.fill, outline=item.stroke)
        elif isinstance(item, Line):
            draw.line((item.x1, item.y1, item.x2, item.y2), fill=item.stroke, width=round(item.width))
            if item.arrow:
                _arrow_head(draw, item)
        elif isinstance(item, Text):
            font = _font(round(item.size), item.bold)
            width = text_width(item.text, item.size, item.bold)
            x = item.x - (width / 2 if item.anchor == "middle" else width if item.anchor == "end" else 0)
            if font is None:  # no DejaVu: Pillow's own font, positioned by its top edge
                draw.text((x, item.y - item.size), item.text, fill=item.fill, font=ImageFont.load_default())
            else:
                draw.text((x, item.y), item.text, fill=item.fill, font=font, anchor="ls")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # far faster than the default 6, a little larger
    return buffer.getvalue()


def _arrow_head(draw: ImageDraw.ImageDraw, line: Line) -> None:
    angle = math.atan2(line.y2 - line.y1, line.x2 - line.x1)
    size = 10
    left = (line.x2 - size * math.cos(angle - 0.4), line.y2 - size * math.sin(angle - 0.4))
    right = (line.x2 - size * math.cos(angle + 0.4), line.y2 - size * math.sin(angle + 0.4))
    draw.polygon([(line.x2, line.y2), left, right], fill=line.stroke)


def concept_map_boards(data: WorkshopData) -> list[tuple[int, Board]]:
    """(1-based position among the workshop's boards, board) for every concept map worth drawing."""
    return [
        (i, b) for i, b in enumerate(data.boards, start=1)
        if b.template == Board.Template.CONCEPT_MAP and not b.read_only_input
    ]


def picture_png(data: WorkshopData, ref: str) -> bytes | None:
    """PNG for a draft's `picture:<ref>`: `board-<n>` (n-th board of the workshop) or `attendance`."""
    if ref == "attendance":
        return to_png(attendance_scene(data))
    if ref.startswith("board-") and ref[6:].isdigit():
        index = int(ref[6:])
        if 1 <= index <= len(data.boards):
            return to_png(map_scene(data, data.boards[index - 1]))
    return None
