"""A board holds at most one live copy of a note (pulling it again returns that copy).

Boards pulled twice before this change hold duplicates: the oldest live copy stays the
copy; the later ones keep their text, votes, comments and provenance but are no longer
linked to the source note (source_note cleared), so the constraint can hold."""

from django.db import migrations, models


def unlink_duplicate_copies(apps, schema_editor):
    Note = apps.get_model("mapping", "Note")
    seen: set[tuple[int, int]] = set()
    later: list[int] = []
    rows = Note.objects.filter(source_note__isnull=False, deleted_at__isnull=True).order_by("id")
    for pk, board_id, source_id in rows.values_list("id", "board_id", "source_note_id").iterator():
        if (board_id, source_id) in seen:
            later.append(pk)
        else:
            seen.add((board_id, source_id))
    for start in range(0, len(later), 500):
        Note.objects.filter(pk__in=later[start:start + 500]).update(source_note=None)


class Migration(migrations.Migration):

    dependencies = [
        ("mapping", "0003_events_result_presence"),
    ]

    operations = [
        migrations.RunPython(unlink_duplicate_copies, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="note",
            constraint=models.UniqueConstraint(
                condition=models.Q(("deleted_at__isnull", True), ("source_note__isnull", False)),
                fields=("board", "source_note"), name="uniq_live_copy_per_board",
            ),
        ),
    ]
