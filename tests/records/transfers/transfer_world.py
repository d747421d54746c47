"""A learner who leaves South Skills Academy (a unit signed off there, another open) for North Vocational College,
bringing their portfolio export: the receiving enrolment here is on the same qualification code."""

import copy
import io
import json
import zipfile
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from assessment.models import UnitSignOff
from portfolios.models import Enrolment
from records.exports.builder import write_portfolio_export
from records.transfers.models import PriorLearningImport
from records.transfers.services import prior_learning_import
from tests.assessment.test_verify_seals import signed_off_unit
from tests.portfolios.factories import make_enrolment, make_spec

CODE = "HOS"


@dataclass
class Transfer:
    source_sign_off: UnitSignOff
    export_zip: bytes
    data_json: bytes
    enrolment: Enrolment  # the receiving one, at personas.centre, assessed by personas.assessor

    @property
    def document(self) -> dict:
        return json.loads(self.data_json)


def export_of(learner, centre) -> bytes:
    out = io.BytesIO()
    write_portfolio_export(learner=learner, out=out, centre=centre)
    return out.getvalue()


def data_json_of(export_zip: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(export_zip)) as archive:
        return archive.read("data.json")


def transfer(personas, *, receiving_units=None) -> Transfer:
    """The source unit signed off at the other centre by its assessor, the export built by the real builder, and
    the receiving enrolment (all units, or the `receiving_units` positions) at personas.centre."""
    p = personas
    source = SimpleNamespace(centre=p.other_centre, learner=p.learner, assessor=p.other_centre_assessor)
    _, sign_off = signed_off_unit(source)
    export_zip = export_of(p.learner, p.other_centre)
    version = make_spec(p.centre, code=CODE, units=2, outcomes=1, criteria=2)
    units = list(version.units.order_by("position"))
    chosen = units if receiving_units is None else [units[i] for i in receiving_units]
    enrolment = make_enrolment(p.learner, p.assessor, version, units=chosen)
    return Transfer(source_sign_off=sign_off, export_zip=export_zip, data_json=data_json_of(export_zip),
                    enrolment=enrolment)


def imported(personas, world: Transfer, raw: bytes | None = None) -> PriorLearningImport:
    return prior_learning_import(enrolment=world.enrolment, raw=raw or world.data_json, actor=personas.admin)


def as_upload(raw: bytes, name: str = "data.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, raw, content_type="application/zip" if name.endswith(".zip")
                              else "application/json")


def changed(document: dict, change) -> bytes:
    document = copy.deepcopy(document)
    change(document)
    return json.dumps(document).encode()
