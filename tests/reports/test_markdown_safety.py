"""The Markdown export keeps participants' and staff's text as text in any viewer: no
HTML, no links of their making (javascript: or otherwise), while DOCX keeps the text as
written. Checked by rendering the export with a CommonMark renderer that passes raw HTML
and accepts any link target, as the laxest viewers do."""

import io

import pytest
from docx import Document
from markdown_it import MarkdownIt

from reports import services
from reports.markup import markdown_escape, to_markdown
from tests.reports.factories import category, make_note

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    "[click me](javascript:alert(2))",
    "<javascript:alert(3)>",
    "![x](javascript:alert(4))",
    "<img src=x onerror=alert(5)>",
    "[ref]: javascript:alert(6) and [ref]",
    "&#60;script&#62;alert(7)&#60;/script&#62;",
    "`code` and \\<b>",
]


def _lax_viewer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True  # a viewer that follows any target
    return md


def _tokens(tokens):
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def test_markdown_escape_leaves_nothing_a_viewer_would_act_on():
    assert markdown_escape("<b>[a](javascript:x)</b> & `c` \\ | \\|") == (
        "\\<b\\>\\[a\\](javascript:x)\\</b\\> \\& \\`c\\` \\\\ | \\|"
    )


def test_to_markdown_keeps_headings_bullets_tables_and_pictures():
    draft = "### <Threats>\n- [a](b)\n  - nested\n| A \\| B | 2 |\n|---|---|\n![Map <1>](picture:board-1)"
    assert to_markdown(draft, picture_target=lambda ref: f"w-{ref}.png") == (
        "### \\<Threats\\>\n- \\[a\\](b)\n  - nested\n| A \\| B | 2 |\n|---|---|\n![Map \\<1\\>](w-board-1.png)"
    )


def test_hostile_notes_and_titles_stay_text_in_the_markdown_export_and_as_written_in_docx(ws):
    enablers = category(ws.cmap, "Enablers")
    for text in HOSTILE:
        make_note(ws.cmap, text, ws.aigerim, category=enablers)
    ws.w.title = "<script>alert('title')</script>"
    ws.w.save(update_fields=["title"])

    text = services.build_export(workshop_id=ws.w.pk, format="md")[1].decode()
    tokens = list(_tokens(_lax_viewer().parse(text)))
    assert [t.type for t in tokens if t.type in {"html_inline", "html_block", "link_open", "code_inline"}] == []
    pictures = {t.attrGet("src") for t in tokens if t.type == "image"}  # the maps and the chart, nothing else
    assert {"picture:board-1", "picture:attendance"} <= pictures
    assert all(src.startswith("picture:") for src in pictures)
    html = _lax_viewer().render(text)
    assert ("<script" in html, "javascript:alert(2)" in html, "&lt;script&gt;alert(1)&lt;/script&gt;" in html) == (
        False, True, True)

    docx_text = "\n".join(p.text for p in Document(io.BytesIO(
        services.build_export(workshop_id=ws.w.pk, format="docx")[1])).paragraphs)
    assert all(note in docx_text for note in HOSTILE)
