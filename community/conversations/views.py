import secrets

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.access import posted, signed_in
from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError
from portfolios.evidence.views import INLINE_KINDS, CappedUploadHandler, stored_file_response
from portfolios.models import Enrolment

from . import selectors
from .access import ConversationAccess, get_conversation_for, get_message_file_for
from .forms import MessageForm
from .services import conversation_mark_read, message_file_to_evidence, message_send


@role_required(Role.LEARNER, Role.ASSESSOR, Role.MODERATOR)
def conversation_list(request: HttpRequest) -> HttpResponse:
    """Staff: their conversations, unread first, then the latest. A learner with one course goes straight to it."""
    leap, user = request.leap, request.user
    if (wanted := request.GET.get("enrolment", "")).isdigit():
        return redirect("conversation_detail", pk=int(wanted))
    open_to = list(selectors.enrolments_conversed_by(user=user, centre=leap.centre)
                   .exclude(status=Enrolment.Status.WITHDRAWN).select_related("learner", "version")
                   .order_by("learner__first_name", "learner__last_name", "pk"))
    if set(leap.roles) == {Role.LEARNER} and len(open_to) == 1:
        return redirect("conversation_detail", pk=open_to[0].pk)
    conversations = list(selectors.conversations_of(user=user, centre=leap.centre))
    talked = {c.enrolment_id for c in conversations}
    return render(request, "community/conversations/list.html", {
        "conversations": conversations, "others": [e for e in open_to if e.pk not in talked],
        "own": set(leap.roles) == {Role.LEARNER},
    })


@signed_in
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_conversation_for(request, pk)
    before = request.GET.get("before", "")
    if access.conversation is not None and not before:
        conversation_mark_read(conversation=access.conversation, actor=request.user)
    initial = {"form_token": secrets.token_urlsafe(24)}
    for key, prefix in (("evidence", "e"), ("criterion", "c")):
        if request.GET.get(key, "").isdigit():
            initial["about"] = prefix + request.GET[key]
    return _page(request, access, _form(request, access, None, initial=initial),
                 before=int(before) if before.isdigit() else None)


@signed_in
@csrf_exempt
def message_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    # The cap must be in place before the body is read, and CSRF checking reads it: so CSRF comes after.
    request.upload_handlers.insert(0, CappedUploadHandler(request))
    return _message_send(request, pk)


@csrf_protect
@require_POST
def _message_send(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_conversation_for(request, pk)
    data, files = posted(request, files=True)
    form = _form(request, access, data, files=files)
    if form.is_valid():
        try:
            message, new = message_send(enrolment=access.enrolment, actor=request.user, **form.service_arguments())
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            if new:
                messages.success(request, _("Message sent."))
            else:
                messages.info(request, _("That message was already sent; it was not sent again."))
            return redirect(reverse("conversation_detail", args=[pk]) + f"#message-{message.pk}")
    return _page(request, access, form, status=400)


def _form(request: HttpRequest, access: ConversationAccess, data, files=None, initial=None) -> MessageForm:
    return MessageForm(data, files, initial=initial, evidence=selectors.referable_evidence(access.enrolment),
                       criteria=selectors.referable_criteria(access.enrolment))


def _page(request: HttpRequest, access: ConversationAccess, form: MessageForm, *, before: int | None = None,
          status: int = 200) -> HttpResponse:
    page, earlier = selectors.conversation_page(access.conversation, before=before)
    reads = selectors.reads_of(access.conversation)
    mine = [m for m in page if m.author_id == request.user.pk] if before is None else []
    latest_mine = mine[-1] if mine else None
    seen_by = [(p, reads[p.user.pk].last_read_at) for p in access.participants
               if latest_mine and p.user.pk != request.user.pk and p.user.pk in reads
               and reads[p.user.pk].last_read_at >= latest_mine.created_at]
    me = access.participant(request.user)
    return render(request, "community/conversations/detail.html", {
        "enrolment": access.enrolment, "participants": access.participants, "me": me,
        "others": [p for p in access.participants if p.user.pk != request.user.pk],
        "page": page, "earlier": page[0].pk if earlier and page else None, "older_page": before is not None,
        "latest_mine": latest_mine, "seen_by": seen_by, "form": form,
        "may_make_evidence": request.user.pk == access.enrolment.assessor_id
        and access.enrolment.status == Enrolment.Status.ACTIVE,
        "voice_strings": {"recording": _("Recording"), "ready": _("Voice note ready: listen, then send it.")},
    }, status=status)


@signed_in
def message_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    attached = get_message_file_for(request, pk)
    return stored_file_response(attached.file, content_type=attached.content_type, filename=attached.original_name,
                                inline=attached.kind in INLINE_KINDS, range_header=request.headers.get("Range", ""))


@signed_in
@require_POST
def message_file_to_evidence_view(request: HttpRequest, pk: int) -> HttpResponse:
    attached = get_message_file_for(request, pk)
    enrolment = attached.message.conversation.enrolment
    try:
        message_file_to_evidence(message_file=attached, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” is now a draft evidence item of %(learner)s's: they have been told "
                                    "to add the criteria, declare it their own and submit it.")
                         % {"name": attached.original_name, "learner": enrolment.learner.display_name})
    return redirect(reverse("conversation_detail", args=[enrolment.pk]) + f"#message-{attached.message_id}")
