"""Times are stored in UTC and shown in the viewer's zone with the workshop's home time
beside it; where the two are on different days, the home date is named."""

import datetime as dt

import pytest
from django.utils import translation

from workshops.timefmt import dual_time

UTC = dt.UTC


def test_the_viewers_time_comes_first_and_the_home_time_beside_it():
    moment = dt.datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    assert dual_time(moment, home_zone="Europe/Rome", home_city="Turin", viewer_zone="Asia/Almaty") == \
        "14:00 Almaty · 10:00 Turin"


def test_one_time_when_the_viewer_is_in_the_home_zone_or_an_equal_offset():
    moment = dt.datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    assert dual_time(moment, home_zone="Europe/Rome", home_city="Turin", viewer_zone="Europe/Rome") == "10:00 Turin"
    assert dual_time(moment, home_zone="Europe/Rome", home_city="Turin", viewer_zone="Europe/Berlin") == "10:00 Turin"
    assert dual_time(moment, home_zone="Europe/Rome", home_city="Turin", viewer_zone=None) == "10:00 Turin"
    assert dual_time(moment, home_zone="Europe/Rome", home_city="Turin", viewer_zone="Nowhere/Else") == "10:00 Turin"


def test_the_home_date_is_named_when_it_is_another_day_in_both_languages():
    moment = dt.datetime(2026, 12, 4, 20, 18, tzinfo=UTC)  # 5 December in Almaty, 4 December in Turin
    text = dual_time(moment, home_zone="Europe/Rome", home_city="Turin", viewer_zone="Asia/Almaty")
    assert text == "01:18 Almaty · 21:18 Turin, 4 December"
    with translation.override("ru"):
        assert dual_time(moment, home_zone="Europe/Rome", home_city="Turin", viewer_zone="Asia/Almaty") == \
            "01:18 Almaty · 21:18 Turin, 4 декабря"


@pytest.mark.django_db
def test_the_room_of_a_session_that_started_yesterday_shows_the_viewers_day_and_the_home_day(client):
    from tests.mapping import factories as f

    ws = f.workshop(home_timezone="Europe/Rome", home_city="Turin")
    yesterday = dt.datetime(2026, 12, 3, 20, 18, tzinfo=UTC)
    sess = f.session(ws, starts_at=yesterday, ends_at=yesterday + dt.timedelta(hours=3))
    person = f.participant(ws, "Aigerim", timezone="Asia/Almaty")
    client.cookies["sessionid"] = f.participant_cookie(person).split("=", 1)[1]
    page = client.get(f"/w/s/{sess.uuid}/room/").content.decode()
    assert "4 December 01:18 Almaty · 21:18 Turin, 3 December" in page
