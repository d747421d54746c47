"""The comment bank pages: the list (personal and centre-wide), add, change, delete with confirmation.

Assessors keep their own snippets and use the centre's; centre admins also keep the centre's. Another person's
snippet, or another centre's, answers 404; a centre-wide snippet answers 403 to an assessor who is not an admin.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import posted
from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError

from . import selectors, services
from .forms import BankFilterForm, SnippetForm
from .models import CommentSnippet

KEEPERS = (Role.ASSESSOR, Role.CENTRE_ADMIN)


def get_snippet_for(request: HttpRequest, pk: int) -> CommentSnippet:
    """A snippet the person may change: their own, or, for a centre admin, one of the centre's."""
    snippet = (selectors.visible_snippets(centre=request.leap.centre, user=request.user).filter(pk=pk)
               .select_related("centre", "qualification").first())
    if snippet is None:
        raise Http404
    if snippet.is_centre_wide and not request.leap.has(Role.CENTRE_ADMIN):
        raise PermissionDenied
    return snippet


@role_required(*KEEPERS)
def comment_bank(request: HttpRequest) -> HttpResponse:
    filters = BankFilterForm(request.GET or None, centre=request.leap.centre)
    qualification = filters.chosen()
    bank = selectors.comment_bank(centre=request.leap.centre, user=request.user, qualification=qualification)
    return render(request, "assessment/comment_bank/list.html", {
        "filters": filters, "qualification": qualification, "bank": bank,
        "may_share": request.leap.has(Role.CENTRE_ADMIN)})


@role_required(*KEEPERS)
def comment_bank_add(request: HttpRequest) -> HttpResponse:
    may_share = request.leap.has(Role.CENTRE_ADMIN)
    form = SnippetForm(posted(request), centre=request.leap.centre, may_share=may_share,
                       initial={"qualification": request.GET.get("qualification")})
    if request.method == "POST" and form.is_valid():
        try:
            snippet = services.comment_snippet_create(
                centre=request.leap.centre, actor=request.user, centre_wide=form.cleaned_data.get("scope") == "centre",
                **form.service_arguments())
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("“%(label)s” is in the comment bank.") % {"label": snippet.label})
            return redirect("comment_bank")
    return render(request, "assessment/comment_bank/form.html", {"form": form, "snippet": None})


@role_required(*KEEPERS)
def comment_bank_edit(request: HttpRequest, pk: int) -> HttpResponse:
    snippet = get_snippet_for(request, pk)
    form = SnippetForm(posted(request), centre=request.leap.centre, may_share=False, initial={
        "title": snippet.title, "text": snippet.text, "suits": snippet.suits, "qualification": snippet.qualification})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_snippet_edit(snippet=snippet, actor=request.user, **form.service_arguments())
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("“%(label)s” is saved.") % {"label": snippet.label})
            return redirect("comment_bank")
    return render(request, "assessment/comment_bank/form.html", {"form": form, "snippet": snippet})


@role_required(*KEEPERS)
def comment_bank_delete(request: HttpRequest, pk: int) -> HttpResponse:
    snippet = get_snippet_for(request, pk)
    if request.method == "POST":
        services.comment_snippet_delete(snippet=snippet, actor=request.user)
        messages.success(request, _("“%(label)s” is deleted from the comment bank.") % {"label": snippet.label})
        return redirect("comment_bank")
    return render(request, "assessment/comment_bank/delete.html", {"snippet": snippet})
