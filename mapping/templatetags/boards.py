"""{% session_boards session %}: the console's card of a session's boards, with the form
that adds one (mapping/views.board_create), so the console need not know boards."""

from django import template

from mapping import selectors
from mapping.forms import BoardForm

register = template.Library()


@register.inclusion_tag("mapping/_session_boards.html", takes_context=True)
def session_boards(context, session):
    return {"session": session, "boards": list(selectors.boards_of_session(session.pk)), "form": BoardForm(),
            "csrf_token": context.get("csrf_token")}
