"""Shared harness of the benchmarks: database, redis-server, Odoo HTTP server, timers,
counters (SQL queries, Redis round trips) and markdown tables.

Benchmarks are plain scripts run with the venv python (``source scripts/env.sh``). Each
builds or reuses the database ``prs_bench`` (``--db``), starts its own redis-server on a
free port and, when it needs one, an Odoo HTTP server on a free port; everything it
starts is stopped at exit. Nothing here touches the shared Redis on 6379.
"""

import argparse
import atexit
import contextlib
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PRS_ROOT = BENCH_DIR.parent
ODOO_SRC = Path(os.environ.get("ODOO_SRC") or "/opt/odoo/17.0")
ODOO_CONF = PRS_ROOT / "odoo.conf"
DEFAULT_DB = "prs_bench"
BASE_MODULES = ("prs_suite",)
PRS_MODULES = (
    "prs_form_builder",
    "prs_event_flow",
    "prs_registration",
    "prs_cache_sync",
    "prs_suite",
)
STAMP_PARAM = "prs_bench.source_hash"
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"

os.environ.setdefault("PRS_ROOT", str(PRS_ROOT))
os.environ.setdefault("ODOO_SRC", str(ODOO_SRC))
if str(ODOO_SRC) not in sys.path:
    sys.path.insert(0, str(ODOO_SRC))


class CannotRun(Exception):
    """A feature the benchmark measures is missing: print why, never a number."""


def out(text=""):
    """Write a line of the benchmark's report to stdout."""
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def log(message):
    """Progress on stderr (not part of the report)."""
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def parser(description):
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    result.add_argument("--db", default=os.environ.get("PRS_BENCH_DB", DEFAULT_DB))
    result.add_argument(
        "--rebuild", action="store_true", help="drop and rebuild the benchmark database"
    )
    return result


def run_main(main):
    """Run ``main()``; a missing feature prints a 'cannot run' line and exits 0."""
    try:
        main()
    except CannotRun as error:
        out(f"\nCANNOT RUN: {error}\n")


# Machine ------------------------------------------------------------------------------


def machine_info():
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{os.cpu_count()} CPU ({cpu}), load average {load}"


# Subprocesses and Redis ---------------------------------------------------------------


_CHILDREN = []


def _stop_children():
    for proc in reversed(list(_CHILDREN)):
        stop(proc)


atexit.register(_stop_children)


def spawn(args, **kwargs):
    proc = subprocess.Popen(args, **kwargs)  # pylint: disable=consider-using-with
    _CHILDREN.append(proc)
    return proc


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in _CHILDREN:
        _CHILDREN.remove(proc)


def start_redis():
    """This run's private redis-server (the suite's one helper,
    ``prs_cache_sync/tests/redis_server.py``), stopped at exit. Call it after
    :func:`prepare`, which puts the addons on ``odoo.addons``."""
    from odoo.addons.prs_cache_sync.tests.redis_server import RedisServer

    server = RedisServer().start()
    atexit.register(server.cleanup)
    return server


def redis_client(server):
    """A redis-py client of ``server`` as the API builds it: bytes replies, default
    connection pool, no socket timeout."""
    import redis

    return redis.Redis(host="127.0.0.1", port=server.port)


def commands_processed(server):
    """Server-side count of commands processed (the INFO call itself excluded)."""
    return int(server.client().info("stats")["total_commands_processed"])


# Odoo in-process -----------------------------------------------------------------------


def odoo_cmd(db, *args):
    return [sys.executable, str(ODOO_SRC / "odoo-bin"), "-c", str(ODOO_CONF), "-d", db, *args]


def db_exists(db):
    import psycopg2

    with contextlib.closing(
        psycopg2.connect(host="127.0.0.1", port=5432, user="odoo", dbname="postgres")
    ) as conn:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
            return bool(cr.fetchone())


def source_hash():
    """Hash of the PRS modules' source: a change triggers an update of the modules."""
    digest = hashlib.sha256()
    for module in PRS_MODULES:
        base = PRS_ROOT / module if (PRS_ROOT / module).is_dir() else PRS_ROOT / "addons" / module
        for path in sorted(base.rglob("*")):
            if path.suffix in (".py", ".xml", ".csv", ".json") and "tests" not in path.parts:
                digest.update(str(path.relative_to(PRS_ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _odoo_run(db, *args):
    log(f"odoo-bin -d {db} {' '.join(args)}")
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as out:
        started = time.monotonic()
        proc = subprocess.run(
            odoo_cmd(db, *args, "--stop-after-init", "--log-level=warn"),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
        out.seek(0)
        text = out.read()
    if proc.returncode:
        sys.stderr.write(text[-4000:])
        raise CannotRun(f"odoo-bin {' '.join(args)} failed on {db} (exit {proc.returncode})")
    log(f"done in {time.monotonic() - started:.0f} s")


def ensure_db(db, extra_modules=(), rebuild=False):
    """Create ``db`` with prs_suite (no demo) when missing, update the PRS modules when
    their source changed since the last run, install ``extra_modules`` when absent."""
    if rebuild and db_exists(db):
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "odoo", db], check=True)
    stamp = source_hash()
    if not db_exists(db):
        try:
            _odoo_run(db, "-i", ",".join(BASE_MODULES + tuple(extra_modules)), "--without-demo=all")
        except CannotRun:
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "odoo", "--if-exists", db], check=False
            )
            raise
        _set_stamp(db, stamp)
        return
    installed = _installed(db, BASE_MODULES + tuple(extra_modules))
    missing = [module for module in BASE_MODULES + tuple(extra_modules) if module not in installed]
    if missing:
        _odoo_run(db, "-i", ",".join(missing), "--without-demo=all")
    if _get_stamp(db) != stamp:
        _odoo_run(db, "-u", ",".join(PRS_MODULES))
        _set_stamp(db, stamp)


def _query(db, query, params=(), fetch=True):
    import psycopg2

    with contextlib.closing(
        psycopg2.connect(host="127.0.0.1", port=5432, user="odoo", dbname=db)
    ) as conn:
        with conn.cursor() as cr:
            cr.execute(query, params)
            rows = cr.fetchall() if fetch else None
        conn.commit()
    return rows


def _installed(db, modules):
    rows = _query(
        db,
        "SELECT name FROM ir_module_module WHERE state = 'installed' AND name IN %s",
        [tuple(modules)],
    )
    return {row[0] for row in rows}


def _get_stamp(db):
    rows = _query(db, "SELECT value FROM ir_config_parameter WHERE key = %s", [STAMP_PARAM])
    return rows[0][0] if rows else None


def _set_stamp(db, stamp):
    _query(db, "DELETE FROM ir_config_parameter WHERE key = %s", [STAMP_PARAM], fetch=False)
    _query(
        db,
        "INSERT INTO ir_config_parameter (key, value, create_date, write_date) "
        "VALUES (%s, %s, now(), now())",
        [STAMP_PARAM, stamp],
        fetch=False,
    )


_ODOO_READY = []


def load_odoo(db):
    """Configure Odoo in this process for ``db`` and return its registry."""
    import odoo

    if not _ODOO_READY:
        odoo.tools.config.parse_config(
            ["-c", str(ODOO_CONF), "-d", db, "--log-level=warn", "--max-cron-threads=0"]
        )
        _ODOO_READY.append(db)
    return odoo.registry(db)


@contextlib.contextmanager
def environment(db, uid=None, context=None):
    """An Environment on a new cursor, committed on success (post-commit hooks run)."""
    import odoo

    registry = load_odoo(db)
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, uid or odoo.SUPERUSER_ID, dict(context or {}))


def prepare(args, extra_modules=()):
    ensure_db(args.db, extra_modules=extra_modules, rebuild=args.rebuild)
    return load_odoo(args.db)


# Cache target ----------------------------------------------------------------------------


def use_redis_target(env, redis_server):
    """Point the database at ``redis_server``: one active target (others archived)."""
    if "prs.cache.target" not in env:
        raise CannotRun("prs_cache_sync has no prs.cache.target model yet")
    targets = env["prs.cache.target"].with_context(active_test=False)
    target = targets.search([("name", "=", "bench")], limit=1)
    values = {
        "name": "bench",
        "url": redis_server.url,
        "use_config": False,
        "active": True,
        "key_prefix": f"prs:{env.cr.dbname}",
    }
    if target:
        target.write(values)
    else:
        target = targets.create(values)
    (targets.search([("active", "=", True)]) - target).write({"active": False})
    return target


# Counters -----------------------------------------------------------------------------


class SqlCounter:
    """Counts every ``cursor.execute`` of this process (all cursors) while active."""

    def __init__(self):
        self.count = 0

    def __enter__(self):
        from odoo import sql_db

        self._cls = sql_db.Cursor
        self._orig = self._cls.execute
        counter = self

        def execute(cursor, query, params=None, log_exceptions=True):
            counter.count += 1
            return counter._orig(cursor, query, params, log_exceptions)

        self._cls.execute = execute
        return self

    def __exit__(self, *exc):
        self._cls.execute = self._orig


class RedisRoundTrips:
    """Counts client-to-server writes (one per command or per pipeline: a round trip)
    of every redis-py connection of this process while active."""

    def __init__(self):
        self.count = 0

    def __enter__(self):
        from redis.connection import AbstractConnection

        self._cls = AbstractConnection
        self._orig = AbstractConnection.send_packed_command
        counter = self

        def send_packed_command(conn, command, check_health=True):
            counter.count += 1
            return counter._orig(conn, command, check_health)

        AbstractConnection.send_packed_command = send_packed_command
        return self

    def __exit__(self, *exc):
        self._cls.send_packed_command = self._orig


# Timing and tables ---------------------------------------------------------------------


def timeit(func, repeat, warmup=1):
    """Run ``func`` ``warmup + repeat`` times; return the timings (seconds) of the
    measured runs."""
    for _i in range(warmup):
        func()
    timings = []
    for _i in range(repeat):
        start = time.perf_counter()
        func()
        timings.append(time.perf_counter() - start)
    return timings


def timeit_alternating(funcs, repeat, warmup=1):
    """Time each of ``funcs`` ({name: func}) once per round, ``repeat`` rounds, so that
    every path sees the same machine load; return {name: timings}."""
    for _i in range(warmup):
        for func in funcs.values():
            func()
    timings = {name: [] for name in funcs}
    for _i in range(repeat):
        for name, func in funcs.items():
            start = time.perf_counter()
            func()
            timings[name].append(time.perf_counter() - start)
    return timings


def median(values):
    return statistics.median(values)


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def fmt_ms(seconds):
    ms = seconds * 1000
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 1:
        return f"{ms:.2f} ms"
    return f"{ms * 1000:.0f} µs"


def fmt_ratio(value):
    return f"{value:.1f}x" if value >= 10 else f"{value:.2f}x"


def verdict(ok):
    return "met" if ok else "NOT met"


def table(title, headers, rows, notes=()):
    """Print a markdown table (the same text goes into bench/README.md)."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    out(f"\n### {title}\n")
    out("| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    out("| " + " | ".join("-" * w for w in widths) + " |")
    for row in rows:
        out("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    if notes:
        out()
        for note in notes:
            out(f"- {note}")
    out()


def versions():
    """Versions of the parts measured: Odoo, PostgreSQL, redis-server, redis-py, Python."""
    import redis

    from odoo import release

    server = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    redis_version = next((w[2:] for w in server if w.startswith("v=")), "?")
    pg_version = _query("postgres", "SHOW server_version")[0][0]
    return (
        f"Odoo {release.version}, PostgreSQL {pg_version}, redis-server {redis_version}, "
        f"redis-py {redis.__version__}, Python {platform.python_version()}"
    )


def header(name, args):
    out(f"## {name}{' (--quick)' if args.quick else ''}\n")
    out(f"machine: {machine_info()}; database {args.db}")
    out(f"versions: {versions()}")


# HTTP ---------------------------------------------------------------------------------


class OdooServer:
    """``odoo-bin`` serving ``db`` on a free port (or ``port``) with ``--workers=0`` (one
    process), or ``workers`` prefork workers (their long-polling process on another free
    port); ``extra_args`` go to odoo-bin as they are."""

    def __init__(self, db, redis_url=None, workers=0, port=None, extra_args=()):
        from odoo.addons.prs_cache_sync.tests.redis_server import free_port

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        if redis_url:
            env["PRS_REDIS_URL"] = redis_url
        self.log = tempfile.NamedTemporaryFile(  # pylint: disable=consider-using-with
            "w+", prefix="prs-bench-odoo-", suffix=".log"
        )
        self.proc = spawn(
            odoo_cmd(
                db,
                f"--http-port={self.port}",
                "--http-interface=127.0.0.1",
                f"--workers={workers}",
                *([f"--gevent-port={free_port()}"] if workers else []),
                "--max-cron-threads=0",
                f"--db-filter=^{db}$",
                "--log-level=warn",
                *extra_args,
            ),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                sys.stderr.write(self.log.read()[-4000:])
                raise RuntimeError("the Odoo server exited")
            try:
                with urllib.request.urlopen(f"{self.url}/web/login", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the Odoo server did not answer /web/login: {error}")
            if time.monotonic() > deadline:
                raise RuntimeError("the Odoo server did not answer /web/login within 120 s")
            time.sleep(0.3)

    def stop(self):
        stop(self.proc)
        self.log.close()


def json_dumps_size(value):
    return len(json.dumps(value, separators=(",", ":")).encode())
