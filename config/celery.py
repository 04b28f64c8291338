"""Celery application. Tasks are one more entry point: they take ids and call a service."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("workshops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
