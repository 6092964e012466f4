from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged, users, warmup
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from ..models.event_registration_desk import ANSWERS_INDEX
from ..models.event_registration_mixin import PRS_STATES
from ..tools import answer_search
from .common import PrsFixtureMixin, PrsRegistrationCase

SEARCH_VIEW = "prs_registration.event_registration_prs_view_search"
ACTION = "prs_registration.event_registration_prs_action"


@tagged("post_install", "-at_install", "prs", "prs_review_desk")
class TestReviewDesk(PrsRegistrationCase):
    """The coordinators' review desk: filters, waitlist position, search by an answer,
    kanban/graph/pivot views and the program dashboard (README "Review desk")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.write(
            {
                "seats_limited": True,
                "seats_max": 1,
                "prs_waitlist_allowed": True,
                "prs_waitlist_max": 5,
            }
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _filters(self):
        """``{filter name: domain}`` of the search view, evaluated as the web client
        evaluates them (``uid`` of the coordinator)."""
        arch = etree.fromstring(self.env.ref(SEARCH_VIEW).arch)
        return {
            node.get("name"): safe_eval(node.get("domain"), {"uid": self.coordinator.id})
            for node in arch.iter("filter")
            if node.get("domain")
        }

    def _search(self, domain, user=None):
        """The coordinators' list: the action's domain and ``domain``, as ``user``."""
        action_domain = safe_eval(self.env.ref(ACTION).domain)
        registrations = self.Registration.with_user(user or self.coordinator)
        return registrations.search(action_domain + domain)

    def _answer(self, query, user=None):
        return self._search([("prs_answer_search", "=", query)], user)

    def _one_per_state(self):
        """``{prs_state: registration}`` of the program, one in every state, through the
        intake and the review actions."""
        by_state = {}
        first = self.submit(self.payload(answers=self.personal_answers(first_name="Ina")))
        by_state["in_progress"] = self.Registration.browse(first["registration_id"])
        by_state["confirmed"] = self.register(first_name="Cora")
        by_state["confirmed"].action_prs_confirm()
        by_state["waitlisted"] = self.register(first_name="Wim")
        by_state["waitlisted"].action_prs_confirm()  # no seat left: waitlisted
        by_state["submitted"] = self.register(first_name="Sam")
        by_state["changes_requested"] = self.register(first_name="Chad")
        by_state["changes_requested"]._prs_request_changes(self.step_terms, "Accept the terms")
        by_state["rejected"] = self.register(first_name="Rex")
        by_state["rejected"]._prs_reject("Incomplete file")
        by_state["cancelled"] = self.register(first_name="Cal")
        by_state["cancelled"]._prs_cancel("Asked by phone")
        for state, registration in by_state.items():
            self.assertEqual(registration.prs_state, state)
        return by_state

    # ------------------------------------------------------------------
    # Filters
    # ------------------------------------------------------------------

    def test_filter_every_state(self):
        """The search view has a filter for every PRS state, selecting exactly the
        registrations in that state."""
        by_state = self._one_per_state()
        filters = self._filters()
        for state, __ in PRS_STATES:
            found = self._search(filters[f"filter_{state}"])
            self.assertEqual(found, by_state[state], state)

    def test_filter_test_registrations(self):
        """Test and real registrations are told apart by their filters."""
        real, test = self.register(), self.register(test=True, first_name="Tess")
        filters = self._filters()
        self.assertEqual(self._search(filters["filter_test"]), test)
        self.assertEqual(self._search(filters["filter_not_test"]), real)

    def test_filter_my_programs(self):
        """My Programs: the programs the user coordinates or is responsible for."""
        mine = self.register()
        self.other_program.prs_coordinator_ids |= self.coordinator
        other = self.register(flow=self.other_flow)
        domain = self._filters()["filter_my_programs"]
        self.assertEqual(self._search(domain), mine | other)
        # an administrator sees every program, "My Programs" narrows to his own
        self.other_program.write(
            {"user_id": self.administrator.id, "prs_coordinator_ids": [(5, 0, 0)]}
        )
        admin_domain = safe_eval(
            etree.fromstring(self.env.ref(SEARCH_VIEW).arch)
            .xpath("//filter[@name='filter_my_programs']")[0]
            .get("domain"),
            {"uid": self.administrator.id},
        )
        self.assertEqual(self._search(admin_domain, self.administrator), other)
        self.assertEqual(self._search(domain), mine)

    def register(self, user=None, test=False, flow=None, **answers):
        """As :meth:`PrsFixtureMixin.register`, in ``flow`` (default: the program's)."""
        if not flow or flow == self.flow:
            return super().register(user, test, **answers)
        steps = flow.step_ids.sorted("sequence")
        extra = {"test": True} if test else {}
        payload = self.payload(steps[0], self.personal_answers(**answers), **extra)
        first = self.submit(payload, user)
        self.assertTrue(first["ok"], first)
        registration = self.Registration.browse(first["registration_id"])
        result = self.submit(self.payload(steps[2], {"accept": True}, registration), user)
        self.assertTrue(result["ok"], result)
        return registration

    def test_filter_submitted_today_in_program_time_zone(self):
        """Submitted Today: since midnight in the program's time zone, not UTC's."""
        self.program.date_tz = "Pacific/Kiritimati"  # UTC+14
        self.other_program.date_tz = "Pacific/Pago_Pago"  # UTC-11
        here, there = self.register(), self.register(flow=self.other_flow)
        old = self.register(first_name="Old")
        now = fields.Datetime.now()
        start_here, __ = self.Registration._prs_day_bounds("Pacific/Kiritimati", now)
        start_there, __ = self.Registration._prs_day_bounds("Pacific/Pago_Pago", now)
        self.assertNotEqual(start_here, start_there)
        # a minute after midnight in each program's zone, and a minute before
        here.prs_submitted_at = start_here + timedelta(minutes=1)
        there.prs_submitted_at = start_there + timedelta(minutes=1)
        old.prs_submitted_at = start_here - timedelta(minutes=1)
        self.other_program.prs_coordinator_ids |= self.coordinator
        found = self._search(self._filters()["filter_submitted_today"])
        self.assertEqual(found, here | there)
        self.assertTrue(here.prs_submitted_today)
        self.assertFalse(old.prs_submitted_today)
        not_today = self._search([("prs_submitted_today", "=", False)])
        self.assertEqual(not_today, old)

    # ------------------------------------------------------------------
    # Waitlist position
    # ------------------------------------------------------------------

    def _waitlist(self, count):
        """A confirmed registration and ``count`` waitlisted ones, in waitlist order."""
        confirmed = self.register(first_name="Seat")
        confirmed.action_prs_confirm()
        waitlisted = self.Registration
        for index in range(count):
            registration = self.register(first_name=f"W{index}")
            registration.action_prs_confirm()
            waitlisted |= registration
        self.assertEqual(set(waitlisted.mapped("prs_state")), {"waitlisted"})
        return confirmed, waitlisted

    def test_waitlist_position_follows_cancel_and_promotion(self):
        """Positions number the waitlist in promotion order; a cancellation promotes
        position 1 and the others move up; a waitlisted one leaving closes the gap."""
        confirmed, waitlisted = self._waitlist(3)
        first, second, third = waitlisted
        self.assertEqual(waitlisted.mapped("prs_waitlist_position"), [1, 2, 3])
        self.assertFalse(confirmed.prs_waitlist_position)
        confirmed.with_user(self.coordinator)._prs_cancel("Asked by phone")
        self.assertEqual(first.prs_state, "confirmed")  # position 1 was promoted
        self.assertFalse(first.prs_waitlist_position)
        self.assertEqual((second | third).mapped("prs_waitlist_position"), [1, 2])
        second.with_user(self.coordinator)._prs_reject("Incomplete file")
        self.assertFalse(second.prs_waitlist_position)
        self.assertEqual(third.prs_waitlist_position, 1)
        # the list sorts by it, and "up to" finds the head of the waitlist
        later = self.register(first_name="Late")
        later.action_prs_confirm()
        ordered = self._search([("prs_waitlist_position", ">", 0)]).sorted("prs_waitlist_position")
        self.assertEqual(ordered, third | later)
        self.assertEqual(later.prs_waitlist_position, 2)
        head = self._search(self._filters()["filter_waitlist_next"])
        self.assertEqual(head, third | later)

    def test_waitlist_position_test_registrations_take_none(self):
        """A waitlisted test registration takes no place and gets no position."""
        __, waitlisted = self._waitlist(1)
        test = self.register(test=True, first_name="Tess")
        test.action_prs_waitlist()
        self.assertEqual(test.prs_state, "waitlisted")
        self.assertFalse(test.prs_waitlist_position)
        self.assertEqual(waitlisted.prs_waitlist_position, 1)

    def test_waitlist_positions_one_update(self):
        """The positions of several programs are numbered by one query, whatever the
        number of waitlisted registrations."""
        __, waitlisted = self._waitlist(4)
        self.env.cr.execute(
            "UPDATE event_registration SET prs_waitlist_position = NULL WHERE id IN %s",
            [tuple(waitlisted.ids)],
        )
        self.Registration.invalidate_model(["prs_waitlist_position"])
        programs = self.program | self.other_program
        self.env.flush_all()
        with self.assertQueryCount(1):
            programs._prs_update_waitlist_positions()
        self.assertEqual(waitlisted.mapped("prs_waitlist_position"), [1, 2, 3, 4])

    def test_waitlist_position_not_written_by_hand(self):
        """Nobody sets a position directly (it follows the waitlist)."""
        __, waitlisted = self._waitlist(2)
        with self.assertRaises(AccessError):
            waitlisted[1].with_user(self.coordinator).write({"prs_waitlist_position": 1})
        self.assertEqual(waitlisted.mapped("prs_waitlist_position"), [1, 2])

    # ------------------------------------------------------------------
    # Search by an answer
    # ------------------------------------------------------------------

    def test_answer_search_exact_and_case_insensitive(self):
        """code=value (or code:value) finds the registration holding that whole value,
        whatever its case; a part of a value finds nothing."""
        ana = self.register(email="Ana@X.org", first_name="Ana")
        self.register()
        self.assertEqual(self._answer("email=ana@x.org"), ana)
        self.assertEqual(self._answer("email:ANA@X.ORG"), ana)
        self.assertEqual(self._answer("  email = Ana@X.org "), ana)
        self.assertEqual(self._answer("personal.email=ana@x.org"), ana)
        self.assertFalse(self._answer("terms.email=ana@x.org"))
        self.assertFalse(self._answer("email=ana"))
        self.assertFalse(self._answer("first_name=an"))
        # the search bar sends ilike: same rule
        self.assertEqual(self._search([("prs_answer_search", "ilike", "email=ana@x.org")]), ana)
        others = self._search([("prs_answer_search", "!=", "email=ana@x.org")])
        self.assertNotIn(ana, others)
        self.assertTrue(others)

    def test_answer_search_choices(self):
        """A choice answer is found by its value or its label; a multiple choice by any
        of the values chosen."""
        france = self.register(country="FR", passport_no=None, interests=["yoga", "hike"])
        india = self.register(first_name="Ravi", interests=["yoga"])
        self.assertEqual(self._answer("country=fr"), france)
        self.assertEqual(self._answer("country:France"), france)
        self.assertEqual(self._answer("country=IN"), india)
        self.assertEqual(self._answer("interests=hike"), france)
        self.assertEqual(self._answer("interests=Hiking"), france)
        self.assertEqual(self._answer("interests=yoga"), france | india)
        self.assertFalse(self._answer("country=PT"))

    def test_answer_search_numbers_and_booleans(self):
        """Numbers match by value (34 = 34.0), text that is no number finds nothing;
        consents by yes/no."""
        young, old = self.register(age=34), self.register(first_name="Old", age=61)
        self.assertEqual(self._answer("age=34"), young)
        self.assertEqual(self._answer("age=34.0"), young)
        self.assertEqual(self._answer("age=61"), old)
        self.assertFalse(self._answer("age=thirty"))
        self.assertFalse(self._answer("age=3"))
        self.assertEqual(self._answer("accept=yes"), young | old)
        self.assertFalse(self._answer("accept=no"))

    def test_answer_search_unknown_code_and_sensitive(self):
        """An unknown code finds nothing; a sensitive field is never searched (its value
        typed exactly finds nothing); a file neither."""
        self.register()
        self.assertFalse(self._answer("nickname=asha"))
        self.assertFalse(self._answer("national_id=NID-998877"))
        self.assertFalse(self.Registration._prs_answer_documents(None, "national_id", "NID-998877"))
        self.assertFalse(self.Registration._prs_answer_documents(None, "document", "id.pdf"))

    def test_answer_search_bad_syntax(self):
        """Text that is no code=value is refused with the syntax to use."""
        for text in ("asha", "=asha", "email=", "1email=x"):
            with self.assertRaises(UserError):
                self._answer(text)
        with self.assertRaises(answer_search.QueryError):
            answer_search.parse("email")

    def test_answer_search_huge_numbers_find_nothing(self):
        """A number beyond 30 digits (or 10**30) is no match, refused before any
        conversion: 1e5000 raises no ValueError (Python's 4300 digits) and 1e700000
        holds no worker (int() of it took 38 s); numbers in range still match."""
        young = self.register(age=34)
        for text in ("age=1e5000", "age=1e700000", "age=-1e700000", "age=1e-700000"):
            with self.subTest(text=text):
                self.assertFalse(self._answer(text))
                self.assertEqual(self._search([("prs_answer_search", "!=", text)]), young)
                self.assertEqual(answer_search.values_for("decimal", text[4:]), [])
        self.assertEqual(self._answer("age=3.4e1"), young)
        self.assertEqual(answer_search.values_for("decimal", "1e30"), [10**30])
        self.assertEqual(answer_search.values_for("decimal", "1" + "0" * 31), [])

    def test_answer_search_control_characters_refused(self):
        """A NUL (which PostgreSQL refuses in a text) or another control character in
        the query is a user error, never a server error."""
        ana = self.register(email="ana@x.org")
        for text in ("email=\x00", "email=ana\x00@x.org", "email\x00=ana@x.org", "email=\x1b[0m"):
            with self.subTest(text=repr(text)):
                with self.assertRaises(UserError):
                    self._answer(text)
        self.assertEqual(self._answer("email=ana@x.org"), ana)

    def test_answer_search_coordinators_only(self):
        """Only coordinators search answers, and only in the programs they coordinate;
        a user without a PRS group is refused."""
        ana = self.register(email="ana@x.org")
        self.assertEqual(self._answer("email=ana@x.org", self.administrator), ana)
        self.assertFalse(self._answer("email=ana@x.org", self.other_coordinator))
        for user in (self.internal_user, self.configurator):
            with self.assertRaises(AccessError):
                self.Registration.with_user(user).search(
                    [("prs_answer_search", "=", "email=ana@x.org")]
                )

    def test_answer_search_uses_the_index(self):
        """The search's condition is the expression of the GIN index init() creates
        (the plan on 1,000,000 rows is in README "Review desk")."""
        self.register(email="ana@x.org")
        domain = [("prs_answer_search", "=", "personal.email=ana@x.org")]
        query = self.Registration._where_calc(domain)
        select = query.select()
        where = self.env.cr.mogrify(select.code, select.params).decode()
        self.assertIn("lower(answers::text)::jsonb @> lower(", where)
        self.env.cr.execute(SQL("SELECT pg_get_indexdef(%s::regclass)", ANSWERS_INDEX))
        [(definition,)] = self.env.cr.fetchall()
        self.assertIn("USING gin (((lower((answers)::text))::jsonb) jsonb_path_ops)", definition)

    # ------------------------------------------------------------------
    # Views
    # ------------------------------------------------------------------

    @users("prs_reg_crd")
    def test_views_load(self):
        """The action's list, kanban, form, pivot, graph and search views load for a
        coordinator, and the groupings they issue answer."""
        self._one_per_state()  # through the intake and the actions (as superuser)
        action = self.env.ref(ACTION).sudo()
        # the web client asks for "list" where the action says "tree"
        views = [
            (view.view_id.id, "list" if view.view_mode == "tree" else view.view_mode)
            for view in action.view_ids
        ]
        views.append((action.search_view_id.id, "search"))
        result = self.env["event.registration"].get_views(views)
        self.assertEqual(
            set(result["views"]), {"list", "kanban", "form", "pivot", "graph", "search"}
        )
        kanban = etree.fromstring(result["views"]["kanban"]["arch"])
        self.assertEqual(kanban.get("records_draggable"), "0")
        self.assertEqual(kanban.get("default_group_by"), "prs_state")
        self.assertTrue(kanban.xpath("//button[@name='action_prs_confirm']"))
        search = etree.fromstring(result["views"]["search"]["arch"])
        self.assertTrue(search.xpath("//field[@name='prs_answer_search']"))
        registrations = self.env["event.registration"]
        domain = safe_eval(action.domain)
        columns = registrations.web_read_group(domain, ["prs_state"], ["prs_state"], lazy=False)[
            "groups"
        ]
        counts = {group["prs_state"]: group["__count"] for group in columns}
        self.assertEqual(counts, {state: 1 for state, __ in PRS_STATES})
        per_day = registrations.read_group(
            domain, ["prs_state"], ["prs_submitted_at:day", "prs_state"], lazy=False
        )
        submitted = registrations.search(domain + [("prs_submitted_at", "!=", False)])
        self.assertEqual(
            sum(group["__count"] for group in per_day if group["prs_submitted_at:day"]),
            len(submitted),
        )

    def test_kanban_confirm_button(self):
        """The card's Confirm runs the action (capacity checked): a submitted card is
        confirmed, or waitlisted when no seat is left."""
        first, second = self.register(), self.register(first_name="Ben")
        first.with_user(self.coordinator).action_prs_confirm()
        second.with_user(self.coordinator).action_prs_confirm()
        self.assertEqual((first | second).mapped("prs_state"), ["confirmed", "waitlisted"])
        self.assertEqual(second.prs_waitlist_position, 1)

    def _resubmit(self, registration, first_name):
        payload = self.payload(
            self.step_personal, self.personal_answers(first_name=first_name), registration
        )
        result = self.submit(payload)
        self.assertTrue(result["ok"], result)

    def test_request_changes_keeps_waitlist_place(self):
        """Changes requested of a waitlisted registration: once resubmitted it is back
        on the waitlist (the program is full: not submitted) at its old place; a
        submitted one is submitted again; a seat freed meanwhile goes to it when it is
        at the head of the waitlist."""
        confirmed, waitlisted = self._waitlist(3)
        first, second, third = waitlisted
        coordinator = self.coordinator
        second.with_user(coordinator)._prs_request_changes(self.step_personal, "Check the name")
        self.assertEqual(second.prs_state, "changes_requested")
        self.assertFalse(second.prs_waitlist_position)
        self.assertEqual((first | third).mapped("prs_waitlist_position"), [1, 2])
        self._resubmit(second, "Wim")
        self.assertEqual(second.prs_state, "waitlisted")
        self.assertEqual(waitlisted.mapped("prs_waitlist_position"), [1, 2, 3])
        submitted = self.register(first_name="Sub")
        submitted.with_user(coordinator)._prs_request_changes(self.step_personal, "Check")
        self._resubmit(submitted, "Subb")
        self.assertEqual(submitted.prs_state, "submitted")
        self.assertFalse(submitted.prs_waitlist_position)
        # the head of the waitlist away when the seat is freed: it is promoted on return
        first.with_user(coordinator)._prs_request_changes(self.step_personal, "Check")
        confirmed.with_user(coordinator)._prs_cancel("Asked by phone")
        self.assertEqual(second.prs_state, "confirmed")  # the seat went to the next one
        self._resubmit(first, "Wanda")
        self.assertEqual(first.prs_state, "waitlisted")  # full again: back at the head
        self.assertEqual((first | third).mapped("prs_waitlist_position"), [1, 2])
        second.with_user(coordinator)._prs_cancel("Asked by phone")
        self.assertEqual(first.prs_state, "confirmed")
        # changes requested of the head while a seat is free: confirmed on return
        third.with_user(coordinator)._prs_request_changes(self.step_personal, "Check")
        self.program.seats_max = 3
        self._resubmit(third, "Tom")
        self.assertEqual(third.prs_state, "confirmed")

    def test_mark_submitted_keeps_waitlist_place(self):
        """A coordinator's Mark Submitted of a waitlisted registration whose changes
        were requested puts it back on the waitlist at its old place too."""
        __, waitlisted = self._waitlist(2)
        first, second = waitlisted
        first.with_user(self.coordinator)._prs_request_changes(self.step_personal, "Check")
        self.assertEqual(second.prs_waitlist_position, 1)
        first.with_user(self.coordinator).action_prs_submit()
        self.assertEqual(first.prs_state, "waitlisted")
        self.assertEqual(waitlisted.mapped("prs_waitlist_position"), [1, 2])

    def test_kanban_confirm_full_says_so(self):
        """Confirm on a waitlisted card while the program is full: it stays on the
        waitlist, and the user is told (a notification, not a silent False)."""
        __, waitlisted = self._waitlist(1)
        result = waitlisted.with_user(self.coordinator).action_prs_confirm()
        self.assertEqual(waitlisted.prs_state, "waitlisted")
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("stays on the waitlist: the program is full", result["params"]["message"])
        # the list's Action menu runs the same, and shows the notification
        action = self.env.ref("prs_registration.event_registration_action_server_confirm")
        result = (
            action.with_user(self.coordinator)
            .with_context(active_model="event.registration", active_ids=waitlisted.ids)
            .run()
        )
        self.assertEqual(result["tag"], "display_notification")
        # a seat free: confirmed, no notification
        self.program.seats_max = 2
        self.assertIs(waitlisted.with_user(self.coordinator).action_prs_confirm(), True)
        self.assertEqual(waitlisted.prs_state, "confirmed")

    def test_waitlist_position_empty_and_last(self):
        """Registrations off the waitlist have no position (empty, not 0, in the list:
        the cell is invisible), and come after the waitlisted ones in both orders."""
        confirmed, waitlisted = self._waitlist(2)
        submitted = self.register(first_name="Sub")
        self.env.cr.execute(
            "SELECT id FROM event_registration WHERE id IN %s AND prs_waitlist_position IS NULL",
            [tuple((confirmed | submitted).ids)],
        )
        self.assertEqual(
            {row[0] for row in self.env.cr.fetchall()}, set((confirmed | submitted).ids)
        )
        everyone = confirmed | waitlisted | submitted
        domain = [("id", "in", everyone.ids)]
        ascending = self.Registration.search(domain, order="prs_waitlist_position asc, id")
        self.assertEqual(ascending[:2].ids, waitlisted.ids)
        descending = self.Registration.search(domain, order="prs_waitlist_position desc, id")
        self.assertEqual(descending[:2].ids, waitlisted.ids[::-1])
        self.assertEqual(set(descending[2:].ids), set((confirmed | submitted).ids))
        arch = etree.fromstring(
            self.env.ref("prs_registration.event_registration_prs_view_tree").arch
        )
        [column] = arch.xpath("//field[@name='prs_waitlist_position']")
        self.assertEqual(column.get("invisible"), "not prs_waitlist_position")

    def test_list_offers_no_archive_or_duplicate(self):
        """The PRS list and form offer no Duplicate, and in the action's context
        ``active`` is read-only (the web client then offers no Archive/Unarchive);
        Cancel and Request Changes are in the list and the form's Action menus."""
        action = self.env["ir.actions.act_window"]._for_xml_id(ACTION)
        context = safe_eval(action["context"])
        registrations = self.Registration.with_user(self.coordinator).with_context(**context)
        self.assertTrue(registrations.fields_get(["active"])["active"]["readonly"])
        self.assertFalse(
            self.Registration.with_user(self.coordinator)
            .fields_get(["active"])["active"]
            .get("readonly")
        )
        program_action = self.program.with_user(self.coordinator).action_prs_view_registrations()
        self.assertTrue(program_action["context"]["prs_review_desk"])
        for xmlid in ("event_registration_prs_view_tree", "event_registration_prs_view_form"):
            arch = etree.fromstring(self.env.ref(f"prs_registration.{xmlid}").arch)
            self.assertEqual(arch.get("duplicate"), "0", xmlid)
        for name in ("cancel", "request_changes", "reject", "confirm", "waitlist"):
            server = self.env.ref(f"prs_registration.event_registration_action_server_{name}")
            self.assertEqual(server.binding_view_types, "list,form", name)

    def test_submitted_date_in_program_time_zone(self):
        """The submitted day of the graph, pivot and group-by is the day in the
        program's time zone, as for Submitted Today."""
        self.program.date_tz = "Pacific/Kiritimati"  # UTC+14
        registration = self.register()
        registration.sudo().write({"prs_submitted_at": "2026-03-01 12:00:00"})
        self.assertEqual(registration.prs_submitted_date, fields.Date.to_date("2026-03-02"))
        self.program.date_tz = "UTC"
        self.assertEqual(registration.prs_submitted_date, fields.Date.to_date("2026-03-01"))
        for xmlid in ("event_registration_prs_view_graph", "event_registration_prs_view_pivot"):
            arch = etree.fromstring(self.env.ref(f"prs_registration.{xmlid}").arch)
            self.assertTrue(arch.xpath("//field[@name='prs_submitted_date']"), xmlid)

    # ------------------------------------------------------------------
    # Program dashboard
    # ------------------------------------------------------------------

    def test_dashboard_counts(self):
        """The dashboard counts real registrations per state, against the seats and the
        waitlist; each button opens the registrations it counts."""
        by_state = self._one_per_state()
        self.register(test=True, first_name="Tess")  # never counted
        program = self.program.with_user(self.coordinator)
        for state, __ in PRS_STATES:
            self.assertEqual(program[f"prs_count_{state}"], 1, state)
        self.assertEqual(program.prs_count_confirmed, program.seats_max)
        self.assertEqual(self.other_program.with_user(self.administrator).prs_count_submitted, 0)
        for state, registration in by_state.items():
            action = program.with_context(prs_state=state).action_prs_open_registrations()
            self.assertEqual(action["context"][f"search_default_filter_{state}"], 1)
            filters = self._filters()
            # the action's default filter (real registrations) and the state's
            domain = action["domain"] + filters["filter_not_test"] + filters[f"filter_{state}"]
            self.assertEqual(action["context"]["search_default_filter_not_test"], 1)
            self.assertEqual(
                self.Registration.with_user(self.coordinator).search(domain), registration
            )

    def test_dashboard_coordinators_only(self):
        """Configurators see no count (the dashboard fields are the coordinators')."""
        with self.assertRaises(AccessError):
            self.program.with_user(self.configurator).read(["prs_count_submitted"])

    @users("prs_reg_adm")
    @warmup
    def test_dashboard_query_count(self):
        """All the counts of several programs cost one query."""
        programs = self.env["event.event"].browse((self.program | self.other_program).ids)
        programs.invalidate_recordset()
        with self.assertQueryCount(prs_reg_adm=1):
            counts = [
                program[f"prs_count_{state}"] for program in programs for state, __ in PRS_STATES
            ]
        self.assertEqual(len(counts), 2 * len(PRS_STATES))

    @users("prs_reg_crd")
    def test_dashboard_views_load(self):
        """The program form with its dashboard and the Review Desk kanban load for a
        coordinator."""
        action = self.env.ref("prs_registration.event_event_action_prs_dashboard").sudo()
        kanban = action.view_ids.view_id
        result = self.env["event.event"].get_views([(kanban.id, "kanban"), (False, "form")])
        form = etree.fromstring(result["views"]["form"]["arch"])
        self.assertTrue(form.xpath("//button[@name='action_prs_open_registrations']"))
        self.assertTrue(
            etree.fromstring(result["views"]["kanban"]["arch"]).xpath(
                "//field[@name='prs_count_waitlisted']"
            )
        )
        records = self.env["event.event"].search(safe_eval(action.domain))
        self.assertIn(self.program, records)
        self.assertNotIn(self.other_program, records)


@tagged("post_install", "-at_install", "prs", "prs_review_desk")
class TestReviewDeskTour(PrsFixtureMixin, HttpCase):
    """The review desk in Chromium: search by an answer, confirm from the kanban."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prs_forms("desk")
        cls.api_user = new_test_user(cls.env, login="prs_desk_api", groups="prs_base.group_prs_api")
        new_test_user(cls.env, login="prs_desk_crd", groups="prs_base.group_prs_coordinator")
        cls.program = cls._create_program(
            "DESK-1", coordinators=cls.env["res.users"].search([("login", "=", "prs_desk_crd")])
        )
        cls.flow = cls._create_flow(cls.program)
        cls.step_personal, cls.step_health, cls.step_terms = cls.flow.step_ids.sorted("sequence")
        cls.Registration = cls.env["event.registration"]

    def test_search_by_answer_and_confirm_from_kanban(self):
        """A coordinator finds a registration by its email typed in another case and
        confirms it with the card's Confirm button (the action, capacity checked)."""
        kim = self.register(first_name="Kim", last_name="Desk", email="kim@desk.org")
        lee = self.register(first_name="Lee", last_name="Desk", email="lee@desk.org")
        self.start_tour("/web", "prs_review_desk_tour", login="prs_desk_crd")
        self.assertEqual(kim.prs_state, "confirmed")
        self.assertEqual(lee.prs_state, "submitted")
        # the Review Desk's card opens the one left to review
        self.start_tour("/web", "prs_review_desk_dashboard_tour", login="prs_desk_crd")
