import smtplib

from celery import shared_task

from .delivery import notification_emails_sweep, notification_send_email


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=10,
)
def send_notification_email(notification_id: int) -> bool:
    return notification_send_email(notification_id=notification_id)


@shared_task(ignore_result=True)
def sweep_unsent_emails() -> int:
    """The outbox sweep (every minute, Celery beat): queue emails saved but never sent."""
    return notification_emails_sweep(queue=send_notification_email.delay)
