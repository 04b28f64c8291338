from django import template
from django.utils import timezone

from workshops.timefmt import dual_time as _dual_time

register = template.Library()


@register.simple_tag(takes_context=True)
def dual_time(context, moment, workshop):
    """{% dual_time session.starts_at workshop %} -> "14:00 Almaty · 10:00 Turin"."""
    if moment is None:
        return ""
    return _dual_time(
        moment,
        home_zone=workshop.home_timezone,
        home_city=workshop.home_city,
        viewer_zone=timezone.get_current_timezone_name(),
    )
