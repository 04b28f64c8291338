"""Every server frame type has a schema (live/frames.py) and a line in docs/protocol.md;
every frame the socket tests receive is checked against its schema (tests/mapping/wsclient.py)."""

from django.conf import settings

from live.frames import FRAMES, problems


def test_every_frame_type_is_documented():
    doc = (settings.BASE_DIR / "docs" / "protocol.md").read_text()
    assert [kind for kind in FRAMES if f'`{kind}`' not in doc and f'"type": "{kind}"' not in doc] == []


def test_a_frame_with_a_missing_or_unknown_key_is_caught():
    assert problems({"type": "head", "seq": 3, "board": 1}) == []
    timer = {"type": "timer", "ends_at": None, "label": "", "paused_left": None, "recalls": False, "server_now": "x"}
    assert problems(timer) == ["timer: missing seq"]
    assert problems({"type": "moved", "seq": 1, "participant": 2, "group": None, "extra": 1}) == [
        "moved: unexpected extra"]
    assert problems({"type": "nope"}) == ["unknown frame type 'nope'"]
