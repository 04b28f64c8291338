"""Template categories are stored in English and shown in the reader's language, in every
export; a facilitator's own category names stay as written."""

import pytest
from django.utils import translation

from mapping import services as board_services
from mapping.models import Category
from reports import services
from tests.mapping import factories as f

pytestmark = pytest.mark.django_db


def test_a_board_made_in_russian_stores_english_and_each_export_speaks_its_own_language():
    sess = f.session()
    with translation.override("ru"):  # a facilitator using the Russian screens
        board = board_services.create_board(session=sess, template="concept_map")
    blank = board_services.create_board(session=sess, template="blank", categories=[("Быстрые победы", "#cfe8ff")])
    assert list(Category.objects.filter(board=board).order_by("order").values_list("name", flat=True))[:2] == [
        "Goals & Vision", "Envisaging digital and online learning"]
    person = f.participant(sess.workshop)
    cat = Category.objects.get(board=board, name="Enablers")
    board_services.apply_op(board=board, actor=f.actor(person), op="note.add", op_id="",
                            data={"text": "Peer networks", "category": cat.pk})
    own = Category.objects.get(board=blank)
    board_services.apply_op(board=blank, actor=f.actor(person), op="note.add", op_id="",
                            data={"text": "Free data", "category": own.pk})
    with translation.override("ru"):
        russian = services.build_export(workshop_id=sess.workshop_id, format="md")[1].decode()
        csv_ru = services.build_export(workshop_id=sess.workshop_id, format="csv")[1].decode()
    english = services.build_export(workshop_id=sess.workshop_id, format="md")[1].decode()
    assert ("Факторы успеха" in russian, "Enablers" in russian) == (True, False)
    assert ("Enablers" in english, "Факторы успеха" in english) == (True, False)
    assert ("Факторы успеха" in csv_ru, "Enablers" in csv_ru) == (True, False)
    assert "Быстрые победы" in csv_ru  # the facilitator's own name, as written
