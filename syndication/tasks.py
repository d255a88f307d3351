"""Celery tasks of the syndication app: they take ids and call the delivery engine.

Deliveries run with ``acks_late`` and ``reject_on_worker_lost`` (settings), so a
message whose worker dies goes back to the queue; the database lease and the poller
make that a speed-up, not a requirement.
"""

from celery import shared_task
from celery.signals import worker_ready

from syndication import delivery
from syndication.partners import sync_partners


@shared_task(bind=True, acks_late=True, ignore_result=True)
def deliver_batch(self, delivery_ids: list[int]) -> int:
    """Deliver a batch of one partner's deliveries; the task id is the claimer, so a
    message the broker hands back after its worker died takes its deliveries back."""
    return len(delivery.run_batch(delivery_ids, claimer=self.request.id or ""))


@shared_task(bind=True, acks_late=True, ignore_result=True)
def deliver(self, delivery_id: int) -> str | None:
    """One delivery: messages queued before batches existed still run."""
    return delivery.run_delivery(delivery_id, claimer=self.request.id or "")


@shared_task(ignore_result=True)
def poll_deliveries() -> int:
    sync_partners()
    return len(delivery.poll_deliveries())


@shared_task(ignore_result=True)
def prune_delivery_history() -> None:
    delivery.prune_history()


@worker_ready.connect
def configure_partners_at_start(**kwargs) -> None:
    sync_partners()
