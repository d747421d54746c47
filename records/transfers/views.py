"""Recognised prior learning pages: the centre admin's upload, an enrolment's claims (decided there by the
receiving assessor, read by the centre admin), and the assessor's list of enrolments with claims to decide.
Another centre's enrolment, or one the assessor does not decide for, is 404."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import posted
from centres.access import role_required
from centres.models import Role
from portfolios.models import Enrolment

from . import selectors
from .forms import DecisionForm, ImportForm
from .reading import UnreadableFile, read_upload
from .services import (
    ImportRefused,
    NeedsConfirmation,
    StaleDecision,
    TransferError,
    claims_decide,
    may_decide,
    pending_token,
    prior_learning_import,
)


def get_enrolment_for(request: HttpRequest, pk: int, *, decide: bool = False) -> tuple[Enrolment, bool]:
    """The current centre's enrolment, and whether this person decides its claims. Readable by a centre admin and
    by whoever decides; 404 for everyone else."""
    enrolment = (Enrolment.objects.filter(pk=pk, centre=request.leap.centre)
                 .select_related("learner", "assessor", "version__qualification", "centre").first())
    if enrolment is None:
        raise Http404
    decides = request.leap.has(Role.ASSESSOR) and may_decide(request.user, enrolment)
    if not decides and (decide or not request.leap.has(Role.CENTRE_ADMIN)):
        raise Http404
    return enrolment, decides


@role_required(Role.CENTRE_ADMIN)
def prior_learning_upload(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    data, files = posted(request, files=True)
    initial = {"enrolment": request.GET.get("enrolment")} if request.GET.get("enrolment", "").isdigit() else {}
    form = ImportForm(data, files, centre=centre, initial=initial)
    problems, warnings = [], []
    if request.method == "POST" and form.is_valid():
        enrolment = form.cleaned_data["enrolment"]
        try:
            raw = read_upload(form.cleaned_data["file"])
            record = prior_learning_import(enrolment=enrolment, raw=raw, actor=request.user,
                                           confirmed=form.cleaned_data["confirmed"])
        except UnreadableFile as error:
            form.add_error("file", str(error))
        except ImportRefused as error:  # listed above the form, every one
            problems = [problem.split(": ", 1) for problem in error.problems]  # (where, what)
        except NeedsConfirmation as error:
            warnings = error.warnings
            form.add_error("confirmed", str(error))
        except TransferError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, ngettext(
                "Imported: %(n)s criterion awaits the assessor's decision.",
                "Imported: %(n)s criteria await the assessor's decision.", record.claims_count)
                % {"n": record.claims_count})
            return redirect("prior_learning_enrolment", enrolment.pk)
    return render(request, "records/transfers/upload.html", {
        "form": form, "problems": problems, "warnings": warnings,
        "imports": selectors.recent_imports(centre=centre)})


def _enrolment_page(request: HttpRequest, enrolment: Enrolment, decides: bool, form: DecisionForm | None = None,
                    grouped: tuple | None = None) -> HttpResponse:
    units, decided = grouped or selectors.claims_by_unit(enrolment=enrolment)
    pending = [claim for group in units for claim in group.claims]
    if decides and form is None:
        form = DecisionForm(claims=pending, initial={"token": pending_token(pending)})
    for claim, decision, reason in form.rows() if form else []:
        claim.decision_field, claim.reason_field = decision, reason
    return render(request, "records/transfers/enrolment.html", {
        "enrolment": enrolment, "decides": decides, "form": form, "units": units, "pending_count": len(pending),
        "decided": decided, "imports": selectors.imports_of(enrolment=enrolment)})


@role_required(Role.CENTRE_ADMIN, Role.ASSESSOR)
def prior_learning_enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment, decides = get_enrolment_for(request, pk)
    return _enrolment_page(request, enrolment, decides)


@role_required(Role.ASSESSOR)
@require_POST
def prior_learning_decide(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment, _decides = get_enrolment_for(request, pk, decide=True)
    grouped = selectors.claims_by_unit(enrolment=enrolment)
    form = DecisionForm(request.POST, claims=[claim for group in grouped[0] for claim in group.claims])
    if not form.is_valid():
        return _enrolment_page(request, enrolment, True, form, grouped)
    try:
        done = claims_decide(enrolment=enrolment, actor=request.user, decisions=form.decisions(),
                             token=form.cleaned_data["token"])
    except StaleDecision as error:
        messages.error(request, str(error))
        return redirect("prior_learning_enrolment", enrolment.pk)
    except TransferError as error:
        form.add_error(None, str(error))
        return _enrolment_page(request, enrolment, True, form, grouped)
    messages.success(request, _("%(accepted)s accepted, %(rejected)s rejected.")
                     % {"accepted": done.accepted, "rejected": done.rejected})
    return redirect("prior_learning_enrolment", enrolment.pk)


@role_required(Role.ASSESSOR)
def prior_learning_to_decide(request: HttpRequest) -> HttpResponse:
    return render(request, "records/transfers/to_decide.html", {
        "enrolments": selectors.enrolments_to_decide(centre=request.leap.centre, assessor=request.user)})
