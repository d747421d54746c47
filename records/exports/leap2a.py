"""leap2a.xml: the portfolio as a Leap2A feed (Atom plus the Leap2A 2010-07 terms), with the namespaces Mahara's
importer (htdocs/import/leap/lib.php) reads.

- each qualification (enrolment) and each unit: a `leap2:selection` (selection type Grouping); units are
  `leap2:is_part_of` their qualification;
- each assessment criterion: a `leap2:ability`, `leap2:is_part_of` its unit;
- each evidence item: one `leap2:entry`, its reflection as the content, `leap2:is_evidence_of` every criterion it
  claims, `leap2:is_part_of` its units, its files as `<link rel="enclosure" href="files/...">`;
- each decided review: a `leap2:entry` authored by the assessor, `leap2:reflects_on` the evidence;
- each witness statement: a `leap2:entry` authored by the witness (their name only, not their email address),
  `leap2:reflects_on` the evidence and `leap2:is_evidence_of` the criteria it covers;
- messages are not in the feed: Leap2A has no conversation type worth mapping them to (they are in data.json and
  on the conversation pages);
- assessment plans: `leap2:plan`; badges and certificates: `leap2:achievement` with their files as enclosures.
"""

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings

from .portfolio import EnrolmentRecord, Portfolio, evidence_ref

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LEAP2 = "https://web.archive.org/web/20100503000634/http://terms.leapspecs.org"
CATEGORIES = "https://web.archive.org/web/20120819100914/http://wiki.leapspecs.org:80/2A/categories"
VERSION = "http://www.leapspecs.org/2010-07/2A/"
NAMESPACES = {"": ATOM, "rdf": RDF, "leap2": LEAP2, "categories": CATEGORIES}


def _tag(prefix: str, name: str) -> str:
    return f"{{{NAMESPACES[prefix]}}}{name}"


class Feed:
    def __init__(self, portfolio: Portfolio, exported_at) -> None:
        self.portfolio, self.exported_at = portfolio, exported_at.isoformat()
        self.base = f"{settings.SITE_URL}/portfolio-export/{portfolio.learner.pk}/{exported_at:%Y%m%dT%H%M%S}/"
        self.root = ET.Element(_tag("", "feed"))
        ET.SubElement(self.root, _tag("leap2", "version")).text = VERSION
        ET.SubElement(self.root, _tag("", "id")).text = self.base
        ET.SubElement(self.root, _tag("", "title")).text = (
            f"{settings.LEAP_SITE_NAME} portfolio of {portfolio.learner.get_full_name() or portfolio.learner.email}")
        ET.SubElement(self.root, _tag("", "updated")).text = self.exported_at
        ET.SubElement(self.root, _tag("", "generator"), uri=settings.SITE_URL).text = settings.LEAP_SITE_NAME
        self._author(self.root, portfolio.learner.get_full_name(), portfolio.learner.email)

    def id(self, local: str) -> str:
        return f"portfolio:{local}"

    def entry(self, local: str, kind: str, title: str, *, content: str = "", updated=None, author=None,
              selection: str | None = None, author_name: str = "") -> ET.Element:
        """author: a user (name and email); author_name: someone without an account (name only)."""
        entry = ET.SubElement(self.root, _tag("", "entry"))
        ET.SubElement(entry, _tag("", "title")).text = title or local
        ET.SubElement(entry, _tag("", "id")).text = self.id(local)
        if author is not None:
            self._author(entry, author.get_full_name(), author.email)
        elif author_name:
            self._author(entry, author_name, "")
        ET.SubElement(entry, _tag("", "updated")).text = updated.isoformat() if updated else self.exported_at
        ET.SubElement(entry, _tag("", "content"), type="text").text = content
        ET.SubElement(entry, _tag("rdf", "type"), {_tag("rdf", "resource"): f"leap2:{kind}"})
        if selection:
            ET.SubElement(entry, _tag("", "category"), term=selection, scheme="categories:selection_type#")
        return entry

    @staticmethod
    def link(entry: ET.Element, rel: str, href: str, **attributes) -> None:
        ET.SubElement(entry, _tag("", "link"), rel=rel, href=href, **attributes)

    @staticmethod
    def _author(parent: ET.Element, name: str, email: str) -> None:
        author = ET.SubElement(parent, _tag("", "author"))
        ET.SubElement(author, _tag("", "name")).text = name or email
        if email:
            ET.SubElement(author, _tag("", "email")).text = email

    def xml(self) -> str:
        declared = "".join(f" xmlns{':' + prefix if prefix else ''}={quoteattr(uri)}"
                           for prefix, uri in {**NAMESPACES, "portfolio": self.base}.items())
        return '<?xml version="1.0" encoding="utf-8"?>\n' + _serialised(self.root, declared) + "\n"


PREFIXES = {uri: prefix for prefix, uri in NAMESPACES.items()}


def _name(qualified: str) -> str:
    """ElementTree's {uri}name as prefix:name, with the prefixes declared on the feed (Atom the default)."""
    if not qualified.startswith("{"):
        return qualified
    uri, name = qualified[1:].split("}", 1)
    return f"{PREFIXES[uri]}:{name}" if PREFIXES[uri] else name


def _serialised(element: ET.Element, declared: str = "", depth: int = 0) -> str:
    attributes = "".join(f" {_name(key)}={quoteattr(value)}" for key, value in element.attrib.items())
    tag, indent = _name(element.tag), "\n" + "  " * (depth + 1)
    children = "".join(indent + _serialised(child, depth=depth + 1) for child in element)
    text = escape(element.text or "")
    if not children and not text:
        return f"<{tag}{declared}{attributes}/>"
    closing = "\n" + "  " * depth if children else ""
    return f"<{tag}{declared}{attributes}>{text}{children}{closing}</{tag}>"


def leap2a_document(portfolio: Portfolio, *, exported_at, paths: dict) -> str:
    feed = Feed(portfolio, exported_at)
    for record in portfolio.enrolments:
        _enrolment(feed, record, paths)
    for award in portfolio.awards:
        entry = feed.entry(f"award-{award.pk}", "achievement", award.badge_class.name,
                           content=award.badge_class.description, updated=award.issued_on)
        for file in paths.get(("award", award.pk), []):
            feed.link(entry, "enclosure", file["path"], type=file["type"], length=str(file["size"]))
    for certificate in portfolio.certificates:
        entry = feed.entry(f"certificate-{certificate.pk}", "achievement", certificate.title,
                           content=f"{certificate.get_tier_display()} {certificate.number}",
                           updated=certificate.issued_on)
        file = paths.get(("certificate", certificate.pk))
        if file:
            feed.link(entry, "enclosure", file["path"], type="application/pdf", length=str(file["size"]))
    return feed.xml()


def _enrolment(feed: Feed, record: EnrolmentRecord, paths: dict) -> None:
    enrolment, version = record.enrolment, record.enrolment.version
    qualification = feed.entry(record.ref, "selection", f"{version.qualification.code} {version.title}",
                               content=f"{enrolment.centre.name}: {enrolment.get_status_display()}; "
                                       f"{record.met} of {record.total} criteria met ({record.percent}%)",
                               updated=enrolment.completed_at or enrolment.last_activity_at, selection="Grouping")
    unit_ids = {}
    for unit in record.units:
        unit_ids[unit.unit.pk] = local = f"{record.ref}-unit-{unit.unit.pk}"
        entry = feed.entry(local, "selection", f"{unit.unit.code} {unit.unit.title}",
                           content=f"{unit.met} of {len(unit.criteria)} criteria met ({unit.percent}%)",
                           selection="Grouping")
        feed.link(entry, "leap2:is_part_of", feed.id(record.ref))
        feed.link(qualification, "leap2:has_part", feed.id(local))
        for criterion in unit.criteria:
            ability = feed.entry(_criterion_id(record, criterion.pk), "ability", f"{unit.unit.code} {criterion.number}",
                                 content=criterion.text)
            feed.link(ability, "leap2:is_part_of", feed.id(local))
            feed.link(entry, "leap2:has_part", feed.id(_criterion_id(record, criterion.pk)))
    for plan in record.plans:
        entry = feed.entry(f"{record.ref}-plan-{plan.number}", "plan", f"Assessment plan v{plan.number}",
                           content="\n".join(f"{item.get_method_display()} by {item.target_date:%Y-%m-%d}: {item.notes}"
                                             for item in plan.shown_items) or plan.notes, updated=plan.created_at)
        feed.link(entry, "leap2:is_part_of", feed.id(record.ref))
    for item in record.evidence:
        _evidence(feed, record, item, unit_ids, paths)


def _criterion_id(record: EnrolmentRecord, criterion_id: int) -> str:
    return f"{record.ref}-criterion-{criterion_id}"


def _evidence(feed: Feed, record: EnrolmentRecord, item, unit_ids: dict, paths: dict) -> None:
    local = evidence_ref(item)
    entry = feed.entry(local, "entry", item.title or local, content=item.reflection, updated=item.updated_at,
                       author=record.enrolment.learner)
    for claim in item.shown_claims:
        feed.link(entry, "leap2:is_evidence_of", feed.id(_criterion_id(record, claim.criterion_id)))
    for unit_id in dict.fromkeys(claim.unit_id for claim in item.shown_claims):
        if unit_id in unit_ids:
            feed.link(entry, "leap2:is_part_of", feed.id(unit_ids[unit_id]))
    for file in item.shown_files:
        written = paths[("evidence", file.pk)]
        feed.link(entry, "enclosure", written["path"], type=file.content_type, length=str(written["size"]),
                  title=file.original_name)
    for review in item.shown_reviews:
        feedback = feed.entry(f"review-{review.pk}", "entry", f"Feedback: {review.get_outcome_display()}",
                              content="\n\n".join(t for t in (review.feedback, review.actions) if t),
                              updated=review.decided_at, author=review.assessor)
        feed.link(feedback, "leap2:reflects_on", feed.id(local))
        voice = paths.get(("voice", review.pk))
        if voice:
            feed.link(feedback, "enclosure", voice["path"], type=review.voice_feedback_type or "audio/webm",
                      length=str(voice["size"]))
    for statement in item.shown_statements:
        testimony = feed.entry(f"witness-statement-{statement.pk}", "entry",
                               f"Witness statement: {statement.request.name} ({statement.role})",
                               content=f"{statement.text}\n\n{statement.relationship}. "
                                       f"Signed: {statement.typed_name}",
                               updated=statement.submitted_at, author_name=statement.request.name)
        feed.link(testimony, "leap2:reflects_on", feed.id(local))
        for criterion in (c for c in statement.shown_criteria if c.unit_id in unit_ids):
            feed.link(testimony, "leap2:is_evidence_of", feed.id(_criterion_id(record, criterion.pk)))
