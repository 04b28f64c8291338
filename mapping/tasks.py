"""Celery entry points for boards: they take ids and call a service."""

from celery import shared_task

from . import services


@shared_task(name="mapping.task_sync_input_board", acks_late=True)
def task_sync_input_board(board_id: int) -> list[dict]:
    """Bring the input boards carried from board `board_id` (an earlier session's plenary,
    just changed) up to date; returns each one's id and counts."""
    return [{"board": s.board.pk, **s.counts()} for s in services.sync_carried_from(board_id=board_id)]
