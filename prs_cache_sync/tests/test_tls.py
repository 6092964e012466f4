import datetime
import ipaddress
import os
import shutil
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.prs_cache_sync.tools import redis_io

from .common import PrsCacheCase, RedisServer


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(directory, name, data):
    path = os.path.join(directory, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_ca(directory, name):
    """A self-signed CA: ``(certificate, key, path of its PEM)``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    path = _write(directory, f"{name}.pem", cert.public_bytes(serialization.Encoding.PEM))
    return cert, key, path


def make_leaf(directory, name, ca_cert, ca_key, server):
    """A certificate signed by the CA (for 127.0.0.1 when ``server``): paths
    ``(cert, key)``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    cert = builder.sign(ca_key, hashes.SHA256())
    return (
        _write(directory, f"{name}.crt", cert.public_bytes(serialization.Encoding.PEM)),
        _write(directory, f"{name}.key", _key_pem(key)),
    )


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_tls")
class TestTls(PrsCacheCase):
    """rediss:// with a CA file and a client certificate against a real redis-server
    speaking TLS only on loopback (certificates made here)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = tempfile.mkdtemp(prefix="prs-tls-")
        cls.addClassCleanup(shutil.rmtree, cls.pki, True)
        ca_cert, ca_key, cls.ca_file = make_ca(cls.pki, "prs-test-ca")
        server_cert, server_key = make_leaf(cls.pki, "redis", ca_cert, ca_key, server=True)
        cls.client_cert, cls.client_key = make_leaf(cls.pki, "odoo", ca_cert, ca_key, server=False)
        __, __, cls.wrong_ca_file = make_ca(cls.pki, "other-ca")
        cls.tls_redis = RedisServer(
            tls={
                "cert": server_cert,
                "key": server_key,
                "ca": cls.ca_file,
                "auth_clients": True,
                "client_cert": cls.client_cert,
                "client_key": cls.client_key,
            }
        ).start()
        cls.addClassCleanup(cls.tls_redis.cleanup)

    def setUp(self):
        super().setUp()
        self.tls_redis.client().flushall()

    def _tls_target(self, name, **values):
        return (
            self.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create({"name": name, "url": self.tls_redis.url, "key_prefix": "prs:tls", **values})
        )

    def test_publish_through_tls(self):
        """A rediss:// target with the CA and a client certificate receives the keys."""
        target = self._tls_target(
            "TLS Redis",
            ssl_ca_file=self.ca_file,
            ssl_cert_file=self.client_cert,
            ssl_key_file=self.client_key,
        )
        target.action_test_connection()
        self.publish()
        tls_client = self.tls_redis.client()
        payload = self.get_json(self.step_key(self.flow.step_ids[0], target), client=tls_client)
        self.assertEqual(payload["step"]["code"], "personal")
        self.assertFalse(target.last_error)

    def test_wrong_ca_refused_and_reported(self):
        """A CA that did not sign the server's certificate: the connection is refused,
        the writes wait (failed, with backoff), the target and Test Connection say why;
        the other target is delivered."""
        target = self._tls_target(
            "Wrong CA",
            ssl_ca_file=self.wrong_ca_file,
            ssl_cert_file=self.client_cert,
            ssl_key_file=self.client_key,
        )
        self.publish()
        self.assertIsNotNone(self.redis_client.get(self.step_key(self.flow.step_ids[0])))
        rows = self.env["prs.cache.outbox"].search([("target_id", "=", target.id)])
        self.assertTrue(rows)
        self.assertEqual(set(rows.mapped("state")), {"failed"})
        self.assertIn("certificate verify failed", target.last_error)
        with self.assertRaisesRegex(UserError, "certificate verify failed"):
            target.action_test_connection()
        self.assertFalse(self.tls_redis.client().keys("prs:tls:*"))

    def test_tls_files_checked(self):
        """TLS files need rediss:// and must exist; a certificate needs its key."""
        with self.assertRaisesRegex(Exception, "rediss://"):
            self.env["prs.cache.target"].create(
                {"name": "x", "url": self.redis.url, "ssl_ca_file": self.ca_file}
            )
        with self.assertRaisesRegex(Exception, "cannot be read"):
            self._tls_target("y", ssl_ca_file="/nonexistent/ca.pem")
        with self.assertRaisesRegex(Exception, "both"):
            self._tls_target("z", ssl_cert_file=self.client_cert)

    def test_config_keys(self):
        """The odoo.conf target takes the CA and client certificate from the
        environment (PRS_REDIS_SSL_*), like the [prs_cache_sync] keys."""
        environ = {
            "PRS_REDIS_URL": self.tls_redis.url,
            "PRS_REDIS_PREFIX": "prs:tlsconf",
            "PRS_REDIS_SSL_CA_FILE": self.ca_file,
            "PRS_REDIS_SSL_CERT_FILE": self.client_cert,
            "PRS_REDIS_SSL_KEY_FILE": self.client_key,
        }
        with self._patch_environ(environ):
            target = (
                self.env["prs.cache.target"]
                .with_context(prs_cache_no_initial_sync=True)
                .create({"name": "TLS conf", "use_config": True})
            )
            self.publish()
            self.assertTrue(self.tls_redis.client().keys("prs:tlsconf:*"))
            self.assertFalse(target.last_error)
        redis_io.drop_clients()

    def _patch_environ(self, values):
        from unittest.mock import patch

        return patch.dict(os.environ, values)
