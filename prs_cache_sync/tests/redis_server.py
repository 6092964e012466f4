"""The one Redis test server helper of the suite: module tests, ``tests/`` and ``bench/``.

Plain Python (no Odoo import) so that the benchmarks can use it too. A server is a
real ``redis-server`` child process on 127.0.0.1 and a free port; it never touches the
shared Redis on 6379. :class:`SilentServer` is a hung Redis: it accepts connections and
never answers.
"""

import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(process, probe, errors=(Exception,), timeout=10):
    """Poll ``probe()`` until it is truthy; re-raise its error once ``process`` has died
    or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if probe():
                return
        except errors:  # not listening yet
            if time.monotonic() > deadline or process.poll() is not None:
                raise
        time.sleep(0.05)


def stop_process(process, timeout=10):
    """Terminate ``process`` (if still running) and wait for it; kill it when it does
    not stop within ``timeout`` seconds."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


class RedisServer:
    """A private ``redis-server``: :meth:`start`, :meth:`stop`, :meth:`kill` (a crash),
    start again on the same port, :meth:`cleanup` at the end.

    ``password``: the server requires it (``--requirepass``) and :meth:`client` sends it.
    ``persistent``: append-only file with fsync on every write in a private directory,
    so that a ``kill -9`` loses no acknowledged write (the production setting); otherwise
    ``--save '' --appendonly no`` and nothing is written to disk.
    ``tls``: ``{"cert", "key", "ca"}`` PEM paths: the server speaks TLS only (``rediss://``)
    and, with ``"auth_clients": True``, requires a client certificate signed by ``ca``.
    """

    def __init__(self, password=None, persistent=False, tls=None):
        self.port = free_port()
        self.password = password
        self.persistent = persistent
        self.tls = tls
        self.directory = tempfile.mkdtemp(prefix="prs-redis-") if persistent else None
        self.process = None

    @property
    def url(self):
        """The URL of the server (without the password)."""
        return f"{'rediss' if self.tls else 'redis'}://127.0.0.1:{self.port}/0"

    def start(self, timeout=10):
        """Start the server (again) and wait until it answers PING; return ``self``."""
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed by the PRS tests and benchmarks"
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        if self.tls:
            command = [binary, "--port", "0", "--tls-port", str(self.port), "--bind", "127.0.0.1"]
            command += ["--tls-cert-file", self.tls["cert"], "--tls-key-file", self.tls["key"]]
            command += ["--tls-ca-cert-file", self.tls["ca"]]
            command += ["--tls-auth-clients", "yes" if self.tls.get("auth_clients") else "no"]
        command += ["--dir", self.directory or tempfile.gettempdir(), "--save", ""]
        if self.persistent:
            command += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            command += ["--appendonly", "no"]
        if self.password:
            command += ["--requirepass", self.password]
        self.process = subprocess.Popen(  # noqa: S603 - fixed local binary, no shell
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until_ready(self.process, lambda: self.client().ping(), timeout=timeout)
        return self

    def client(self, **options):
        """A redis-py client on the server: text replies and socket timeouts unless
        ``options`` (redis.Redis keyword arguments) say otherwise."""
        import redis

        options = {
            "decode_responses": True,
            "socket_timeout": 5,
            "socket_connect_timeout": 2,
            **options,
        }
        if self.tls:
            options = {
                "ssl": True,
                "ssl_ca_certs": self.tls["ca"],
                "ssl_certfile": self.tls.get("client_cert"),
                "ssl_keyfile": self.tls.get("client_key"),
                **options,
            }
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password, **options)

    def kill(self):
        """``kill -9`` the server (a crash) and wait for it to be gone."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        """Stop the server (SIGTERM, SIGKILL after 10 s); :meth:`start` may follow."""
        stop_process(self.process)
        self.process = None

    def cleanup(self):
        """Stop the server and remove its directory."""
        self.stop()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (a hung
    Redis): every command sent to :attr:`url` waits for the client's socket timeout."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.closed.is_set():
            try:
                connection, __ = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)  # held open, never read, never answered

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def close(self):
        self.closed.set()
        self.sock.close()
        for connection in self.connections:
            connection.close()
