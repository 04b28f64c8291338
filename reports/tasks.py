"""Celery entry points for exports: they take ids and call a service."""

from celery import shared_task

from . import services


@shared_task(name="reports.task_run_export", acks_late=True)
def task_run_export(export_id: int) -> str:
    """Build one export's file; returns its final status."""
    return services.run_export(export_id=export_id).status
