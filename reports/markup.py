"""The small Markdown subset the flash-report draft is written in.

Staff edit each section as plain text in the browser; the same text becomes DOCX, PDF
and Markdown, so edits reach every format. Supported: headings (#, ##, ###, ####),
paragraphs, bullets ("- ", nested with two spaces), pipe tables, and pictures
`![alt](picture:<ref>)` where <ref> names a picture the exporter draws (map-1,
attendance). Anything else is a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PICTURE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\(picture:(?P<ref>[\w.-]+)\)\s*$")
HEADING = re.compile(r"^(?P<hashes>#{1,4})\s+(?P<text>.+?)(?:\s+#+)?\s*$")
BULLET = re.compile(r"^(?P<indent>\s*)[-*]\s+(?P<text>.*)$")
# Characters XML (DOCX, XLSX) cannot hold; a stray one from a paste must not break an export.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[tuple[int, str], ...]  # (level 0 or 1, text)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Picture:
    ref: str
    alt: str


Block = Heading | Paragraph | Bullets | Table | Picture


def _cells(line: str) -> tuple[str, ...]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    parts = re.split(r"(?<!\\)\|", line)
    return tuple(p.strip().replace("\\|", "|") for p in parts)


def parse(text: str) -> list[Block]:
    """Split draft text into blocks, in order. Never raises: unknown shapes are paragraphs."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    bullets: list[tuple[int, str]] = []
    table: list[tuple[str, ...]] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Paragraph(" ".join(paragraph)))
            paragraph.clear()
        if bullets:
            blocks.append(Bullets(tuple(bullets)))
            bullets.clear()
        if table:
            header, *rows = table
            width = len(header)
            rows = [tuple((list(r) + [""] * width)[:width]) for r in rows]
            blocks.append(Table(header, tuple(rows)))
            table.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        if table and TABLE_RULE.match(line.strip()):
            continue
        if line.lstrip().startswith("|"):
            if not table:
                flush()
            table.append(_cells(line))
            continue
        if match := PICTURE.match(line.strip()):
            flush()
            blocks.append(Picture(match["ref"], match["alt"]))
            continue
        if match := HEADING.match(line):
            flush()
            blocks.append(Heading(len(match["hashes"]), match["text"]))
            continue
        if match := BULLET.match(line):
            if paragraph or table:
                flush()
            bullets.append((1 if len(match["indent"]) >= 2 else 0, match["text"]))
            continue
        if bullets and raw.startswith("  "):
            level, previous = bullets[-1]
            bullets[-1] = (level, f"{previous} {line.strip()}")
            continue
        if bullets or table:
            flush()
        paragraph.append(line.strip())
    flush()
    return blocks


def clean(text: str) -> str:
    """Text without control characters (tab, line feed and carriage return stay)."""
    return CONTROL.sub("", str(text))


def one_line(text: str) -> str:
    """Note text as one Markdown line: no line breaks, no control characters."""
    return " ".join(clean(text).split())


def table_cell(text: str) -> str:
    return one_line(text).replace("|", "\\|")


# Backslash escapes for the characters that make HTML (<), entities (&), links and
# images ([ ]), autolinks (< >) and code spans (`) in a Markdown viewer. With these
# escaped no text can become a tag or a link, whatever its target (javascript:, data:).
# `\|` is left alone: it is the table cells' own escape (table_cell).
MARKDOWN_SPECIAL = re.compile(r"\\(?!\|)|[`<>\[\]&]")


def markdown_escape(text: str) -> str:
    """Text that a Markdown viewer shows as written, never as HTML or a link."""
    return MARKDOWN_SPECIAL.sub(lambda m: "\\" + m[0], text)


def to_markdown(text: str, *, picture_target=None) -> str:
    """Draft text as it goes into the Markdown export: every line escaped (markdown_escape),
    so participants' and staff's text stays text in any viewer; the subset's own marks
    (#, -, |, indentation) are not special characters and pass as they are. A picture
    stays a picture, pointing to `picture_target(ref)` when given, else `picture:<ref>`."""
    lines = []
    for line in text.split("\n"):
        if match := PICTURE.match(line.strip()):
            target = picture_target(match["ref"]) if picture_target is not None else f"picture:{match['ref']}"
            lines.append(f"![{markdown_escape(match['alt'])}]({target})")
        else:
            lines.append(markdown_escape(line))
    return "\n".join(lines)
