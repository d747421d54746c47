from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import posted
from centres.access import role_required
from centres.services import ServiceError

from . import selectors, services
from .access import EDITORS, READERS, get_criterion_for, get_outcome_for, get_unit_for, get_version_for, in_grant_scope
from .forms import (
    CriterionForm,
    MoveForm,
    OutcomeForm,
    QualificationForm,
    RevisionForm,
    SpecImportForm,
    UnitForm,
    VersionForm,
)
from .interchange import MAX_SPEC_BYTES, SpecImportError, spec_from_version, spec_import, spec_to_csv, spec_to_json
from .models import QualificationVersion

INCOMPLETE = gettext_lazy("The form was incomplete, so nothing was saved. Reload the page and try again.")


def _editor(version_id: int, anchor: str = "") -> str:
    return reverse("qualification_version", args=[version_id]) + (f"#{anchor}" if anchor else "")


def _post_act(request: HttpRequest, form, act: Callable[[dict], str], back: str) -> HttpResponse:
    """The small forms of the editor (move, delete, publish): do the act, say what happened, go back."""
    if not form.is_valid():
        messages.error(request, INCOMPLETE)
        return redirect(back)
    try:
        messages.success(request, act(form.cleaned_data))
    except services.PublishError as error:
        messages.error(request, _("This version cannot be published yet:"))
        for problem in error.problems:
            messages.error(request, problem)
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect(back)


def _form_page(request: HttpRequest, form, act: Callable[[dict], str], *, back: str, heading: str,
               another: str = "", **context) -> HttpResponse:
    """An add or edit page: on success go back to the editor (or, asked to, to a fresh copy of this form)."""
    if request.method == "POST" and form.is_valid():
        try:
            message = act(form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, message)
            return redirect(request.path if another and "another" in request.POST else back)
    return render(request, "qualifications/item_form.html",
                  {"form": form, "back": back, "heading": heading, "another": another, **context})


def _confirm_page(request: HttpRequest, form, act: Callable[[dict], str], *, back: str, heading: str,
                  warning: str) -> HttpResponse:
    if request.method == "POST":
        return _post_act(request, form, act, back)
    return render(request, "qualifications/confirm_delete.html",
                  {"form": form, "back": back, "heading": heading, "warning": warning})


# --- Qualifications and versions -----------------------------------------------------------------------

@role_required(*READERS)
def qualification_list(request: HttpRequest) -> HttpResponse:
    versions = in_grant_scope(request, selectors.versions_for_centre(request.leap.centre))
    return render(request, "qualifications/qualification_list.html", {"versions": versions})


@role_required(*EDITORS)
def qualification_create(request: HttpRequest) -> HttpResponse:
    form = QualificationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            version = services.qualification_create(centre=request.leap.centre, actor=request.user,
                                                    **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(code)s is created as a draft. Add its units next.")
                             % {"code": version.qualification.code})
            return redirect(_editor(version.pk))
    return render(request, "qualifications/qualification_create.html", {"form": form})


@role_required(*EDITORS)
def qualification_import(request: HttpRequest) -> HttpResponse:
    form = SpecImportForm(*posted(request, files=True))
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # One byte past the limit is enough to know the file is too big, without reading all of it.
            version = spec_import(centre=request.leap.centre, raw=upload.read(MAX_SPEC_BYTES + 1),
                                  filename=upload.name, actor=request.user)
        except SpecImportError as error:
            problems = error.problems
            form.add_error("file", str(error))
        else:
            messages.success(request, _("%(code)s version %(number)s is imported as a draft.")
                             % {"code": version.qualification.code, "number": version.number})
            return redirect(_editor(version.pk))
    return render(request, "qualifications/qualification_import.html", {"form": form, "problems": problems})


@role_required(*READERS)
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_tree(get_version_for(request, pk))
    can_edit = request.leap.has(*EDITORS)
    return render(request, "qualifications/version_detail.html", {
        "version": version,
        "versions": selectors.versions_of(version.qualification),
        "can_manage": can_edit,
        "can_edit": can_edit and version.is_editable,
        "publish_problems": services.version_publish_problems(version)
        if can_edit and version.status == QualificationVersion.Status.DRAFT else [],
    })


@role_required(*READERS)
def version_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    version = get_version_for(request, pk)
    spec = spec_from_version(version)
    body, content_type = ((spec_to_json(spec), "application/json") if fmt == "json"
                          else (spec_to_csv(spec), "text/csv; charset=utf-8"))
    response = HttpResponse(body, content_type=content_type)
    filename = f"{slugify(version.qualification.code) or 'qualification'}-v{version.number}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(*EDITORS)
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for(request, pk, write=True)
    initial = {f: getattr(version, f) for f in services.VERSION_FIELDS} | {"revision": version.revision}
    form = VersionForm(posted(request), initial=initial)

    def act(data: dict) -> str:
        services.version_update(version=version, actor=request.user, **data)
        return _("The details are saved.")

    return _form_page(request, form, act, back=_editor(version.pk),
                      heading=_("Edit the details of %(code)s version %(number)s")
                      % {"code": version.qualification.code, "number": version.number}, version=version)


@role_required(*EDITORS)
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for(request, pk, write=True)

    def act(data: dict) -> str:
        services.version_publish(version=version, actor=request.user, **data)
        return _("Version %(number)s is published: learners can now be enrolled on it.") % {"number": version.number}

    return _post_act(request, RevisionForm(request.POST), act, _editor(version.pk))


@role_required(*EDITORS)
@require_POST
def version_retire(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for(request, pk, write=True)

    def act(data: dict) -> str:
        services.version_retire(version=version, actor=request.user, **data)
        return _("Version %(number)s is retired: nobody new can be enrolled on it.") % {"number": version.number}

    return _post_act(request, RevisionForm(request.POST), act, _editor(version.pk))


@role_required(*EDITORS)
@require_POST
def version_new(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for(request, pk, write=True)
    try:
        new = services.version_new_from(version=version, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect(_editor(version.pk))
    messages.success(request, _("Version %(number)s is a draft copy of version %(old)s; change it as you need.")
                     % {"number": new.number, "old": version.number})
    return redirect(_editor(new.pk))


# --- Units -------------------------------------------------------------------------------------------

@role_required(*EDITORS)
def unit_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for(request, pk, write=True)
    form = UnitForm(posted(request), initial={"revision": version.revision})

    def act(data: dict) -> str:
        unit = services.unit_add(version=version, actor=request.user, **data)
        return _("Unit %(code)s is added.") % {"code": unit.code}

    return _form_page(request, form, act, back=_editor(version.pk, "units"), heading=_("Add a unit"),
                      version=version)


@role_required(*EDITORS)
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for(request, pk, write=True)
    initial = {f: getattr(unit, f) for f in services.UNIT_FIELDS} | {"revision": unit.version.revision}
    form = UnitForm(posted(request), initial=initial)

    def act(data: dict) -> str:
        services.unit_update(unit=unit, actor=request.user, **data)
        return _("Unit %(code)s is saved.") % {"code": unit.code}

    return _form_page(request, form, act, back=_editor(unit.version_id, f"unit-{unit.pk}"),
                      heading=_("Edit unit %(code)s") % {"code": unit.code}, version=unit.version)


@role_required(*EDITORS)
def unit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for(request, pk, write=True)
    form = RevisionForm(posted(request), initial={"revision": unit.version.revision})

    def act(data: dict) -> str:
        services.unit_delete(unit=unit, actor=request.user, **data)
        return _("Unit %(code)s is deleted.") % {"code": unit.code}

    return _confirm_page(request, form, act, back=_editor(unit.version_id, "units"),
                         heading=_("Delete unit %(code)s %(title)s?") % {"code": unit.code, "title": unit.title},
                         warning=_("Its learning outcomes and assessment criteria are deleted with it."))


@role_required(*EDITORS)
@require_POST
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for(request, pk, write=True)

    def act(data: dict) -> str:
        services.unit_move(unit=unit, actor=request.user, **data)
        return _("Unit %(code)s is moved.") % {"code": unit.code}

    return _post_act(request, MoveForm(request.POST), act, _editor(unit.version_id, f"unit-{unit.pk}"))


# --- Learning outcomes -------------------------------------------------------------------------------

@role_required(*EDITORS)
def outcome_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for(request, pk, write=True)
    form = OutcomeForm(posted(request), initial={"revision": unit.version.revision})

    def act(data: dict) -> str:
        outcome = services.outcome_add(unit=unit, actor=request.user, **data)
        return _("Learning outcome %(number)s is added to unit %(code)s.") % {"number": outcome.number,
                                                                               "code": unit.code}

    return _form_page(request, form, act, back=_editor(unit.version_id, f"unit-{unit.pk}"),
                      heading=_("Add a learning outcome to unit %(code)s") % {"code": unit.code},
                      another=_("Add and add another outcome"), version=unit.version)


@role_required(*EDITORS)
def outcome_edit(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = get_outcome_for(request, pk, write=True)
    form = OutcomeForm(posted(request), initial={"text": outcome.text, "revision": outcome.unit.version.revision})

    def act(data: dict) -> str:
        services.outcome_update(outcome=outcome, actor=request.user, **data)
        return _("Learning outcome %(number)s is saved.") % {"number": outcome.number}

    return _form_page(request, form, act, back=_editor(outcome.unit.version_id, f"outcome-{outcome.pk}"),
                      heading=_("Edit learning outcome %(number)s of unit %(code)s")
                      % {"number": outcome.number, "code": outcome.unit.code}, version=outcome.unit.version)


@role_required(*EDITORS)
def outcome_delete(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = get_outcome_for(request, pk, write=True)
    form = RevisionForm(posted(request), initial={"revision": outcome.unit.version.revision})

    def act(data: dict) -> str:
        services.outcome_delete(outcome=outcome, actor=request.user, **data)
        return _("Learning outcome %(number)s of unit %(code)s is deleted.") % {"number": outcome.number,
                                                                                 "code": outcome.unit.code}

    return _confirm_page(request, form, act, back=_editor(outcome.unit.version_id, f"unit-{outcome.unit_id}"),
                         heading=_("Delete learning outcome %(number)s of unit %(code)s?")
                         % {"number": outcome.number, "code": outcome.unit.code},
                         warning=_("Its assessment criteria are deleted with it, and the outcomes after it are "
                                   "renumbered."))


@role_required(*EDITORS)
@require_POST
def outcome_move(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = get_outcome_for(request, pk, write=True)

    def act(data: dict) -> str:
        services.outcome_move(outcome=outcome, actor=request.user, **data)
        return _("The learning outcome is moved and the unit renumbered.")

    return _post_act(request, MoveForm(request.POST), act, _editor(outcome.unit.version_id, f"outcome-{outcome.pk}"))


# --- Assessment criteria -----------------------------------------------------------------------------

@role_required(*EDITORS)
def criterion_add(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = get_outcome_for(request, pk, write=True)
    form = CriterionForm(posted(request), initial={"revision": outcome.unit.version.revision})

    def act(data: dict) -> str:
        criterion = services.criterion_add(outcome=outcome, actor=request.user, **data)
        return _("Assessment criterion %(number)s is added.") % {"number": criterion.number}

    return _form_page(request, form, act, back=_editor(outcome.unit.version_id, f"outcome-{outcome.pk}"),
                      heading=_("Add an assessment criterion to learning outcome %(number)s of unit %(code)s")
                      % {"number": outcome.number, "code": outcome.unit.code},
                      another=_("Add and add another criterion"), version=outcome.unit.version,
                      outcome=outcome)


@role_required(*EDITORS)
def criterion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = get_criterion_for(request, pk, write=True)
    version = criterion.outcome.unit.version
    form = CriterionForm(posted(request), initial={"text": criterion.text, "revision": version.revision})

    def act(data: dict) -> str:
        services.criterion_update(criterion=criterion, actor=request.user, **data)
        return _("Assessment criterion %(number)s is saved.") % {"number": criterion.number}

    return _form_page(request, form, act, back=_editor(version.pk, f"criterion-{criterion.pk}"),
                      heading=_("Edit assessment criterion %(number)s of unit %(code)s")
                      % {"number": criterion.number, "code": criterion.outcome.unit.code}, version=version)


@role_required(*EDITORS)
def criterion_delete(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = get_criterion_for(request, pk, write=True)
    unit = criterion.outcome.unit
    form = RevisionForm(posted(request), initial={"revision": unit.version.revision})

    def act(data: dict) -> str:
        services.criterion_delete(criterion=criterion, actor=request.user, **data)
        return _("Assessment criterion %(number)s of unit %(code)s is deleted.") % {"number": criterion.number,
                                                                                     "code": unit.code}

    return _confirm_page(request, form, act, back=_editor(unit.version_id, f"outcome-{criterion.outcome_id}"),
                         heading=_("Delete assessment criterion %(number)s of unit %(code)s?")
                         % {"number": criterion.number, "code": unit.code},
                         warning=_("The criteria after it are renumbered."))


@role_required(*EDITORS)
@require_POST
def criterion_move(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = get_criterion_for(request, pk, write=True)

    def act(data: dict) -> str:
        services.criterion_move(criterion=criterion, actor=request.user, **data)
        return _("The assessment criterion is moved and renumbered.")

    return _post_act(request, MoveForm(request.POST), act,
                     _editor(criterion.outcome.unit.version_id, f"criterion-{criterion.pk}"))
