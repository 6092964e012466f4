import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import pattern
from ..tools.form_tree import OPTION_TYPES
from ..tools.serializer import (
    DATE_BOUND_RE,
    parse_default,
    parse_number,
    split_file_types,
)

FIELD_TYPES = [
    ("text", "Text"),
    ("textarea", "Text Area"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("integer", "Integer"),
    ("decimal", "Decimal"),
    ("currency", "Currency"),
    ("percentage", "Percentage"),
    ("date", "Date"),
    ("time", "Time"),
    ("datetime", "Date and Time"),
    ("select", "Select"),
    ("radio", "Radio"),
    ("checkboxes", "Checkboxes"),
    ("multi_select", "Multi-select"),
    ("boolean", "Yes/No"),
    ("consent", "Consent"),
    ("file", "File"),
    ("country", "Country"),
    ("state", "State"),
    ("master", "Master List"),
    ("hidden", "Hidden"),
    ("static", "Static Text"),
]

TRANSFORMS = [("trim", "Trim spaces"), ("upper", "Upper case"), ("lower", "Lower case")]

# the values (one per registration column) are contributed by prs_registration
MAPS_TO = []

# the master a country/state field takes its choices from when none is chosen
DEFAULT_MASTERS = {
    "country": "prs_form_builder.prs_master_country",
    "state": "prs_form_builder.prs_master_state",
}

# settings copied from a field template to a field (and back)
SETTINGS_FIELDS = (
    "field_type",
    "label",
    "help",
    "placeholder",
    "required",
    "default_value",
    "transform",
    "maps_to",
    "sensitive",
    "digits",
    "currency_id",
    "consent_text",
    "content",
    "file_types",
    "max_file_size_mb",
    "master_id",
    "min_length",
    "max_length",
    "pattern",
    "pattern_message",
    "min_value",
    "max_value",
    "min_date",
    "max_date",
)


class FormFieldSettingsMixin(models.AbstractModel):
    """The settings of a form field, shared by fields and field templates."""

    _name = "form.field.settings.mixin"
    _description = "Registration Form Field Settings"

    field_type = fields.Selection(FIELD_TYPES, string="Type", required=True, default="text")
    label = fields.Char(required=True, translate=True)
    help = fields.Text(translate=True)
    placeholder = fields.Char(translate=True)
    required = fields.Boolean()
    default_value = fields.Char(
        string="Default",
        help="Default answer: a number, true/false, or comma-separated values for multiple "
        "choices.",
    )
    transform = fields.Selection(TRANSFORMS, help="Applied to text answers before validation.")
    maps_to = fields.Selection(
        MAPS_TO,
        string="Maps To",
        help="Static registration column that receives this answer.",
    )
    sensitive = fields.Boolean(
        help="Personal data such as national ID numbers: encrypted at rest and masked in views."
    )
    digits = fields.Integer(help="Decimal places of a decimal, currency or percentage answer.")
    currency_id = fields.Many2one("res.currency", ondelete="restrict")
    consent_text = fields.Html(translate=True, help="Text the participant agrees to.")
    content = fields.Html(translate=True, help="Content of a static text block.")
    file_types = fields.Char(
        string="Allowed File Types",
        help="Comma-separated extensions or MIME types, e.g. .pdf, .png, image/jpeg.",
    )
    max_file_size_mb = fields.Float(string="Max File Size (MB)")
    master_id = fields.Many2one(
        "prs.master",
        string="Master",
        ondelete="restrict",
        compute="_compute_master_id",
        store=True,
        readonly=False,
        copy=True,
        help="List the choices come from (countries, states, languages, ...).",
    )
    min_length = fields.Integer()
    max_length = fields.Integer()
    pattern = fields.Char(help="Regular expression the whole answer must match.")
    pattern_message = fields.Char(translate=True, help="Message shown when the pattern fails.")
    min_value = fields.Char(help="Lowest number allowed.")
    max_value = fields.Char(help="Highest number allowed.")
    min_date = fields.Char(help="Earliest date: YYYY-MM-DD or today, today+30d, today-18y, ...")
    max_date = fields.Char(help="Latest date: YYYY-MM-DD or today, today+30d, today-18y, ...")

    @api.depends("field_type")
    def _compute_master_id(self):
        for record in self:
            xmlid = DEFAULT_MASTERS.get(record.field_type)
            if xmlid and not record.master_id:
                record.master_id = self.env.ref(xmlid, raise_if_not_found=False)
            elif record.field_type not in OPTION_TYPES:
                record.master_id = False
            else:
                record.master_id = record.master_id

    def _prs_node_name(self):
        return self.label

    @api.constrains("min_length", "max_length")
    def _check_lengths(self):
        for record in self:
            if record.min_length < 0 or record.max_length < 0:
                raise ValidationError(_("%s: lengths cannot be negative.", record._prs_node_name()))
            if record.max_length and record.min_length > record.max_length:
                raise ValidationError(
                    _("%s: the minimum length is above the maximum.", record._prs_node_name())
                )

    @api.constrains("min_value", "max_value")
    def _check_values(self):
        for record in self:
            try:
                low, high = parse_number(record.min_value), parse_number(record.max_value)
            except ValueError:
                raise ValidationError(
                    _("%s: minimum and maximum values must be numbers.", record._prs_node_name())
                )
            if low is not None and high is not None and low > high:
                raise ValidationError(
                    _("%s: the minimum value is above the maximum.", record._prs_node_name())
                )

    @api.constrains("min_date", "max_date")
    def _check_dates(self):
        for record in self:
            for bound in (record.min_date, record.max_date):
                if bound and not DATE_BOUND_RE.match(bound.strip()):
                    raise ValidationError(
                        _(
                            "%(node)s: date bound %(bound)r is not YYYY-MM-DD, today or "
                            "today+/-N followed by d, w, m or y.",
                            node=record._prs_node_name(),
                            bound=bound,
                        )
                    )

    @api.constrains("pattern")
    def _check_pattern(self):
        for record in self:
            if not record.pattern:
                continue
            error = pattern.check(record.pattern)
            if error:
                raise ValidationError(
                    _(
                        "%(node)s: the pattern cannot be used: %(error)s. Patterns are "
                        "matched by RE2 on the server and by JavaScript in the renderer: "
                        "use their common syntax (no lookaround, backreference or flag).",
                        node=record._prs_node_name(),
                        error=error,
                    )
                )

    @api.constrains("default_value", "field_type")
    def _check_default_value(self):
        for record in self:
            try:
                parse_default(record.field_type, record.default_value)
            except ValueError:
                raise ValidationError(
                    _(
                        "%(node)s: default %(value)r does not fit a %(type)s field.",
                        node=record._prs_node_name(),
                        value=record.default_value,
                        type=record.field_type,
                    )
                )

    @api.constrains("file_types", "max_file_size_mb", "digits")
    def _check_file_settings(self):
        for record in self:
            if record.max_file_size_mb < 0 or record.digits < 0:
                raise ValidationError(
                    _("%s: sizes and digits cannot be negative.", record._prs_node_name())
                )
            for item in split_file_types(record.file_types):
                if not re.fullmatch(r"\.[a-z0-9]+|[a-z0-9.+-]+/[a-z0-9.+*-]+", item):
                    raise ValidationError(
                        _(
                            "%(node)s: %(item)r is neither an extension nor a MIME type.",
                            node=record._prs_node_name(),
                            item=item,
                        )
                    )

    def _prs_settings_values(self):
        """The settings of this record as create values for a field or a template."""
        self.ensure_one()
        values = self._convert_to_write({name: self[name] for name in SETTINGS_FIELDS})
        return values
