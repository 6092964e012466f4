from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL, sql

from ..tools import answer_search

# The answers' expression index: every value lowercased, so that a search by answer is
# case-insensitive and still one GIN lookup per step (README "Review desk").
ANSWERS_INDEX = "event_registration_prs_answers_lower_index"
ANSWERS_EXPRESSION = "(lower(answers::text)::jsonb) jsonb_path_ops"
# The waitlist of each program in promotion order (event.event._prs_promote_waitlist:
# oldest state change first, then id): the positions and the promotion read it.
WAITLIST_INDEX = "event_registration_prs_waitlist_index"
SUBMITTED_INDEX = "event_registration_prs_submitted_at_index"
# fields whose change can move a registration on (or off) its program's waitlist
WAITLIST_FIELDS = frozenset(
    {"prs_state", "prs_state_changed_at", "prs_is_test", "event_id", "active"}
)


class DeskActive(fields.Boolean):
    """``active`` described read-only in the PRS screens (context ``prs_review_desk``
    of their actions): a program's registration is never archived or unarchived by
    hand (README "Access"), and the web client's list offers Archive/Unarchive only
    for a writable ``active``. Plain events keep Odoo's behaviour."""

    def _description_readonly(self, env):
        return bool(self.readonly or env.context.get("prs_review_desk"))


class EventRegistration(models.Model):
    """The coordinators' review desk on registrations: waitlist position, search by an
    answer, "submitted today" (views in ``views/event_registration_views.xml``)."""

    _inherit = "event.registration"

    active = DeskActive()
    prs_waitlist_position = fields.Integer(
        string="Waitlist Position",
        readonly=True,
        copy=False,
        help="Place on the program's waitlist (1: the next one confirmed when a seat is "
        "freed); empty when not waitlisted. Test registrations take no place.",
    )
    # where a registration whose changes were requested goes back after its
    # resubmission (README "Review desk"): a waitlisted one to its old place
    prs_changes_from_state = fields.Selection(
        [("submitted", "Submitted"), ("waitlisted", "Waitlisted")],
        string="Changes Requested From",
        readonly=True,
        copy=False,
        help="The state the registration was in when changes were requested; a "
        "waitlisted one returns to the waitlist at its old place once resubmitted.",
    )
    prs_changes_from_changed_at = fields.Datetime(
        string="Waitlisted Since",
        readonly=True,
        copy=False,
        help="When the registration joined the waitlist, kept while changes are "
        "requested: its place on the waitlist after the resubmission.",
    )
    prs_submitted_date = fields.Date(
        string="Submitted Day",
        compute="_compute_prs_submitted_date",
        store=True,
        help="The day of the submission in the program's time zone (the day of "
        "Submitted Today, the graph and the pivot).",
    )
    prs_answer_search = fields.Char(
        string="Answer",
        compute="_compute_prs_answer_search",
        search="_search_prs_answer_search",
        groups="prs_base.group_prs_coordinator",
        help="Search by one answer: code=value or code:value (step.code=value for one "
        "step); exact, case-insensitive; sensitive answers are never searched.",
    )
    prs_submitted_today = fields.Boolean(
        string="Submitted Today",
        compute="_compute_prs_submitted_today",
        search="_search_prs_submitted_today",
        help="Submitted since midnight in the program's time zone.",
    )

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        # registrations off the waitlist (no position) come last, in either direction
        if field_name == "prs_waitlist_position" and not nulls.code:
            nulls = SQL("NULLS LAST")
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    def init(self):
        res = super().init()
        cr = self.env.cr
        sql.create_index(cr, ANSWERS_INDEX, self._table, [ANSWERS_EXPRESSION], method="gin")
        sql.create_index(
            cr,
            WAITLIST_INDEX,
            self._table,
            ["event_id", "prs_state_changed_at", "id"],
            where="prs_state = 'waitlisted'",
        )
        sql.create_index(cr, SUBMITTED_INDEX, self._table, ["prs_submitted_at"])
        # waitlists numbered outside the ORM (a database from before the position, rows
        # written in SQL): number them again; an index scan when nothing is missing
        cr.execute(
            """
            SELECT DISTINCT event_id FROM event_registration
             WHERE prs_state = 'waitlisted' AND prs_waitlist_position IS NULL
               AND prs_is_test IS NOT TRUE AND active IS TRUE
            """
        )
        program_ids = [row[0] for row in cr.fetchall()]
        if program_ids:
            self.env["event.event"].browse(program_ids)._prs_update_waitlist_positions()
        return res

    # ------------------------------------------------------------------
    # Waitlist position
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any("prs_waitlist_position" in vals for vals in vals_list):
            raise AccessError(_("The waitlist position follows the waitlist; it is not set."))
        registrations = super().create(vals_list)
        registrations._prs_waitlisted_programs()._prs_update_waitlist_positions(registrations)
        return registrations

    def write(self, vals):
        if not self.env.su and "prs_waitlist_position" in vals:
            raise AccessError(_("The waitlist position follows the waitlist; it is not set."))
        if not WAITLIST_FIELDS.intersection(vals):
            return super().write(vals)
        before = self._prs_waitlisted_programs()
        res = super().write(vals)
        (before | self._prs_waitlisted_programs())._prs_update_waitlist_positions(left=self)
        return res

    def unlink(self):
        programs = self._prs_waitlisted_programs()
        res = super().unlink()
        programs._prs_update_waitlist_positions()
        return res

    def _prs_waitlisted_programs(self):
        """Programs where one of these registrations is on the waitlist (reads the
        state only, already in cache on the intake's path: no query added there)."""
        return self.filtered(lambda r: r.prs_state == "waitlisted").event_id

    @api.model
    def _prs_recompute_waitlist_positions(self, programs):
        """Number the waitlists of ``programs`` again and clear stale positions (one
        UPDATE, scanning the programs' rows); for rows changed in SQL (bench data)."""
        programs._prs_update_waitlist_positions(everywhere=True)

    # ------------------------------------------------------------------
    # Search by an answer
    # ------------------------------------------------------------------

    def _compute_prs_answer_search(self):
        self.prs_answer_search = False

    def _search_prs_answer_search(self, operator, value):
        """``code=value`` (see :mod:`..tools.answer_search`): registrations whose
        answers hold that value for that field code, in the steps whose forms have the
        code and do not mark it sensitive. Coordinators only (the answers are theirs)."""
        if operator not in ("=", "ilike", "!=", "not ilike") or not isinstance(value, str):
            raise UserError(_("Search an answer with code=value, e.g. email=ana@example.org."))
        if not (self.env.su or self.env.user.has_group("prs_base.group_prs_coordinator")):
            raise AccessError(_("Only coordinators search registrations by their answers."))
        try:
            step_code, code, typed = answer_search.parse(value)
        except answer_search.QueryError:
            raise UserError(
                _(
                    "Search an answer as code=value or code:value (step.code=value for one "
                    "step), e.g. email=ana@example.org or country:PT; %s is not.",
                    value,
                )
            ) from None
        documents = self._prs_answer_documents(step_code, code, typed)
        positive = operator in ("=", "ilike")
        if not documents:
            return expression.FALSE_DOMAIN if positive else expression.TRUE_DOMAIN
        condition = SQL(" OR ").join(
            SQL("lower(answers::text)::jsonb @> lower(%s)::jsonb", document)
            for document in documents
        )
        matching = SQL("(SELECT id FROM event_registration WHERE %s)", condition)
        return [("id", "in" if positive else "not in", matching)]

    @api.model
    def _prs_answer_documents(self, step_code, code, typed):
        """The JSON documents a matching registration's answers contain, one per step
        code whose forms have field ``code`` (never a step where it is sensitive) and
        per value the typed text can be stored as."""
        # sudo: forms, steps, choices and master items are configuration; only field
        # types, sensitivity and choice values/labels are read to build the query, and
        # the registrations found stay under the caller's record rules.
        form_fields = (
            self.env["form.field"]
            .sudo()
            .with_context(active_test=False)
            .search([("code", "=", code)])
        )
        if not form_fields:
            return []
        step_domain = [("form_id", "in", form_fields.form_id.ids)]
        if step_code:
            step_domain.append(("code", "=", step_code))
        steps = (
            self.env["event.flow.step"].sudo().with_context(active_test=False).search(step_domain)
        )
        master_items = self._prs_master_items_labelled(form_fields, typed)
        documents = []
        for step_code_found in sorted(set(steps.mapped("code"))):
            forms = steps.filtered(lambda s, c=step_code_found: s.code == c).form_id
            defs = form_fields.filtered(lambda f, forms=forms: f.form_id in forms)
            if any(defs.mapped("sensitive")):
                continue  # sensitive somewhere under this step code: never searched
            values = []
            for field in defs:
                choices = [(c.value, c.label) for c in field.choice_ids]
                choices += master_items.get(field.master_id.id, [])
                values += answer_search.values_for(field.field_type, typed, choices)
            documents += answer_search.documents(step_code_found, code, values)
        return documents

    @api.model
    def _prs_master_items_labelled(self, form_fields, typed):
        """``{master id: [(value, label)]}`` of the items labelled ``typed`` (any case)."""
        masters = form_fields.master_id
        if not masters:
            return {}
        # sudo: master items are public reference data (countries, languages, ...)
        items = (
            self.env["prs.master.item"]
            .sudo()
            .with_context(active_test=False)
            .search([("master_id", "in", masters.ids), ("label", "=ilike", typed)])
        )
        labelled = {}
        for item in items:
            labelled.setdefault(item.master_id.id, []).append((item.value, item.label))
        return labelled

    # ------------------------------------------------------------------
    # Submitted today
    # ------------------------------------------------------------------

    @api.depends("prs_submitted_at", "event_id.date_tz")
    def _compute_prs_submitted_date(self):
        for registration in self:
            submitted = registration.prs_submitted_at
            tz = registration.event_id.date_tz
            zone = pytz.timezone(tz) if tz in pytz.all_timezones_set else pytz.utc
            registration.prs_submitted_date = (
                pytz.utc.localize(submitted).astimezone(zone).date() if submitted else False
            )

    @api.depends("prs_submitted_at", "event_id.date_tz")
    def _compute_prs_submitted_today(self):
        now = fields.Datetime.now()
        for registration in self:
            start, end = self._prs_day_bounds(registration.event_id.date_tz, now)
            submitted = registration.prs_submitted_at
            registration.prs_submitted_today = bool(submitted and start <= submitted < end)

    @api.model
    def _prs_day_bounds(self, tz, now=None):
        """``[start, end)`` in UTC of today in the time zone ``tz`` (UTC if unknown)."""
        zone = pytz.timezone(tz) if tz in pytz.all_timezones_set else pytz.utc
        today = pytz.utc.localize(now or fields.Datetime.now()).astimezone(zone).date()
        bounds = []
        for day in (today, today + timedelta(days=1)):
            local = zone.localize(datetime.combine(day, time.min))
            bounds.append(local.astimezone(pytz.utc).replace(tzinfo=None))
        return tuple(bounds)

    def _search_prs_submitted_today(self, operator, value):
        """Registrations submitted since midnight in their program's time zone (the
        ``today`` of intake, ``event.event._prs_today``)."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Submitted Today is searched as true or false."))
        # sudo: only the time zones of the programs are read (to turn "today" into UTC
        # bounds); the registrations found stay under the caller's record rules
        groups = (
            self.env["event.event"]
            .sudo()
            .with_context(active_test=False)
            ._read_group([("prs_is_program", "=", True)], ["date_tz"], ["id:array_agg"])
        )
        now = fields.Datetime.now()
        domains = []
        for tz, program_ids in groups:
            start, end = self._prs_day_bounds(tz, now)
            domains.append(
                [
                    ("event_id", "in", program_ids),
                    ("prs_submitted_at", ">=", start),
                    ("prs_submitted_at", "<", end),
                ]
            )
        domain = expression.OR(domains) if domains else expression.FALSE_DOMAIN
        if (operator == "=") != value:
            return ["!", *domain] if domains else expression.TRUE_DOMAIN
        return domain
