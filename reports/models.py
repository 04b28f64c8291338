"""Report drafts staff edit before exporting, and export jobs run by Celery."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportDraft(models.Model):
    """The flash report's text, one entry per section; `edited` sections survive regeneration."""

    workshop = models.OneToOneField("workshops.Workshop", on_delete=models.CASCADE, related_name="report_draft")
    sections = models.JSONField(default=dict)  # {key: {"title": str, "body": str, "edited": bool}}
    generated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"draft of {self.workshop_id}"


class Export(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    workshop = models.ForeignKey("workshops.Workshop", on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=8)
    # The language the staff member asked in: generated text (titles, labels) uses it.
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=120, blank=True)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.format} export of {self.workshop_id} ({self.status})"
