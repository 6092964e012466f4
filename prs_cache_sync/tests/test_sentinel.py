import os
import shutil
import subprocess
import tempfile

from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, tagged

from odoo.addons.prs_cache_sync.tools import redis_io, sentinel, settings

from .common import PrsCacheCase, free_port, stop_process, wait_until_ready


class SentinelServer:
    """A real ``redis-server --sentinel`` on a free port monitoring ``master_port`` as
    service ``mymaster`` (its config file lives in a temporary directory)."""

    def __init__(self, master_port, service="mymaster"):
        self.port = free_port()
        self.master_port = master_port
        self.service = service
        self.process = None
        self.directory = None

    def start(self):
        binary = shutil.which("redis-sentinel") or shutil.which("redis-server")
        assert binary, "redis-server is needed by the Sentinel test"
        self.directory = tempfile.mkdtemp(prefix="prs-sentinel-")
        conf = os.path.join(self.directory, "sentinel.conf")
        with open(conf, "w", encoding="utf-8") as conf_file:
            conf_file.write(
                f"port {self.port}\nbind 127.0.0.1\ndir {self.directory}\n"
                f"sentinel monitor {self.service} 127.0.0.1 {self.master_port} 1\n"
                f"sentinel down-after-milliseconds {self.service} 5000\n"
            )
        self.process = subprocess.Popen(
            [binary, conf, "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)
        wait_until_ready(
            self.process,
            lambda: client.sentinel_get_master_addr_by_name(self.service),
            redis.RedisError,
        )
        return self

    def stop(self):
        stop_process(self.process)
        self.process = None
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_sentinel")
class TestSentinelUrl(BaseCase):
    """redis+sentinel:// URLs: parsing, checks and password handling (no server)."""

    def test_parse(self):
        """Several Sentinels (default port 26379), the service and the db number."""
        self.assertEqual(
            sentinel.parse_url("redis+sentinel://:pw@10.0.0.1:26380,10.0.0.2/mymaster/3"),
            {
                "sentinels": [("10.0.0.1", 26380), ("10.0.0.2", 26379)],
                "service": "mymaster",
                "db": 3,
                "username": None,
                "password": "pw",
            },
        )

    def test_check_url(self):
        """The target's URL check accepts Sentinel URLs and explains bad ones."""
        self.assertIsNone(settings.check_url("redis+sentinel://h1:26379,h2:26379/mymaster"))
        self.assertIn("service", settings.check_url("redis+sentinel://h1:26379"))
        self.assertIn("port", settings.check_url("redis+sentinel://h1:abc/mymaster"))
        self.assertIn("db number", settings.check_url("redis+sentinel://h1/mymaster/x"))

    def test_password_split_and_redacted(self):
        """A password typed in a Sentinel URL is split off and masked in messages."""
        url = "redis+sentinel://app:s3cret@h1:26379,h2:26379/mymaster/0"
        self.assertEqual(
            settings.split_password(url),
            ("redis+sentinel://app@h1:26379,h2:26379/mymaster/0", "s3cret"),
        )
        self.assertNotIn("s3cret", settings.redact(f"cannot reach {url}"))


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_sentinel")
class TestSentinelTarget(PrsCacheCase):
    """Publishing through a Sentinel-backed target reaches the master Redis."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sentinel = SentinelServer(cls.redis.port).start()
        cls.addClassCleanup(cls.sentinel.stop)

    def test_publish_through_sentinel(self):
        """The program and step keys land on the Redis server the Sentinel names."""
        dead = free_port()  # a Sentinel that is down: the client moves on to the next
        self.target.action_archive()
        target = self.env["prs.cache.target"].create(
            {
                "name": "Sentinel",
                "url": f"redis+sentinel://127.0.0.1:{dead},127.0.0.1:{self.sentinel.port}"
                f"/{self.sentinel.service}/0",
                "key_prefix": "prs:sent",
            }
        )
        self.commit_hooks()
        self.publish()
        payload = self.get_json(self.program_key(target=target))
        self.assertEqual(payload and payload["program"]["id"], self.event.id)
        step = self.flow.step_ids.sorted("sequence")[0]
        self.assertTrue(self.redis_client.exists(self.step_key(step, target=target)))
        self.assertValid(payload, "prs.program.1.json")

    def test_client_is_sentinel_managed(self):
        """The target's client resolves the master through the Sentinel."""
        target = self.env["prs.cache.target"].create(
            {
                "name": "Sentinel 2",
                "url": f"redis+sentinel://127.0.0.1:{self.sentinel.port}/{self.sentinel.service}",
            }
        )
        client = target._prs_get_client()
        self.assertEqual(type(client.connection_pool).__name__, "SentinelConnectionPool")
        self.assertTrue(client.ping())
        client.set("prs:sent:probe", "1")
        self.assertEqual(self.redis_client.get("prs:sent:probe"), "1")
        redis_io.drop_clients()

    def test_bad_sentinel_url_refused(self):
        """A Sentinel URL without a service is refused on save."""
        with self.assertRaises(ValidationError):
            self.env["prs.cache.target"].create(
                {"name": "Bad", "url": f"redis+sentinel://127.0.0.1:{self.sentinel.port}"}
            )
