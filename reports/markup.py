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
