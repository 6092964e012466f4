from odoo import fields, models


class PrsMasterItem(models.Model):
    _name = "prs.master.item"
    _description = "PRS Master List Item"
    _order = "master_id, sequence, id"

    master_id = fields.Many2one("prs.master", required=True, ondelete="cascade", index=True)
    master_code = fields.Char(related="master_id.code", store=True, index=True)
    sequence = fields.Integer(default=10)
    value = fields.Char(required=True, help="Stored answer.")
    label = fields.Char(required=True, translate=True)
    parent_value = fields.Char(
        string="Parent Value", help="Value of the parent item, e.g. the country of a state."
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("value_uniq", "unique(master_id, value)", "A value appears once in a master list."),
    ]
