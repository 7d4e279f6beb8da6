"""Forms for maintaining the catalogue: providers, services, requirements, frameworks and
competences, plus their search boxes (the mitigation form is `mitigations/web/forms.py`).

Checks that need the database (uniqueness, references) live in
`catalogue.services.catalogue` and come back as field errors; the forms check what a single
value can tell.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Form,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from registry.catalogue.rules import (
    AREA_MAX,
    COMPETENCE_CODE,
    COMPETENCE_CODE_MAX,
    FRAMEWORK_KEY_MAX,
    LEVEL_LABEL_MAX,
    MAX_HOLDERS,
    NAME_MAX,
    SERVICE_CODE,
    SERVICE_CODE_MAX,
)
from registry.catalogue.services import catalogue
from registry.catalogue.services.catalogue import (
    COMPETENCE_CODE_MESSAGE,
    FRAMEWORK_KEY_MESSAGE,
    SERVICE_CODE_MESSAGE,
)
from registry.core.forms import LONG_TEXT, DateField, RecordForm, level_choices, optional_int
from registry.core.i18n import localize_text, localized_choice
from registry.core.templating import choices
from registry.people.fields import PersonField

# The English fields of frameworks and competences: typed in English on a page in any language.
ENGLISH = {"lang": "en"}
ENGLISH_NAME_HINT = _l(
    "Optional. Shown instead of the Dutch name to users who chose English; without it they "
    "see the Dutch name."
)
ENGLISH_DESCRIPTION_HINT = _l(
    "Optional. Shown instead of the Dutch description to users who chose English."
)


def _none(text):
    return SelectChoice("", text)


def _date_order(start_field, end_field, message) -> None:
    if start_field.data and end_field.data and end_field.data < start_field.data:
        end_field.errors = [*end_field.errors, str(message)]


class ProviderForm(RecordForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        description=_l("For example Dimpact, GovUnited or the regional ICT shared service centre."),
    )
    kind = SelectField(_l("Kind"), validators=[Optional()])

    def set_choices(self, record=None) -> None:
        self.kind.choices = [_none(_("not specified")), *choices("provider_kind")]


class ServiceForm(RecordForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=SERVICE_CODE_MAX),
            Regexp(SERVICE_CODE, message=SERVICE_CODE_MESSAGE),
        ],
        description=_l(
            "A short unique name for addresses and files: lowercase letters, digits "
            "and hyphens, for example zaaksysteem-dimpact."
        ),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    provider_id = SelectField(_l("Provider"), coerce=optional_int, validators=[Optional()])
    owner_id = PersonField(
        _l("Owner"),
        validators=[Optional()],
        description=_l(
            "The person accountable for commissioning this service: type a name, part of a "
            "name or an employee number."
        ),
    )
    criticality = SelectField(_l("Criticality"), validators=[DataRequired()], default="medium")
    status = SelectField(
        _l("Status"),
        validators=[DataRequired()],
        default="active",
        description=_l("Only planned and active services are analysed."),
    )
    contract_start = DateField(_l("Contract start"), validators=[Optional()])
    contract_end = DateField(
        _l("Contract end"),
        validators=[Optional()],
        description=_l("The last day of the current contract."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), LONG_TEXT])

    def set_choices(self, record=None) -> None:
        self.provider_id.choices = [
            _none(_("no provider chosen")),
            *(SelectChoice(str(pid), name) for pid, name in catalogue.provider_names()),
        ]
        self.criticality.choices = choices("criticality")
        self.status.choices = choices("service_status")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        _date_order(
            self.contract_start, self.contract_end, _l("The contract cannot end before it starts.")
        )
        return ok and not self.contract_end.errors


class RequirementForm(RecordForm):
    competence_id = SelectField(_l("Competence"), coerce=optional_int, validators=[InputRequired()])
    required_level = SelectField(
        _l("Required level"),
        coerce=int,
        default=3,
        description=_l("The proficiency a holder needs, from 1 (aware) to 5 (authority)."),
    )
    min_holders = IntegerField(
        _l("Minimum number of holders"),
        default=2,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_HOLDERS)],
        description=_l("How many assigned people must hold it; two means nobody is irreplaceable."),
    )
    rationale = TextAreaField(
        _l("Rationale"),
        validators=[Optional(), LONG_TEXT],
        description=_l("Why this service needs this competence."),
    )

    def set_choices(self, record=None) -> None:
        """Competences in use (and the current one), grouped by framework; levels named by the
        chosen competence's framework when one is chosen."""
        current = record.competence if record else None
        rows = catalogue.competence_options(current)
        no_framework = _("No framework")
        options = [_none(_("choose a competence"))]
        for cid, code, name, retired, framework, name_en, framework_en in rows:
            group = localize_text({"name": framework, "name_en": framework_en}) or no_framework
            options.append(
                localized_choice(
                    str(cid),
                    name,
                    name_en,
                    prefix=f"{code} ",
                    suffix=f" ({_('retired')})" if retired else "",
                    optgroup=group,
                )
            )
        self.competence_id.choices = options
        chosen = catalogue.competence_by_id(self.competence_id.data) or current
        self.required_level.choices = level_choices(chosen.framework if chosen else None)


class FrameworkForm(RecordForm):
    key = StringField(
        _l("Key"),
        validators=[
            DataRequired(),
            Length(max=FRAMEWORK_KEY_MAX),
            Regexp(COMPETENCE_CODE, message=FRAMEWORK_KEY_MESSAGE),
        ],
        description=_l("A short unique key, for example e-cf-4."),
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        description=_l("In Dutch, the organisation's language."),
    )
    name_en = StringField(
        _l("Name in English"),
        validators=[Optional(), Length(max=NAME_MAX)],
        description=ENGLISH_NAME_HINT,
        render_kw=ENGLISH,
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), LONG_TEXT])
    description_en = TextAreaField(
        _l("Description in English"),
        validators=[Optional(), LONG_TEXT],
        description=ENGLISH_DESCRIPTION_HINT,
        render_kw=ENGLISH,
    )
    label_1 = StringField(
        _l("Name of level 1"),
        validators=[Optional(), Length(max=LEVEL_LABEL_MAX)],
        description=_l("Leave empty to use the generic name: aware."),
    )
    label_2 = StringField(
        _l("Name of level 2"),
        validators=[Optional(), Length(max=LEVEL_LABEL_MAX)],
        description=_l("Leave empty to use the generic name: knowledgeable."),
    )
    label_3 = StringField(
        _l("Name of level 3"),
        validators=[Optional(), Length(max=LEVEL_LABEL_MAX)],
        description=_l("Leave empty to use the generic name: competent."),
    )
    label_4 = StringField(
        _l("Name of level 4"),
        validators=[Optional(), Length(max=LEVEL_LABEL_MAX)],
        description=_l("Leave empty to use the generic name: expert."),
    )
    label_5 = StringField(
        _l("Name of level 5"),
        validators=[Optional(), Length(max=LEVEL_LABEL_MAX)],
        description=_l("Leave empty to use the generic name: authority."),
    )


class CompetenceForm(RecordForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=COMPETENCE_CODE_MAX),
            Regexp(COMPETENCE_CODE, message=COMPETENCE_CODE_MESSAGE),
        ],
        description=_l(
            "Unique; letters, digits, dots, hyphens and underscores, for example CM-01."
        ),
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        description=_l("In Dutch, the organisation's language."),
    )
    name_en = StringField(
        _l("Name in English"),
        validators=[Optional(), Length(max=NAME_MAX)],
        description=ENGLISH_NAME_HINT,
        render_kw=ENGLISH,
    )
    framework_id = SelectField(_l("Framework"), coerce=optional_int, validators=[Optional()])
    area = StringField(
        _l("Area"),
        validators=[Optional(), Length(max=AREA_MAX)],
        description=_l("For example contract management or information security."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), LONG_TEXT])
    description_en = TextAreaField(
        _l("Description in English"),
        validators=[Optional(), LONG_TEXT],
        description=ENGLISH_DESCRIPTION_HINT,
        render_kw=ENGLISH,
    )
    retired = BooleanField(
        _l("Retired"),
        description=_l(
            "A retired competence is kept for history but no longer required or analysed."
        ),
    )

    def set_choices(self, record=None) -> None:
        self.framework_id.choices = [
            _none(_("no framework")),
            *(
                localized_choice(str(fid), name, name_en)
                for fid, name, name_en in catalogue.framework_names()
            ),
        ]


class SearchForm(Form):
    """The search box of a list page (GET, no CSRF: it changes nothing)."""

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])


class ServiceSearchForm(SearchForm):
    status = SelectField(_l("Status"), validators=[Optional()])

    def set_choices(self) -> None:
        self.status.choices = [_none(_("all")), *choices("service_status")]


class CompetenceSearchForm(SearchForm):
    state = SelectField(_l("Show"), validators=[Optional()])

    def set_choices(self) -> None:
        self.state.choices = [
            _none(_("all")),
            SelectChoice("in_use", _("in use")),
            SelectChoice("retired", _("retired")),
        ]
