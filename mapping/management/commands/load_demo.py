from django.conf import settings
from django.core.management.base import BaseCommand

from mapping.demo import load_board_demo
from workshops import demo
from workshops.models import JoinLink


class Command(BaseCommand):
    help = ('Load the demo workshop "Exploring distance and online learning in Central Asia" with its boards '
            "(idempotent).")

    def handle(self, *args, **options):
        workshop = demo.load_demo()
        boards = load_board_demo(workshop)
        link = JoinLink.objects.filter(session__workshop=workshop, revoked_at__isnull=True).order_by(
            "session__order"
        ).first()
        self.stdout.write(self.style.SUCCESS(f"Demo workshop ready: {workshop.title} ({len(boards)} boards)"))
        self.stdout.write(f"  Facilitator login: {demo.FACILITATOR_USERNAME} / {demo.FACILITATOR_PASSWORD}"
                          f"  at {settings.SITE_URL}/accounts/login/")
        if link:
            self.stdout.write(f"  Participant join link: {settings.SITE_URL}/j/{link.token}/  (code {link.code})")
