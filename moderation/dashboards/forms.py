from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from centres.models import Centre, Membership, Role

UNASSIGNED = "unassigned"


def _people(centre: Centre, role: str):
    current = Membership.objects.current().filter(centre=centre, role=role)
    return User.objects.filter(pk__in=current.values("user_id")).order_by("first_name", "last_name", "pk")


class ReassignForm(forms.Form):
    """From a moderator (or the unassigned items: chosen on purpose, never by default) to another moderator."""

    from_moderator = forms.ChoiceField(label=_("Move from"))
    to_moderator = forms.ModelChoiceField(queryset=User.objects.none(), label=_("To"), empty_label=_("Choose…"))
    assessor = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Only items of"),
                                      empty_label=_("Every assessor"))

    def __init__(self, *args, centre: Centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.moderators = list(_people(centre, Role.MODERATOR))
        self.fields["from_moderator"].choices = [
            ("", _("Choose…")), (UNASSIGNED, _("No moderator yet (unassigned items)")),
            *((str(m.pk), m.display_name) for m in self.moderators)]
        self.fields["to_moderator"].queryset = _people(centre, Role.MODERATOR)
        self.fields["assessor"].queryset = _people(centre, Role.ASSESSOR)
        for name in ("to_moderator", "assessor"):
            self.fields[name].label_from_instance = lambda user: user.display_name

    def clean_from_moderator(self) -> User | None:
        value = self.cleaned_data["from_moderator"]
        return None if value == UNASSIGNED else next(m for m in self.moderators if str(m.pk) == value)
