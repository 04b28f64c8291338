"""Presence: one row per open socket (board null: the socket is in the session) and one
per board the socket shows. Kept in the database, not in a process or in Redis, so every
server process sees everyone, a killed process's sockets age out (no heartbeat for
PRESENCE_TTL), and a Redis restart forgets nobody."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Presence(models.Model):
    socket = models.CharField(max_length=64)
    session = models.ForeignKey("workshops.Session", on_delete=models.CASCADE, related_name="+")
    board = models.ForeignKey("mapping.Board", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        "participants.Participant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["socket"], condition=Q(board__isnull=True), name="uniq_presence_socket"),
            models.UniqueConstraint(fields=["socket", "board"], condition=Q(board__isnull=False),
                                    name="uniq_presence_socket_board"),
        ]
        indexes = [models.Index(fields=["session", "seen_at"], name="presence_session_seen")]

    def __str__(self) -> str:
        return f"{self.socket} in {self.session_id}" + (f" on {self.board_id}" if self.board_id else "")
