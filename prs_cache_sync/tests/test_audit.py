from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestTargetAudit(TransactionCase):
    """Changes to a Redis target are tracked in its chatter (administrators only):
    URL, key prefix, source of the settings, and the password set or cleared (never its
    value)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.target = (
            cls.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True, mail_create_nolog=True)
            .create({"name": "Audited", "url": "redis://127.0.0.1:1/0", "active": False})
        )
        cls.env.cr.flush()  # end of the creating transaction: tracking starts after it

    def _tracked(self):
        return self.target.message_ids.tracking_value_ids.mapped("field_id.name")

    def _notes(self):
        return [body for body in self.target.message_ids.mapped("body") if body]

    def test_url_and_prefix_tracked(self):
        """A new URL or key prefix leaves a tracking line with the old and new value."""
        self.target.write({"url": "redis://127.0.0.1:2/0", "key_prefix": "eu"})
        self.env.flush_all()
        self.env.cr.flush()  # runs the precommit hooks that write the tracking values
        self.env.invalidate_all()
        self.assertIn("url", self._tracked())
        self.assertIn("key_prefix", self._tracked())

    def test_password_set_and_cleared_noted_without_value(self):
        """Setting, changing and clearing the password each post a note; the value is in
        no message."""
        self.target.write({"password": "s3cr3t-audit"})
        self.target.write({"password": "n3w-s3cr3t"})
        self.target.write({"redis_password": False})
        notes = " ".join(self._notes())
        for text in ("Password set.", "Password changed.", "Password cleared."):
            self.assertIn(text, notes)
        self.assertNotIn("s3cr3t", notes)

    def test_password_in_url_noted_once(self):
        """A password typed in the URL (moved to the password) is noted once, not once
        per nested write (breaker D6)."""
        self.target.write({"url": "redis://:typed-s3cr3t@127.0.0.1:3/0"})
        notes = self._notes()
        self.assertEqual(sum("Password set." in note for note in notes), 1, notes)
        self.assertNotIn("typed-s3cr3t", " ".join(notes))
