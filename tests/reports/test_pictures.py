import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from reports import pictures
from reports.selectors import workshop_data
from tests.reports.factories import RUSSIAN_NOTE, make_board, make_note, make_participant, make_session, make_workshop

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def _board(data, board_id):
    return next(b for b in data.boards if b.pk == board_id)


def test_concept_map_svg_draws_every_note_link_and_category_from_stored_positions(ws):
    data = workshop_data(workshop_id=ws.w.pk)
    svg = ET.fromstring(pictures.to_svg(pictures.map_scene(data, _board(data, ws.cmap.pk))))  # noqa: S314 - ours  # noqa: S314
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts[:4] == ["Concept map of online learning", "Threats", "Obstacles", "Enablers"]
    assert "leads to" in texts
    assert any(t.startswith("Нехватка") for t in texts)
    # background + 3 legend swatches + 7 visible notes
    assert len(list(svg.iter(f"{SVG}rect"))) == 1 + 3 + 7
    assert len(list(svg.iter(f"{SVG}line"))) == 2
    rects = list(svg.iter(f"{SVG}rect"))[4:]
    assert {r.get("fill") for r in rects} == {"#fde2e4", "#fff3b0", "#d8f3dc"}


def test_concept_map_png_is_a_picture_with_the_same_size_as_the_svg(ws):
    data = workshop_data(workshop_id=ws.w.pk)
    scene = pictures.map_scene(data, _board(data, ws.cmap.pk))
    image = Image.open(io.BytesIO(pictures.to_png(scene)))
    assert image.format == "PNG"
    assert image.size == (round(scene.width), round(scene.height))


def test_notes_that_were_never_moved_are_laid_out_in_a_grid_without_overlap():
    w = make_workshop()
    s = make_session(w)
    board = make_board(s, "Unmoved")
    person = make_participant(w, "P")
    for i in range(5):
        make_note(board, f"note {i} {RUSSIAN_NOTE}", person, x=0, y=0)
    data = workshop_data(workshop_id=w.pk)
    scene = pictures.map_scene(data, _board(data, board.pk))
    cards = [(r.x, r.y) for r in scene.items if isinstance(r, pictures.Rect)][1:]
    assert len(cards) == 5
    assert len(set(cards)) == 5


def test_pictures_still_render_without_the_dejavu_font(ws, monkeypatch):
    monkeypatch.setattr(pictures, "FONT_PATH", pictures.Path("/nonexistent/font.ttf"))
    monkeypatch.setattr(pictures, "BOLD_FONT_PATH", pictures.Path("/nonexistent/bold.ttf"))
    pictures._font.cache_clear()
    try:
        data = workshop_data(workshop_id=ws.w.pk)
        png = pictures.to_png(pictures.attendance_scene(data))
        assert Image.open(io.BytesIO(png)).format == "PNG"
        png = pictures.to_png(pictures.map_scene(data, _board(data, ws.cmap.pk)))
        assert Image.open(io.BytesIO(png)).format == "PNG"
    finally:
        pictures._font.cache_clear()


def test_attendance_chart_has_a_bar_per_session_and_country_with_the_database_counts(ws):
    data = workshop_data(workshop_id=ws.w.pk)
    countries, series, counts = pictures.attendance_counts(data)
    assert countries == ["Kazakhstan", "Kyrgyz Republic", "Tajikistan", "Uzbekistan"]
    assert series == ["Session 1: practitioners", "Session 2: policy dialogue", "Attended all sessions"]
    assert counts == [[1, 1, 1, 1], [2, 0, 1, 0], [1, 0, 0, 0]]
    svg = ET.fromstring(pictures.to_svg(pictures.attendance_scene(data)))  # noqa: S314 - our own output  # noqa: S314
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("fill") in pictures.SERIES_COLOURS]
    assert len(bars) == 7 + 3  # non-zero bars + legend swatches


def test_unknown_picture_reference_gives_none(ws):
    data = workshop_data(workshop_id=ws.w.pk)
    assert pictures.picture_png(data, "board-99") is None
    assert pictures.picture_png(data, "nothing") is None


def test_pictures_export_zips_every_board_and_the_chart_as_svg_and_png(ws):
    import zipfile

    from reports import services

    name, content = services.build_export(workshop_id=ws.w.pk, format="svg")
    assert name == f"{ws.w.slug}-pictures.zip"
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == sorted(
        [f"board-{i}.{ext}" for i in range(1, 5) for ext in ("svg", "png")] + ["attendance.svg", "attendance.png"])
    title = ET.fromstring(archive.read("board-2.svg")).find(f"{SVG}title").text  # noqa: S314 - our own output
    assert title == "Reflection grid"
    assert Image.open(io.BytesIO(archive.read("attendance.png"))).format == "PNG"
