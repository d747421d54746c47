"""The audit trail: append-only events in one hash chain per centre (plus a global one for account events).

An event's hash covers its skeleton (chain, sequence, centre, actor id, action, object, subject, time, previous
hash) and, since format 2, a **salted commitment** to its content (the actor's label and the event's data) instead
of the content itself: ``content_digest = SHA-256(salt ‖ canonical JSON of {actor_label, data})``. The content
can therefore be erased (a retention rule's destruction, a GDPR erasure) by clearing it and its salt: the chain
still verifies, since the digest it covers stays, and nothing can be recovered or guessed from it, since the salt
went with the content. An erasure is itself recorded, in the same chain, by an ``audit.content_erased`` event that
lists the sequence numbers erased; `verify_audit` reports any erased event that no such record covers.

Format 1 events (recorded before commitments existed) hash their content directly and cannot be erased.
"""

import hashlib
import json
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64
ERASURE_ACTION = "audit.content_erased"


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def _erase_content(self, when) -> int:
        """Clear the content of format-2 events (audit.services.audit_erase_content is the only caller)."""
        erasable = self.filter(erased_at__isnull=True).exclude(content_digest="").exclude(action=ERASURE_ACTION)
        return models.QuerySet.update(erasable, actor_label="", data={}, salt="", erased_at=when)

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")

    def for_object(self, target: models.Model) -> "AuditEventQuerySet":
        return self.filter(object_type=object_type_of(target), object_id=str(target.pk))

    def about(self, subject: models.Model) -> "AuditEventQuerySet":
        return self.filter(subject=subject_of(subject))


def object_type_of(target: models.Model) -> str:
    return target._meta.label_lower


def subject_of(subject: models.Model) -> str:
    return f"{object_type_of(subject)}:{subject.pk}"


class AuditChain(models.Model):
    """The head of one hash chain: one per centre, plus a global one for account events."""

    key = models.CharField(max_length=40, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return self.key


class AuditEvent(models.Model):
    chain_key = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField()
    # A plain id, not a foreign key: the audit trail sits below every other app and outlives what it records.
    centre_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # What the act concerns, for timelines (e.g. a learner's enrolment): "portfolios.enrolment:12".
    subject = models.CharField(max_length=80, blank=True, db_index=True)
    created_at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Format 2: the hash covers content_digest, a salted commitment to actor_label and data, so that both can be
    # erased (with the salt) without breaking the chain. Empty on format 1 events.
    content_digest = models.CharField(max_length=64, blank=True, default="")
    salt = models.CharField(max_length=32, blank=True, default="")
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["chain_key", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain_key", "seq"], name="audit_event_chain_seq")]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"], name="audit_event_object")]
        verbose_name = _("audit event")

    def __str__(self) -> str:
        return f"{self.chain_key}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def seal_content(self) -> None:
        """Commit to this new event's content (format 2): a fresh salt and its digest."""
        self.salt = secrets.token_hex(16)
        self.content_digest = self.compute_content_digest()

    def compute_content_digest(self) -> str:
        content = {"actor_label": self.actor_label, "data": self.data}
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256((self.salt + canonical).encode()).hexdigest()

    def compute_hash(self) -> str:
        if self.content_digest:
            return self._digest({
                "format": 2,
                "chain": self.chain_key,
                "seq": self.seq,
                "centre": self.centre_id,
                "actor": self.actor_id,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "subject": self.subject,
                "created_at": self.created_at.isoformat(),
                "content": self.content_digest,
                "prev_hash": self.prev_hash,
            })
        payload = {
            "chain": self.chain_key,
            "seq": self.seq,
            "centre": self.centre_id,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "subject": self.subject,
            "created_at": self.created_at.isoformat(),
            "data": self.data,
            "prev_hash": self.prev_hash,
        }
        return self._digest(payload)

    @staticmethod
    def _digest(payload: dict) -> str:
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()
