from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError

from ..models import RiskFlag
from ..scope import enrolments_for
from .forms import RiskFlagForm
from .services import risk_flag_add, risk_flag_clear

FLAGGERS = (Role.CENTRE_ADMIN, Role.MODERATOR, Role.ASSESSOR)


@role_required(*FLAGGERS)
@require_POST
def insights_risk_flag(request, enrolment: int):
    """Raise a flag on a learner the reader may see, or clear its raised flag; back to the at-risk list."""
    enrolment = get_object_or_404(enrolments_for(request), pk=enrolment)
    form = RiskFlagForm(request.POST)
    form.is_valid()
    try:
        if request.POST.get("clear"):
            flag = get_object_or_404(RiskFlag, enrolment=enrolment, status=RiskFlag.Status.RAISED)
            risk_flag_clear(flag=flag, note=form.cleaned_data.get("note", ""), actor=request.user)
            messages.success(request, _("The flag on %(name)s is cleared.") % {"name": enrolment.learner.display_name})
        else:
            risk_flag_add(enrolment=enrolment, reason=form.cleaned_data.get("reason", ""), actor=request.user)
            messages.success(request, _("%(name)s is flagged as at risk.") % {"name": enrolment.learner.display_name})
    except ServiceError as error:
        messages.error(request, str(error))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("insights_drill", args=["at_risk", "all"])
    return redirect(back)
