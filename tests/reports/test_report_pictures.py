"""The flash report pictures each session's plenary map and each group's map, captioned
board — group · session, in every format."""

import io
import re

import pytest
from docx import Document
from pypdf import PdfReader

from reports import services
from reports.selectors import workshop_data
from tests.reports.factories import make_board, make_note

pytestmark = pytest.mark.django_db

CAPTIONS = [
    "Concept map of online learning — Plenary · Session 1: practitioners",
    "Group A map — Group A · Session 1: practitioners",
    "Concept map — Group B · Session 1: practitioners",
    "Policy map — Plenary · Session 2: policy dialogue",
]


@pytest.fixture
def maps(ws):
    """Besides the fixture's plenary and group A maps: group B's map (named after its
    group), an empty map of the policy group (not pictured) and session 2's plenary map."""
    group_b = make_board(ws.s1, "Group B", group=ws.group_b)
    make_note(group_b, "Group B idea", ws.bakyt)
    make_board(ws.s2, "Policy group", group=ws.group_c)
    policy = make_board(ws.s2, "Policy map")
    make_note(policy, "A regional roadmap", ws.yerlan)
    return [ws.cmap, ws.group_board, group_b, policy]


def test_markdown_pictures_each_plenary_and_group_map_with_its_caption(ws, maps):
    text = services.build_export(workshop_id=ws.w.pk, format="md")[1].decode()
    pictures = re.findall(r"^!\[(.*)\]\(picture:board-(\d+)\)$", text, re.M)
    assert [alt for alt, _ in pictures] == CAPTIONS
    boards = workshop_data(workshop_id=ws.w.pk).boards
    assert [boards[int(n) - 1].pk for _, n in pictures] == [b.pk for b in maps]


def test_docx_and_pdf_hold_one_picture_per_map_plus_the_attendance_chart(ws, maps):
    document = Document(io.BytesIO(services.build_export(workshop_id=ws.w.pk, format="docx")[1]))
    assert len(document.inline_shapes) == len(CAPTIONS) + 1
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == ["Participants per session by country", *CAPTIONS]
    reader = PdfReader(io.BytesIO(services.build_export(workshop_id=ws.w.pk, format="pdf")[1]))
    # WeasyPrint gives every page the same image resources: count distinct pictures.
    assert len({image.data for page in reader.pages for image in page.images}) == len(CAPTIONS) + 1
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert all(caption in text for caption in CAPTIONS)
