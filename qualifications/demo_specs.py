"""Two specifications for the demo centre, in the JSON interchange format, and the act that loads them.

The awarding body is invented. The hospitality diploma's rules of combination are real in shape: four
mandatory units (22 credits) plus at least one of the two optional pathway units reach the 30-credit minimum.
"""

import json

from accounts.models import User
from centres.models import Centre

from .interchange import FORMAT, spec_import
from .models import Qualification, QualificationVersion
from .services import version_publish


def _outcome(text: str, *criteria: str) -> dict:
    return {"text": text, "criteria": [{"text": c} for c in criteria]}


def _unit(code: str, title: str, credits: int, glh: int, mandatory: bool, *outcomes: dict, level: str = "3") -> dict:
    return {"code": code, "title": title, "level": level, "credits": credits, "guided_learning_hours": glh,
            "mandatory": mandatory, "outcomes": list(outcomes)}


HOSPITALITY_L3 = {
    "format": FORMAT,
    "code": "HOSP-L3",
    "kind": "qualification",
    "title": "Level 3 Diploma in Hospitality Supervision and Leadership",
    "awarding_body": "Northern Vocational Awards",
    "level": "3",
    "framework": "RQF",
    "total_credits": 30,
    "guided_learning_hours": 208,
    "minimum_credits": 30,
    "units": [
        _unit(
            "HOS301", "Supervise food safety in hospitality", 6, 40, True,
            _outcome("Understand the legal responsibilities for food safety",
                     "Summarise the legal responsibilities of food business operators and staff",
                     "Explain the role of enforcement officers and the powers they hold",
                     "Describe the consequences of failing to comply with food safety law"),
            _outcome("Be able to apply a food safety management system based on HACCP principles",
                     "Identify critical control points in a food production process",
                     "Set critical limits and monitoring procedures for each control point",
                     "Keep accurate temperature and cleaning records over a full service week"),
            _outcome("Be able to control contamination and cross-contamination",
                     "Describe the sources and vehicles of microbial, chemical, physical and allergenic contamination",
                     "Demonstrate safe segregation of raw and ready-to-eat foods",
                     "Carry out an allergen check of a menu and brief the team on it"),
            _outcome("Be able to supervise personal hygiene and cleaning standards",
                     "Brief staff on personal hygiene rules and illness reporting",
                     "Check that a cleaning schedule has been followed and act on any gaps"),
        ),
        _unit(
            "HOS302", "Maintain health and safety in hospitality", 5, 35, True,
            _outcome("Understand health and safety legislation in the workplace",
                     "Outline the duties of employers and employees under health and safety law",
                     "Explain when and how accidents and dangerous occurrences must be reported"),
            _outcome("Be able to carry out a risk assessment",
                     "Identify hazards in a kitchen or service area",
                     "Evaluate the risk from each hazard and record suitable controls",
                     "Review a risk assessment after a change in the workplace"),
            _outcome("Be able to respond to emergencies",
                     "Describe the fire evacuation procedure for the workplace",
                     "Take part in a fire drill and record the outcome",
                     "Describe the first aid arrangements and how to summon help"),
        ),
        _unit(
            "HOS303", "Lead the customer service experience", 6, 42, True,
            _outcome("Understand the importance of customer service to a hospitality business",
                     "Explain how customer service affects repeat business and reputation",
                     "Describe the needs and expectations of different customer groups"),
            _outcome("Be able to set and monitor service standards",
                     "Agree service standards with the team for a service period",
                     "Monitor service against those standards and give feedback",
                     "Use customer feedback to suggest one improvement to service"),
            _outcome("Be able to resolve customer complaints",
                     "Listen to a complaint and confirm the customer's concern",
                     "Resolve the complaint within the limits of own authority",
                     "Record the complaint and the action taken"),
            _outcome("Be able to meet the needs of customers with particular requirements",
                     "Adapt the service for a customer with access needs",
                     "Give accurate allergen information when asked"),
        ),
        _unit(
            "HOS304", "Lead a hospitality team", 5, 35, True,
            _outcome("Understand how to lead a team",
                     "Compare two styles of leadership and when each works best",
                     "Explain how clear communication improves team performance"),
            _outcome("Be able to plan and allocate work",
                     "Produce a staff rota that covers a week's expected business",
                     "Allocate tasks at a pre-service briefing according to skills and workload"),
            _outcome("Be able to support team members' development",
                     "Identify a training need of a team member",
                     "Coach a team member in a new task and review their progress",
                     "Give constructive feedback in a one-to-one meeting"),
        ),
        _unit(
            "HOS305", "Supervise food and beverage service", 8, 56, False,
            _outcome("Be able to prepare service areas",
                     "Check that service areas, equipment and stock are ready before service",
                     "Brief the team on the menu, specials and unavailable items"),
            _outcome("Be able to supervise the service of food",
                     "Coordinate timing between the kitchen and the restaurant during service",
                     "Check that dishes are served to the agreed standard and portion",
                     "Deal with a service delay and keep customers informed"),
            _outcome("Be able to supervise the service of alcoholic and non-alcoholic drinks",
                     "Explain the licensing law that applies to the sale of alcohol",
                     "Refuse service lawfully to an underage or intoxicated customer",
                     "Check that drinks are served to the correct measure and temperature"),
            _outcome("Be able to close down service areas and reconcile takings",
                     "Supervise the close-down and cleaning of service areas",
                     "Reconcile takings against sales records and report discrepancies"),
            _outcome("Understand how to control costs in food and beverage service",
                     "Calculate the gross profit of a menu item",
                     "Describe three ways to reduce waste in food and beverage service"),
        ),
        _unit(
            "HOS306", "Supervise kitchen operations", 8, 56, False,
            _outcome("Be able to plan kitchen production",
                     "Produce a preparation list from forecast covers",
                     "Order stock to meet the plan within budget"),
            _outcome("Be able to supervise food production",
                     "Check that dishes meet the recipe specification and presentation standard",
                     "Supervise the cooling, storage and labelling of prepared food",
                     "Adjust production in response to demand during service"),
            _outcome("Be able to control kitchen stock",
                     "Receive a delivery and check temperature, quality and quantity",
                     "Rotate stock using first-in first-out and record wastage",
                     "Carry out a stock take and explain any variance"),
            _outcome("Be able to maintain kitchen equipment",
                     "Check equipment is safe and clean before use",
                     "Report faulty equipment and take it out of use"),
        ),
    ],
}

BARISTA = {
    "format": FORMAT,
    "code": "BARISTA-SC",
    "kind": "short_course",
    "title": "Barista Skills",
    "awarding_body": "Northern Vocational Awards",
    "level": "2",
    "framework": "",
    "total_credits": 2,
    "guided_learning_hours": 12,
    "minimum_credits": 2,
    "units": [
        _unit(
            "BAR1", "Prepare and serve espresso", 1, 6, True,
            _outcome("Be able to set up and clean an espresso machine and grinder",
                     "Purge the group heads and check water temperature and pressure",
                     "Back-flush and clean the machine and grinder at close"),
            _outcome("Be able to dial in and extract espresso",
                     "Dose, distribute and tamp a consistent coffee bed",
                     "Adjust the grind to extract a double espresso in 25 to 30 seconds",
                     "Taste an extraction and describe whether it is under- or over-extracted"),
            level="2",
        ),
        _unit(
            "BAR2", "Texture milk and serve milk-based drinks", 1, 6, True,
            _outcome("Be able to texture milk for different drinks",
                     "Steam milk to 60 to 65 °C without scalding",
                     "Produce microfoam suitable for a flat white and a cappuccino"),
            _outcome("Be able to serve milk-based drinks to customers",
                     "Pour a flat white, a latte and a cappuccino to the house recipe",
                     "Pour a heart or a rosetta in latte art",
                     "Offer plant-based milks and explain how they texture differently"),
            level="2",
        ),
    ],
}

DEMO_SPECS = (HOSPITALITY_L3, BARISTA)


def load_demo_specs(*, centre: Centre, actor: User) -> list[QualificationVersion]:
    """Import and publish each demo spec the centre does not have yet; give back the version of each code.

    Safe to run again: a code the centre already has is left as it is.
    """
    versions = []
    for spec in DEMO_SPECS:
        existing = Qualification.objects.filter(centre=centre, code=spec["code"]).first()
        if existing is not None:
            versions.append(existing.versions.order_by("-number").first())
            continue
        version = spec_import(centre=centre, raw=json.dumps(spec).encode(), filename=f"{spec['code']}.json",
                              actor=actor)
        versions.append(version_publish(version=version, revision=version.revision, actor=actor))
    return versions
