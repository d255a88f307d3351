"""Celery tasks of the search app."""

from celery import shared_task

from search import indexer


@shared_task
def reconcile_search_index() -> int:
    return indexer.reconcile_index().total
