"""`account.json`: the account and audit data a centre holds about a person, for a subject-access request.

Next to the portfolio export (which holds the person's work), this file holds what the portfolio does not: the
account's fields, the person's memberships and roles at the centre, their sharing and notification choices,
their sign-in history, and every audit event that the person did or that concerns their enrolments and evidence
at the centre, with its content as stored (erased events are marked as such, with no content)."""

import datetime
import json
from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent, object_type_of
from audit.services import chain_key_for
from badges.models import Award, PublicNameChoice, Showcase
from centres.models import Centre, Membership
from notifications.models import Notification
from portfolios.models import Enrolment, Evidence, EvidenceFile

FORMAT = "leap-account-data"
VERSION = 1
SIGN_IN_ACTIONS = ("account.signed_in", "account.sign_in_failed", "account.password_set")


def _when(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def person_events(*, person: User, centre: Centre):
    """The audit events about a person at a centre: those they did (in the centre's chain and the global one),
    those whose subject is one of their enrolments there, those on their evidence, its files, or their account
    itself, and the refused sign-ins with their email address."""
    enrolments = list(Enrolment.objects.filter(learner=person, centre=centre).values_list("pk", flat=True))
    evidence = list(Evidence.objects.filter(enrolment__in=enrolments).values_list("pk", flat=True))
    files = list(EvidenceFile.objects.filter(evidence__in=evidence).values_list("pk", flat=True))
    about = (Q(actor=person)
             | Q(subject__in=[f"{object_type_of(Enrolment())}:{pk}" for pk in enrolments])
             | Q(object_type=object_type_of(Enrolment()), object_id__in=[str(pk) for pk in enrolments])
             | Q(object_type=object_type_of(Evidence()), object_id__in=[str(pk) for pk in evidence])
             | Q(object_type=object_type_of(EvidenceFile()), object_id__in=[str(pk) for pk in files])
             | Q(object_type=object_type_of(person), object_id=str(person.pk))
             | Q(action="account.sign_in_failed", data__email__iexact=person.email))
    return (AuditEvent.objects.filter(chain_key__in=[chain_key_for(centre.pk), chain_key_for(None)])
            .filter(about).order_by("chain_key", "seq"))


def _event(event: AuditEvent) -> dict[str, Any]:
    row = {"chain": event.chain_key, "seq": event.seq, "at": _when(event.created_at), "action": event.action,
           "object": f"{event.object_type}:{event.object_id}".strip(":"), "subject": event.subject,
           "hash": event.hash, "erased": event.is_erased}
    if event.is_erased:
        row["erased_at"] = _when(event.erased_at)
    else:
        row.update(actor=event.actor_label, data=event.data)
    return row


def account_data(*, person: User, centre: Centre) -> dict[str, Any]:
    memberships = Membership.objects.filter(user=person, centre=centre).select_related("assessor").order_by("pk")
    showcase = Showcase.objects.filter(user=person).first()
    name_choice = PublicNameChoice.objects.filter(user=person).first()
    events = list(person_events(person=person, centre=centre))
    return {
        "format": FORMAT, "version": VERSION, "generated_at": _when(timezone.now()),
        "centre": {"name": centre.name, "slug": centre.slug},
        "account": {
            "id": person.pk, "email": person.email, "first_name": person.first_name, "last_name": person.last_name,
            "language": person.language, "date_joined": _when(person.date_joined),
            "last_login": _when(person.last_login), "active": person.is_active,
            "has_password": person.has_usable_password(),
            "second_factors": sorted(Authenticator.objects.filter(user=person).values_list("type", flat=True)),
        },
        "memberships": [{"role": m.role, "since": _when(m.created_at), "ended_at": _when(m.ended_at),
                         "access_ends": _when(m.expires_at), "assessor": m.assessor.email if m.assessor else None,
                         "qualified_assessor": m.qualified if m.role == "assessor" else None,
                         "age_band": m.age_band, "gender": m.gender} for m in memberships],
        "roles": sorted({m.role for m in memberships if m.is_current}),
        "sharing": {
            "showcase": {"enabled": showcase.enabled, "updated_at": _when(showcase.updated_at)} if showcase else None,
            "public_name": ({"show_name": name_choice.show_name, "chosen_at": _when(name_choice.chosen_at)}
                            if name_choice else None),
            "badges": [{"badge": a.badge_class.name, "award": str(a.uuid), "show_name_publicly": a.show_name_publicly,
                        "in_showcase": a.in_showcase}
                       for a in Award.objects.filter(recipient=person, badge_class__centre=centre)
                       .select_related("badge_class").order_by("issued_on")],
        },
        "notification_preferences": {"email_non_essential": person.email_non_essential,
                                     "email_daily_digest": person.email_daily_digest,
                                     "email_weekly_mi": person.email_weekly_mi},
        "notifications": [{"at": _when(n.created_at), "kind": n.kind, "subject": n.subject,
                           "read_at": _when(n.read_at), "emailed_at": _when(n.email_sent_at)}
                          for n in Notification.objects.filter(user=person).order_by("created_at", "pk")],
        "sign_in_history": [{"at": _when(e.created_at), "action": e.action, "erased": e.is_erased,
                             "data": {} if e.is_erased else e.data}
                            for e in events if e.action in SIGN_IN_ACTIONS],
        "audit_events": [_event(e) for e in events],
    }


def account_json(*, person: User, centre: Centre) -> bytes:
    return json.dumps(account_data(person=person, centre=centre), indent=2, ensure_ascii=False,
                      default=str).encode()
