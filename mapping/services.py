"""Every change to a board goes through `apply_op`: the websocket, the HTTP op endpoint,
the demo loader, pulls into plenary and carry-forward alike. One op = one transaction
that locks the board row, checks, changes the rows, appends the BoardEvent with the
board's next seq, and publishes the event frame after commit. See docs/protocol.md.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from participants.identity import Actor
from realtime.broadcast import publish
from realtime.errors import DomainError
from workshops.models import BreakoutRound, Session

from . import protocol, selectors
from .models import Board, BoardEvent, Category, Cluster, Comment, Link, Note, Vote
from .selectors import Access

logger = logging.getLogger(__name__)

# -- Board templates ---------------------------------------------------------------------

#: template -> [(category name, colour)]. Names are msgids; boards store them translated
#: into the workshop's first language at creation.
TEMPLATE_CATEGORIES: dict[str, list[tuple[Any, str]]] = {
    Board.Template.CONCEPT_MAP: [
        (_("Goals & Vision"), "#cfe8ff"),
        (_("Envisaging digital and online learning"), "#d9f2d9"),
        (_("Threats"), "#ffd6d6"),
        (_("Obstacles"), "#ffe7c2"),
        (_("Enablers"), "#e6dcff"),
    ],
    Board.Template.REFLECTION: [
        (_("What worked well"), "#d9f2d9"),
        (_("What worked less well"), "#fff3b0"),
        (_("What did not work at all"), "#ffd6d6"),
        (_("What could have helped"), "#cfe8ff"),
    ],
    Board.Template.PROPOSALS: [
        (_("Proposals for regional cooperation"), "#e6dcff"),
    ],
    Board.Template.BLANK: [],
}


@functools.cache
def _template_names() -> frozenset[str]:
    with translation.override("en"):
        return frozenset(str(name) for pairs in TEMPLATE_CATEGORIES.values() for name, _colour in pairs)


def shown_category_name(name: str) -> str:
    """A category as a reader sees it: a template's category (stored as its English
    text) in the reader's language, a facilitator's own name as they wrote it."""
    return gettext(name) if name in _template_names() else name


def board_stream(board_id: int) -> str:
    return f"board.{board_id}"


def moderator_stream(board_id: int) -> str:
    """Moderators of a board also follow this stream: private notes' events in full."""
    return f"board.{board_id}.mod"


@transaction.atomic
def create_board(
    *,
    session: Session,
    template: str,
    group=None,
    title: str = "",
    author_mode: str | None = None,
    private_until_reveal: bool = False,
    categories: list[tuple[str, str]] | None = None,
) -> Board:
    """A new board with its template's categories (or `categories` for a blank board).
    Seq starts at 0: creating a board is not an event, its first op is seq 1. Authors are
    shown as the workshop's default for new boards says unless `author_mode` is given."""
    if author_mode is None:
        author_mode = session.workshop.default_author_mode
    if not title:
        title = group.name if group is not None else str(Board.Template(template).label)
    board = Board.objects.create(
        session=session, group=group, template=template, title=title, author_mode=author_mode,
        private_until_reveal=private_until_reveal,
    )
    if categories is not None:
        pairs = categories
    else:  # stored in English whatever the creator's language; shown_category_name translates
        with translation.override("en"):
            pairs = [(str(n), c) for n, c in TEMPLATE_CATEGORIES[template]]
    Category.objects.bulk_create(
        [Category(board=board, order=i, name=name, colour=colour) for i, (name, colour) in enumerate(pairs, 1)]
    )
    return board


@transaction.atomic
def ensure_plenary_board(*, session: Session, template: str = Board.Template.CONCEPT_MAP, title: str = "") -> Board:
    """The session's (first) plenary board, created with `template` if it has none yet;
    idempotent, for the console and the demo loader."""
    board = Board.objects.filter(session=session, group__isnull=True, read_only_input=False).order_by("id").first()
    return board or create_board(session=session, template=template, title=title)


#: Words in a group-work agenda item's title that say which board template fits it
#: (English and Russian stems); anything else is a concept map.
TEMPLATE_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (Board.Template.REFLECTION, ("reflect", "what worked", "рефлекс", "что сработало")),
    (Board.Template.PROPOSALS, ("proposal", "cooperation", "предлож", "сотруднич")),
    (Board.Template.CONCEPT_MAP, ("concept map", "map", "карт")),
]


def template_for_round(round: BreakoutRound) -> str:
    """The board template for a round's group boards: the one the facilitator picked for
    the round; else from its agenda item's title and description (a reflection round
    gets the reflection grid, a proposals round the proposals template); else the
    session's plenary board's, so groups work on what the plenary will synthesise; else
    a concept map."""
    if round.board_template:
        return round.board_template
    item = round.agenda_item
    if item is not None:
        words = f"{item.title} {item.description}".lower()
        for template, stems in TEMPLATE_WORDS:
            if any(stem in words for stem in stems):
                return template
    plenary = Board.objects.filter(session_id=round.session_id, group__isnull=True,
                                   read_only_input=False).order_by("id").values_list("template", flat=True).first()
    return plenary or Board.Template.CONCEPT_MAP


@transaction.atomic
def ensure_group_boards(*, round: BreakoutRound, template: str | None = None) -> list[Board]:
    """One board per group of `round` (idempotent: existing group boards are kept).
    The template defaults to the one the round's agenda item calls for
    (template_for_round)."""
    if template is None:
        template = template_for_round(round)
    boards = []
    for group in round.groups.order_by("order", "id"):
        board = Board.objects.filter(group=group).order_by("id").first()
        if board is None:
            board = create_board(session=round.session, group=group, template=template)
        boards.append(board)
    return boards


# -- Input boards: an earlier session's plenary, carried forward and kept in step -----------

#: The counts of a sync, in the order the console shows them. `clusters` (made, renamed,
#: dropped) and `settings` (title or author mode followed) complete the six of the brief.
SYNC_KEYS = ("added", "updated", "removed", "links", "comments", "votes", "clusters", "settings")


@dataclass
class InputSync:
    """What syncing one input board did (sync_input_boards) or would do
    (preview_input_sync). `board` is None only in a preview of a board not made yet;
    `created`: it was made by this sync (or would be, in a preview)."""

    board: Board | None
    source: Board
    created: bool = False
    added: int = 0
    updated: int = 0
    removed: int = 0
    links: int = 0
    comments: int = 0
    votes: int = 0
    clusters: int = 0
    settings: int = 0

    def counts(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in SYNC_KEYS}

    @property
    def changed(self) -> bool:
        return any(self.counts().values())


def _input_sources(session: Session):
    """The plenary boards of the session `session` builds on: the ones it gets as input."""
    return Board.objects.filter(session_id=session.builds_on_id, group__isnull=True,
                                read_only_input=False).select_related("session", "group").order_by("id")


def _input_board(session: Session, source: Board) -> Board | None:
    return Board.objects.filter(session=session, source_board=source, read_only_input=True).order_by("id").first()


def sync_input_boards(*, session: Session) -> list[InputSync]:
    """Give `session` its earlier session's plenary boards as read-only input boards and
    bring each to match its source as it is now: notes (text, category by name, colour,
    position, cluster, parent, provenance), clusters, links, comments (author kept) and
    votes (same voters, so counts match). Private and deleted notes are not mirrored
    (removed if they were). Each board's changes are one system op `board.sync`
    through apply_op, its event a summary of counts that clients catch up from by
    snapshot (mode_changed_seq); nothing to change, no event (apply_op refuses the op
    as a conflict and writes nothing). Idempotent; creating an input board locks the
    session row, so concurrent callers make it once."""
    if session.builds_on_id is None:
        return []
    made = []
    with transaction.atomic():
        Session.objects.select_for_update().filter(pk=session.pk).values_list("pk", flat=True).first()
        for source in _input_sources(session):
            board = _input_board(session, source)
            created = board is None
            if created:
                board = create_board(
                    session=session, template=source.template, title=source.title, author_mode=source.author_mode,
                    categories=list(source.categories.order_by("order", "id").values_list("name", "colour")),
                )
                board.read_only_input = True
                board.source_board = source
                board.save(update_fields=["read_only_input", "source_board"])
            made.append((source, board, created))
    return [_sync_one(source, board, created) for source, board, created in made]


def preview_input_sync(*, session: Session) -> list[InputSync]:
    """What sync_input_boards would do now, per source board, without writing (the
    console's "Update from session one: 3 new, 1 changed")."""
    if session.builds_on_id is None:
        return []
    previews = []
    for source in _input_sources(session):
        board = _input_board(session, source)
        previews.append(InputSync(board=board, source=source, created=board is None,
                                  **_mirror(source, board, write=False)))
    return previews


def sync_carried_from(*, board_id: int) -> list[InputSync]:
    """Sync every input board carried from board `board_id` (after an op on it)."""
    source = Board.objects.select_related("session", "group").filter(pk=board_id).first()
    if source is None:
        return []
    return [_sync_one(source, board, False)
            for board in Board.objects.filter(source_board=source, read_only_input=True).order_by("id")]


def _sync_one(source: Board, board: Board, created: bool) -> InputSync:
    try:
        ack = apply_op(board=board, actor=None, op="board.sync", op_id="", data={})
    except DomainError as exc:
        if exc.code != "conflict":
            raise
        return InputSync(board=board, source=source, created=created)  # already up to date
    board.refresh_from_db()
    return InputSync(board=board, source=source, created=created, **{k: ack[k] for k in SYNC_KEYS})


def _mirror(source: Board, board: Board | None, *, write: bool) -> dict[str, int]:
    """Compare input board `board` (None: not made yet, so empty) with `source` and
    count what differs; with `write`, also make `board` match. One function for both so
    the preview's counts are the applied ones. A constant number of reads, then one
    write per changed row."""
    counts = dict.fromkeys(SYNC_KEYS, 0)
    # Source: live public notes, parents before their support ideas.
    live = {n.pk: n for n in Note.objects.filter(board=source, deleted_at__isnull=True, private=False)
            .select_related("author").order_by("id")}
    live = {pk: n for pk, n in live.items() if n.parent_id is None or n.parent_id in live}
    ordered = sorted(live.values(), key=lambda n: (n.parent_id is not None, n.pk))
    src_cat = dict(Category.objects.filter(board=source).values_list("id", "name"))
    src_cat_rows = {c.name: c for c in Category.objects.filter(board=source).order_by("order", "id")}
    src_clusters = {c.pk: c for c in Cluster.objects.filter(board=source).order_by("id")}
    src_links = {}
    for link in Link.objects.filter(board=source, source_id__in=live, target_id__in=live).order_by("id"):
        src_links.setdefault((link.source_id, link.target_id), link.label)
    src_comments = list(Comment.objects.filter(note_id__in=live).order_by("id"))
    src_votes = {(r["note_id"], r["voter_id"]): r["n"] for r in Vote.objects.filter(note_id__in=live).values(
        "note_id", "voter_id").annotate(n=Count("id"))}
    # The input board as it is.
    copies: dict[int, Note] = {}  # source note id -> its live copy here
    stale: list[Note] = []
    clusters: dict[int, Cluster] = {}  # source cluster id -> its mirror here
    stale_clusters: list[Cluster] = []
    cats: dict[str, Category] = {}
    links: list[Link] = []
    comments: list[Comment] = []
    votes: dict[tuple[int, int], list[int]] = {}
    if board is not None:
        for note in Note.objects.filter(board=board, deleted_at__isnull=True).order_by("id"):
            if note.source_note_id in live and note.source_note_id not in copies:
                copies[note.source_note_id] = note
            else:
                stale.append(note)
        for cluster in Cluster.objects.filter(board=board).order_by("id"):
            if cluster.source_cluster_id in src_clusters and cluster.source_cluster_id not in clusters:
                clusters[cluster.source_cluster_id] = cluster
            else:
                stale_clusters.append(cluster)
        cats = {c.name: c for c in Category.objects.filter(board=board).order_by("order", "id")}
        links = list(Link.objects.filter(board=board).order_by("id"))
        kept = [c.pk for c in copies.values()]
        comments = list(Comment.objects.filter(note_id__in=kept).order_by("id"))
        for vote_id, note_id, voter_id in Vote.objects.filter(note_id__in=kept).order_by("id").values_list(
                "id", "note_id", "voter_id"):
            votes.setdefault((note_id, voter_id), []).append(vote_id)
    source_of = {c.pk: s for s, c in copies.items()}  # copy id -> source note id
    cat_name_of = {c.pk: name for name, c in cats.items()}
    cluster_src_of = {c.pk: s for s, c in clusters.items()}

    if board is not None and (board.title, board.author_mode) != (source.title, source.author_mode):
        counts["settings"] = 1
        if write:
            board.title, board.author_mode = source.title, source.author_mode
            Board.objects.filter(pk=board.pk).update(title=board.title, author_mode=board.author_mode)

    counts["clusters"] = len(stale_clusters) + sum(
        1 for s, c in src_clusters.items() if s not in clusters or clusters[s].name != c.name)
    if write:
        for s, c in src_clusters.items():
            if s not in clusters:
                clusters[s] = Cluster.objects.create(board=board, name=c.name, source_cluster=c)
            elif clusters[s].name != c.name:
                Cluster.objects.filter(pk=clusters[s].pk).update(name=c.name)

    def category_for(name: str | None) -> Category | None:
        if name is None:
            return None
        if name not in cats:
            row = src_cat_rows[name]
            cats[name] = Category.objects.create(board=board, name=name, colour=row.colour,
                                                 order=len(cats) + 1)
        return cats[name]

    now = timezone.now()
    for note in ordered:
        want = {
            "text": note.text, "category": src_cat.get(note.category_id), "colour": note.colour, "x": note.x,
            "y": note.y, "cluster": note.cluster_id, "parent": note.parent_id,
            "provenance": _provenance(source, note),
        }
        copy = copies.get(note.pk)
        if copy is None:
            counts["added"] += 1
            if write:
                copies[note.pk] = Note.objects.create(
                    board=board, text=note.text, category=category_for(want["category"]), colour=note.colour,
                    x=note.x, y=note.y, cluster=clusters.get(note.cluster_id),
                    parent=copies[note.parent_id] if note.parent_id else None, provenance=want["provenance"],
                    source_note=note,
                )
            continue
        have = {
            "text": copy.text, "category": cat_name_of.get(copy.category_id), "colour": copy.colour, "x": copy.x,
            "y": copy.y, "cluster": cluster_src_of.get(copy.cluster_id), "parent": source_of.get(copy.parent_id),
            "provenance": copy.provenance,
        }
        if have != want:
            counts["updated"] += 1
            if write:
                Note.objects.filter(pk=copy.pk).update(
                    text=note.text, category=category_for(want["category"]), colour=note.colour, x=note.x, y=note.y,
                    cluster=clusters.get(note.cluster_id), parent=copies[note.parent_id] if note.parent_id else None,
                    provenance=want["provenance"], updated_at=now,
                )
    counts["removed"] = len(stale)
    if write and stale:
        Note.objects.filter(pk__in=[n.pk for n in stale]).update(deleted_at=now)
    if write and stale_clusters:
        Cluster.objects.filter(pk__in=[c.pk for c in stale_clusters]).delete()

    # Links, by the source notes at their ends.
    seen: set[tuple[int, int]] = set()
    for link in links:
        key = (source_of.get(link.source_id), source_of.get(link.target_id))
        if key not in src_links or key in seen:
            counts["links"] += 1
            if write:
                link.delete()
            continue
        seen.add(key)
        if link.label != src_links[key]:
            counts["links"] += 1
            if write:
                Link.objects.filter(pk=link.pk).update(label=src_links[key])
    for (a, b), label in src_links.items():
        if (a, b) not in seen:
            counts["links"] += 1
            if write:
                Link.objects.create(board=board, source=copies[a], target=copies[b], label=label)

    # Comments, by the source comment they mirror.
    by_source = {c.pk: c for c in src_comments}
    mirrored: set[int] = set()
    for comment in comments:
        original = by_source.get(comment.source_comment_id)
        if original is None or comment.source_comment_id in mirrored:
            counts["comments"] += 1
            if write:
                comment.delete()
            continue
        mirrored.add(original.pk)
        if source_of.get(comment.note_id) != original.note_id or comment.text != original.text:
            counts["comments"] += 1
            if write:
                Comment.objects.filter(pk=comment.pk).update(note=copies[original.note_id], text=original.text)
    for original in src_comments:
        if original.pk not in mirrored:
            counts["comments"] += 1
            if write:
                Comment.objects.create(note=copies[original.note_id], text=original.text, author_id=original.author_id,
                                       author_user_id=original.author_user_id, source_comment=original)

    # Votes: the same dots by the same voters.
    have_votes = {(source_of[note_id], voter): ids for (note_id, voter), ids in votes.items()}
    extra: list[int] = []
    new_votes: list[Vote] = []
    for key in set(src_votes) | set(have_votes):
        want_n, ids = src_votes.get(key, 0), have_votes.get(key, [])
        counts["votes"] += abs(want_n - len(ids))
        if want_n < len(ids):
            extra.extend(ids[want_n:])
        elif write and want_n > len(ids):
            new_votes.extend(Vote(note=copies[key[0]], voter_id=key[1]) for _ in range(want_n - len(ids)))
    if write:
        Vote.objects.filter(pk__in=extra).delete()
        Vote.objects.bulk_create(new_votes)
    return counts


# -- apply_op ----------------------------------------------------------------------------


@dataclass
class Ctx:
    board: Board
    access: Access
    actor: Actor | None
    op_id: str


@dataclass
class Outcome:
    data: dict[str, Any]
    result: dict[str, Any] = field(default_factory=dict)
    private_to: int | None = None  # participant id: only they and moderators see it
    # Set when older events no longer replay to the board as it is (author mode changed,
    # input board synced): clients behind this event catch up from a snapshot.
    mode_changed: bool = False


Handler = Callable[[Ctx, dict[str, Any]], Outcome]
HANDLERS: dict[str, Handler] = {}
# Ops that still run on a locked board (how it gets unlocked, and facilitator settings).
WHILE_LOCKED = frozenset({"board.lock", "board.unlock", "board.settings", "board.reveal"})
# Ops that change nothing an input board mirrors: no sync after them.
NO_SYNC = frozenset({"board.lock", "board.unlock", "note.pulled"})


def handler(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def event_frame(event: BoardEvent) -> dict[str, Any]:
    """The event as broadcast and as replayed: identical, so replay == live."""
    return {"type": "event", "board": event.board_id, "seq": event.seq, "op": event.op, "op_id": event.op_id,
            "data": event.data}


def placeholder_frame(event: BoardEvent) -> dict[str, Any]:
    """What those who may not see a private note's event get: its seq, nothing else, so
    their gap detection still works."""
    return {"type": "event", "board": event.board_id, "seq": event.seq, "op": "hidden"}


def ack_frame(event: BoardEvent) -> dict[str, Any]:
    return {"type": "ack", "op_id": event.op_id, "board": event.board_id, "seq": event.seq, **event.result}


def _also_locked(op: str, clean: dict[str, Any], board_id: int) -> list[int]:
    """Other boards an op writes to besides its own: a pull appends `note.pulled` to its
    source board."""
    if op == "note.pull" and clean["source_board"] != board_id:
        return [clean["source_board"]]
    return []


def _lock_boards(board_id: int, others: list[int]) -> Board | None:
    """Lock the op's board row (returned, with its session, and `carried`: does any input
    board follow it?) and the other boards it writes to, all in id order, so two ops
    locking the same two boards never wait on each other crosswise (no deadlock)."""
    locked = None
    for pk in sorted({board_id, *others}):
        if pk == board_id:
            # Lock only the board row (of=self), not the joined session.
            locked = Board.objects.select_for_update(of=("self",)).select_related("session").annotate(
                carried=Exists(Board.objects.filter(source_board=OuterRef("pk")))
            ).filter(pk=pk).first()
        else:
            Board.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).first()
    return locked


def _append_event(board: Board, op: str, outcome: Outcome, *, op_id: str = "", participant_id: int | None = None,
                  user_id: int | None = None) -> BoardEvent:
    """Append `op`'s event with `board`'s next seq and publish it after commit. The caller
    holds the board row's lock and `board.head_seq` is current."""
    board.head_seq += 1
    fields = {"head_seq": board.head_seq}
    if outcome.mode_changed:
        board.mode_changed_seq = fields["mode_changed_seq"] = board.head_seq
    Board.objects.filter(pk=board.pk).update(**fields)
    event = BoardEvent.objects.create(
        board=board, seq=board.head_seq, op=op, data=outcome.data, op_id=op_id or "",
        actor_participant_id=participant_id, actor_user_id=user_id, result=outcome.result,
        private_to_id=outcome.private_to,
    )
    frame = event_frame(event)
    if outcome.private_to is None:
        publish(board_stream(board.pk), frame)
    else:
        publish(board_stream(board.pk), placeholder_frame(event))
        publish(moderator_stream(board.pk), frame)
        publish(f"participant.{outcome.private_to}", frame)
    return event


def apply_op(*, board: Board | int, actor: Actor | None, op: str, op_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validate, authorise and apply one op; returns the ack frame.

    `actor` None is the system (demo loader, input-board sync): allowed everything, even
    on a read-only input board, and alone allowed the system ops (protocol.SYSTEM_OPS;
    anyone else gets "forbidden"). Raises DomainError (nothing applied) for bad data, a
    board or note the actor may not see, a role or board state that forbids the op. A
    resent `op_id` (same board, same actor) returns the original ack without applying
    again. After an op commits on a board that input boards are carried from, they are
    synced (task_sync_input_board).
    """
    if op not in HANDLERS:
        raise DomainError("unknown_op", f"unknown op {op!r}")
    clean = protocol.validate(op, data)
    board_id = board.pk if isinstance(board, Board) else board
    participant_id = actor.participant_id if actor else None
    user_id = actor.user_id if actor else None
    with transaction.atomic():
        locked = _lock_boards(board_id, _also_locked(op, clean, board_id))
        if locked is None:
            raise DomainError("not_found", "no such board")
        access = selectors.board_access(locked, actor)
        if op in protocol.SYSTEM_OPS and not access.system:
            raise DomainError("forbidden", "only the system applies this op")
        if op_id:
            prior = BoardEvent.objects.filter(
                board=locked, op_id=op_id, actor_participant_id=participant_id, actor_user_id=user_id
            ).first()
            if prior is not None:
                return ack_frame(prior)
        if not access.system:
            if locked.read_only_input:
                raise DomainError("locked", "this input board is read-only")
            if locked.locked and op not in WHILE_LOCKED:
                raise DomainError("locked", "the board is locked")
        outcome = HANDLERS[op](Ctx(board=locked, access=access, actor=actor, op_id=op_id), clean)
        event = _append_event(locked, op, outcome, op_id=op_id, participant_id=participant_id, user_id=user_id)
        if locked.carried and op not in NO_SYNC:
            transaction.on_commit(lambda: _enqueue_input_sync(board_id))
        return ack_frame(event)


def _enqueue_input_sync(board_id: int) -> None:
    """Hand the sync of the input boards carried from `board_id` to Celery (after commit).
    A queue that cannot be reached costs the sync, never the op (already committed): the
    next op on the board, or the console's update button, syncs again."""
    from .tasks import task_sync_input_board

    try:
        task_sync_input_board.delay(board_id)
    except Exception:  # broker down or misconfigured; in eager mode, the sync itself failed
        logger.exception("could not sync the input boards of board %s", board_id)


def _require(flag: bool, message: str = "your role may not do this") -> None:
    if not flag:
        raise DomainError("forbidden", message)


def _note(ctx: Ctx, note_id: int, *, public: bool = False) -> Note:
    """A live note of this board the actor may see (else not_found). `public`: refuse a
    private note (nobody else can see it yet, so nobody may vote, comment or link it)."""
    note = Note.objects.filter(pk=note_id, board=ctx.board, deleted_at__isnull=True).select_related(
        "author", "author_user"
    ).first()
    if note is None or (note.private and not ctx.access.moderate and not ctx.access.owns(note)):
        raise DomainError("not_found", "no such note", fields={"id": "not found"})
    if public and note.private:
        raise DomainError("conflict", "this note is private until the facilitator reveals the board")
    return note


def _category(ctx: Ctx, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id, board=ctx.board).first()
    if category is None:
        raise DomainError("not_found", "no such category", fields={"category": "not found"})
    return category


def _votes(note: Note) -> int:
    return Vote.objects.filter(note=note).count()


def _private_to(note: Note) -> int | None:
    return note.author_id if note.private else None


@handler("note.add")
def _note_add(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    board = ctx.board
    category = _category(ctx, d.get("category"))
    parent = None
    if d.get("parent") is not None:
        parent = _note(ctx, d["parent"], public=True)
        if parent.parent_id is not None:
            raise DomainError("invalid", "support ideas go beneath a card, not beneath another idea",
                                fields={"parent": "must be a top-level note"})
    if "x" in d and "y" in d:
        x, y = d["x"], d["y"]
    else:  # a free spot in a loose grid, so notes added from the list view don't pile up
        n = Note.objects.filter(board=board).count()
        x, y = 80.0 + (n % 6) * 190.0, 80.0 + (n // 6 % 12) * 120.0
    private = (
        board.private_until_reveal and board.revealed_at is None and ctx.access.participant_id is not None
        and not ctx.access.moderate
    )
    note = Note.objects.create(
        board=board, category=category, parent=parent, text=d["text"], colour=d.get("colour") or "", x=x, y=y,
        author_id=ctx.access.participant_id, author_user_id=ctx.access.user_id if ctx.access.participant_id is None
        else None, private=private,
    )
    note = Note.objects.select_related("author", "author_user").get(pk=note.pk)
    return Outcome({"note": selectors.note_dict(note, board.author_mode)}, {"id": note.pk}, _private_to(note))


@handler("note.edit")
def _note_edit(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    note = _note(ctx, d["id"])
    if "text" in d:
        _require(ctx.access.moderate or ctx.access.owns(note), "only its author or a facilitator may edit a note")
    changes: dict[str, Any] = {"id": note.pk}
    if "text" in d:
        note.text = changes["text"] = d["text"]
    if "category" in d:
        note.category = _category(ctx, d["category"])
        changes["category"] = note.category_id
    if "colour" in d:
        note.colour = changes["colour"] = d["colour"] or ""
    note.save()
    changes["updated_at"] = note.updated_at.isoformat()
    return Outcome(changes, {}, _private_to(note))


@handler("note.move")
def _note_move(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    note = _note(ctx, d["id"])
    Note.objects.filter(pk=note.pk).update(x=d["x"], y=d["y"])
    return Outcome({"id": note.pk, "x": d["x"], "y": d["y"]}, {}, _private_to(note))


@handler("note.arrange")
def _note_arrange(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    """Place many notes at once (the map's "Arrange"). Only notes everyone may see: a
    private note's place is its author's business, moved with note.move."""
    _require(ctx.access.write)
    wanted = {m[0]: m for m in d["moves"]}
    notes = list(Note.objects.filter(board=ctx.board, pk__in=wanted, deleted_at__isnull=True))
    missing = sorted(set(wanted) - {n.pk for n in notes})
    if missing:
        raise DomainError("not_found", "no such note", fields={"moves": f"not found: {missing[:10]}"})
    private = sorted(n.pk for n in notes if n.private)
    if private:
        raise DomainError("invalid", "private notes are moved one by one", fields={"moves": f"private: {private[:10]}"})
    for note in notes:
        note.x, note.y = wanted[note.pk][1], wanted[note.pk][2]
    Note.objects.bulk_update(notes, ["x", "y"])
    return Outcome({"moves": [wanted[n.pk] for n in sorted(notes, key=lambda n: n.pk)]})


@handler("note.delete")
def _note_delete(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    note = _note(ctx, d["id"])
    _require(ctx.access.moderate or ctx.access.owns(note), "only its author or a facilitator may delete a note")
    now = timezone.now()
    children = list(note.children.filter(deleted_at__isnull=True).values_list("id", flat=True))
    gone = [note.pk, *children]
    Note.objects.filter(pk__in=gone).update(deleted_at=now)
    links = Link.objects.filter(Q(source_id__in=gone) | Q(target_id__in=gone))
    link_ids = sorted(links.values_list("id", flat=True))
    links.delete()
    return Outcome({"id": note.pk, "children": children, "links": link_ids}, {}, _private_to(note))


@handler("note.merge")
def _note_merge(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.moderate, "only a facilitator may merge notes")
    into = _note(ctx, d["into"], public=True)
    other = _note(ctx, d["from"], public=True)
    if "text" in d:
        into.text = d["text"]
        into.save(update_fields=["text", "updated_at"])
    Vote.objects.filter(note=other).update(note=into)
    comments = sorted(Comment.objects.filter(note=other).values_list("id", flat=True))
    Comment.objects.filter(note=other).update(note=into)
    children = sorted(other.children.filter(deleted_at__isnull=True).values_list("id", flat=True))
    Note.objects.filter(pk__in=children).update(parent=into)
    pairs = set(Link.objects.filter(board=ctx.board).exclude(
        Q(source=other) | Q(target=other)).values_list("source_id", "target_id"))
    kept, removed = [], []
    for link in Link.objects.filter(Q(source=other) | Q(target=other)).order_by("id"):
        if link.source_id == other.pk:
            link.source_id = into.pk
        if link.target_id == other.pk:
            link.target_id = into.pk
        pair = (link.source_id, link.target_id)
        if link.source_id == link.target_id or pair in pairs or pair[::-1] in pairs:
            removed.append(link.pk)
            link.delete()
        else:
            pairs.add(pair)
            link.save(update_fields=["source", "target"])
            kept.append(selectors.link_dict(link))
    other.deleted_at = timezone.now()
    other.save(update_fields=["deleted_at"])
    into.refresh_from_db()
    data = {
        "into": selectors.note_dict(into, ctx.board.author_mode, votes=_votes(into),
                                    pulled=selectors.pulled_into([into.pk]).get(into.pk)),
        "from": other.pk, "links": kept, "removed_links": removed, "comments": comments, "children": children,
    }
    return Outcome(data)


def _link_private_to(ctx: Ctx, notes: list[Note]) -> int | None:
    owners = {n.author_id for n in notes if n.private}
    if len(owners) > 1:
        raise DomainError("conflict", "these notes are private to different people")
    return owners.pop() if owners else None


@handler("link.add")
def _link_add(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    source, target = _note(ctx, d["source"]), _note(ctx, d["target"])
    private_to = _link_private_to(ctx, [source, target])
    if Link.objects.filter(Q(source=source, target=target) | Q(source=target, target=source)).exists():
        raise DomainError("conflict", "these notes are already linked")
    link = Link.objects.create(board=ctx.board, source=source, target=target, label=d.get("label", ""))
    return Outcome({"link": selectors.link_dict(link)}, {"id": link.pk}, private_to)


def _link(ctx: Ctx, link_id: int) -> tuple[Link, int | None]:
    link = Link.objects.filter(pk=link_id, board=ctx.board).select_related("source", "target").first()
    if link is None:
        raise DomainError("not_found", "no such link", fields={"id": "not found"})
    ends = [_note(ctx, link.source_id), _note(ctx, link.target_id)]
    return link, _link_private_to(ctx, ends)


@handler("link.edit")
def _link_edit(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    link, private_to = _link(ctx, d["id"])
    link.label = d["label"]
    link.save(update_fields=["label"])
    return Outcome({"id": link.pk, "label": link.label}, {}, private_to)


@handler("link.delete")
def _link_delete(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    link, private_to = _link(ctx, d["id"])
    link_id = link.pk
    link.delete()
    return Outcome({"id": link_id}, {}, private_to)


def _public_notes(ctx: Ctx, ids: list[int]) -> list[int]:
    for note_id in ids:
        _note(ctx, note_id, public=True)
    return ids


def _cluster(ctx: Ctx, cluster_id: int) -> Cluster:
    cluster = Cluster.objects.filter(pk=cluster_id, board=ctx.board).first()
    if cluster is None:
        raise DomainError("not_found", "no such cluster", fields={"id": "not found"})
    return cluster


@handler("cluster.add")
def _cluster_add(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    ids = _public_notes(ctx, d.get("notes", []))
    cluster = Cluster.objects.create(board=ctx.board, name=d["name"])
    Note.objects.filter(pk__in=ids).update(cluster=cluster)
    return Outcome({"cluster": selectors.cluster_dict(cluster), "notes": ids}, {"id": cluster.pk})


@handler("cluster.rename")
def _cluster_rename(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    cluster = _cluster(ctx, d["id"])
    cluster.name = d["name"]
    cluster.save(update_fields=["name"])
    return Outcome({"id": cluster.pk, "name": cluster.name})


@handler("cluster.assign")
def _cluster_assign(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    cluster = _cluster(ctx, d["cluster"]) if d["cluster"] is not None else None
    ids = _public_notes(ctx, d["notes"])
    Note.objects.filter(pk__in=ids).update(cluster=cluster)
    return Outcome({"cluster": cluster.pk if cluster else None, "notes": ids})


@handler("cluster.delete")
def _cluster_delete(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    cluster = _cluster(ctx, d["id"])
    ids = sorted(Note.objects.filter(cluster=cluster).values_list("id", flat=True))
    cluster_id = cluster.pk
    Note.objects.filter(pk__in=ids).update(cluster=None)
    cluster.delete()
    return Outcome({"id": cluster_id, "notes": ids})


@handler("comment.add")
def _comment_add(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.write)
    note = _note(ctx, d["note"], public=True)
    comment = Comment.objects.create(
        note=note, text=d["text"], author_id=ctx.access.participant_id,
        author_user_id=ctx.access.user_id if ctx.access.participant_id is None else None,
    )
    comment = Comment.objects.select_related("author", "author_user").get(pk=comment.pk)
    return Outcome({"comment": selectors.comment_dict(comment, ctx.board.author_mode)}, {"id": comment.pk})


def _used_votes(ctx: Ctx) -> int:
    return Vote.objects.filter(
        voter_id=ctx.access.participant_id, note__board=ctx.board, note__deleted_at__isnull=True
    ).count()


@handler("vote.add")
def _vote_add(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.vote and ctx.access.participant_id is not None, "your role may not vote")
    note = _note(ctx, d["note"], public=True)
    used = _used_votes(ctx)
    if used >= ctx.board.vote_budget:
        raise DomainError("budget_exhausted", "you have used all your votes on this board")
    Vote.objects.create(note=note, voter_id=ctx.access.participant_id)
    return Outcome({"note": note.pk, "votes": _votes(note)}, {"votes_left": ctx.board.vote_budget - used - 1})


@handler("vote.remove")
def _vote_remove(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.vote and ctx.access.participant_id is not None, "your role may not vote")
    note = _note(ctx, d["note"], public=True)
    vote = Vote.objects.filter(note=note, voter_id=ctx.access.participant_id).order_by("-id").first()
    if vote is None:
        raise DomainError("conflict", "you have no vote on this note")
    vote.delete()
    left = ctx.board.vote_budget - _used_votes(ctx)
    return Outcome({"note": note.pk, "votes": _votes(note)}, {"votes_left": max(left, 0)})


@handler("board.lock")
def _board_lock(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.moderate, "only a facilitator may lock the board")
    Board.objects.filter(pk=ctx.board.pk).update(locked=True)
    return Outcome({"locked": True})


@handler("board.unlock")
def _board_unlock(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.moderate, "only a facilitator may unlock the board")
    Board.objects.filter(pk=ctx.board.pk).update(locked=False)
    return Outcome({"locked": False})


@handler("board.reveal")
def _board_reveal(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    """Everyone's private notes become visible; the event carries them (and the links
    among them) so clients that saw only placeholders need no fetch."""
    _require(ctx.access.moderate, "only a facilitator may reveal the board")
    board = ctx.board
    if board.revealed_at is not None or not board.private_until_reveal:
        raise DomainError("conflict", "nothing is waiting to be revealed")
    board.revealed_at = timezone.now()
    Board.objects.filter(pk=board.pk).update(revealed_at=board.revealed_at)
    hidden = Note.objects.filter(board=board, private=True)
    ids = set(hidden.values_list("id", flat=True))
    hidden.update(private=False)
    notes = list(
        Note.objects.filter(pk__in=ids, deleted_at__isnull=True).select_related("author", "author_user")
        .annotate(n_votes=Count("votes")).order_by("id")
    )
    links = [selectors.link_dict(link) for link in Link.objects.filter(board=board).filter(
        Q(source_id__in=ids) | Q(target_id__in=ids)).order_by("id")]
    sources = selectors.copy_source_modes(notes)
    return Outcome({
        "revealed_at": board.revealed_at.isoformat(),
        "notes": [selectors.note_dict(n, board.author_mode, votes=n.n_votes, source_modes=sources) for n in notes],
        "links": links,
    })


@handler("board.settings")
def _board_settings(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    """Author mode, vote budget, title, private-until-reveal. A new author mode re-shows
    every author in the event itself (and clients behind it catch up by snapshot)."""
    _require(ctx.access.moderate, "only a facilitator may change the board's settings")
    board = ctx.board
    data: dict[str, Any] = {}
    for key in ("title", "vote_budget"):
        if key in d and d[key] != getattr(board, key):
            setattr(board, key, d[key])
            data[key] = d[key]
    if "private_until_reveal" in d and d["private_until_reveal"] != board.private_until_reveal:
        board.private_until_reveal = data["private_until_reveal"] = d["private_until_reveal"]
        board.revealed_at = None
        data["revealed"] = False
    if "author_mode" in d and d["author_mode"] != board.author_mode:
        board.author_mode = data["author_mode"] = d["author_mode"]
        mode = board.author_mode
        notes = Note.objects.filter(board=board, deleted_at__isnull=True, private=False).select_related(
            "author", "author_user").order_by("id")
        data["authors"] = {str(n.pk): selectors.author_view(mode, n.author, n.author_user) for n in notes}
        notes = list(notes)
        sources = selectors.copy_source_modes(notes)
        data["provenance"] = {str(n.pk): selectors.provenance_view(mode, n.provenance, sources.get(n.pk))
                              for n in notes if n.provenance}
        comments = Comment.objects.filter(note__board=board, note__deleted_at__isnull=True, note__private=False)
        data["comment_authors"] = {
            str(c.pk): selectors.author_view(mode, c.author, c.author_user)
            for c in comments.select_related("author", "author_user").order_by("id")
        }
    if not data:
        raise DomainError("conflict", "these are already the board's settings")
    Board.objects.filter(pk=board.pk).update(
        title=board.title, vote_budget=board.vote_budget, private_until_reveal=board.private_until_reveal,
        revealed_at=board.revealed_at, author_mode=board.author_mode,
    )
    return Outcome(data, mode_changed="author_mode" in data)


@handler("category.add")
def _category_add(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.moderate, "only a facilitator may change categories")
    last = Category.objects.filter(board=ctx.board).order_by("-order").values_list("order", flat=True).first()
    category = Category.objects.create(board=ctx.board, name=d["name"], colour=d.get("colour", "#fff3b0"),
                                       order=(last or 0) + 1)
    return Outcome({"category": selectors.category_dict(category)}, {"id": category.pk})


@handler("category.rename")
def _category_rename(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.moderate, "only a facilitator may change categories")
    category = _category(ctx, d["id"])
    data: dict[str, Any] = {"id": category.pk}
    for key in ("name", "colour"):
        if key in d:
            setattr(category, key, d[key])
            data[key] = d[key]
    if len(data) == 1:
        raise DomainError("invalid", "give a name or a colour", fields={"name": "required"})
    category.save()
    return Outcome(data)


@handler("category.delete")
def _category_delete(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    _require(ctx.access.moderate, "only a facilitator may change categories")
    category = _category(ctx, d["id"])
    ids = sorted(Note.objects.filter(category=category).values_list("id", flat=True))
    category_id = category.pk
    category.delete()  # notes keep living, uncategorised (SET_NULL)
    return Outcome({"id": category_id, "notes": ids})


def _provenance(source: Board, note: Note) -> dict[str, Any]:
    """Where a pulled note came from. An earlier provenance (a note pulled twice) wins.
    Never a name unless the source board showed names; no country or stakeholder group
    from an anonymous board either (in a small group they would name people)."""
    if note.provenance:
        prov = dict(note.provenance)
        if source.author_mode != Board.AuthorMode.NAMED:
            prov.pop("name", None)
        if source.author_mode == Board.AuthorMode.ANONYMOUS:
            prov.pop("country", None)
            prov.pop("stakeholder", None)
        return prov
    prov: dict[str, Any] = {
        "board": source.pk, "note": note.pk, "session": source.session_id, "session_title": source.session.title,
    }
    if source.group_id is not None:
        prov["group"] = source.group.name
    if note.author is not None and source.author_mode != Board.AuthorMode.ANONYMOUS:
        prov["country"] = note.author.country
        prov["stakeholder"] = note.author.stakeholder
        if source.author_mode == Board.AuthorMode.NAMED:
            prov["name"] = note.author.display_name
    return prov


@handler("note.pull")
def _note_pull(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    """Copy notes (or a whole cluster, with its name) from a group board or an input
    board into this board, with the links among them and their provenance.

    Idempotent per source note and target board: a note that already has a live copy
    here is not copied again; its copy is answered instead (a deleted copy does not
    count, the note may be pulled again). The ack's `ids` are the copies in the order
    asked, existing ones included, `existing` those that were there already. The event
    always comes (seq moves on even when nothing new was copied): `notes`, `links` and
    `cluster` are what it made (`notes` empty and `cluster` null when nothing was new),
    `existing` the ids of the copies already there. A cluster pulled again puts its new
    notes into the cluster its earlier copies are in (same name), else into a new one.
    A link is copied when one of its ends is a new copy and the two copies have no link
    yet (so a link someone removed between earlier copies does not come back).

    When something was copied, the source board gets a system event `note.pulled`
    {"notes": {source note id: [ids of the boards holding a copy]}} in the same
    transaction (apply_op locked both boards, in id order)."""
    target = ctx.board
    source = Board.objects.select_related("session", "group").filter(pk=d["source_board"]).first()
    if source is None or source.pk == target.pk or source.session.workshop_id != target.session.workshop_id:
        raise DomainError("not_found", "no such board", fields={"source_board": "not found"})
    if ctx.access.system:
        pass
    elif source.session_id == target.session_id and source.read_only_input:
        # Carried-forward notes may go into any board of the session.
        _require(ctx.access.pull, "your role may not pull notes")
    elif source.session_id == target.session_id and source.group_id is not None and target.group_id is None:
        if not ctx.access.moderate and not (ctx.access.participant_id and selectors.reports_back(
                participant_id=ctx.access.participant_id, group_id=source.group_id)):
            # The current round's rapporteur of the group reports back its notes.
            raise DomainError("forbidden", "a rapporteur pulls from their own group's board")
    else:
        raise DomainError("forbidden", "pull from a group board or an input board into this session's boards")
    notes = Note.objects.filter(board=source, deleted_at__isnull=True, private=False).select_related("author")
    cluster = None
    if "cluster" in d:
        cluster = Cluster.objects.filter(pk=d["cluster"], board=source).first()
        if cluster is None:
            raise DomainError("not_found", "no such cluster", fields={"cluster": "not found"})
        notes = list(notes.filter(cluster=cluster).order_by("id"))
        if not notes:
            raise DomainError("conflict", "this cluster has no notes")
    else:
        found = {n.pk: n for n in notes.filter(pk__in=d["notes"])}
        missing = [i for i in d["notes"] if i not in found]
        if missing:
            raise DomainError("not_found", "no such note", fields={"notes": f"not found: {missing[:10]}"})
        notes = [found[i] for i in d["notes"]]
    existing: dict[int, Note] = {}
    for copy in Note.objects.filter(board=target, source_note__in=[n.pk for n in notes],
                                    deleted_at__isnull=True).order_by("id"):
        existing.setdefault(copy.source_note_id, copy)
    fresh = [n for n in notes if n.pk not in existing]
    category = _category(ctx, d.get("category"))
    new_cluster = None
    if cluster is not None and fresh:
        earlier = {c.cluster_id for c in existing.values() if c.cluster_id is not None}
        new_cluster = (
            Cluster.objects.filter(pk__in=earlier, board=target, name=cluster.name).order_by("id").first()
            if earlier else None
        ) or Cluster.objects.create(board=target, name=cluster.name)
    by_name = {c.name: c for c in Category.objects.filter(board=target)}
    source_names = dict(Category.objects.filter(board=source).values_list("id", "name"))
    copies: dict[int, Note] = {}
    for note in fresh:
        cat = category or by_name.get(source_names.get(note.category_id))
        copies[note.pk] = Note.objects.create(
            board=target, category=cat, cluster=new_cluster, text=note.text, colour=note.colour, x=note.x, y=note.y,
            provenance=_provenance(source, note), source_note=note,
        )
    links = []
    if copies:
        every = {**{k: c.pk for k, c in existing.items()}, **{k: c.pk for k, c in copies.items()}}
        linked = {frozenset(pair) for pair in Link.objects.filter(
            board=target, source_id__in=every.values(), target_id__in=every.values()
        ).values_list("source_id", "target_id")}
        for link in Link.objects.filter(board=source, source_id__in=every, target_id__in=every).order_by("id"):
            pair = frozenset((every[link.source_id], every[link.target_id]))
            if len(pair) == 2 and pair not in linked and (link.source_id in copies or link.target_id in copies):
                linked.add(pair)
                links.append(Link.objects.create(board=target, source_id=every[link.source_id],
                                                 target_id=every[link.target_id], label=link.label))
    mode = target.author_mode
    sources = selectors.copy_source_modes(list(copies.values()))
    data = {
        "notes": [selectors.note_dict(n, mode, source_modes=sources) for n in copies.values()],
        "links": [selectors.link_dict(link) for link in links],
        "cluster": selectors.cluster_dict(new_cluster) if new_cluster else None,
        "existing": [existing[n.pk].pk for n in notes if n.pk in existing],
    }
    if copies:
        _append_event(source, "note.pulled", _pulled_outcome(list(copies)))
    ids = [(existing.get(n.pk) or copies[n.pk]).pk for n in notes]
    return Outcome(data, {"ids": ids, "existing": data["existing"]})


def _pulled_outcome(note_ids: list[int]) -> Outcome:
    """`note.pulled`: where each note has live copies now (keys are strings, as JSON
    keeps them, so the live event equals the replayed one)."""
    pulled = selectors.pulled_into(note_ids)
    return Outcome({"notes": {str(pk): pulled.get(pk, []) for pk in note_ids}})


@handler("note.pulled")
def _note_pulled(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    """System only. Tell the board's viewers where its notes `notes` are pulled now
    (the pull handler appends the same event by itself; this op re-announces it)."""
    found = set(Note.objects.filter(board=ctx.board, pk__in=d["notes"]).values_list("pk", flat=True))
    missing = [i for i in d["notes"] if i not in found]
    if missing:
        raise DomainError("not_found", "no such note", fields={"notes": f"not found: {missing[:10]}"})
    return _pulled_outcome(d["notes"])


@handler("board.sync")
def _board_sync(ctx: Ctx, d: dict[str, Any]) -> Outcome:
    """System only: bring a read-only input board to match its source board
    (sync_input_boards). The event is a summary of counts (SYNC_KEYS) and moves the
    board's mode_changed_seq, so clients behind it reload a snapshot rather than replay
    it. Nothing to change: "conflict", nothing written, no event."""
    board = ctx.board
    source = Board.objects.select_related("session", "group").filter(pk=board.source_board_id).first()
    if not board.read_only_input or source is None:
        raise DomainError("conflict", "this board follows no source board")
    counts = _mirror(source, board, write=True)
    if not any(counts.values()):
        raise DomainError("conflict", "the input board is already up to date")
    return Outcome(counts, dict(counts), mode_changed=True)
