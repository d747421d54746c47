"""The kinds of record a retention rule covers (imported by the models and re-exported by schedule.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The common awarding-body rule: records are kept 3 years after the end of the course.
DEFAULT_YEARS = 3


class Kind(models.TextChoices):
    LEARNER_DETAILS = "learner_details", _("Learner details")
    EVIDENCE_FILES = "evidence_files", _("Evidence and its files")
    DECISIONS = "decisions", _("Decisions and feedback")
    QA_RECORDS = "qa_records", _("IQA and EQA records")
    AUDIT_EVENTS = "audit_events", _("Audit events")
    AWARDS = "awards", _("Badges and certificates")


# Kinds with one record per learner at the centre (a ScheduleRow with enrolment_id None), not per enrolment.
LEARNER_WIDE = frozenset({Kind.LEARNER_DETAILS})
# Kinds of learner work an EQA review looks at: "N years after a successful EQA review" applies to these only.
LEARNER_WORK = frozenset({Kind.EVIDENCE_FILES, Kind.DECISIONS, Kind.QA_RECORDS})
