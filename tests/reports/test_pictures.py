import io
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from PIL import Image

from mapping.models import Category, Link, Note
from reports import pictures
from reports.selectors import visible_notes, workshop_data
from tests.reports.factories import (
    RUSSIAN_NOTE,
    category,
    make_board,
    make_note,
    make_participant,
    make_session,
    make_workshop,
)
from workshops import demo
from workshops.models import Workshop

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


WORDS = ["online", "learning", "teachers", "Интернет", "колледж", "rural", "devices", "pedagogy", "обучение",
         "platforms", "support", "national", "languages"]


def _board(data, board_id):
    return next(b for b in data.boards if b.pk == board_id)


def _svg(data, board_id):
    return ET.fromstring(pictures.to_svg(pictures.map_scene(data, _board(data, board_id))))  # noqa: S314 - ours


def _group(svg, kind):
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == kind]


def _rect_box(rect) -> pictures.Box:
    x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
    return pictures.Box(x, y, x + w, y + h)


def _note_boxes(svg) -> dict[int, pictures.Box]:
    return {int(g.get("data-id")): _rect_box(g.find(f"{SVG}rect")) for g in _group(svg, "note")}


def _label_boxes(svg) -> list[pictures.Box]:
    return [_rect_box(g.find(f"{SVG}rect")) for g in _group(svg, "link-label")]


def _viewbox(svg) -> tuple[float, float]:
    _x, _y, w, h = (float(v) for v in svg.get("viewBox").split())
    return w, h


def _offset(box, origin):
    return box.centre[0] - origin[0], box.centre[1] - origin[1]


def _on_edge(box, x, y, tol=0.6) -> bool:
    inside = box.x1 - tol <= x <= box.x2 + tol and box.y1 - tol <= y <= box.y2 + tol
    return inside and min(abs(x - box.x1), abs(x - box.x2), abs(y - box.y1), abs(y - box.y2)) <= tol


def _assert_apart(boxes, gap):
    boxes = list(boxes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a.apart(b, gap - 0.2), (a, b)  # 0.1 px rounding in the SVG


def test_concept_map_svg_draws_every_note_link_and_category_from_stored_positions(ws):
    data = workshop_data(workshop_id=ws.w.pk)
    svg = _svg(data, ws.cmap.pk)
    assert svg.find(f"{SVG}title").text == "Concept map of online learning — Plenary · Session 1: practitioners"
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "caption"] == [
        "Concept map of online learning — Plenary · Session 1: practitioners"]
    assert [t.text for t in _group(svg, "legend")[0].iter(f"{SVG}text")] == [
        "Threats", "Obstacles", "Enablers", "[…] cluster", "● votes"]
    notes = _group(svg, "note")
    assert sorted(int(g.get("data-id")) for g in notes) == sorted(
        n.pk for n in (ws.top_threat, ws.second_threat, ws.lonely_threat, ws.russian, ws.practice, ws.top_enabler,
                       ws.formula))
    assert {g.find(f"{SVG}rect").get("fill") for g in notes} == {"#fde2e4", "#fff3b0", "#d8f3dc"}
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "leads to" in texts
    assert any(t.startswith("Нехватка") for t in texts)
    assert "[Connectivity]" in texts
    links = _group(svg, "link")
    assert len(links) == 2
    assert all(len(g.findall(f"{SVG}line")) == 1 and len(g.findall(f"{SVG}polygon")) == 1 for g in links)
    assert [g.get("data-id") for g in _group(svg, "link-label")] == [str(ws.top_threat.links_out.get().pk)]


def test_notes_are_drawn_at_their_stored_centres_with_the_screens_box_width(ws):
    data = workshop_data(workshop_id=ws.w.pk)
    boxes = _note_boxes(_svg(data, ws.cmap.pk))
    first = boxes[ws.top_threat.pk]
    for note in (ws.second_threat, ws.russian, ws.formula):
        box = boxes[note.pk]
        assert box.w == pytest.approx(pictures.OUTER_W, abs=0.1)
        assert box.centre[0] - first.centre[0] == pytest.approx(note.x - ws.top_threat.x, abs=0.1)
        assert box.centre[1] - first.centre[1] == pytest.approx(note.y - ws.top_threat.y, abs=0.1)


def test_links_run_from_the_source_notes_edge_to_an_arrowhead_on_the_target_notes_edge(ws):
    data = workshop_data(workshop_id=ws.w.pk)
    svg = _svg(data, ws.cmap.pk)
    boxes = _note_boxes(svg)
    links = {link.pk: link for link in data.links}
    for g in _group(svg, "link"):
        link = links[int(g.get("data-id"))]
        line = g.find(f"{SVG}line")
        tip = [float(v) for v in g.find(f"{SVG}polygon").get("points").split()[0].split(",")]
        assert _on_edge(boxes[link.source_id], float(line.get("x1")), float(line.get("y1")))
        assert _on_edge(boxes[link.target_id], *tip)


def test_colliding_and_never_placed_notes_are_laid_out_without_overlap_as_the_screen_would():
    w = make_workshop()
    s = make_session(w)
    board = make_board(s, "Crowded", categories=("Only",))
    person = make_participant(w, "P")
    kept = make_note(board, "placed on its own", person, x=1500, y=900)
    piled = [make_note(board, f"piled {i} {RUSSIAN_NOTE}", person, x=300, y=300) for i in range(8)]
    unplaced = [make_note(board, f"never moved {i}", person, x=0, y=0) for i in range(6)]
    data = workshop_data(workshop_id=w.pk)
    boxes = _note_boxes(_svg(data, board.pk))
    assert len(boxes) == 15
    _assert_apart(boxes.values(), pictures.NUDGE_GAP)
    # The first of the pile keeps its stored place; the rest are nudged to the nearest free spots.
    origin = boxes[kept.pk].centre
    assert _offset(boxes[piled[0].pk], origin) == pytest.approx((300 - 1500, 300 - 900), abs=0.1)
    # Never-placed notes fill the screen's 280 x 150 grid, four to a row, from (120, 80).
    slots = [_offset(boxes[n.pk], origin) for n in unplaced]
    g = pictures.SCREEN_GRID
    grid = {(g["x0"] + c * g["dx"] - 1500, g["y0"] + r * g["dy"] - 900) for r in range(20) for c in range(4)}
    assert all((round(x), round(y)) in grid for x, y in slots)
    assert slots == sorted(slots, key=lambda p: (p[1], p[0]))


def test_layout_is_the_same_every_time():
    w = make_workshop()
    s = make_session(w)
    board = make_board(s, "Pile")
    for i in range(12):
        make_note(board, f"n{i}", None, x=50, y=50)
    data = workshop_data(workshop_id=w.pk)
    assert pictures.to_svg(pictures.map_scene(data, _board(data, board.pk))) == pictures.to_svg(
        pictures.map_scene(workshop_data(workshop_id=w.pk), _board(data, board.pk)))


def test_long_text_wraps_inside_its_note_and_a_long_legend_wraps_inside_the_picture():
    w = make_workshop()
    s = make_session(w, title="S")
    names = [f"Category {i} " + "with a very long name that goes on " * 3 for i in range(9)]
    board = make_board(s, "Long", categories=names)
    long_text = ("Очень длинная заметка " * 20) + "Averyveryveryveryveryveryveryveryveryverylongword"
    note = make_note(board, long_text, None, category=category(board, names[0]), x=200, y=200)
    make_note(board, "short", None, x=600, y=200)
    data = workshop_data(workshop_id=w.pk)
    svg = _svg(data, board.pk)
    width, height = _viewbox(svg)
    group = next(g for g in _group(svg, "note") if g.get("data-id") == str(note.pk))
    box = _rect_box(group.find(f"{SVG}rect"))
    lines = [t.text for t in group.iter(f"{SVG}text")]
    assert len(lines) > 10
    assert " ".join(lines).replace(" ", "") == long_text.replace(" ", "")
    for t in group.iter(f"{SVG}text"):
        half = pictures.text_width(t.text, 12, face="note") / 2
        assert box.x1 < float(t.get("x")) - half
        assert float(t.get("x")) + half < box.x2
        assert box.y1 < float(t.get("y")) < box.y2
    legend = _group(svg, "legend")[0]
    frame = _rect_box(legend.find(f"{SVG}rect"))
    assert (frame.x1, frame.y1) >= (0, 0)
    assert frame.x2 <= width
    assert frame.y2 <= height
    legend_texts = list(legend.iter(f"{SVG}text"))
    assert len({t.get("y") for t in legend_texts}) > 3  # wrapped onto several rows
    for t in legend_texts:
        assert frame.x1 < float(t.get("x"))
        assert float(t.get("x")) + pictures.text_width(t.text, 12) <= frame.x2
        assert frame.y1 < float(t.get("y")) <= frame.y2
    assert " ".join(t.text for t in legend_texts).split() == [*" ".join(names).split(), "No", "category"]


def test_user_text_is_escaped_and_colours_are_checked():
    w = make_workshop()
    s = make_session(w, title="Session <1> & \"more\"")
    board = make_board(s, "Title </title><script>alert(1)</script>")
    Category.objects.create(board=board, order=1, name="</text><svg onload=alert(1)>", colour="red;x:u")
    a = make_note(board, "<script>alert('a')</script> & ]]>", None, x=100, y=100,
                  colour='#ff"on=')
    b = make_note(board, "plain", None, x=500, y=100)
    Link.objects.create(board=board, source=a, target=b, label="<b>leads</b> & to")
    data = workshop_data(workshop_id=w.pk)
    text = pictures.to_svg(pictures.map_scene(data, _board(data, board.pk)))
    svg = ET.fromstring(text)  # noqa: S314 - our own output, parsed to check it is well-formed
    assert not [e for e in svg.iter() if e.tag.split("}")[-1] in {"script", "foreignObject"}]
    assert not any(k.startswith("on") for e in svg.iter() for k in e.attrib)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "<b>leads</b> & to" in texts
    assert "</text><svg onload=alert(1)>" in texts
    note = next(g for g in _group(svg, "note") if g.get("data-id") == str(a.pk))
    assert " ".join(t.text for t in note.iter(f"{SVG}text")) == "<script>alert('a')</script> & ]]>"
    assert {r.get("fill") for r in svg.iter(f"{SVG}rect")} <= {"#ffffff", "#f9fafb", pictures.DEFAULT_FILL}


def test_caption_names_board_group_and_session_in_english_and_russian(ws):
    data = workshop_data(workshop_id=ws.w.pk)
    assert pictures.board_caption(_board(data, ws.group_board.pk)) == "Group A map — Group A · Session 1: practitioners"
    named = make_board(ws.s1, "Group B", group=ws.group_b)
    data = workshop_data(workshop_id=ws.w.pk)
    assert pictures.board_caption(_board(data, named.pk)) == "Concept map — Group B · Session 1: practitioners"
    with translation.override("ru"):
        assert pictures.board_caption(_board(data, ws.cmap.pk)) == (
            "Concept map of online learning — Пленарное заседание · Session 1: practitioners")
        assert pictures.board_caption(_board(data, named.pk)) == (
            "Концептуальная карта — Group B · Session 1: practitioners")


def test_the_picture_speaks_russian_when_drawn_in_russian(ws):
    empty = make_board(ws.s1, "Пустая карта")
    data = workshop_data(workshop_id=ws.w.pk)
    with translation.override("ru"):
        svg = _svg(data, ws.cmap.pk)
        assert svg.find(f"{SVG}title").text == (
            "Concept map of online learning — Пленарное заседание · Session 1: practitioners")
        assert [t.text for t in _group(svg, "legend")[0].iter(f"{SVG}text")][-2:] == ["[…] кластер", "● голоса"]
        assert "На этой доске нет заметок." in [t.text for t in _svg(data, empty.pk).iter(f"{SVG}text")]


def test_an_empty_board_says_so_instead_of_an_empty_picture(ws):
    empty = make_board(ws.s2, "Nothing yet")
    data = workshop_data(workshop_id=ws.w.pk)
    svg = _svg(data, empty.pk)
    assert "No notes on this board." in [t.text for t in svg.iter(f"{SVG}text")]
    assert _group(svg, "note") == []


def test_a_board_of_60_notes_and_40_links_from_the_database_draws_everything_without_overlap():
    w = make_workshop()
    s = make_session(w)
    board = make_board(s, "Big", categories=("A", "B", "C", "D"))
    cats = list(board.categories.order_by("order"))
    rng = random.Random(9)
    notes = [
        make_note(board, " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 30))), None,
                  category=cats[i % 4], x=round(rng.uniform(0, 1400), 1) if i % 9 else 0.0,
                  y=round(rng.uniform(0, 900), 1) if i % 9 else 0.0)
        for i in range(60)
    ]
    pairs = set()
    while len(pairs) < 40:
        a, b = rng.sample(notes, 2)
        if (a.pk, b.pk) not in pairs and (b.pk, a.pk) not in pairs:
            pairs.add((a.pk, b.pk))
            Link.objects.create(board=board, source=a, target=b, label=rng.choice(["", "leads to", "needs more"]))
    data = workshop_data(workshop_id=w.pk)
    svg = _svg(data, board.pk)
    boxes = _note_boxes(svg)
    assert sorted(boxes) == sorted(n.pk for n in notes)
    _assert_apart(boxes.values(), pictures.NUDGE_GAP)
    assert len(_group(svg, "link")) == Link.objects.filter(board=board).count() == 40
    labelled = Link.objects.filter(board=board).exclude(label="").count()
    labels = _label_boxes(svg)
    assert len(labels) == labelled
    _assert_apart(labels, 0)
    width, height = _viewbox(svg)
    assert all(b.x1 >= 0 and b.x2 <= width and b.y1 >= 0 and b.y2 <= height for b in boxes.values())
    png = Image.open(io.BytesIO(pictures.to_png(pictures.map_scene(data, _board(data, board.pk)))))
    assert png.size == (round(width), round(height))


def test_the_demo_maps_draw_every_note_and_link_the_database_holds():
    call_command("load_demo", stdout=io.StringIO())
    workshop = Workshop.objects.get(slug=demo.DEMO_SLUG)
    data = workshop_data(workshop_id=workshop.pk)
    drawn = 0
    for board in data.boards:
        svg = _svg(data, board.pk)
        boxes = _note_boxes(svg)
        live = visible_notes(Note.objects.filter(board=board))
        assert sorted(boxes) == sorted(live.values_list("pk", flat=True)), board.title
        assert len(_group(svg, "link")) == Link.objects.filter(board=board, source__in=live, target__in=live).count()
        _assert_apart(boxes.values(), pictures.NUDGE_GAP)
        labels = _label_boxes(svg)
        assert all(label.apart(note) for label in labels for note in boxes.values())  # no label hides a note
        _assert_apart(labels, 0)
        assert svg.find(f"{SVG}title").text == pictures.board_caption(board)
        drawn += len(boxes)
    assert drawn > 40


def test_the_geometry_matches_the_board_screens(settings):
    """static/js/board-layout.js is what the screen draws; the picture copies its numbers."""
    source = (Path(settings.BASE_DIR) / "static" / "js" / "board-layout.js").read_text()
    note = re.search(r"export const NOTE = \{(.*?)\};", source, re.S).group(1)
    for key, value in pictures.SCREEN_NOTE.items():
        assert re.search(rf"\b{key}: {value}\b", note), key
    grid = re.search(r"export const GRID = \{(.*?)\};", source).group(1)
    assert {k: int(v) for k, v in re.findall(r"(\w+): (\d+)", grid)} == pictures.SCREEN_GRID
    assert re.search(r"export const GAP = (\d+);", source).group(1) == str(pictures.SCREEN_GAP)


def test_pictures_still_render_without_the_dejavu_font(ws, monkeypatch):
    monkeypatch.setattr(pictures, "FONT_PATH", pictures.Path("/nonexistent/font.ttf"))
    monkeypatch.setattr(pictures, "BOLD_FONT_PATH", pictures.Path("/nonexistent/bold.ttf"))
    monkeypatch.setattr(pictures, "NOTE_FONT_PATH", pictures.Path("/nonexistent/note.ttf"))
    monkeypatch.setattr(pictures, "NOTE_BOLD_FONT_PATH", pictures.Path("/nonexistent/note-bold.ttf"))
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
    assert title == "Reflection grid — Plenary · Session 1: practitioners"
    assert Image.open(io.BytesIO(archive.read("attendance.png"))).format == "PNG"
