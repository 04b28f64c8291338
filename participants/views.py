from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def join_code(request: HttpRequest) -> HttpResponse:
    """Find the session behind a typed code and go to its join page."""
    from workshops.models import JoinLink  # participants imports nothing of ours at module level

    code = "".join(ch for ch in request.GET.get("code", "").upper() if ch.isalnum())
    link = JoinLink.objects.filter(code=code, revoked_at__isnull=True).first()
    if link is None:
        messages.error(request, _("No open session has that code. Check it and try again."))
        return redirect("home")
    return redirect(f"/j/{link.token}/")
