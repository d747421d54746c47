"""Specifications of any size for tests, in the JSON interchange format."""

import json

from qualifications.interchange import FORMAT, spec_import


def make_spec(*, code: str = "CATER-L2", units: int = 2, outcomes: int = 2, criteria: int = 2) -> dict:
    return {
        "format": FORMAT, "code": code, "kind": "qualification", "title": "Level 2 Certificate in Catering",
        "awarding_body": "Northern Vocational Awards", "level": "2", "framework": "RQF",
        "total_credits": 10 * units, "guided_learning_hours": 50 * units, "minimum_credits": 0,
        "units": [
            {"code": f"U{u}", "title": f"Unit {u}", "level": "2", "credits": 10, "guided_learning_hours": 50,
             "mandatory": u % 2 == 1,
             "outcomes": [{"text": f"Outcome {u}.{o}",
                           "criteria": [{"text": f"Criterion {u}.{o}.{c}"} for c in range(1, criteria + 1)]}
                          for o in range(1, outcomes + 1)]}
            for u in range(1, units + 1)
        ],
    }


def import_spec(personas, spec: dict | None = None, **sizes):
    spec = spec or make_spec(**sizes)
    return spec_import(centre=personas.centre, raw=json.dumps(spec).encode(), filename=f"{spec['code']}.json",
                       actor=personas.admin)


def tree_of(version) -> list:
    """A version's content as plain data: [(unit code, [(outcome number, text, [(criterion number, text)])])]."""
    from qualifications.selectors import version_tree

    version = version_tree(version)
    return [(u.code, [(o.number, o.text, [(c.number, c.text) for c in o.criteria.all()]) for o in u.outcomes.all()])
            for u in version.units.all()]
