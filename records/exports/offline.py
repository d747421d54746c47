"""The export's pages, browsable offline: index.html, one page per qualification (enrolment), one per unit and one
per conversation (an enrolment's messages), linked to each other and to the files in the ZIP; one stylesheet of
their own, no script, nothing fetched. Django's templates escape every piece of user content."""

from collections.abc import Iterator

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from community.conversations.selectors import PARTICIPANT_ROLES

from .portfolio import STAFF, EnrolmentRecord, Portfolio, UnitRecord, evidence_ref

TEMPLATES = "records/exports/offline/"
STYLE = """body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1a1a1a}
nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin-bottom:1rem}a{color:#0b57d0}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f2f2f2}h1,h2,h3,h4{line-height:1.2}
.evidence{border-top:2px solid #ddd;padding-top:.5rem;margin-top:1rem}.review{background:#f6f8fa;padding:.5rem 1rem;
margin:.5rem 0}.witness{background:#eef6ee;padding:.5rem 1rem;margin:.5rem 0}
.message{border-left:4px solid #ccc;padding:.25rem 1rem;margin:.75rem 0}.message.mine{border-left-color:#0b57d0}
audio{display:block;max-width:100%}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5rem 1rem}.muted{color:#555}
@media (max-width:40rem){table{display:block;overflow-x:auto}}
"""


def qualification_page(record: EnrolmentRecord) -> str:
    return f"qualifications/{record.ref}.html"


def unit_page(record: EnrolmentRecord, unit: UnitRecord) -> str:
    return f"units/{record.ref}-{unit.unit.pk}.html"


def conversation_page(record: EnrolmentRecord) -> str:
    return f"conversations/{record.ref}.html"


ROLE_LABELS = {**PARTICIPANT_ROLES, STAFF: _("Staff")}


def pages(portfolio: Portfolio, *, exported_at, paths: dict) -> Iterator[tuple[str, str]]:
    """(path, html) of every page."""
    base = {"learner": portfolio.learner, "learner_name": portfolio.learner.get_full_name() or portfolio.learner.email,
            "site_name": settings.LEAP_SITE_NAME, "exported_at": exported_at, "language": settings.LANGUAGE_CODE,
            "nav": [{"path": qualification_page(r), "code": r.enrolment.version.qualification.code}
                    for r in portfolio.enrolments]}
    for record in portfolio.enrolments:
        evidence = [_evidence(record, item, paths) for item in record.evidence]
        by_ref = {ev["ref"]: ev for ev in evidence}
        context = {**base, "record": record, "enrolment": record.enrolment, "version": record.enrolment.version}
        units = []
        for unit in record.units:
            units.append({"record": unit, "page": f"../{unit_page(record, unit)}", "sign_off": unit.current_sign_off})
            yield unit_page(record, unit), render_to_string(TEMPLATES + "unit.html", {
                **context, "unit": unit, "qualification_page": f"../{qualification_page(record)}",
                **_unit_evidence(unit, evidence, by_ref)})
        yield qualification_page(record), render_to_string(TEMPLATES + "qualification.html", {
            **context, "units": units, "plans": record.plans, "evidence": evidence,
            "conversation_page": f"../{conversation_page(record)}", "message_count": len(record.messages)})
        yield conversation_page(record), render_to_string(TEMPLATES + "conversation.html", {
            **context, "qualification_page": f"../{qualification_page(record)}",
            "messages": [_message(record, message, paths) for message in record.messages]})
    yield "index.html", render_to_string(TEMPLATES + "index.html", {
        **base, "centre": portfolio.centre,
        "enrolments": [{"record": r, "path": qualification_page(r)} for r in portfolio.enrolments],
        "badges": [{"award": a, "files": [{"path": f["path"], "label": f["label"]}
                                          for f in paths.get(("award", a.pk), [])]} for a in portfolio.awards],
        "certificates": [{"certificate": c, "path": (paths.get(("certificate", c.pk)) or {}).get("path")}
                         for c in portfolio.certificates]})


def _evidence(record: EnrolmentRecord, item, paths: dict) -> dict:
    units = {u.unit.pk: u for u in record.units}
    for review in item.shown_reviews:
        review.voice_path = (paths.get(("voice", review.pk)) or {}).get("path")
    return {
        "ref": evidence_ref(item), "item": item, "reviews": item.shown_reviews, "statements": item.shown_statements,
        "unit_ids": {claim.unit_id for claim in item.shown_claims},
        "criteria": [{"unit": claim.unit.code, "number": claim.criterion.number,
                      "path": f"{unit_page(record, units[claim.unit_id])}#criterion-{claim.criterion_id}"
                      if claim.unit_id in units else qualification_page(record)}
                     for claim in item.shown_claims],
        "files": [{"path": paths[("evidence", f.pk)]["path"], "name": f.original_name, "size": f.size}
                  for f in item.shown_files],
    }


def _message(record: EnrolmentRecord, message, paths: dict) -> dict:
    return {
        "message": message, "author": message.author.get_full_name() or message.author.email,
        "role": ROLE_LABELS.get(message.author_role, ROLE_LABELS[STAFF]),
        "mine": message.author_id == record.enrolment.learner_id,
        "evidence_path": f"../{qualification_page(record)}#{evidence_ref(message.evidence_id)}"
        if message.evidence_id else None,
        "files": [{"path": paths[("message_file", f.pk)]["path"], "name": f.original_name, "size": f.size,
                   "voice": f.role == f.Role.VOICE, "content_type": f.content_type} for f in message.shown_files],
    }


def _unit_evidence(unit: UnitRecord, evidence: list[dict], by_ref: dict) -> dict:
    claims: dict[int, list[dict]] = {}
    for ev in evidence:
        for claim in ev["item"].shown_claims:
            if claim.unit_id == unit.unit.pk:
                claims.setdefault(claim.criterion_id, []).append(by_ref[ev["ref"]])
    criteria = [{"criterion": c, "met_at": unit.achieved[c.pk].achieved_at if c.pk in unit.achieved else None,
                 "evidence": claims.get(c.pk, [])} for c in unit.criteria]
    return {"criteria": criteria, "evidence": [ev for ev in evidence if unit.unit.pk in ev["unit_ids"]]}
