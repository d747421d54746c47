"""Scenario: Open Badges. Baked PNGs per second (``award_bake``: the OB 2.0 image and the OB 3.0 image, whose
credential is signed on the way), then OB 3.0 sign + verify per second, as eddsa-rdfc-2022 Data Integrity proofs
and as VC-JWTs (RS256), each checked by our own verifier.

Two comparisons with other implementations, on the same input in the same run:

- Signing alone: one award's unsigned credential signed SIGNS times with LEAP (``sign_eddsa_rdfc_2022``) and SIGNS
  times with Digital Bazaar's ``@digitalbazaar/vc`` (tests/node/sign-bench.mjs, the bundled contexts from a local
  document loader), in alternating rounds; the median round of each, and the ratio (target >= 1.0). Each side's
  last signature is checked by LEAP's verifier, so both signed the same statements.
- Baking alone: the OB 2.0 assertion written into the badge's PNG as an iTXt chunk, BAKES times with LEAP's chunk
  writer (``bake_png``) and BAKES times with openbadges-bakery's ``bake``, in memory; both read back the same text.

The awards are written in bulk straight through the ORM, for a unit badge of 12 criteria (12 alignments): the
point is the credential, not the sign-off.
"""

import io
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from badges.awards.badge_classes import badge_class_for_unit
from badges.models import Award, IssuerKey
from badges.openbadges import ob2, ob3
from badges.openbadges.baking import OB2_KEYWORD, award_bake, bake_png, unbake_png
from badges.openbadges.crypto.contexts import bundled_contexts
from badges.openbadges.crypto.data_integrity import sign_eddsa_rdfc_2022, verify_eddsa_rdfc_2022, xsd_datetime
from badges.openbadges.crypto.multibase import decode_public_key
from badges.openbadges.keys import issuer_id, issuer_key, private_key_of, verification_method_id
from centres.models import Centre
from leap import demo

from ._assessment import _learners, _specification
from ._measure import PageFailure, Row

User = get_user_model()

BADGE_AWARDS, BADGE_CRITERIA = 30, 12
SIGNS, SIGN_ROUNDS, SIGN_TARGET = 100, 3, 1.0
BAKES, BAKE_ROUNDS = 300, 3
NODE_DIR = Path(__file__).resolve().parents[1] / "node"


def _awards(centre: Centre, assessor, count: int) -> list[Award]:
    unit = _specification(centre, "BENCH-BADGES", 1, BADGE_CRITERIA).units.get()
    badge = badge_class_for_unit(unit=unit, centre=centre)
    learners = _learners(centre, assessor, "badge", count)
    first = (Award.objects.filter(badge_class__centre=centre).aggregate(m=Max("status_index"))["m"] or 0) + 1
    now = timezone.now()
    return Award.objects.bulk_create(
        Award(badge_class=badge, recipient=u, recipient_email=u.email, issued_on=now, status_index=first + i,
              narrative=f"Signed off unit {unit.code}: every criterion met.")
        for i, u in enumerate(learners))


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def _bake_rows(scenario: str, awards: list[Award]) -> list[Row]:
    samples = []
    for award in awards:
        samples.append(_timed(lambda award=award: award_bake(award_id=award.pk)))
    baked = Award.objects.filter(pk__in=[a.pk for a in awards]).exclude(baked_ob2="").exclude(baked_ob3="").count()
    if baked != len(awards):
        raise PageFailure(f"only {baked} of {len(awards)} awards were baked in both formats")
    operation = f"award_bake: {len(awards)} awards (an OB 2.0 and an OB 3.0 PNG each)"
    return [
        Row(scenario, operation, "rate", round(2 * len(awards) / (sum(samples) / 1000), 1), "PNGs/s"),
        Row(scenario, operation, "median per award", round(statistics.median(samples), 1), "ms"),
    ]


def _sign_verify_rows(scenario: str, awards: list[Award], label: str, sign: Callable[[Award], object]) -> list[Row]:
    signing, verifying = [], []
    for award in awards:
        start = time.perf_counter()
        signed = sign(award)
        middle = time.perf_counter()
        report = ob3.verify_credential(signed)
        verifying.append((time.perf_counter() - middle) * 1000)
        signing.append((middle - start) * 1000)
        if report.status != ob3.VALID:
            raise PageFailure(f"{label}: award {award.pk} did not verify: {report.reason}")
    total_s = (sum(signing) + sum(verifying)) / 1000
    operation = f"OB 3.0 {label}: sign + verify {len(awards)} credentials"
    return [
        Row(scenario, operation, "rate", round(len(awards) / total_s, 1), "credentials/s"),
        Row(scenario, operation, "median sign", round(statistics.median(signing), 2), "ms"),
        Row(scenario, operation, "median verify", round(statistics.median(verifying), 2), "ms"),
    ]


def _ratio_row(scenario: str, operation: str, anchor: str, ratio: float, target: float | None) -> Row:
    if target is None:
        return Row(scenario, operation, f"/ {anchor}", round(ratio, 3), "ratio")
    return Row(scenario, operation, f"/ {anchor} (target >= {target})", round(ratio, 3),
               "ratio" + ("" if ratio >= target else " BELOW TARGET"))


# --- Signing alone: LEAP against Digital Bazaar ------------------------------------------------------------------

def _leap_signing_rate(unsigned: dict, key) -> tuple[float, dict]:
    private_key, method = private_key_of(key), verification_method_id(key)

    def sign() -> dict:
        return sign_eddsa_rdfc_2022(unsigned, private_key=private_key, verification_method=method,
                                    created=xsd_datetime(timezone.now()), proof_as_list=True)

    start = time.perf_counter()
    for _ in range(SIGNS):
        signed = sign()
    return SIGNS / (time.perf_counter() - start), signed


def _node_signing_rate(unsigned: dict, controller: str) -> tuple[float, dict, dict]:
    payload = {"credential": unsigned, "contexts": bundled_contexts(), "count": SIGNS, "controller": controller,
               "created": xsd_datetime(timezone.now())}
    completed = subprocess.run(["node", str(NODE_DIR / "sign-bench.mjs")], input=json.dumps(payload),
                               capture_output=True, text=True, timeout=600)
    if completed.returncode != 0:
        raise PageFailure(f"tests/node/sign-bench.mjs failed: {completed.stderr.strip()[-500:]}")
    result = json.loads(completed.stdout)
    return result["rate"], result["credential"], result["verificationMethod"]


def _check_signed(label: str, signed: dict, resolver) -> None:
    result = verify_eddsa_rdfc_2022(signed, public_key_resolver=resolver)
    if not result.ok:
        raise PageFailure(f"{label}'s signature did not verify with LEAP's verifier: {result.reason}")


def _signing_rows(scenario: str, award: Award) -> list[Row]:
    operation = f"OB 3.0 eddsa-rdfc-2022 signing alone: one award's credential, {SIGNS} signatures a round"
    if shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir():
        print("bench: node or tests/node/node_modules missing (npm ci --prefix tests/node): "
              "no Digital Bazaar comparison", file=sys.stderr)
        return []
    centre = award.badge_class.centre
    unsigned, key = ob3.credential(award), issuer_key(centre, IssuerKey.Algorithm.ED25519)
    _leap_signing_rate(unsigned, key)  # warm up: the contexts are processed once per process
    leap_rates, node_rates = [], []
    for _ in range(SIGN_ROUNDS):
        rate, leap_signed = _leap_signing_rate(unsigned, key)
        leap_rates.append(rate)
        rate, node_signed, node_method = _node_signing_rate(unsigned, issuer_id(centre))
        node_rates.append(rate)
    _check_signed("LEAP", leap_signed, lambda url: private_key_of(key).public_key())
    _check_signed("Digital Bazaar", node_signed, lambda url: decode_public_key(node_method["publicKeyMultibase"]))
    leap, node = statistics.median(leap_rates), statistics.median(node_rates)
    return [
        Row(scenario, operation, "LEAP (median round)", round(leap, 1), "signatures/s"),
        Row(scenario, operation, "Digital Bazaar @digitalbazaar/vc (median round)", round(node, 1), "signatures/s"),
        _ratio_row(scenario, operation, "Digital Bazaar", leap / node, SIGN_TARGET),
    ]


# --- Baking alone: LEAP's chunk writer against openbadges-bakery ------------------------------------------------

def _bakery_bake(png: bytes, text: str) -> bytes:
    from openbadges_bakery import bake

    return bake(io.BytesIO(png), text, io.BytesIO()).getvalue()


def _baking_rate(bake: Callable[[bytes, str], bytes], png: bytes, text: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    for _ in range(BAKES):
        baked = bake(png, text)
    return BAKES / (time.perf_counter() - start), baked


def _baking_rows(scenario: str, award: Award) -> list[Row]:
    try:
        from openbadges_bakery import unbake
    except ImportError:
        print("bench: openbadges-bakery is not installed (a dev dependency): no baking comparison", file=sys.stderr)
        return []
    with award.badge_class.image.open("rb") as f:
        png = f.read()
    text = json.dumps(ob2.assertion(award), ensure_ascii=False, separators=(",", ":"))
    leap_rates, bakery_rates = [], []
    for _ in range(BAKE_ROUNDS):
        rate, leap_baked = _baking_rate(lambda image, t: bake_png(image, OB2_KEYWORD, t), png, text)
        leap_rates.append(rate)
        rate, bakery_baked = _baking_rate(_bakery_bake, png, text)
        bakery_rates.append(rate)
    if unbake_png(bakery_baked, OB2_KEYWORD) != text or unbake(io.BytesIO(leap_baked)) != text:
        raise PageFailure("LEAP's and openbadges-bakery's baked images do not carry the same assertion")
    leap, bakery = statistics.median(leap_rates), statistics.median(bakery_rates)
    operation = f"baking alone: the OB 2.0 assertion into a {len(png) / 1024:.0f} KB badge PNG, {BAKES} a round"
    return [
        Row(scenario, operation, "LEAP bake_png (median round)", round(leap, 1), "PNGs/s"),
        Row(scenario, operation, "openbadges-bakery bake (median round)", round(bakery, 1), "PNGs/s"),
        _ratio_row(scenario, operation, "openbadges-bakery", leap / bakery, None),
    ]


def badge_rows(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    assessor = User.objects.get(email=demo.ASSESSORS[0].email)
    with transaction.atomic():
        warm_up, *awards = _awards(centre, assessor, BADGE_AWARDS + 1)
    for algorithm in IssuerKey.Algorithm.values:  # made on first use: not what is measured
        issuer_key(centre, algorithm)
    award_bake(award_id=warm_up.pk)
    ob3.verify_credential(ob3.signed_jwt(warm_up))
    rows = _bake_rows(scenario, awards)
    awards = list(Award.objects.filter(pk__in=[a.pk for a in awards]).select_related("badge_class__centre"))
    rows += _baking_rows(scenario, awards[0])
    rows += _signing_rows(scenario, awards[0])
    rows += _sign_verify_rows(scenario, awards, "eddsa-rdfc-2022",
                              lambda award: ob3.signed_credential(award, resign=True))
    rows += _sign_verify_rows(scenario, awards, "VC-JWT RS256", lambda award: ob3.signed_jwt(award, resign=True))
    return rows
