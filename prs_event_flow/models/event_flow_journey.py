"""Journey preview: a configurator walks a flow's steps as a participant would.

Each call answers which step comes next with the same navigation as intake
(:meth:`EventFlow._prs_navigation`: skip conditions, program facts, today) and checks
the step's answers with the same validator (``validation.validate_answers``), then
lists the answers the server would store for every visible step. Nothing is written.
"""

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.prs_form_builder.tools import form_tree, validation


class EventFlow(models.Model):
    _inherit = "event.flow"

    def prs_journey_preview(self, answers_by_step=None, step_code=None, advance=False):
        """One screen of the journey preview.

        :param answers_by_step: ``{step code: {field code: value}}`` entered so far
        :param step_code: the step shown (None: the first visible step)
        :param advance: validate the shown step and go to the next visible one
        :return: ``{"flow", "program", "steps", "current", "errors", "stored", "done"}``;
            ``steps`` tell which are visible (a skipped step has ``visible`` false),
            ``current`` holds the step's form tree and its hidden nodes for the answers,
            ``stored`` the validated answers the server would store per visible step.
        """
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        answers_by_step = {
            code: answers
            for code, answers in (answers_by_step or {}).items()
            if isinstance(answers, dict)
        }
        today = fields.Date.context_today(self)
        steps = self.step_ids.sorted(lambda s: (s.sequence, s.id))
        current = steps.filtered(lambda s: s.code == step_code)[:1]
        navigation = self._prs_navigation(answers_by_step, today=today)
        if not current:
            current = navigation["next_step"]
        trees = {step.code: step._prs_journey_tree() for step in navigation["steps"] | current}
        stored, errors_by_step = {}, {}
        for step in navigation["steps"]:
            tree = trees[step.code]
            if step.code not in answers_by_step:
                continue
            values, errors = self._prs_journey_validate(tree, answers_by_step[step.code], today)
            errors_by_step[step.code] = errors
            if not errors:
                stored[step.code] = values
        errors = []
        if advance and current:
            tree = trees.get(current.code)
            _values, errors = self._prs_journey_validate(
                tree, answers_by_step.get(current.code, {}), today
            )
            if not errors:
                current = self._prs_navigation(answers_by_step, current_step=current, today=today)[
                    "next_step"
                ]
                if current and current.code not in trees:
                    trees[current.code] = current._prs_journey_tree()
        visible = set(navigation["steps"].mapped("code"))
        return {
            "flow": {"id": self.id, "code": self.code, "name": self.name, "state": self.state},
            "program": self.event_id._prs_program_context(),
            "today": fields.Date.to_string(today),
            "steps": [
                {
                    "id": step.id,
                    "code": step.code,
                    "name": step.name,
                    "type": step.step_type,
                    "condition": step.condition or False,
                    "visible": step.code in visible,
                }
                for step in steps
            ],
            "current": (
                self._prs_journey_current(
                    current, trees[current.code], answers_by_step.get(current.code, {})
                )
                if current
                else False
            ),
            "errors": errors,
            "stored": stored,
            "done": not current,
        }

    def _prs_journey_validate(self, tree, answers, today):
        if not tree:
            return {}, []
        masters = self.env["prs.master"]._prs_allowed_values(form_tree.master_codes([tree]))
        return validation.validate_answers(tree, answers, masters=masters, today=today)

    def _prs_journey_current(self, step, tree, answers):
        hidden = form_tree.visibility(tree, answers).hidden if tree else set()
        return {
            "id": step.id,
            "code": step.code,
            "name": step.name,
            "type": step.step_type,
            "tree": tree,
            "draft": bool(step.form_id and not step.form_id.current_version_id),
            "hidden": [list(node) for node in hidden],
        }


    def action_prs_journey_preview(self):
        """Open the journey preview of this flow."""
        self.ensure_one()
        if not self.step_ids:
            raise UserError(_("The flow %s has no step.", self.name))
        return {
            "type": "ir.actions.client",
            "tag": "prs_journey_preview",
            "name": _("Journey Preview: %s", self.display_name),
            "params": {"flow_id": self.id, "program_id": self.event_id.id},
            "context": {"active_id": self.id},
        }


class EventFlowStep(models.Model):
    _inherit = "event.flow.step"

    def _prs_journey_tree(self):
        """The tree a participant sees at this step: the published version (as intake),
        else the draft (to preview a flow before its forms are published)."""
        self.ensure_one()
        form = self.form_id
        if not form:
            return None
        if form.current_version_id:
            return form.current_version_id._prs_get_tree(self.env.lang)
        return form._prs_build_tree()


class EventEvent(models.Model):
    _inherit = "event.event"

    def action_prs_journey_preview(self):
        """Open the journey preview on this program's first flow (the screen lists the
        others)."""
        self.ensure_one()
        flow = self.flow_ids.sorted(lambda f: (f.sequence, f.id))[:1]
        if not flow:
            raise UserError(_("The program %s has no flow.", self.display_name))
        return flow.action_prs_journey_preview()
