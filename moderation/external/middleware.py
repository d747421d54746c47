"""External moderators: access only through a grant, read-only by construction, every request recorded.

`ExternalAccessMiddleware` runs after `centres.middleware.CurrentCentreMiddleware`. It hands the request's
`LeapContext` the function that finds a person's grants (the centres app cannot know of them) and the one that
gives a grant's enrolments (every EQA read in the lower apps is filtered by it), refuses every
write an external moderator attempts in a grant's centre unless it is one of the few they may make (their own
EQA report and comments, their account), and writes an audit event carrying the grant for each page they open,
each file they download and each request refused to them.
"""

from django.db import transaction
from django.http import FileResponse, HttpResponseForbidden, StreamingHttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from audit.services import audit_record
from centres.models import Role
from moderation.models import EqaGrant

from .blind import masking
from .grant_cache import cached_active_grants_for
from .selectors import grant_enrolments

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What an external moderator may post in a grant's centre: their own account and session, and the EQA's own
# records (report, judgements, comments to the centre, a sample pack of their grant).
EQA_WRITE_PREFIXES = ("account_", "mfa_", "eqa_mine_")
EQA_WRITES = frozenset({"centre_switch", "set_language", "notification_read_all", "notification_open"})
# Views whose answer is a file, also when it is not streamed (a redirect to storage, say).
FILE_VIEWS = frozenset({"evidence_file", "plan_document_download", "review_voice_feedback", "iqa_meeting_file",
                        "iqa_co_marking_file", "certificate_pdf", "qualification_export_json",
                        "qualification_export_csv", "eqa_pack_download", "eqa_mine_pack_download"})

# Files a browser fetches by itself, not pages a person opens: not recorded.
BROWSER_FETCHES = frozenset({"favicon", "apple_touch_icon", "apple_touch_icon_precomposed", "healthz",
                             "javascript-catalog", "centre_logo", "web_manifest", "centre_brand_css"})


def may_write(url_name: str) -> bool:
    return url_name in EQA_WRITES or url_name.startswith(EQA_WRITE_PREFIXES)


class ExternalAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        leap = request.leap
        leap.grant_source = cached_active_grants_for  # in effect per centre, from the shared cache
        leap.external_enrolments = grant_enrolments  # what the lower apps filter an EQA's reads by
        if not request.user.is_authenticated or not _is_external(leap):
            return self.get_response(request)
        url_name = _url_name(request)
        grant = leap.grant
        if grant is not None and request.method not in SAFE_METHODS and not may_write(url_name):
            response = HttpResponseForbidden(_("External moderators have read-only access."),
                                             content_type="text/plain")
        else:
            with masking(grant):  # learners' contact details, and under blind mode their names, for this request
                response = self.get_response(request)
        _record(request, grant, url_name, response)
        return response


def _is_external(leap) -> bool:
    return any(m.role == Role.EXTERNAL_MODERATOR for m in leap.all_memberships)


def _url_name(request) -> str:
    try:
        return resolve(request.path_info).url_name or ""
    except Resolver404:
        return ""


def _record(request, grant: EqaGrant | None, url_name: str, response) -> None:
    leap = request.leap
    if url_name in BROWSER_FETCHES:
        return
    refused = response.status_code in (403, 404)
    if grant is None:
        if not refused or leap.roles:  # their own business in a centre where they hold another role
            return
        grant = _latest_grant(request.user)
        if grant is None:
            return
    if refused:
        action = "eqa.refused"
    elif request.method not in SAFE_METHODS:
        action = "eqa.saved"  # one of their own records (report, judgement, comment, pack request)
    elif url_name in FILE_VIEWS or isinstance(response, (FileResponse, StreamingHttpResponse)):
        action = "eqa.file_downloaded"
    else:
        action = "eqa.viewed"
    data = {"grant": grant.pk, "method": request.method, "path": request.get_full_path()[:500],
            "view": url_name, "status": response.status_code}
    with transaction.atomic():
        audit_record(action=action, actor=request.user, centre=grant.centre, target=grant, data=data)


def _latest_grant(user) -> EqaGrant | None:
    """The grant an out-of-grant request is recorded against: the person's most recent one, if any."""
    return EqaGrant.objects.filter(moderator=user).select_related("centre").order_by("-expires_at", "-pk").first()
