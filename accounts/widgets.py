"""Form widgets shared by every layer."""

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    """A select drawn in Python: the same markup as Django's, without a template or an option dictionary per
    option (a filter can offer hundreds of learners, and long lists draw their filters on every visit). Grouped
    choices are drawn by Django's own Select."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        wanted = set(self.format_value(value))
        options, chosen = [], False
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            selected = not chosen and option_value in wanted
            chosen = chosen or selected
            options.append(f'<option value="{escape(option_value)}"{" selected" if selected else ""}>'
                           f'{conditional_escape(label)}</option>')
        attributes = "".join(f" {key}" if value is True else f' {key}="{escape(value)}"'
                             for key, value in self.build_attrs(self.attrs, attrs).items() if value is not False)
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{"".join(options)}</select>')  # noqa: S308


class QuickForm(forms.Form):
    """A form drawn in Python as Django's default (div) template draws it, for the filter forms that long lists
    draw on every visit. A form with a hidden field, a field drawn in a fieldset (radios) or errors not of a field
    is drawn by Django's template."""

    def render(self, template_name=None, context=None, renderer=None) -> SafeString:
        fields = list(self)
        if (template_name or context or self.non_field_errors()
                or any(f.is_hidden or f.use_fieldset for f in fields)):
            return super().render(template_name, context, renderer)
        return mark_safe("".join(self._drawn(field) for field in fields))  # noqa: S308 - escaped below

    __str__ = render  # Django's mixin binds its own render to these
    __html__ = render

    def _drawn(self, field) -> str:
        label = ""
        if field.label:
            text = conditional_escape(field.label)
            suffix = self.label_suffix if field.field.label_suffix is None else field.field.label_suffix
            if suffix and text and text[-1] not in ":?.!":
                text += suffix
            target = field.id_for_label
            label = f'<label for="{escape(target)}">{text}</label>' if target else f"<label>{text}</label>"
        help_text = ""
        if field.help_text:
            where = f' id="{escape(field.auto_id)}_helptext"' if field.auto_id else ""
            help_text = f'<div class="helptext"{where}>{field.help_text}</div>'
        classes = field.css_classes()
        opening = f'<div class="{escape(classes)}">' if classes else "<div>"
        return f"{opening}{label}{help_text}{field.errors}{field}</div>"
