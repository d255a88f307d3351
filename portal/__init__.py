"""Project package: settings, Celery app, site-wide pages and templates."""

from portal.celery import app as celery_app

__all__ = ("celery_app",)
