from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import capacity
from .event_registration_mixin import PRS_STATES

# the states the program dashboard counts (fields prs_count_<state>)
DASHBOARD_STATES = tuple(state for state, __ in PRS_STATES)


class EventEvent(models.Model):
    _inherit = "event.event"

    prs_registration_count = fields.Integer(
        string="PRS Registrations", compute="_compute_prs_registration_count"
    )
    # the review desk's program dashboard (README "Review desk"): real registrations
    # per state, all counted by one _read_group (_compute_prs_dashboard)
    prs_count_in_progress = fields.Integer(
        string="In Progress Count",
        compute="_compute_prs_dashboard",
        groups="prs_base.group_prs_coordinator",
    )
    prs_count_submitted = fields.Integer(
        string="To Review",
        compute="_compute_prs_dashboard",
        groups="prs_base.group_prs_coordinator",
    )
    prs_count_changes_requested = fields.Integer(
        string="Changes Requested Count",
        compute="_compute_prs_dashboard",
        groups="prs_base.group_prs_coordinator",
    )
    prs_count_confirmed = fields.Integer(
        string="Seats Taken (PRS)",
        compute="_compute_prs_dashboard",
        groups="prs_base.group_prs_coordinator",
    )
    prs_count_waitlisted = fields.Integer(
        string="Waitlisted Count",
        compute="_compute_prs_dashboard",
        groups="prs_base.group_prs_coordinator",
    )
    prs_count_rejected = fields.Integer(
        string="Rejected Count",
        compute="_compute_prs_dashboard",
        groups="prs_base.group_prs_coordinator",
    )
    prs_count_cancelled = fields.Integer(
        string="Cancelled Count",
        compute="_compute_prs_dashboard",
        groups="prs_base.group_prs_coordinator",
    )

    def _compute_prs_dashboard(self):
        """Real registrations per state, as the capacity counts them (archived ones
        too): one ``_read_group`` for all these programs, under the reader's record
        rules (coordinators read every registration of the programs they coordinate)."""
        program_ids = [program_id for program_id in self._origin.ids if program_id]
        counts = {}
        if program_ids:
            groups = (
                self.env["event.registration"]
                .with_context(active_test=False)
                ._read_group(
                    [("event_id", "in", program_ids), ("prs_is_test", "=", False)],
                    ["event_id", "prs_state"],
                    ["__count"],
                )
            )
            counts = {(program.id, state): count for program, state, count in groups}
        for program in self:
            for state in DASHBOARD_STATES:
                program[f"prs_count_{state}"] = counts.get((program._origin.id, state), 0)

    def action_prs_open_registrations(self):
        """The program's registrations, filtered by the state of the dashboard button
        clicked (context ``prs_state``), real ones only."""
        action = self.action_prs_view_registrations()
        state = self.env.context.get("prs_state")
        if state in DASHBOARD_STATES:
            action["context"][f"search_default_filter_{state}"] = 1
        return action

    def _prs_update_waitlist_positions(self, left=None, everywhere=False):
        """Number the waitlist of these programs in promotion order (1 first), one
        UPDATE for all of them. ``left``: registrations that may have left a waitlist
        (their position is cleared); ``everywhere``: clear every stale position of the
        programs (a full scan of their rows, for data written in SQL). Called by
        ``event.registration`` whenever a registration joins or leaves a waitlist
        (``models/event_registration_desk.py``)."""
        if not self.ids:
            return
        registrations = self.env["event.registration"]
        registrations.flush_model(
            ["prs_state", "prs_state_changed_at", "prs_is_test", "event_id", "active"]
        )
        # the waitlisted rows through their partial index, plus the rows that left
        stale = SQL("prs_waitlist_position IS NOT NULL") if everywhere else SQL("FALSE")
        left_ids = tuple(left.ids) if left else (0,)
        self.env.cr.execute(
            SQL(
                """
                UPDATE event_registration r
                   SET prs_waitlist_position = ranked.position
                  FROM (
                        SELECT id,
                               CASE WHEN queued THEN row_number() OVER (
                                   PARTITION BY event_id, queued
                                   ORDER BY prs_state_changed_at, id
                               ) END AS position
                          FROM (
                                SELECT id, event_id, prs_state_changed_at,
                                       (prs_state = 'waitlisted'
                                        AND prs_is_test IS NOT TRUE
                                        AND active IS TRUE) AS queued
                                  FROM event_registration
                                 WHERE event_id IN %(programs)s
                                   AND (prs_state = 'waitlisted' OR id IN %(left)s OR %(stale)s)
                               ) candidates
                       ) ranked
                 WHERE r.id = ranked.id
                   AND r.prs_waitlist_position IS DISTINCT FROM ranked.position
                """,
                programs=tuple(self.ids),
                left=left_ids,
                stale=stale,
            )
        )
        registrations.invalidate_model(["prs_waitlist_position"])

    def _compute_prs_registration_count(self):
        # sudo: a count per program for the smart button; record rules still apply
        # when the coordinator opens the list.
        groups = (
            self.env["event.registration"]
            .sudo()
            ._read_group(
                [("event_id", "in", self.ids), ("prs_is_test", "=", False)],
                ["event_id"],
                ["__count"],
            )
        )
        counts = {program.id: count for program, count in groups}
        for program in self:
            program.prs_registration_count = counts.get(program.id, 0)

    @api.depends("registration_ids.prs_is_test")
    def _compute_seats(self):
        """Test registrations never take a seat."""
        res = super()._compute_seats()
        # sudo: seats count every registration of the program, also those a
        # coordinator's record rules hide; only counts are read.
        groups = (
            self.env["event.registration"]
            .sudo()
            ._read_group(
                [
                    ("event_id", "in", self.ids),
                    ("prs_is_test", "=", True),
                    ("state", "in", ("open", "done")),
                ],
                ["event_id", "state"],
                ["__count"],
            )
        )
        for program, state, count in groups:
            program = self.browse(program.id)
            if state == "open":
                program.seats_reserved -= count
            else:
                program.seats_used -= count
            if program.seats_max > 0:
                program.seats_available += count
            program.seats_taken -= count
        return res

    def _prs_capacity_states(self):
        """Capacity states with the waitlist counted as intake counts it (one query for
        all these programs): ``full`` when intake would refuse a first step."""
        states = super()._prs_capacity_states()
        registrations = self.env["event.registration"]
        # sudo: counts of every registration of the programs, whoever asks; only counts
        # are read.
        counts = registrations.sudo()._prs_count_by_state(self, {"confirmed", "waitlisted"})
        for program in self:
            if states[program.id] == "closed":
                continue
            limits = registrations._prs_limits(program)
            seats, __ = capacity.capacity_left(limits, program.id, counts)
            if capacity.is_full(limits, program.id, counts):
                states[program.id] = "full"
            elif seats is not None and seats <= 0:
                states[program.id] = "waitlist"
            else:
                states[program.id] = "open"
        return states

    @api.depends("event_type_id")
    def _compute_event_mail_ids(self):
        """PRS programs send PRS mails only (``prs_registration`` state templates): Odoo's
        default schedule (the "after registration" mail with its badge PDF, reminders)
        and a template's schedule are not added to a program. Lines a PRS administrator
        adds on the program itself are kept and sent, on purpose (mails never carry
        answers: nothing decrypts while a template renders)."""
        # the program form opens with ``prs_program`` in its context before a code is typed
        programs = self if self.env.context.get("prs_program") else self.filtered("prs_code")
        res = super(EventEvent, self - programs)._compute_event_mail_ids()
        for program in programs:
            # only saved lines: defaults computed before the event became a program (new
            # lines of the form) would be created on save, by a user who may not
            program.event_mail_ids = program.event_mail_ids.filtered(lambda line: line._origin)
        return res

    def write(self, vals):
        """An event turned into a program (given a program code) loses the mail schedule
        it had as a plain event: Odoo's defaults or its template's, made for Odoo's
        behaviour, not added to the program on purpose (breaker D2 of issue 13 item 9).
        Lines given in the same write are kept."""
        becoming = self.browse()
        if vals.get("prs_code"):
            becoming = self.filtered(lambda event: not event.prs_code)
        # sudo: the lines are only collected to be removed below
        plain_lines = becoming.sudo().event_mail_ids
        res = super().write(vals)
        # sudo: the write passed (the caller may change these events, prs_event_flow
        # checks the program rules); only the lines the events had before becoming
        # programs are removed, with their per-registration lines; none is added or
        # changed (a configurator may not touch a program's schedule otherwise).
        plain_lines.exists().unlink()
        return res

    def _prs_promote_waitlist(self):
        """Confirm the oldest waitlisted registrations while seats are free."""
        registrations = self.env["event.registration"]
        # sudo: the lock only rewrites the program rows unchanged (see _prs_lock_capacity)
        self.sudo()._prs_lock_capacity()
        for program in self:
            waitlisted = registrations.search(
                [
                    ("event_id", "=", program.id),
                    ("prs_state", "=", "waitlisted"),
                    ("prs_is_test", "=", False),
                ],
                order="prs_state_changed_at asc, id asc",
            )
            counts = registrations._prs_count_by_state(program, {"confirmed", "waitlisted"})
            seats, __ = registrations._prs_capacity_left(program, counts)
            promote = waitlisted if seats is None else waitlisted[: max(seats, 0)]
            promote.action_prs_confirm()

    def action_prs_view_registrations(self):
        self.check_access_rights("read")
        self.check_access_rule("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_registration.event_registration_prs_action"
        )
        action["domain"] = [("event_id", "=", self.id)]
        action["context"] = {
            "default_event_id": self.id,
            "search_default_filter_not_test": 1,
            # the PRS screens: no Archive/Unarchive (event.registration.fields_get)
            "prs_review_desk": 1,
        }
        return action
