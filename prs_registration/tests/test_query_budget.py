from unittest.mock import patch

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tests.common import warmup

from ..tools import tree_cache
from .common import PrsRegistrationCase

# Queries of Odoo's own path, measured below: ``event.registration.create`` of a plain
# event's registration as an event user (name, email, phone), cold ORM cache, flushed.
# The bench (bench/bench_intake.py) adds 10 website_event question answers to it (one
# more INSERT); website_event is no dependency of the suite, so the test creates none.
NATIVE_QUERIES = 13
# Issue 17: intake takes no more queries than the native path plus four.
BUDGET_OVER_NATIVE = 4
# What intake takes today (pinned: a change that needs more says why and raises them).
# (the first step is 14 or 15: creating the registration reads the API user's company
# for its defaults unless the user's environment outlived the previous call)
FIRST_STEP_QUERIES = 15
LATER_STEP_QUERIES = 16
LAST_STEP_QUERIES = 17


@tagged("post_install", "-at_install", "prs", "prs_performance")
class TestQueryBudget(PrsRegistrationCase):
    """Queries of the hot paths: intake (first and later step) against Odoo's own
    registration, and the review. Each call starts as an RPC call does: nothing pending,
    an empty ORM cache, the process caches (frozen trees, parsed expressions) warm.

    First step (FIRST_STEP_QUERIES): the advisory lock with the look-up of a stored
    result (1); savepoint and release (2); the program and the flow, each read with its
    row (2); the flow's steps (ids, then their columns) (2); the form's current version
    by number (id and checksum; the form row is not read, the frozen tree comes from the
    process cache) (1); insert of the registration (no chatter, no follower), of its
    integration event in the outbox (issue 16, "worker"), of the submission, and the
    update with the step's values (4); the participant's contact looked up and the
    duplicate flag synced (issue 16, "contacts") (2). No capacity count: the program's
    seats are unlimited (limited: one more); the registration window reuses the flow
    already read. The intake log row is written on its own cursor (not counted: one
    statement with its metrics).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.event_user = new_test_user(
            cls.env, login="prs_budget_event", groups="event.group_event_user"
        )
        now = fields.Datetime.now()
        cls.native_event = cls.env["event.event"].create(
            {"name": "Native budget event", "date_begin": now, "date_end": now}
        )
        # like the bench: neither path sends mail (Odoo's default schedule would)
        cls.native_event.event_mail_ids.unlink()

    def native_values(self, index):
        return {
            "event_id": self.native_event.id,
            "name": f"Participant {index}",
            "email": f"p{index}@example.com",
            "phone": "+31 20 1234567",
        }

    def cold_cache(self):
        """An RPC call's start: nothing pending (the pre-commit hooks of what came before
        ran), nothing in the ORM cache (the process caches stay warm)."""
        self.env.flush_all()
        self.env.cr.flush()
        self.env.invalidate_all()

    def native_queries(self):
        """Queries of one native create, its own ORM flush included (the first one warms
        the ORM up)."""
        registrations = self.env["event.registration"].with_user(self.event_user)
        registrations.create(self.native_values(0))
        self.cold_cache()
        start = self.cr.sql_log_count
        registrations.create(self.native_values(1))
        self.env.flush_all()
        count = self.cr.sql_log_count - start
        self.cold_cache()
        return count

    def submit_queries(self, payload):
        self.cold_cache()
        start = self.cr.sql_log_count
        result = self.submit(payload)
        self.assertTrue(result["ok"], result)
        return self.cr.sql_log_count - start

    def test_native_queries(self):
        """The native path's count the budgets are measured against."""
        self.assertEqual(self.native_queries(), NATIVE_QUERIES)
        self.assertLessEqual(FIRST_STEP_QUERIES, NATIVE_QUERIES + BUDGET_OVER_NATIVE)
        self.assertLessEqual(LATER_STEP_QUERIES, NATIVE_QUERIES + BUDGET_OVER_NATIVE)
        self.assertLessEqual(LAST_STEP_QUERIES, NATIVE_QUERIES + BUDGET_OVER_NATIVE)

    @warmup
    def test_submit_first_step(self):
        """The first step of a registration (creates it): native + 4 at most."""
        self.submit(self.payload())  # the process caches (tree, expressions) are warm
        native = self.native_queries()
        payload = self.payload()
        self.cold_cache()
        with self.assertQueryCount(__system__=FIRST_STEP_QUERIES):
            result = self.submit(payload)
        self.assertTrue(result["ok"], result)
        self.assertLessEqual(self.submit_queries(self.payload()), native + BUDGET_OVER_NATIVE)
        registration = self.Registration.browse(result["registration_id"])
        # no creation chatter: no message, no follower
        self.assertFalse(registration.message_ids)
        self.assertFalse(registration.message_follower_ids)

    @warmup
    def test_submit_later_step(self):
        """A later step that is not the last one (no state change): native + 4.

        LATER_STEP_QUERIES: lock and look-up (1); savepoint and release (2); the
        program, the flow, its steps (4); the registration, one query (1); the version
        (1); insert of the submission, update of the registration (2); the current
        step's tracking message, the one chatter note of the intake (author user and
        partner, message, tracking value) (4).
        """
        first = self.submit(self.payload(answers=self.personal_answers(age=65)))
        registration = self.Registration.browse(first["registration_id"])
        self.assertEqual(registration.next_step_id, self.step_health)
        native = self.native_queries()
        payload = self.payload(self.step_health, {"allergies": "none"}, registration)
        self.cold_cache()
        with self.assertQueryCount(__system__=LATER_STEP_QUERIES):
            result = self.submit(payload)
        self.assertTrue(result["ok"], result)
        self.assertEqual(registration.next_step_id, self.step_terms)
        self.assertLessEqual(LATER_STEP_QUERIES, native + BUDGET_OVER_NATIVE)
        self.assertEqual(len(registration.message_ids), 1)

    @warmup
    def test_submit_last_step(self):
        """The flow's last step (submits the registration): native + 4.

        LAST_STEP_QUERIES: the later step's (see above; the tracking message holds the
        state change too) and the state change's integration event (outbox) (1). The
        receipt mail of issue 16 is only marked as due in the state's own UPDATE: it is
        rendered and queued after the commit (``prs_mail_pending``), outside the call's
        transaction.
        """
        first = self.submit(self.payload())
        registration = self.Registration.browse(first["registration_id"])
        native = self.native_queries()
        payload = self.payload(self.step_terms, {"accept": True}, registration)
        self.cold_cache()
        with self.assertQueryCount(__system__=LAST_STEP_QUERIES):
            result = self.submit(payload)
        self.assertTrue(result["ok"], result)
        self.assertEqual(registration.prs_state, "submitted")
        self.assertLessEqual(LAST_STEP_QUERIES, native + BUDGET_OVER_NATIVE)
        self.assertEqual(registration.prs_mail_pending, "submitted")
        # one tracked message in the chatter: the state change (a mail sent to the
        # participant, such as the receipt, is no chatter note)
        notes = registration.message_ids.filtered(lambda m: m.message_type != "email_outgoing")
        self.assertEqual(len(notes), 1)
        self.assertTrue(notes.tracking_value_ids)

    @warmup
    def test_review_rendering(self):
        """The review of a submitted registration, as a coordinator reads it."""
        registration = self.register(document=self.pdf_answer()).with_user(self.coordinator)
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=8):
            html = registration._prs_render_answers()
        self.assertIn("About you", str(html))

    def test_submit_reads_one_version(self):
        """Issue 13 item 8: intake looks the named version up by number; the other
        versions of the form (and their frozen trees) are never read."""
        form = self.form_personal
        for __ in range(4):
            form.action_new_version()
            form.action_publish()
        versions = form.version_ids
        self.assertEqual(len(versions), 5)
        payload = self.payload()
        self.env.cr.flush()  # the publishes' tracking (it names the versions) runs now
        self.env.invalidate_all()
        Version = type(versions)
        fetch = Version._fetch_query
        fetched = self.env["form.form.version"]

        def spy(records, query, fields):
            nonlocal fetched
            result = fetch(records, query, fields)
            fetched |= result
            return result

        # observe which versions the ORM reads from the database during the call
        with patch.object(Version, "_fetch_query", spy):
            result = self.submit(payload)
        self.assertTrue(result["ok"], result)
        self.assertEqual(fetched, form.current_version_id)


@tagged("post_install", "-at_install", "prs", "prs_performance")
class TestTreeCache(PrsRegistrationCase):
    """Issue 17: frozen trees are parsed once per process, keyed by database, version
    id and checksum; never served for a deleted version or into another database."""

    def key(self, version):
        return tree_cache.version_key(self.env.cr.dbname, version.id, version.checksum)

    def test_tree_read_once(self):
        version = self.form_personal.current_version_id
        tree_cache.TREES.clear()
        self.assertTrue(self.submit(self.payload())["ok"])
        self.assertIn(self.key(version), tree_cache.TREES)
        cached = tree_cache.TREES.get(self.key(version), lambda: None)
        # intake only reads the shared tree: it is still the published one
        self.assertEqual(cached, version.tree)
        Version = type(version)
        fetch = Version._fetch_query
        read = []

        def spy(records, query, fields):
            read.extend(field.name for field in fields)
            return fetch(records, query, fields)

        payload = self.payload()
        self.env.invalidate_all()
        with patch.object(Version, "_fetch_query", spy):
            self.assertTrue(self.submit(payload)["ok"])
        self.assertNotIn("tree", read)
        self.assertIn("checksum", read)

    def test_key_names_the_database(self):
        version = self.form_personal.current_version_id
        self.assertTrue(self.submit(self.payload())["ok"])
        other = tree_cache.version_key("another_db", version.id, version.checksum)
        self.assertNotIn(other, tree_cache.TREES)
        self.assertIsNone(tree_cache.TREES.get(other, lambda: None))

    def test_deleted_version_not_served(self):
        """A superseded version, cached, then deleted: refused as unknown."""
        form = self.form_personal
        old = form.current_version_id
        self.assertTrue(self.submit(self.payload())["ok"])
        self.assertIn(self.key(old), tree_cache.TREES)
        form.action_new_version()
        form.action_publish()
        number = old.version
        old.unlink()
        result = self.submit(self.payload(form_version=number))
        self.assertIntakeError(result, "unknown_version")

    def test_bounded_lru(self):
        cache = tree_cache.TreeCache(size=2)
        cache.get("a", lambda: {"a": 1})
        cache.get("b", lambda: {"b": 1})
        cache.get("a", lambda: self.fail("a is cached"))
        cache.get("c", lambda: {"c": 1})  # evicts b, the least recently used
        self.assertEqual(len(cache), 2)
        self.assertIn("a", cache)
        self.assertNotIn("b", cache)
        self.assertIn("c", cache)
