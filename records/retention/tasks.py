"""The nightly list of records due for destruction (settings' beat schedule: "retention-due-list")."""

from celery import shared_task


@shared_task(acks_late=True)
def list_records_due() -> int:
    """For every centre, list its records due for destruction into a batch awaiting approval. Idempotent: what is
    already listed or destroyed is not listed again. Returns the number of batches made."""
    from centres.models import Centre

    from .services import batch_list

    return sum(1 for centre in Centre.objects.order_by("pk") if batch_list(centre=centre) is not None)
