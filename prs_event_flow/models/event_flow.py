import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.prs_form_builder.tools import expression, form_tree

from ..tools import navigation

FLOW_KINDS = [
    ("standard", "Standard"),
    ("quick", "Quick"),
    ("health", "Health"),
    ("other", "Other"),
]
# Step codes are the first part of ``<step code>.<field code>`` in skip conditions.
STEP_CODE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RESERVED_STEP_CODES = {"program", "today"}


class EventFlow(models.Model):
    _name = "event.flow"
    _description = "Program Registration Flow"
    _inherit = ["mail.thread"]
    _order = "event_id, sequence, id"

    event_id = fields.Many2one(
        "event.event",
        string="Program",
        required=True,
        ondelete="cascade",
        index=True,
        tracking=True,
    )
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True, tracking=True)
    name = fields.Char(required=True, translate=True, tracking=True)
    description = fields.Text(translate=True)
    kind = fields.Selection(FLOW_KINDS, default="standard", required=True, tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published"), ("archived", "Archived")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    active = fields.Boolean(default=True, tracking=True)
    step_ids = fields.One2many("event.flow.step", "flow_id", string="Steps", copy=True)
    step_count = fields.Integer(string="Steps Count", compute="_compute_step_count")
    published_at = fields.Datetime(readonly=True, copy=False, tracking=True)
    published_by_id = fields.Many2one(
        "res.users", string="Published By", readonly=True, copy=False, ondelete="set null"
    )
    company_id = fields.Many2one(related="event_id.company_id", store=True, index=True)

    _sql_constraints = [
        ("code_uniq", "unique(event_id, code)", "The flow code must be unique per program."),
    ]

    @api.depends("step_ids")
    def _compute_step_count(self):
        for flow in self:
            flow.step_count = len(flow.step_ids)

    @api.depends("event_id", "name", "code")
    def _compute_display_name(self):
        for flow in self:
            flow.display_name = f"{flow.event_id.prs_code or flow.event_id.name} / {flow.name}"

    # ------------------------------------------------------------------
    # Publication
    # ------------------------------------------------------------------

    def _prs_known_names(self, earlier_steps):
        """Names a step condition may read: earlier steps' fields, program.*, today."""
        self.ensure_one()
        names = {f"program.{key}" for key in self.event_id._prs_program_context()}
        names.add("today")
        for step in earlier_steps.filtered("form_id"):
            tree = step.form_id.current_version_id.tree
            names.update(f"{step.code}.{code}" for code in form_tree.field_codes(tree))
        return names

    def _prs_get_publish_errors(self):
        """Return the list of reasons this flow cannot be published ([] when it can)."""
        self.ensure_one()
        errors = []
        steps = self.step_ids.sorted(lambda s: (s.sequence, s.id))
        if not steps:
            errors.append(_("The flow %s has no step.", self.name))
        seen = set()
        for index, step in enumerate(steps):
            label = f"{step.code} ({step.name})"
            if not STEP_CODE_RE.match(step.code or "") or step.code in RESERVED_STEP_CODES:
                errors.append(
                    _(
                        "Step %s: the code must be a letter or _ followed by letters, digits "
                        "or _, and not 'program' or 'today'.",
                        label,
                    )
                )
            if step.code in seen:
                errors.append(_("Step %s: the code is used by another step.", label))
            seen.add(step.code)
            if step.step_type == "form":
                if not step.form_id:
                    errors.append(_("Step %s: a form step needs a form.", label))
                elif not step.form_id.current_version_id:
                    errors.append(
                        _(
                            "Step %(step)s: the form %(form)s has no published version.",
                            step=label,
                            form=step.form_id.display_name,
                        )
                    )
            if step.condition:
                known = self._prs_known_names(steps[:index])
                for problem in expression.check(step.condition, known):
                    errors.append(
                        _(
                            "Step %(step)s: condition %(expr)s: %(problem)s (a condition may "
                            "read earlier steps as <step code>.<field code>, program.<field> "
                            "and today).",
                            step=label,
                            expr=step.condition,
                            problem=problem,
                        )
                    )
        return errors

    def action_publish(self):
        """Check and publish the flows; raise one error listing every problem."""
        errors = []
        for flow in self:
            if not flow.active:
                errors.append(_("The flow %s is archived.", flow.name))
                continue
            errors.extend(flow._prs_get_publish_errors())
        if errors:
            raise UserError("\n".join(errors))
        to_publish = self.filtered(lambda f: f.state != "published")
        to_publish.write(
            {
                "state": "published",
                "published_at": fields.Datetime.now(),
                "published_by_id": self.env.uid,
            }
        )
        # Already published flows are published again (e.g. a form got a new version).
        self._prs_on_flow_published()
        return True

    def action_unpublish(self):
        published = self.filtered(lambda f: f.state == "published")
        published.write({"state": "draft"})
        published._prs_on_flow_unpublished()
        return True

    def action_archive(self):
        published = self.filtered(lambda f: f.state == "published")
        res = super().action_archive()
        self.write({"state": "archived"})
        published._prs_on_flow_unpublished()
        return res

    def action_unarchive(self):
        """Restored flows come back as drafts; flows of the selection that were not
        archived keep their state (a published flow is not silently unpublished)."""
        archived = self.filtered(lambda f: not f.active or f.state == "archived")
        res = super().action_unarchive()
        archived.write({"state": "draft"})
        return res

    def _prs_on_flow_published(self):
        """Hook called after flows are published (prs_cache_sync pushes them)."""

    def _prs_on_flow_unpublished(self):
        """Hook called after flows are unpublished or archived (prs_cache_sync removes keys)."""

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published(self):
        if any(flow.state == "published" for flow in self):
            raise UserError(_("Unpublish a flow before deleting it."))

    # ------------------------------------------------------------------
    # Navigation
    # ------------------------------------------------------------------

    def _prs_navigation(self, answers_by_step, current_step=None, today=None):
        """Return the visible steps and the next step for the answers given so far.

        :param answers_by_step: ``{step code: {field code: value}}``
        :param current_step: ``event.flow.step`` record, its id or its code; None: start
        :param today: ``datetime.date`` or ISO string; default: the program's today
            (``event.event._prs_today``: its local date)
        :return: ``{"steps": visible steps (ordered recordset), "next_step": step or
            empty recordset, "allowed_steps": the steps that may be submitted next (the
            next step, and the later ones up to the next required one when it is
            optional)}``
        """
        self.ensure_one()
        steps = self.step_ids.sorted(lambda s: (s.sequence, s.id))
        specs = [
            {"code": step.code, "condition": step.condition, "required": step.required}
            for step in steps
        ]
        if isinstance(current_step, models.BaseModel):
            current_step = current_step.code if current_step else None
        elif isinstance(current_step, int) and not isinstance(current_step, bool):
            current_step = steps.filtered(lambda s: s.id == current_step).code or None
        # the program's values only when a condition reads them (they cost queries)
        reads_program = any(navigation.reads_program(spec["condition"]) for spec in specs)
        visible, next_code = navigation.navigate(
            specs,
            answers_by_step or {},
            program=self.event_id._prs_program_context() if reads_program else {},
            today=today or self.event_id._prs_today(),
            current=current_step,
        )
        allowed = navigation.allowed_steps(specs, visible, current=current_step)
        by_code = {step.code: step for step in steps}
        step_model = self.env["event.flow.step"]
        return {
            "steps": step_model.browse([by_code[c].id for c in visible]),
            "next_step": by_code[next_code] if next_code else step_model,
            "allowed_steps": step_model.browse([by_code[c].id for c in allowed]),
        }
