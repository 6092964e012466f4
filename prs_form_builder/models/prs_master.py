from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.prs_base.tools.codes import CODE_RE

SOURCES = [
    ("manual", "Manual"),
    ("country", "Odoo Countries"),
    ("state", "Odoo States"),
    ("language", "Odoo Languages"),
    ("currency", "Odoo Currencies"),
]


class PrsMaster(models.Model):
    _name = "prs.master"
    _description = "PRS Master List"
    _order = "kind, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, index=True, help="Name of the list in the Redis contract.")
    kind = fields.Selection(
        [("data", "Data"), ("config", "Configuration"), ("business", "Business")],
        required=True,
        default="data",
    )
    source = fields.Selection(
        SOURCES,
        required=True,
        default="manual",
        help="Odoo data the items are refreshed from; Manual lists are edited by hand.",
    )
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    item_ids = fields.One2many("prs.master.item", "master_id", string="Items", copy=True)
    item_count = fields.Integer(compute="_compute_item_count", string="Items #")

    _sql_constraints = [("code_uniq", "unique(code)", "The master code must be unique.")]

    @api.depends("item_ids")
    def _compute_item_count(self):
        counts = {
            master.id: count
            for master, count in self.env["prs.master.item"]._read_group(
                [("master_id", "in", self.ids)], ["master_id"], ["__count"]
            )
        }
        for master in self:
            master.item_count = counts.get(master.id, 0)

    @api.constrains("code")
    def _check_code(self):
        for master in self:
            if not CODE_RE.match(master.code or ""):
                raise ValidationError(
                    _("Master code %r: use lower-case letters, digits and _.", master.code)
                )

    @api.model
    def _prs_odoo_rows(self, source):
        """[(value, label, parent value)] of an Odoo data source, in display order."""
        env = self.env
        if source == "country":
            countries = env["res.country"].search([], order="name")
            return [(c.code, c.name, False) for c in countries if c.code]
        if source == "state":
            states = env["res.country.state"].search([], order="country_id, name")
            return [(f"{s.country_id.code}-{s.code}", s.name, s.country_id.code) for s in states]
        if source == "language":
            langs = env["res.lang"].with_context(active_test=False).search([], order="name")
            return [(lang.code, lang.name, False) for lang in langs]
        if source == "currency":
            currencies = (
                env["res.currency"].with_context(active_test=False).search([], order="name")
            )
            return [(c.name, c.full_name or c.name, False) for c in currencies]
        return []

    def action_refresh_from_odoo(self):
        """Refresh the items of Odoo-backed masters: add new, update labels, archive gone."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        items_model = self.env["prs.master.item"].with_context(active_test=False)
        for master in self.filtered(lambda m: m.source != "manual"):
            rows = self._prs_odoo_rows(master.source)
            existing = {
                item.value: item for item in items_model.search([("master_id", "=", master.id)])
            }
            to_create = []
            for index, (value, label, parent) in enumerate(rows):
                sequence = (index + 1) * 10
                item = existing.pop(value, None)
                if item is None:
                    to_create.append(
                        {
                            "master_id": master.id,
                            "sequence": sequence,
                            "value": value,
                            "label": label,
                            "parent_value": parent,
                        }
                    )
                elif (item.label, item.parent_value, item.sequence, item.active) != (
                    label,
                    parent,
                    sequence,
                    True,
                ):
                    item.write(
                        {
                            "label": label,
                            "parent_value": parent,
                            "sequence": sequence,
                            "active": True,
                        }
                    )
            items_model.create(to_create)
            gone = items_model.browse([item.id for item in existing.values()])
            gone.filtered("active").write({"active": False})
        return True

    @api.model
    def _prs_refresh_odoo_masters(self):
        """Seed/refresh every Odoo-backed master (called by the module data)."""
        self.search([("source", "!=", "manual")]).action_refresh_from_odoo()

    @api.model
    def _prs_allowed_values(self, codes):
        """{master code: set of active item values}: the ``masters`` argument of the
        validator and the form checks (``form_tree.master_codes`` gives the codes)."""
        result = {code: set() for code in codes}
        if not result:
            return result
        rows = self.env["prs.master.item"].search_read(
            [("master_code", "in", list(codes))], ["master_code", "value"], load=None
        )
        for row in rows:
            result[row["master_code"]].add(row["value"])
        return result
