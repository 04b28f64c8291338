"""A facilitator adds a board of any template to a session from the console: it is
listed there, everyone is told, a blank board takes its own categories, and a wrong
form is refused field by field with nothing saved."""

import pytest
from django.contrib.messages import get_messages

from mapping.models import Board, Category
from tests.workshops.factories import make_session
from workshops.models import SessionEvent

pytestmark = pytest.mark.django_db


def test_a_reflection_board_is_added_listed_on_the_console_and_announced(fac):
    session = make_session()
    response = fac.post(f"/boards/new/{session.uuid}/", {"title": "What worked", "template": "reflection",
                                                        "author_mode": "by_role", "categories": ""})
    assert response["Location"] == f"/w/s/{session.uuid}/console/"
    board = Board.objects.get(session=session)
    assert (board.title, board.template, board.author_mode, board.group_id) == (
        "What worked", "reflection", "by_role", None)
    assert list(Category.objects.filter(board=board).order_by("order").values_list("name", flat=True)) == [
        "What worked well", "What worked less well", "What did not work at all", "What could have helped"]
    assert SessionEvent.objects.filter(session=session, type="boards.changed").count() == 1
    page = fac.get(f"/w/s/{session.uuid}/console/").content.decode()
    assert f'<li data-board="{board.pk}"><a href="/boards/{board.pk}/">What worked</a>' in page


def test_a_blank_board_takes_the_facilitators_categories_in_order(fac):
    session = make_session()
    fac.post(f"/boards/new/{session.uuid}/", {"title": "", "template": "blank", "author_mode": "named",
                                             "categories": "Quick wins\n\n Needs funding \nLong term"})
    board = Board.objects.get(session=session)
    assert board.title == "Blank"
    assert list(Category.objects.filter(board=board).order_by("order").values_list("name", flat=True)) == [
        "Quick wins", "Needs funding", "Long term"]


@pytest.mark.parametrize(("data", "says"), [
    ({"template": "mindmap"}, "Template: Select a valid choice."),
    ({"template": "concept_map", "categories": "Mine"}, "Only a blank board takes its own categories"),
    ({"template": "blank", "categories": "A\na"}, "Each category once."),
    ({"template": "blank", "title": "bad\x07title"}, "Title: Control characters are not allowed."),
])
def test_a_wrong_form_is_refused_with_a_message_and_saves_nothing(fac, data, says):
    session = make_session()
    response = fac.post(f"/boards/new/{session.uuid}/", {"author_mode": "named", **data})
    assert response.status_code == 302
    assert any(says in str(m) for m in get_messages(response.wsgi_request))
    assert not Board.objects.filter(session=session).exists()
    assert not SessionEvent.objects.filter(session=session).exists()


def test_only_facilitators_add_boards(client):
    session = make_session()
    assert client.post(f"/boards/new/{session.uuid}/", {"template": "reflection", "author_mode": "named"}
                       ).status_code == 404
    assert not Board.objects.exists()
