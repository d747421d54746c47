"""QuickSelect draws the same select as Django's own widget, only faster."""

import re

import pytest
from django import forms
from django.utils.translation import gettext_lazy

from accounts.widgets import QuickSelect

CHOICES = [("", gettext_lazy("All learners")), (3, "Ana <Silva> & co"), (12, 'Dimitris "Dim"'), (40, "Zoë")]


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


@pytest.mark.parametrize("value", [None, "", 12, "12", "40", "999"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_learner", "required": True, "aria-describedby": "help"}])
def test_same_markup_as_django(value, attrs):
    ours = QuickSelect(choices=CHOICES).render("learner", value, attrs)
    theirs = forms.Select(choices=CHOICES).render("learner", value, attrs)
    assert _normalised(ours) == _normalised(theirs)


def test_only_the_first_matching_option_is_selected():
    html = QuickSelect(choices=[(1, "One"), ("1", "One again")]).render("n", 1)
    assert html.count(" selected") == 1
    assert '<option value="1" selected>One</option>' in html


def test_labels_and_values_are_escaped():
    html = QuickSelect(choices=[('"><script>', "<b>bold</b>")]).render("x", None)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_grouped_choices_are_drawn_as_django_draws_them():
    grouped = [("Units", [(1, "U1"), (2, "U2")]), ("Other", [(3, "Three")])]
    ours = QuickSelect(choices=grouped).render("unit", 2)
    assert _normalised(ours) == _normalised(forms.Select(choices=grouped).render("unit", 2))
    assert "<optgroup" in ours


def test_model_choices_through_a_form(db):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    people = [User.objects.create(email=f"p{i}@example.test", first_name=f"P{i}") for i in range(3)]

    class Filter(forms.Form):
        person = forms.ModelChoiceField(User.objects.order_by("pk"), required=False, widget=QuickSelect)

    class Plain(forms.Form):
        person = forms.ModelChoiceField(User.objects.order_by("pk"), required=False)

    data = {"person": str(people[1].pk)}
    assert _normalised(Filter(data)["person"]) == _normalised(Plain(data)["person"])
    assert f'value="{people[1].pk}" selected' in str(Filter(data)["person"])


def _drawn_by_django(form) -> str:
    return _normalised(forms.Form.render(form, form.template_name))


@pytest.mark.parametrize("data", [None, {}, {"status": "on_break", "behind": "on", "q": "<Ana>", "sort": "progress"},
                                  {"status": "bogus", "qualification": "x"}])
def test_quick_form_draws_the_filter_forms_as_djangos_template(data):
    from assessment.queue_views import QueueFilterForm
    from portfolios.enrolments.forms import CaseloadFilterForm

    caseload = CaseloadFilterForm(data, qualifications=[], assessors=[])
    queue = QueueFilterForm(data, learners=[(3, "Ana <Silva>")], units=[(5, "U1 Food safety")])
    for form in (caseload, queue):
        if data is not None:
            form.is_valid()
        drawn = str(form)
        assert "\n" not in drawn  # drawn in Python: Django's templates leave line breaks between the tags
        assert _normalised(drawn) == _drawn_by_django(form)
        assert _normalised(form.__html__()) == _drawn_by_django(form)
    if data and data.get("status") == "bogus":
        assert "errorlist" in str(caseload) and 'aria-invalid="true"' in str(caseload)


def test_quick_form_leaves_forms_it_does_not_draw_to_django():
    from accounts.widgets import QuickForm

    class WithHidden(QuickForm):
        token = forms.CharField(widget=forms.HiddenInput)
        choice = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    form = WithHidden()
    assert _normalised(str(form)) == _drawn_by_django(form)
