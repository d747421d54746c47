"""What a sample looks at, frozen when it starts: file hashes, decisions, mappings and feedback of one unit.

A summative sample is of a signed-off unit, so its snapshot is built from the same live rows as the sign-off's
seal (`assessment.seals.unit_seal`). An interim sample looks at work in progress: the same shape, from every
submitted, accepted or returned item claiming the unit. `snapshot_changes` names what differs now.
"""

from assessment.models import CriterionDecision, Review
from assessment.seals import seal_hash, unit_seal
from portfolios.models import Enrolment, EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceFile
from qualifications.models import Unit

from ..models import Sample, SampleKind

IN_PROGRESS = (Evidence.Status.SUBMITTED, Evidence.Status.ACCEPTED, Evidence.Status.RETURNED)


def _interim_seal(enrolment_unit: EnrolmentUnit) -> dict:
    """`unit_seal`'s shape for work in progress: the unit's evidence however far it has got."""
    enrolment_id, unit_id = enrolment_unit.enrolment_id, enrolment_unit.unit_id
    claims = (EvidenceCriterion.objects.filter(evidence__enrolment_id=enrolment_id, unit_id=unit_id,
                                               evidence__status__in=IN_PROGRESS)
              .select_related("criterion").order_by("criterion__position"))
    mapped: dict[int, list[str]] = {}
    for claim in claims:
        mapped.setdefault(claim.evidence_id, []).append(claim.criterion.number)
    files = EvidenceFile.objects.filter(evidence__in=mapped).order_by("pk")
    decisions = (CriterionDecision.objects.filter(enrolment_id=enrolment_id, unit_id=unit_id)
                 .select_related("criterion").order_by("pk"))
    reviews = Review.objects.filter(pk__in=decisions.values("review")).select_related("submission").order_by("pk")
    return {
        "evidence": [{"id": pk, "criteria": numbers} for pk, numbers in sorted(mapped.items())],
        "files": [{"id": f.pk, "evidence": f.evidence_id, "name": f.original_name, "sha256": f.sha256}
                  for f in files],
        "decisions": [{"id": d.pk, "review": d.review_id, "criterion": d.criterion.number, "met": d.met}
                      for d in decisions],
        "reviews": [{"id": r.pk, "evidence": r.submission.evidence_id, "feedback": r.feedback, "actions": r.actions}
                    for r in reviews],
    }


def unit_snapshot(*, enrolment: Enrolment, unit: Unit, kind: str = SampleKind.SUMMATIVE) -> dict:
    """{"files": {id: {name, sha256}}, "decisions": {id: {criterion, met, review}}, "mappings": ["evidence:n"],
    "feedback": {review id: text}, "hash": sha256 of the rest}. Keys are strings: the snapshot goes through JSON."""
    enrolment_unit = EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit)
    seal = unit_seal(enrolment_unit) if kind == SampleKind.SUMMATIVE else _interim_seal(enrolment_unit)
    snapshot = {
        "files": {str(f["id"]): {"name": f["name"], "sha256": f["sha256"]} for f in seal["files"]},
        "decisions": {str(d["id"]): {"criterion": d["criterion"], "met": d["met"], "review": d["review"]}
                      for d in seal["decisions"]},
        "mappings": sorted(f"{e['id']}:{number}" for e in seal["evidence"] for number in e["criteria"]),
        "feedback": {str(r["id"]): "\n".join(t for t in (r["feedback"], r["actions"]) if t) for r in seal["reviews"]},
    }
    return {**snapshot, "hash": seal_hash(snapshot)}


def snapshot_changes(sample: Sample) -> list[str]:
    """What differs from the sample's snapshot now, one readable line each (empty: nothing changed)."""
    was = sample.snapshot or {}
    now = unit_snapshot(enrolment=sample.enrolment, unit=sample.unit, kind=sample.kind)
    if not was or was.get("hash") == now["hash"]:
        return []
    changes = []
    for key, item in was.get("files", {}).items():
        current = now["files"].get(key)
        if current is None:
            changes.append(f"File '{item['name']}' (id {key}) is no longer in the unit's evidence.")
        elif current["sha256"] != item["sha256"]:
            changes.append(f"File '{item['name']}' (id {key}) has changed (its hash differs).")
    changes += [f"File '{item['name']}' (id {key}) was added." for key, item in now["files"].items()
                if key not in was.get("files", {})]
    old_decisions = was.get("decisions", {})
    changes += [f"New decision on criterion {d['criterion']}: {'met' if d['met'] else 'not yet met'}."
                for key, d in now["decisions"].items() if key not in old_decisions]
    changes += [f"The decision on criterion {d['criterion']} (decision {key}) is no longer in the record."
                for key, d in old_decisions.items() if key not in now["decisions"]]
    old_mappings, new_mappings = set(was.get("mappings", [])), set(now["mappings"])
    changes += [f"Evidence {m.split(':')[0]} now claims criterion {m.split(':')[1]}." for m in sorted(new_mappings
                                                                                                     - old_mappings)]
    changes += [f"Evidence {m.split(':')[0]} no longer counts towards criterion {m.split(':')[1]}."
                for m in sorted(old_mappings - new_mappings)]
    old_feedback = was.get("feedback", {})
    changes += [f"Feedback of review {key} was {'added' if key not in old_feedback else 'changed'}."
                for key, text in now["feedback"].items() if old_feedback.get(key) != text]
    return changes or ["The unit's record differs from the snapshot taken when the sample started."]
