from reports.markup import Bullets, Heading, Paragraph, Picture, Table, clean, one_line, parse


def test_draft_text_becomes_headings_paragraphs_bullets_tables_and_pictures():
    text = (
        "Intro line one\nline two\n\n### Threats\n#### C#\n- first\n  - nested\n    continued\n- second\n\n"
        "| Country | Total |\n|---|---|\n| Kazakhstan | 2 |\n| A \\| B |\n\n![Map](picture:board-1)\n"
    )
    assert parse(text) == [
        Paragraph("Intro line one line two"),
        Heading(3, "Threats"),
        Heading(4, "C#"),
        Bullets(((0, "first"), (1, "nested continued"), (0, "second"))),
        Table(("Country", "Total"), (("Kazakhstan", "2"), ("A | B", ""))),
        Picture("board-1", "Map"),
    ]


def test_one_line_drops_line_breaks_and_control_characters():
    assert one_line("a\nb\r\n\tc\x07d") == "a b cd"
    assert clean("x\x00y\tz\n") == "xy\tz\n"
