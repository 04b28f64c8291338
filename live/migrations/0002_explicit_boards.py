"""Boards used to be made when somebody first looked (ensure_session_boards on every read).
Now they are made with the session and when a round opens (live.services); this makes
them once for data written before: a plenary board for every session without one, and a
board for every group of an opened round without one. It also ends the rapporteur
*role*: being a rapporteur is a mark on a group membership of the current round."""

from django.db import migrations

CONCEPT_MAP = [("Goals & Vision", "#cfe8ff"), ("Envisaging digital and online learning", "#d9f2d9"),
               ("Threats", "#ffd6d6"), ("Obstacles", "#ffe7c2"), ("Enablers", "#e6dcff")]


def forwards(apps, schema_editor):
    Session = apps.get_model("workshops", "Session")
    BreakoutGroup = apps.get_model("workshops", "BreakoutGroup")
    Board = apps.get_model("mapping", "Board")
    Category = apps.get_model("mapping", "Category")
    Participant = apps.get_model("participants", "Participant")

    def make(session_id, group=None, title="Concept map", template="concept_map"):
        board = Board.objects.create(session_id=session_id, group=group, title=title, template=template)
        Category.objects.bulk_create(Category(board=board, order=i, name=n, colour=c)
                                     for i, (n, c) in enumerate(CONCEPT_MAP, 1))

    with_plenary = set(Board.objects.filter(group__isnull=True, read_only_input=False).values_list("session_id",
                                                                                                   flat=True))
    for session_id in Session.objects.exclude(pk__in=with_plenary).values_list("pk", flat=True):
        make(session_id)
    for group in BreakoutGroup.objects.filter(round__opened_at__isnull=False, boards__isnull=True).select_related(
            "round"):
        make(group.round.session_id, group=group, title=group.name)
    Participant.objects.filter(role="rapporteur").update(role="participant")


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0001_presence"),
        ("mapping", "0006_one_presence"),
        ("workshops", "0004_session_event_log"),
        ("participants", "0002_initial"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
