"""Who is asking: a Django user (facilitator, staff) or a participant remembered in the
browser's session. Used alike by HTTP views and the websocket consumer."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Participant, Role

SESSION_KEY = "participant_ids"  # {str(workshop_id): participant_id}


@dataclass(frozen=True)
class Actor:
    """The person behind a request or a socket, within one workshop."""

    user_id: int | None = None
    participant: Participant | None = None
    is_facilitator: bool = False  # member of the "facilitators" group or has workshops.facilitate
    is_staff: bool = False

    @property
    def role(self) -> str:
        if self.is_facilitator:
            return Role.FACILITATOR
        if self.participant is not None:
            return self.participant.role
        return ""

    @property
    def participant_id(self) -> int | None:
        return self.participant.pk if self.participant is not None else None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and self.participant is None


def remember_participant(session, participant: Participant) -> None:
    """Store the participant in the browser's session (works for request.session)."""
    ids = dict(session.get(SESSION_KEY, {}))
    ids[str(participant.workshop_id)] = participant.pk
    session[SESSION_KEY] = ids
    session["tz"] = participant.timezone


def participant_id_from_session(session, workshop_id: int) -> int | None:
    if session is None:
        return None
    return (session.get(SESSION_KEY) or {}).get(str(workshop_id))


REMEMBERED_FIELDS = ("display_name", "country", "stakeholder", "organisation")


def remembered_profile(session) -> dict[str, str]:
    """What the newest person this browser joined as said about themselves in any
    workshop, to fill a new join form for someone coming back (never a default for a
    stranger: nothing is filled in for a browser that knows nobody)."""
    ids = (session.get(SESSION_KEY) or {}).values() if session is not None else ()
    last = Participant.objects.filter(pk__in=list(ids)).order_by("-created_at", "-pk").first()
    return {name: getattr(last, name) for name in REMEMBERED_FIELDS} if last else {}


def is_facilitator_user(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user.has_perm("workshops.facilitate") or user.groups.filter(
        name="facilitators"
    ).exists()


def runs_workshop(user, workshop_id: int) -> bool:
    """Does this facilitator account run workshop `workshop_id` (its owner, a co-facilitator,
    a superuser: workshops.models.WorkshopQuerySet.run_by)? The workshop model is reached
    through the user's `created_workshops` relation, so participants imports nothing of ours.
    Precondition: is_facilitator_user(user)."""
    if user.is_superuser:
        return True
    return user.created_workshops.model.objects.run_by(user).filter(pk=workshop_id).exists()


def actor_for(*, user, session, workshop_id: int) -> Actor:
    """Resolve the actor for one workshop. A facilitator account wins over a remembered
    participant in the same browser, in the workshops it runs; in another workshop it is
    nobody special (a participant remembered there, a staff account, or no one)."""
    user_ok = user is not None and getattr(user, "is_authenticated", False)
    if user_ok and is_facilitator_user(user) and runs_workshop(user, workshop_id):
        return Actor(user_id=user.pk, is_facilitator=True, is_staff=user.is_staff)
    participant = None
    pid = participant_id_from_session(session, workshop_id)
    if pid is not None:
        participant = Participant.objects.filter(pk=pid, workshop_id=workshop_id).first()
    return Actor(
        user_id=user.pk if user_ok else None,
        participant=participant,
        is_staff=bool(user_ok and user.is_staff),
    )
