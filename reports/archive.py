"""A whole workshop as one JSON document, and back.

`export_archive` reads every row that belongs to a workshop (people, sessions, agenda,
attendance, breakout rounds and groups, boards with categories, clusters, notes, links,
comments, votes, and the report draft), field by field, so fields added later travel
too. `import_archive` creates them again in one transaction, in a fresh installation or
beside the original: every id is remapped, unique tokens (uuids, rejoin tokens) are made
new, the slug gets a suffix if taken, user accounts are matched by username (or left
empty), timestamps are kept.

Not carried: join links and participants' rejoin tokens (live secrets of the source
installation), and the board event log (its payloads name the source's ids); imported
boards start at seq 0. The archive is a full record, including who wrote what on
anonymous boards: it is personal data, for staff only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction

from mapping.models import Board, Category, Cluster, Comment, Link, Note, Vote
from participants.models import Attendance, Participant
from workshops.models import AgendaItem, BreakoutGroup, BreakoutRound, GroupMembership, Session, Workshop

from .models import ReportDraft

ARCHIVE_FORMAT = "online-workshops-archive"
ARCHIVE_VERSION = 1

#: (model, lookup from the model to its workshop's id), in creation order.
SPEC: list[tuple[type[models.Model], str]] = [
    (Workshop, "pk"),
    (Participant, "workshop_id"),
    (Session, "workshop_id"),
    (AgendaItem, "session__workshop_id"),
    (Attendance, "session__workshop_id"),
    (BreakoutRound, "session__workshop_id"),
    (BreakoutGroup, "round__session__workshop_id"),
    (GroupMembership, "round__session__workshop_id"),
    (Board, "session__workshop_id"),
    (Category, "board__session__workshop_id"),
    (Cluster, "board__session__workshop_id"),
    (Note, "board__session__workshop_id"),
    (Link, "board__session__workshop_id"),
    (Comment, "note__board__session__workshop_id"),
    (Vote, "note__board__session__workshop_id"),
    (ReportDraft, "workshop_id"),
]
#: Fields set fresh on import, never copied.
RESET = {("mapping.board", "head_seq"): 0}


class ArchiveError(ValueError):
    """The file is not an archive this version can import; nothing was saved."""


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _is_user(field: models.Field) -> bool:
    return field.is_relation and field.related_model is get_user_model()


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _fresh_on_import(field: models.Field) -> bool:
    """Unique values with a generated default (uuids, rejoin tokens): never exported, made new."""
    return field.unique and field.has_default() and not field.is_relation


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def export_archive(*, workshop_id: int) -> dict[str, Any]:
    """Every row of one workshop, by model label, each as {"id": old id, field: value}.
    Foreign keys hold the old ids; user foreign keys hold usernames."""
    usernames = dict(get_user_model().objects.values_list("pk", get_user_model().USERNAME_FIELD))
    tables: dict[str, list[dict[str, Any]]] = {}
    for model, lookup in SPEC:
        rows = []
        for obj in model.objects.filter(**{lookup: workshop_id}).order_by("pk"):
            row: dict[str, Any] = {"id": obj.pk}
            for field in _fields(model):
                if _fresh_on_import(field):
                    continue  # regenerated on import; a rejoin token is also a secret
                value = getattr(obj, field.attname)
                if _is_user(field):
                    value = usernames.get(value) if value is not None else None
                row[field.name] = _jsonable(value)
            rows.append(row)
        tables[_label(model)] = rows
    if len(tables[_label(Workshop)]) != 1:
        raise Workshop.DoesNotExist(f"no workshop {workshop_id}")
    return {"format": ARCHIVE_FORMAT, "version": ARCHIVE_VERSION, "tables": tables}


def _free_slug(slug: str) -> str:
    candidate, n = slug, 1
    while Workshop.objects.filter(slug=candidate).exists():
        n += 1
        suffix = f"-{n}"
        candidate = f"{slug[: 80 - len(suffix)]}{suffix}"
    return candidate


@transaction.atomic
def import_archive(*, payload: dict[str, Any]) -> Workshop:
    """Create the archived workshop anew and return it.

    Preconditions: `payload` comes from export_archive (same format, version <= ours).
    One transaction: a bad archive raises ArchiveError and leaves the database as it was.
    """
    if not isinstance(payload, dict) or payload.get("format") != ARCHIVE_FORMAT:
        raise ArchiveError("not a workshop archive")
    if not isinstance(payload.get("version"), int) or payload["version"] > ARCHIVE_VERSION:
        raise ArchiveError(f"unsupported archive version {payload.get('version')!r}")
    tables = payload.get("tables")
    if not isinstance(tables, dict) or len(tables.get(_label(Workshop)) or []) != 1:
        raise ArchiveError("the archive must hold exactly one workshop")
    users = dict(get_user_model().objects.values_list(get_user_model().USERNAME_FIELD, "pk"))
    id_maps: dict[str, dict[int, int]] = {}
    done: set[str] = set()
    # (model, new objects, their rows): for the second pass (forward and self references, timestamps)
    created: list[tuple[type[models.Model], list[models.Model], list[dict[str, Any]]]] = []
    try:
        for model, _lookup in SPEC:
            label = _label(model)
            rows = tables.get(label) or []
            objects = []
            for row in rows:
                objects.append(_build(model, row, id_maps, done, users))
            model.objects.bulk_create(objects, batch_size=500)
            id_maps[label] = {row["id"]: obj.pk for row, obj in zip(rows, objects, strict=True)}
            done.add(label)
            created.append((model, objects, rows))
        for model, objects, rows in created:
            _second_pass(model, objects, rows, id_maps, users)
    except ArchiveError:
        raise
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise ArchiveError(f"damaged archive: {exc!r}") from exc
    return Workshop.objects.get(pk=id_maps[_label(Workshop)][tables[_label(Workshop)][0]["id"]])


def _deferred(model: type[models.Model], field: models.Field, done: set[str]) -> bool:
    """A reference to a row not created yet (self, or a later model): filled in the second pass."""
    target = _label(field.related_model)
    return target == _label(model) or (target not in done and not _is_user(field))


def _build(model, row, id_maps, done, users) -> models.Model:
    values: dict[str, Any] = {}
    label = _label(model)
    for field in _fields(model):
        if field.name not in row:
            continue  # not exported (fresh on import) or an older archive: keep the default
        value = row[field.name]
        if (label, field.name) in RESET:
            value = RESET[(label, field.name)]
        elif field.is_relation:
            if value is None:
                pass
            elif _is_user(field):
                value = users.get(value)
            elif _deferred(model, field, done):
                value = None
            else:
                value = id_maps[_label(field.related_model)][value]
        elif _fresh_on_import(field):
            value = field.get_default()  # uuids, tokens: new in this installation
        elif field.name == "slug" and model is Workshop:
            value = _free_slug(value)
        else:
            value = field.to_python(value)
        values[field.attname] = value
    return model(**values)


def _second_pass(model, objects, rows, id_maps, users) -> None:
    """Fill forward/self references, and put back the timestamps bulk_create overwrote."""
    fields = []
    for field in _fields(model):
        if field.is_relation and not _is_user(field) and _label(field.related_model) in id_maps:
            target = _label(field.related_model)
            if target == _label(model) or _deferred_at_build(model, field):
                fields.append(field)
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fields.append(field)
    if not fields or not objects:
        return
    for obj, row in zip(objects, rows, strict=True):
        for field in fields:
            value = row.get(field.name)
            if field.is_relation:
                value = id_maps[_label(field.related_model)].get(value) if value is not None else None
            else:
                value = field.to_python(value) if value is not None else getattr(obj, field.attname)
            setattr(obj, field.attname, value)
    model.objects.bulk_update(objects, [f.name for f in fields], batch_size=500)


def _deferred_at_build(model, field) -> bool:
    order = [_label(m) for m, _lookup in SPEC]
    return order.index(_label(field.related_model)) > order.index(_label(model))
