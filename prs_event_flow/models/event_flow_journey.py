"""Journey preview: a configurator walks a flow's steps as a participant would.

Each call answers which step comes next with the same navigation as intake
(:meth:`EventFlow._prs_navigation`: skip conditions, program facts, today) and checks
the step's answers with the same validator (``validation.validate_answers``), then
lists the answers the server would store for every visible step. Nothing is written.
"""

import re

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.prs_form_builder.tools import form_tree, validation

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


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
        if answers_by_step is not None and not isinstance(answers_by_step, dict):
            raise UserError(_("The journey preview takes the answers of each step by step code."))
        answers_by_step = {
            code: answers
            for code, answers in (answers_by_step or {}).items()
            if isinstance(answers, dict)
        }
        if step_code is not None and not isinstance(step_code, str):
            raise UserError(_("The journey preview takes a step by its code."))
        today = self.event_id._prs_today()
        steps = self.step_ids.sorted(lambda s: (s.sequence, s.id))
        trees = {}

        def tree_of(step):
            if step.code not in trees:
                trees[step.code] = step._prs_journey_tree()
            return trees[step.code]

        # intake navigates on the answers it stored: each visible step's validated
        # values (hidden fields dropped, transforms applied), never the raw input; a
        # step the navigation skips stores nothing (intake refuses it: step_skipped)
        checked = {}
        for step in steps:
            if step.code in answers_by_step:
                checked[step.code] = self._prs_journey_validate(
                    tree_of(step), answers_by_step[step.code], today
                )
        stored = {code: values for code, (values, errors) in checked.items() if not errors}
        # one pass is enough: navigation already reads only the visible steps' answers
        navigation = self._prs_navigation(stored, today=today)
        visible = set(navigation["steps"].mapped("code"))
        stored = {code: values for code, values in stored.items() if code in visible}
        errors = []
        current = steps.filtered(lambda s: s.code == step_code)[:1]
        if current and current.code not in visible:
            errors = [
                {
                    "code": "step_skipped",
                    "field": False,
                    "message": _("The step %s is skipped for these answers.", current.code),
                }
            ]
            current = navigation["next_step"]
            advance = False
        elif not current:
            current = navigation["next_step"]
        if advance and current:
            errors = checked.get(current.code, ({}, []))[1]
            if current.code not in checked:
                errors = self._prs_journey_validate(tree_of(current), {}, today)[1]
            if not errors:
                current = self._prs_navigation(stored, current_step=current, today=today)[
                    "next_step"
                ]
        if current:
            tree_of(current)
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
                    "required": step.required,
                    "visible": step.code in visible,
                }
                for step in steps
            ],
            "current": (
                self._prs_journey_current(
                    current, trees[current.code], answers_by_step.get(current.code, {}), today
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

    def _prs_journey_current(self, step, tree, answers, today):
        # the renderer's view while answering: the raw answers, the program's today
        hidden = form_tree.visibility(tree, answers, today=today).hidden if tree else set()
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

    def action_prs_design_form(self):
        """Open the designer on this step's form, its preview in the program's theme."""
        self.ensure_one()
        return self.form_id.with_context(prs_program_id=self.event_id.id).action_prs_designer()


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


class FormForm(models.Model):
    _inherit = "form.form"

    @api.model
    def _prs_preview_theme(self, program_id):
        """The program's renderer colours and density as preview CSS (colours are
        checked ``#rrggbb`` again: they go into a style element)."""
        program = self.env["event.event"].browse(program_id).exists()
        if not program:
            return ""
        try:
            program.check_access_rights("read")
            program.check_access_rule("read")
        except AccessError:
            return ""
        primary = program.prs_theme_primary_color or ""
        accent = program.prs_theme_accent_color or ""
        css = []
        if COLOR_RE.match(primary):
            css.append(
                f"h1, h2, h3 {{ color: {primary}; }} .prs-page {{ border-color: {primary}; }}"
                f" button {{ background: {primary}; color: #fff; border: 0; padding: .4em 1em; }}"
            )
        if COLOR_RE.match(accent):
            css.append(
                f".prs-section {{ border-left-color: {accent}; }}"
                f" .prs-banner {{ border-left: 4px solid {accent}; }}"
            )
        if program.prs_theme_density == "compact":
            css.append(".prs-field { margin: .3em 0; } .prs-page { padding: .5em; }")
        return " ".join(css)
