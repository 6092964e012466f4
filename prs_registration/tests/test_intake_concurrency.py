import os
import threading
import uuid
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from .common import TEST_KEY, PrsFixtureMixin


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestIntakeConcurrency(PrsFixtureMixin, TransactionCase):
    """Two real transactions racing with one submission id.

    The fixtures are committed (other cursors cannot see the test's own transaction) and
    removed again by SQL in a cleanup.
    """

    def _committed_fixtures(self):
        tag = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # the builders use ``self.env``: point them at the committed cursor
            builder = type("Builder", (PrsFixtureMixin,), {"env": env})
            builder.startClassPatcher = staticmethod(lambda patcher: None)
            builder._setup_prs_forms(f"cc_{tag}")
            program = builder._create_program(f"CC-{tag}")
            flow = builder._create_flow(program)
            forms = builder.form_personal | builder.form_health | builder.form_terms
            ids = {
                "program": program.id,
                "flow": flow.id,
                "step": flow.step_ids.sorted("sequence")[0].id,
                "forms": tuple(forms.ids),
            }
        self.addCleanup(self._cleanup, ids)
        return ids

    def _cleanup(self, ids):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM event_registration WHERE event_id = %s", [ids["program"]])
            cr.execute("DELETE FROM event_flow WHERE id = %s", [ids["flow"]])
            cr.execute("DELETE FROM event_event WHERE id = %s", [ids["program"]])
            cr.execute(
                "UPDATE form_form SET current_version_id = NULL WHERE id IN %s", [ids["forms"]]
            )
            cr.execute("DELETE FROM form_form WHERE id IN %s", [ids["forms"]])

    def test_two_cursors_one_registration(self):
        """Two concurrent calls with one submission id give one registration and the same
        answer, although the second one's snapshot predates the first one's commit."""
        ids = self._committed_fixtures()
        payload = {
            "submission_id": f"cc-{uuid.uuid4()}",
            "program_id": ids["program"],
            "flow_id": ids["flow"],
            "step_id": ids["step"],
            "form_version": 1,
            "answers": self.personal_answers(),
        }
        barrier = threading.Barrier(2, timeout=30)
        results, failures = [], []

        def call():
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    cr.execute("SELECT 1")  # both snapshots are taken before the race
                    barrier.wait()
                    results.append(env["event.registration"].prs_submit(dict(payload)))
            except Exception as error:  # reported below, in the test thread
                failures.append(error)

        with patch.dict(os.environ, {"PRS_ENCRYPTION_KEY": TEST_KEY}):
            threads = [threading.Thread(target=call) for __ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        self.assertFalse(failures, failures)
        self.assertEqual(len(results), 2)
        self.assertTrue(results[0]["ok"], results)
        self.assertEqual(results[0], results[1])
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM event_registration WHERE event_id = %s", [ids["program"]]
            )
            self.assertEqual(cr.fetchone()[0], 1)
            cr.execute(
                "SELECT count(*) FROM event_registration_submission WHERE submission_id = %s",
                [payload["submission_id"]],
            )
            self.assertEqual(cr.fetchone()[0], 1)
