import re

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.prs_base.tools.codes import free_code

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
THEME_COLOR_FIELDS = ("prs_theme_primary_color", "prs_theme_accent_color")


class EventEvent(models.Model):
    _inherit = "event.event"

    prs_is_program = fields.Boolean(
        string="Is a Program",
        compute="_compute_prs_is_program",
        store=True,
        index=True,
        help="A Global PRS program is an event with a program code.",
    )
    prs_code = fields.Char(string="Program Code", index=True, copy=False, tracking=True)
    prs_registration_opens_at = fields.Datetime(
        string="Registration Opens", tracking=True, copy=False
    )
    prs_registration_closes_at = fields.Datetime(
        string="Registration Closes", tracking=True, copy=False
    )
    prs_currency_id = fields.Many2one(
        "res.currency",
        string="Fee Currency",
        ondelete="restrict",
        default=lambda self: self.env.company.currency_id,
    )
    prs_fee = fields.Monetary(
        string="Program Fee",
        currency_field="prs_currency_id",
        tracking=True,
        help="Available to step skip conditions as program.fee (0 means free).",
    )
    prs_waitlist_allowed = fields.Boolean(string="Waitlist Allowed", tracking=True)
    prs_waitlist_max = fields.Integer(
        string="Waitlist Maximum", help="Maximum number of waitlisted registrations; 0: no limit."
    )
    prs_registration_closed = fields.Boolean(
        string="Registration Closed",
        tracking=True,
        copy=False,
        help="Close registration now, whatever the window says (the renderer shows the reason).",
    )
    prs_closed_reason = fields.Char(
        string="Closed Reason",
        translate=True,
        help="Why registration is closed; shown to participants by the renderer.",
    )
    prs_coordinator_ids = fields.Many2many(
        "res.users",
        "event_event_prs_coordinator_rel",
        "event_id",
        "user_id",
        string="Coordinators",
        domain=[("share", "=", False)],
        tracking=True,
        help="Coordinators see and review the registrations of this program.",
    )
    prs_template_id = fields.Many2one(
        "event.type",
        string="Template of Origin",
        ondelete="set null",
        readonly=True,
        help="Program template whose flows were copied into this program.",
    )
    prs_template_version = fields.Integer(
        string="Template Version",
        readonly=True,
        help="Version of the template when its flows were copied.",
    )
    flow_ids = fields.One2many("event.flow", "event_id", string="Flows", copy=True)
    prs_step_ids = fields.One2many(
        "event.flow.step", "event_id", string="Flow Steps", readonly=True
    )
    prs_flow_count = fields.Integer(string="Flows Count", compute="_compute_prs_flow_counts")
    prs_published_step_count = fields.Integer(
        string="Published Steps", compute="_compute_prs_flow_counts"
    )
    prs_is_open = fields.Boolean(string="Open for Registration", compute="_compute_prs_is_open")
    prs_open_reason = fields.Char(string="Registration Status", compute="_compute_prs_is_open")

    # Renderer theme: published in the program index by prs_cache_sync; the logo is
    # served by the public route of controllers/theme.py.
    prs_theme_logo = fields.Image(
        string="Renderer Logo",
        max_width=512,
        max_height=512,
        help="Shown by the registration renderer; served publicly once the program has a "
        "published flow.",
    )
    prs_theme_primary_color = fields.Char(
        string="Primary Colour", help="#rrggbb; empty: the renderer's default."
    )
    prs_theme_accent_color = fields.Char(
        string="Accent Colour", help="#rrggbb; empty: the renderer's default."
    )
    prs_theme_layout = fields.Selection(
        [("stepper", "Stepper (one step per screen)"), ("single_page", "Single page")],
        string="Layout",
        default="stepper",
        required=True,
    )
    prs_theme_show_progress = fields.Boolean(string="Show Progress", default=True)
    prs_theme_density = fields.Selection(
        [("comfortable", "Comfortable"), ("compact", "Compact")],
        string="Density",
        default="comfortable",
        required=True,
    )
    prs_theme_welcome_text = fields.Text(
        string="Welcome Text", translate=True, help="Shown before the first step."
    )
    prs_theme_completion_text = fields.Text(
        string="Completion Text", translate=True, help="Shown after the last step."
    )

    _sql_constraints = [
        ("prs_code_uniq", "unique(prs_code)", "The program code must be unique."),
        (
            "prs_waitlist_max_positive",
            "CHECK(prs_waitlist_max >= 0)",
            "The waitlist maximum cannot be negative.",
        ),
    ]

    @api.depends("flow_ids", "flow_ids.state", "flow_ids.step_ids")
    def _compute_prs_flow_counts(self):
        flow_data = self.env["event.flow"]._read_group(
            [("event_id", "in", self.ids)], ["event_id"], ["__count"]
        )
        flows = {event.id: count for event, count in flow_data}
        step_data = self.env["event.flow.step"]._read_group(
            [("event_id", "in", self.ids), ("flow_id.state", "=", "published")],
            ["event_id"],
            ["__count"],
        )
        steps = {event.id: count for event, count in step_data}
        for event in self:
            event.prs_flow_count = flows.get(event.id, 0)
            event.prs_published_step_count = steps.get(event.id, 0)

    @api.depends(
        "prs_is_program",
        "prs_registration_closed",
        "prs_closed_reason",
        "prs_registration_opens_at",
        "prs_registration_closes_at",
        "flow_ids.state",
    )
    def _compute_prs_is_open(self):
        for event in self:
            event.prs_is_open, event.prs_open_reason = event._prs_is_open()

    @api.depends("prs_code")
    def _compute_prs_is_program(self):
        for event in self:
            event.prs_is_program = bool(event.prs_code)

    @api.constrains("prs_registration_opens_at", "prs_registration_closes_at")
    def _check_prs_registration_window(self):
        for event in self:
            opens, closes = event.prs_registration_opens_at, event.prs_registration_closes_at
            if opens and closes and closes <= opens:
                raise ValidationError(
                    _("Registration for %s must close after it opens.", event.name)
                )

    @api.constrains(*THEME_COLOR_FIELDS)
    def _check_prs_theme_colors(self):
        for program in self:
            for field_name in THEME_COLOR_FIELDS:
                value = program[field_name]
                if value and not COLOR_RE.match(value):
                    raise ValidationError(
                        _(
                            "%(field)s must be a colour like #1a2b3c, not %(value)s.",
                            field=self._fields[field_name].string,
                            value=value,
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        from_template = events.filtered(
            lambda e: e.prs_is_program and e.event_type_id.prs_flow_ids and not e.flow_ids
        )
        from_template._prs_apply_template()
        return events

    def write(self, vals):
        res = super().write(vals)
        if "prs_code" in vals and not self.env.su:
            # rules are checked before a write only: an event turned into a program must
            # be one the user may change (Odoo's event groups reach no program)
            self.check_access_rule("write")
        if vals.get("event_type_id"):
            self.filtered(
                lambda e: e.prs_is_program and e.event_type_id.prs_flow_ids and not e.flow_ids
            )._prs_apply_template()
        return res

    @api.returns("self", lambda value: value.id)
    def copy(self, default=None):
        """A duplicated program gets a free program code and draft copies of its flows."""
        self.ensure_one()
        default = dict(default or {})
        if self.prs_code and "prs_code" not in default:
            default["prs_code"] = free_code(self, "prs_code", f"{self.prs_code}-COPY", "-")
        return super().copy(default)

    def _prs_apply_template(self):
        """Copy the flows of each program's template (event type) into the program.

        The program records the template and its version; later template edits do not
        touch the copies. Forms are linked or copied following the template's setting.
        """
        for event in self:
            template = event.event_type_id
            template.prs_flow_ids._prs_instantiate(event)
            event.write(
                {
                    "prs_template_id": template.id,
                    "prs_template_version": template.prs_template_version,
                }
            )

    def action_prs_apply_template(self):
        """Button: copy the template's flows into a program that has none yet."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        for event in self:
            if event.flow_ids:
                raise ValidationError(
                    _("The program %s already has flows; remove them first.", event.name)
                )
            if not event.event_type_id:
                raise ValidationError(_("Choose a template for %s first.", event.name))
        self._prs_apply_template()
        return True

    def _prs_is_open(self, now=None, published_flow=None):
        """Tell whether the program takes registrations at ``now`` (default: now).

        :param published_flow: a published, active flow of this program the caller
            already checked (intake): its flows are then not read again
        :return: ``(is_open, reason)``; the reason explains why it is closed (or says
            it is open).
        """
        self.ensure_one()
        now = now or fields.Datetime.now()
        if not self.prs_is_program:
            return False, _("This event is not a program.")
        if not self.active:
            return False, _("The program is archived.")
        if self.prs_registration_closed:
            return False, self.prs_closed_reason or _("Registration is closed.")
        opens, closes = self.prs_registration_opens_at, self.prs_registration_closes_at
        if not opens or not closes:
            return False, _("The registration window is not set.")
        if now < opens:
            return False, _("Registration opens on %s (UTC).", fields.Datetime.to_string(opens))
        if now >= closes:
            return False, _("Registration closed on %s (UTC).", fields.Datetime.to_string(closes))
        if not published_flow and not any(flow.state == "published" for flow in self.flow_ids):
            return False, _("The program has no published flow.")
        return True, _("Open for registration until %s (UTC).", fields.Datetime.to_string(closes))

    def _prs_today(self, now=None):
        """The program's ``today``: its local date (the program's time zone ``date_tz``,
        UTC without one) at ``now`` (a naive UTC datetime; default: now). Navigation,
        validation, the review and the journey preview read this one date; the renderer
        computes the same from ``program.timezone`` in Redis."""
        self.ensure_one()
        zone = pytz.timezone(self.date_tz) if self.date_tz in pytz.all_timezones_set else pytz.utc
        return pytz.utc.localize(now or fields.Datetime.now()).astimezone(zone).date()

    def _prs_program_languages(self):
        """``{program id: (offered languages, default language)}``: the installed
        languages in which every published form of the program's published flows has a
        tree (so no payload mixes languages); the default is the program company's
        language when offered, else en_US, else the first offered one. When no installed
        language has every tree, only the first form's language is offered."""
        installed = [lang for lang, __ in self.env["res.lang"].get_installed()]
        flows = self.flow_ids.filtered(
            lambda flow: flow.state == "published" and flow.active and flow.event_id.active
        ).sorted(lambda flow: (flow.event_id.id, flow.sequence, flow.id))
        flows_by_event = flows.grouped("event_id")
        versions = flows.step_ids.filtered(lambda s: s.step_type == "form").form_id
        versions = versions.current_version_id
        # the languages of each version's trees, without loading the trees
        trees_langs = {}
        if versions:
            self.env["form.form.version"].flush_model(["lang", "tree_translations"])
            self.env.cr.execute(
                SQL(
                    """SELECT id, lang, ARRAY(SELECT jsonb_object_keys(
                                  COALESCE(tree_translations, '{}'::jsonb)))
                         FROM form_form_version WHERE id IN %s""",
                    tuple(versions.ids),
                )
            )
            trees_langs = {row[0]: (row[1], {row[1], *row[2]}) for row in self.env.cr.fetchall()}
        result = {}
        for event in self:
            offered = list(installed)
            first = None
            steps = flows_by_event.get(event, self.env["event.flow"]).step_ids
            for step in steps.filtered(lambda s: s.step_type == "form"):
                version = step.form_id.current_version_id
                if not version:
                    continue
                lang, have = trees_langs[version.id]
                first = first or lang
                offered = [code for code in offered if code in have]
            if not offered:
                offered = [first or installed[0]]
            company_lang = event.company_id.partner_id.lang
            for default in (company_lang, "en_US", offered[0]):
                if default in offered:
                    break
            result[event.id] = (offered, default)
        return result

    def _prs_program_context(self):
        """Return the ``program`` values that step skip conditions may read, in the
        program's default language (whoever asks: the same values as Redis'
        ``condition_values``)."""
        self.ensure_one()
        default_lang = self._prs_program_languages()[self.id][1]
        # read in the default language, its languages computed once (not again there)
        program = self if default_lang == self.env.lang else self.with_context(lang=default_lang)
        return {
            "id": program.id,
            "code": program.prs_code or "",
            "name": program.name or "",
            "type": program.event_type_id.prs_type_code or "",
            "fee": program.prs_fee,
            "currency": program.prs_currency_id.name or "",
            "seats_limited": program.seats_limited,
            "seats_max": program.seats_max,
            "waitlist_allowed": program.prs_waitlist_allowed,
            "date_begin": program.date_begin.date().isoformat() if program.date_begin else None,
            "date_end": program.date_end.date().isoformat() if program.date_end else None,
        }

    def _prs_capacity_states(self):
        """``{program id: state}`` of these programs: ``closed`` (closed by the
        configurator, or archived), ``full`` (no seat and no waitlist place), ``waitlist``
        (no seat, waitlist places left) or ``open``. The registration window is not part
        of it (it is published beside it). ``prs_registration`` counts the waitlist."""
        states = {}
        for program in self:
            if program.prs_registration_closed or not program.active:
                states[program.id] = "closed"
            elif program.seats_limited and program.seats_max and program.seats_available <= 0:
                states[program.id] = "waitlist" if program.prs_waitlist_allowed else "full"
            else:
                states[program.id] = "open"
        return states

    def _prs_on_capacity_changed(self):
        """Hook: registrations of these programs took or freed a seat or a waitlist place
        (``prs_cache_sync`` republishes the capacity state after the commit)."""
        return True

    @api.model
    def _prs_on_registration_events(self, events):
        """Hook: ``events`` happened to program registrations in the current transaction
        (``prs_registration`` calls it: a state change, a recorded payment), each a dict
        ``{type, registration_id, seq, program_id, program_code, flow_id, flow_code,
        step_id, step_code, next_step_id, next_step_code, old_state, new_state,
        occurred_at, is_test, payment}`` without answers or personal data.
        ``prs_cache_sync`` queues them for the Redis stream ``<prefix>:events``."""
        return True

    def _prs_lock_capacity(self):
        """Serialise the capacity decisions (seats, waitlist) of these programs: call it
        before counting registrations to confirm, waitlist or promote them.

        The program rows are locked in id order (no deadlock between two callers) and
        rewritten unchanged. The rewrite matters: Odoo runs in REPEATABLE READ, so a
        bare ``SELECT ... FOR UPDATE`` would let the waiting transaction go on counting
        with its old snapshot, blind to what the first one committed. Locking a row
        another transaction rewrote since this one's snapshot raises a serialisation
        failure instead, and Odoo retries the whole call (RPC, web client, cron) in a
        fresh transaction that counts the committed registrations.
        """
        if not self.ids:
            return
        self.env.cr.execute(
            SQL(
                "SELECT id FROM event_event WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                tuple(self.ids),
            )
        )
        self.env.cr.execute(
            SQL("UPDATE event_event SET write_date = write_date WHERE id IN %s", tuple(self.ids))
        )

    def action_prs_view_flows(self):
        self.check_access_rights("read")
        self.check_access_rule("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("prs_event_flow.event_flow_action")
        action["domain"] = [("event_id", "=", self.id)]
        action["context"] = {"default_event_id": self.id}
        return action

    def action_prs_view_published_steps(self):
        self.check_access_rights("read")
        self.check_access_rule("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_event_flow.event_flow_step_action"
        )
        action["domain"] = [("event_id", "=", self.id), ("flow_id.state", "=", "published")]
        return action
