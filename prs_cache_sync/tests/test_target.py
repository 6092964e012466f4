import logging

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.prs_cache_sync.tools import redis_io, settings

from .common import PrsCacheCase, RedisServer

SECRET = "s3cr3t-Pa55word"


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestSettings(PrsCacheCase):
    def test_env_overrides_config(self):
        """PRS_REDIS_* environment variables override the odoo.conf section."""
        conf = {"redis_url": "redis://conf:6379/1", "key_prefix": "conf", "socket_timeout": "5"}
        env = {"PRS_REDIS_URL": "rediss://env:6380/2", "PRS_REDIS_SOCKET_TIMEOUT": "0.5"}
        values = settings.read_config(conf, env)
        self.assertEqual(values["redis_url"], "rediss://env:6380/2")
        self.assertEqual(values["key_prefix"], "conf")
        self.assertEqual(values["socket_timeout"], 0.5)
        self.assertEqual(values["connect_timeout"], settings.DEFAULT_TIMEOUT)
        self.assertEqual(settings.read_config({}, {})["redis_url"], settings.DEFAULT_URL)

    def test_config_target_defaults_prefix_to_database(self):
        """The odoo.conf target uses prs:<database> when no prefix is configured."""
        target = self.env.ref("prs_cache_sync.prs_cache_target_default")
        self.assertTrue(target.use_config)
        conf = dict(settings.read_config({}, {}), redis_url="redis://h:1/0")
        with self._patch_config(conf):
            self.assertEqual(target._prs_get_prefix(), f"prs:{self.env.cr.dbname}")
        with self._patch_config(dict(conf, key_prefix="eu")):
            self.assertEqual(target._prs_get_prefix(), "eu")

    def test_password_with_slash_or_at(self):
        """A password with an unencoded ``/`` or ``@`` is read whole, to the last ``@``
        before the host: none of it stays in the URL, the effective URL or a redacted
        message (it used to be cut at the first ``/`` or ``@`` and partly shown)."""
        cases = {
            "redis://:ab12/cd34@h:6379/0": ("redis://h:6379/0", "ab12/cd34"),
            "redis://:pq@ss99@h/0": ("redis://h/0", "pq@ss99"),
            "rediss://app:xx/yy@zz@h:1/2?db=0": ("rediss://app@h:1/2?db=0", "xx/yy@zz"),
            "redis://h/0?password=kk@ll": ("redis://h/0", "kk@ll"),
        }
        target = self.env.ref("prs_cache_sync.prs_cache_target_default")
        for url, (clean, password) in cases.items():
            pieces = password.replace("@", "/").split("/")
            with self.subTest(url=url):
                self.assertEqual(settings.split_password(url), (clean, password))
                redacted = settings.redact(f"Error connecting to {url}.")
                self.assertFalse([piece for piece in pieces if piece in redacted], redacted)
                conf = dict(settings.read_config({}, {}), redis_url=url)
                with self._patch_config(conf):
                    target.invalidate_recordset(["effective_url"])
                    self.assertEqual(target.effective_url, clean)
        record = (
            self.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create({"name": "Slash", "url": "redis://:ab12/cd34@h:6379/0", "key_prefix": "prs:sl"})
        )
        self.assertEqual((record.url, record.effective_url), ("redis://h:6379/0",) * 2)

    def _patch_config(self, values):
        from unittest.mock import patch

        return patch.object(type(self.env["prs.cache.target"]), "_prs_config", lambda self: values)

    def test_url_must_be_redis(self):
        """Only redis:// and rediss:// URLs with a host are accepted."""
        for url in ("http://example.org", "redis://", "localhost:6379"):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.env["prs.cache.target"].create({"name": "Bad", "url": url})
        self.env["prs.cache.target"].create({"name": "TLS", "url": "rediss://r.example:6380/0"})

    def test_client_built_once(self):
        """The client of a target is built once and reused."""
        self.assertIs(self.target._prs_get_client(), self.target._prs_get_client())
        self.target.socket_timeout = 3
        self.assertEqual(
            self.target._prs_get_client().connection_pool.connection_kwargs["socket_timeout"], 3
        )


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestPassword(PrsCacheCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.locked = RedisServer(password=SECRET).start()
        cls.addClassCleanup(cls.locked.stop)
        cls.secured = cls.env["prs.cache.target"].create(
            {
                "name": "Secured",
                "url": f"redis://:{SECRET}@127.0.0.1:{cls.locked.port}/0",
                "key_prefix": "prs:sec",
            }
        )

    def test_password_moved_out_of_url(self):
        """A password typed in the URL is stored apart and the URL keeps none."""
        self.assertNotIn(SECRET, self.secured.url)
        self.assertEqual(self.secured.sudo().redis_password, SECRET)
        self.assertTrue(self.secured.has_password)
        self.assertNotIn(SECRET, self.secured.effective_url)

    def test_password_works(self):
        """The stored password authenticates the writes."""
        self.publish()
        self.assertTrue(self.locked.client().exists(f"prs:sec:{self.event.id}"))

    def test_password_not_readable_by_administrator(self):
        """PRS administrators can set the password but not read it back."""
        target = self.secured.with_user(self.admin)
        self.assertFalse(target.read(["password"])[0]["password"])
        with self.assertRaises(AccessError):  # superuser-only field
            target.read(["redis_password"])
        self.assertNotIn(SECRET, str(target.read()))
        target.password = "n3w-secret"
        self.assertEqual(self.secured.sudo().redis_password, "n3w-secret")

    def test_password_absent_from_views(self):
        """Views, display names and the record's data never show the password."""
        for user in (self.env.user, self.admin):
            target = self.secured.with_user(user)
            views = target.get_views([(False, "form"), (False, "tree"), (False, "search")])
            self.assertNotIn(SECRET, str(views))
            self.assertNotIn(SECRET, target.display_name)
            fields = [name for name in target.fields_get() if name != "redis_password"]
            self.assertNotIn(SECRET, str(target.read(fields)))

    def test_password_absent_from_errors_and_logs(self):
        """A failing connection reports and logs the error without the password."""
        self.secured.url = f"redis://user:{SECRET}@127.0.0.1:1/0"
        self.assertNotIn(SECRET, self.secured.url)
        with self.assertRaises(UserError) as caught:
            self.secured.action_test_connection()
        self.assertNotIn(SECRET, str(caught.exception))
        with self.assertLogs(level=logging.DEBUG) as logs:
            self.publish()
        self.assertTrue(any("unavailable" in line for line in logs.output))
        self.assertFalse([line for line in logs.output if SECRET in line])
        rows = self.env["prs.cache.outbox"].search([("target_id", "=", self.secured.id)])
        # a key written twice before delivery (the catalogue <prefix>:programs: at the
        # target's initial sync, then by the publish) keeps its latest row only: the
        # superseded one is never sent, so it has no error
        attempted = rows.filtered(lambda row: row.state != "superseded")
        self.assertTrue(attempted and all(row.last_error for row in attempted))
        self.assertFalse([row for row in rows if SECRET in (row.last_error or "")])
        self.assertNotIn(SECRET, self.secured.last_error)

    def test_redact(self):
        """Redaction masks URL passwords and given secrets."""
        text = f"cannot reach redis://u:{SECRET}@h:1/0 with {SECRET}"
        self.assertNotIn(SECRET, settings.redact(text, [SECRET]))
        self.assertNotIn(SECRET, settings.redact(f"rediss://:{SECRET}@h/0"))
        self.assertTrue(redis_io.CAS_SCRIPT)
