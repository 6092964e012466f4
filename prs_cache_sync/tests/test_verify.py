from odoo.tests import tagged

from .common import PrsCacheCase


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestVerify(PrsCacheCase):
    def _verify(self, programs=None):
        action = self.env["prs.cache.verify"]._prs_open(self.target, programs=programs)
        return self.env["prs.cache.verify"].browse(action["res_id"])

    def test_verify_in_sync(self):
        """Right after publishing, Verify reports no drift."""
        self.publish()
        self.sync_all()
        wizard = self._verify()
        self.assertFalse(wizard.line_ids)
        self.assertGreaterEqual(wizard.ok_count, len(self.flow.step_ids) + 1)

    def test_verify_finds_edited_deleted_and_foreign_keys(self):
        """A key edited by hand is stale, one deleted by hand missing, an extra foreign."""
        self.publish()
        self.sync_all()
        steps = self.flow.step_ids.sorted("sequence")
        edited = self.get_json(self.step_key(steps[0]))
        edited["step"]["name"] = "Hacked"
        self.redis_client.set(self.step_key(steps[0]), __import__("json").dumps(edited))
        self.redis_client.delete(self.step_key(steps[1]))
        self.redis_client.set("prs:t:424242", "{}")
        self.redis_client.set("other:prefix:1", "{}")
        wizard = self._verify()
        status = {line.key: line.status for line in wizard.line_ids}
        self.assertEqual(
            status,
            {
                self.step_key(steps[0]): "stale",
                self.step_key(steps[1]): "missing",
                "prs:t:424242": "foreign",
            },
        )

    def test_verify_scoped_to_programs(self):
        """Verify from a program only looks at that program's keys."""
        self.publish()
        self.redis_client.set("prs:t:424242", "{}")
        self.redis_client.delete(self.program_key())
        wizard = self._verify(programs=self.event)
        self.assertEqual(
            {line.key: line.status for line in wizard.line_ids}, {self.program_key(): "missing"}
        )

    def test_repair_fixes_drift(self):
        """Repair rewrites drifting keys and deletes foreign ones."""
        self.publish()
        steps = self.flow.step_ids
        self.redis_client.delete(self.step_key(steps[0]))
        self.redis_client.set(self.step_key(steps[1]), "garbage")
        self.redis_client.set(f"prs:t:{self.event.id}:1:2", "{}")
        wizard = self._verify(programs=self.event)
        self.assertEqual(len(wizard.line_ids), 3)
        wizard.action_repair()
        self.commit_hooks()
        self.assertFalse(self._verify(programs=self.event).line_ids)

    def test_verify_reports_unreachable_redis(self):
        """An unreachable target is reported on the wizard, not raised."""
        self.publish()
        self.redis.stop()
        wizard = self._verify()
        self.assertIn(self.target.name, wizard.error)

    def test_verify_from_form(self):
        """Verify from a form checks the programs using it; an unused form is refused."""
        from odoo.exceptions import UserError

        self.publish()
        self.redis_client.delete(self.program_key())
        action = self.form.action_prs_cache_verify()
        wizard = self.env["prs.cache.verify"].browse(action["res_id"])
        self.assertEqual(wizard.program_ids, self.event)
        self.assertEqual(wizard.line_ids.mapped("key"), [self.program_key()])
        unused = self.env["form.form"].create({"name": "Unused", "code": "unused_cache"})
        with self.assertRaises(UserError):
            unused.action_prs_cache_verify()
