"""Who may do what: one role x action matrix, used alike by views, the websocket
consumer's handlers and the admin. State rules (a locked board, a closed round, your own
note) live beside the services that own that state; this module answers only "may this
role ever do this?" and is tested as a full matrix (tests/participants/test_permissions.py).
"""

from __future__ import annotations

from .identity import Actor
from .models import Role

SESSION_VIEW = "session.view"  # see the session, its agenda, timer, plenary board
SESSION_RUN = "session.run"  # agenda, timer, groups (create, assign, open, move), messages, recall
GROUP_SIGNAL = "group.signal"  # "we're done" / "we need help"
GROUP_CHOOSE = "group.choose"  # take a place in a self-select breakout group
BOARD_VIEW = "board.view"
BOARD_WRITE = "board.write"  # add notes, edit/move/delete your own, links, clusters, comments
BOARD_VOTE = "board.vote"  # dot-voting within the board's budget
BOARD_MODERATE = "board.moderate"  # edit/merge/delete any note, lock, reveal, categories
BOARD_PULL = "board.pull"  # pull notes or clusters into the plenary board (synthesis)
REPORT_EXPORT = "report.export"  # flash report and data exports

ACTIONS = (
    SESSION_VIEW, SESSION_RUN, GROUP_SIGNAL, GROUP_CHOOSE, BOARD_VIEW, BOARD_WRITE, BOARD_VOTE, BOARD_MODERATE,
    BOARD_PULL, REPORT_EXPORT,
)

_MATRIX: dict[str, frozenset[str]] = {
    Role.OBSERVER: frozenset({SESSION_VIEW, BOARD_VIEW}),
    Role.PARTICIPANT: frozenset({SESSION_VIEW, GROUP_SIGNAL, GROUP_CHOOSE, BOARD_VIEW, BOARD_WRITE, BOARD_VOTE}),
    # The rapporteur reports back in plenary: they may also pull their group's notes there.
    Role.RAPPORTEUR: frozenset(
        {SESSION_VIEW, GROUP_SIGNAL, GROUP_CHOOSE, BOARD_VIEW, BOARD_WRITE, BOARD_VOTE, BOARD_PULL}
    ),
    # Facilitators also signal "done"/"help" on a group's behalf (or clear its signal).
    Role.FACILITATOR: frozenset(
        {SESSION_VIEW, SESSION_RUN, GROUP_SIGNAL, BOARD_VIEW, BOARD_WRITE, BOARD_MODERATE, BOARD_PULL, REPORT_EXPORT}
    ),
}


def can(actor: Actor | None, action: str) -> bool:
    """May this actor's role ever perform `action`? Staff accounts may also export."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if actor is None or actor.is_anonymous:
        return False
    if action == REPORT_EXPORT and actor.is_staff:
        return True
    return action in _MATRIX.get(actor.role, frozenset())
