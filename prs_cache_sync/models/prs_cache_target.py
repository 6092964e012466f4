import logging
import threading
import time
from datetime import timedelta

from cryptography.fernet import Fernet, MultiFernet
from psycopg2.extensions import TransactionRollbackError

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, config

from odoo.addons.prs_base.tools.config import param_int, read_section

from ..tools import redis_io
from ..tools import settings as prs_settings
from ..tools.payloads import versions_key

_logger = logging.getLogger(__name__)

# Targets whose last delivery failed, per (database, target id): monotonic time until
# which the after-commit delivery leaves them to the cron (so a save never waits on a
# Redis that is known to be down).
_DOWN_UNTIL = {}
DOWN_GRACE = 30.0
# A success is recorded on the target at most this often (seconds) while nothing changes.
SUCCESS_TOUCH_INTERVAL = 60
HEALTH_MAX_AGE_PARAM = "prs_cache_sync.health_max_pending_age"
HEALTH_DEFAULT_MAX_AGE = 600  # seconds
# All targets of a health report are pinged in parallel under this one deadline (seconds).
HEALTH_PING_DEADLINE = 2.5
ENVIRONMENT_PARAM = "prs_cache_sync.environment"
ENVIRONMENT_SELECTION = [("production", "Production"), ("uat", "UAT")]


class PrsCacheTarget(models.Model):
    _name = "prs.cache.target"
    _inherit = ["mail.thread"]
    _description = "Redis Cache Target"
    _order = "sequence, id"

    # audit: changes of the connection (URL, prefix, source, password set or cleared)
    # are tracked in the chatter, which only administrators read
    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    use_config = fields.Boolean(
        tracking=True,
        string="Use odoo.conf Settings",
        help="Read URL, password, key prefix and timeouts from the [prs_cache_sync] section "
        "of odoo.conf and the PRS_REDIS_* environment variables instead of this record.",
    )
    url = fields.Char(
        tracking=True,
        string="Redis URL",
        help="redis://host:port/db or rediss://host:port/db. A password typed in the URL "
        "is moved to the password and never shown again.",
    )
    redis_password = fields.Char(
        string="Stored Password",
        copy=False,
        groups="base.group_system",
        help="Technical: only readable by the superuser; use Password to change it.",
    )
    password = fields.Char(
        compute="_compute_password",
        inverse="_inverse_password",
        help="Write-only: the stored password is never displayed.",
    )
    has_password = fields.Boolean(compute="_compute_has_password")
    key_prefix = fields.Char(
        tracking=True, help="Prefix of every key; empty means prs:<database name>."
    )
    environment = fields.Selection(
        ENVIRONMENT_SELECTION,
        default=lambda self: self._prs_default_environment(),
        help="The environment this Redis serves. A database publishes only to targets of "
        "its own environment (odoo.conf [prs_cache_sync] environment, PRS_ENVIRONMENT or "
        "the system parameter prs_cache_sync.environment); with Use odoo.conf Settings, "
        "redis_environment of odoo.conf (default: the database's).",
    )
    ssl_ca_file = fields.Char(
        string="TLS CA File",
        help="rediss:// only: path (on the Odoo server) of the PEM file of the certificate "
        "authorities trusted for the Redis server; empty: the system's.",
    )
    ssl_cert_file = fields.Char(
        string="TLS Client Certificate", help="rediss:// only: PEM client certificate path."
    )
    ssl_key_file = fields.Char(
        string="TLS Client Key", help="rediss:// only: PEM private key path of the certificate."
    )
    effective_environment = fields.Char(compute="_compute_effective")
    environment_error = fields.Char(compute="_compute_effective")
    socket_timeout = fields.Float(default=2.0, help="Seconds per Redis command.")
    connect_timeout = fields.Float(default=2.0, help="Seconds to connect.")
    effective_url = fields.Char(
        compute="_compute_effective", help="The URL in use, password masked."
    )
    effective_prefix = fields.Char(compute="_compute_effective")
    key_ids = fields.One2many("prs.cache.key", "target_id", string="Keys")
    key_count = fields.Integer(compute="_compute_counts")
    pending_count = fields.Integer(compute="_compute_counts", string="Pending Writes")
    failed_count = fields.Integer(compute="_compute_counts", string="Failing Writes")
    last_error = fields.Char(readonly=True, copy=False)
    last_error_date = fields.Datetime(readonly=True, copy=False)
    last_success_date = fields.Datetime(readonly=True, copy=False)

    @api.constrains("use_config", "url", "ssl_ca_file", "ssl_cert_file", "ssl_key_file")
    def _check_url(self):
        for target in self.filtered(lambda t: not t.use_config):
            problem = prs_settings.check_url(target.url) or prs_settings.check_tls_files(
                target._prs_get_settings()
            )
            if problem:
                raise ValidationError(
                    _("Target %(name)s: %(problem)s", name=target.name, problem=problem)
                )

    @api.constrains("socket_timeout", "connect_timeout")
    def _check_timeouts(self):
        for target in self:
            if target.socket_timeout <= 0 or target.connect_timeout <= 0:
                raise ValidationError(_("Timeouts must be positive."))

    def _compute_password(self):
        self.password = False

    def _inverse_password(self):
        for target in self:
            if target.password:
                # sudo: the password is written to the superuser-only field on purpose;
                # administrators may set it but nobody reads it back.
                # the write that sets password notes the change (not this nested one)
                target.sudo().with_context(prs_password_noted=True).redis_password = target.password

    def _compute_has_password(self):
        # Only the presence of a password is exposed, never its value (the superuser
        # read happens in _prs_get_settings).
        for target in self:
            target.has_password = bool(target._prs_get_settings()["password"])

    @api.depends("use_config", "url", "key_prefix", "environment")
    def _compute_effective(self):
        for target in self:
            values = target._prs_get_settings()
            target.effective_url = prs_settings.redact(values["url"], [values["password"]])
            target.effective_prefix = values["prefix"]
            target.effective_environment = values["environment"]
            target.environment_error = target._prs_environment_error()

    def _compute_counts(self):
        groups = self.env["prs.cache.outbox"]._read_group(
            [("target_id", "in", self.ids), ("state", "in", ("pending", "failed"))],
            ["target_id", "state"],
            ["__count"],
        )
        counts = {(target.id, state): count for target, state, count in groups}
        key_counts = dict(
            self.env["prs.cache.key"]._read_group(
                [("target_id", "in", self.ids), ("op", "!=", "delete")],
                ["target_id"],
                ["__count"],
            )
        )
        for target in self:
            target.pending_count = counts.get((target.id, "pending"), 0) + counts.get(
                (target.id, "failed"), 0
            )
            target.failed_count = counts.get((target.id, "failed"), 0)
            target.key_count = key_counts.get(target, 0)

    @api.model
    def _prs_move_password(self, vals):
        """A password typed in the URL goes to the password field, never stored in url."""
        if vals.get("url"):
            url, password = prs_settings.split_password(vals["url"].strip())
            vals["url"] = url
            if password:
                vals["password"] = password
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        targets = super().create([self._prs_move_password(dict(vals)) for vals in vals_list])
        targets.filtered("active")._prs_initial_sync()
        return targets

    def write(self, vals):
        activated = self.filtered(lambda t: not t.active) if vals.get("active") else self.browse()
        vals = self._prs_move_password(dict(vals))
        # sudo: only whether a password is stored is read, for the audit note below
        had_password = {target.id: bool(target.sudo().redis_password) for target in self}
        result = super().write(vals)
        if {"password", "redis_password"} & set(vals) and not self.env.context.get(
            "prs_password_noted"
        ):
            self._prs_post_password_change(had_password)
        if {
            "url",
            "password",
            "use_config",
            "socket_timeout",
            "connect_timeout",
            *prs_settings.TLS_KEYS,
        } & set(vals):
            redis_io.drop_clients(self.env.cr.dbname)
        activated._prs_initial_sync()
        return result

    def _prs_post_password_change(self, had_password):
        """Audit note on each target whose stored password was set, changed or cleared
        (never the value)."""
        for target in self:
            # sudo: presence of the password only
            has = bool(target.sudo().redis_password)
            if has:
                body = _("Password changed.") if had_password.get(target.id) else _("Password set.")
            elif had_password.get(target.id):
                body = _("Password cleared.")
            else:
                continue
            target.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _prs_initial_sync(self):
        """A new (or reactivated) target receives everything that is published."""
        if self and not self.env.context.get("prs_cache_no_initial_sync"):
            self.env["prs.cache.key"]._prs_sync_all(targets=self, force=True)

    # Settings and client --------------------------------------------------------------

    @api.model
    def _prs_config(self):
        return prs_settings.read_config(config.misc.get("prs_cache_sync", {}))

    @api.model
    def _prs_database_environment(self):
        """The environment of this database (``production`` or ``uat``): odoo.conf
        ``[prs_cache_sync] environment`` or ``PRS_ENVIRONMENT`` (the server's, so a backup
        restored on a UAT server is UAT at once), else the system parameter
        ``prs_cache_sync.environment``, else production."""
        declared = self._prs_config()["environment"]
        if not declared:
            # sudo: one technical setting, read by whoever publishes.
            param = self.env["ir.config_parameter"].sudo().get_param(ENVIRONMENT_PARAM)
            declared = (param or "").strip().lower()
        return declared or prs_settings.DEFAULT_ENVIRONMENT

    @api.model
    def _prs_default_environment(self):
        environment = self._prs_database_environment()
        return environment if environment in prs_settings.ENVIRONMENTS else False

    def _prs_environment_error(self):
        """Why this database must not publish to this target, or ``None``."""
        self.ensure_one()
        database = self._prs_database_environment()
        problem = prs_settings.check_environment(database)
        if problem:
            return _("This database's environment is wrong: %s", problem)
        served = self._prs_get_settings()["environment"]
        if not served:
            return _("Target %s declares no environment: set the one it serves.", self.name)
        if served != database:
            return _(
                "Target %(name)s serves %(served)s, this database is %(database)s: publishing "
                "to it is refused. Point the target to a Redis of %(database)s (and set its "
                "environment), or fix the database's environment (odoo.conf [prs_cache_sync] "
                "environment, PRS_ENVIRONMENT, system parameter prs_cache_sync.environment).",
                name=self.name,
                served=served,
                database=database,
            )
        return None

    def _prs_get_settings(self):
        """Effective connection settings: ``{url, password, prefix, socket_timeout,
        connect_timeout, environment, ssl_ca_file, ssl_cert_file, ssl_key_file}`` (the
        password is for the client only: never log it)."""
        self.ensure_one()
        default_prefix = prs_settings.default_prefix(self.env.cr.dbname)
        if self.use_config:
            conf = self._prs_config()
            url, password = prs_settings.split_password(conf["redis_url"])
            return {
                "url": url,
                "password": password,
                "prefix": conf["key_prefix"] or default_prefix,
                "socket_timeout": conf["socket_timeout"],
                "connect_timeout": conf["connect_timeout"],
                "environment": conf["redis_environment"] or self._prs_database_environment(),
                **{key: conf[key] for key in prs_settings.TLS_KEYS},
            }
        return {
            "url": self.url or "",
            # sudo: the client needs the password; it never leaves this method's callers.
            "password": self.sudo().redis_password or None,
            "prefix": (self.key_prefix or "").strip() or default_prefix,
            "socket_timeout": self.socket_timeout or prs_settings.DEFAULT_TIMEOUT,
            "connect_timeout": self.connect_timeout or prs_settings.DEFAULT_TIMEOUT,
            "environment": self.environment or None,
            **{key: (self[key] or "").strip() or None for key in prs_settings.TLS_KEYS},
        }

    def _prs_check_usable(self):
        """Raise ``UserError`` (a message safe to show) when this database must not or
        cannot write to this target: another environment, or settings (odoo.conf and
        environment variables included) that are not usable."""
        self.ensure_one()
        problem = self._prs_environment_error()
        if not problem:
            values = self._prs_get_settings()
            problem = prs_settings.check_url(values["url"]) or prs_settings.check_tls_files(values)
            if problem:
                problem = _("Target %(name)s: %(problem)s", name=self.name, problem=problem)
        if problem:
            raise UserError(self._prs_redact(problem))

    def _prs_get_prefix(self):
        return self._prs_get_settings()["prefix"]

    def _prs_versions_key(self):
        return versions_key(self._prs_get_prefix())

    def _prs_get_client(self):
        """The redis-py client of this target (built lazily, once per process). Raises
        ``UserError`` for a target of another environment or with unusable settings."""
        self.ensure_one()
        self._prs_check_usable()
        values = self._prs_get_settings()
        return redis_io.get_client(self.env.cr.dbname, self.id, values)

    def _prs_get_script(self):
        self.ensure_one()
        self._prs_check_usable()
        return redis_io.get_script(self.env.cr.dbname, self.id, self._prs_get_settings())

    def _prs_redact(self, text):
        """``text`` with this target's password and any URL password masked."""
        secrets = [target._prs_get_settings()["password"] for target in self]
        return prs_settings.redact(text, secrets)

    def _prs_is_down(self):
        self.ensure_one()
        return _DOWN_UNTIL.get((self.env.cr.dbname, self.id), 0) > time.monotonic()

    def _prs_mark_down(self, error):
        """Remember a failure (message redacted) and let the cron retry."""
        for target in self:
            _DOWN_UNTIL[(self.env.cr.dbname, target.id)] = time.monotonic() + DOWN_GRACE
        message = self._prs_redact(str(error))[:500]
        _logger.warning("Redis cache target(s) %s unavailable: %s", self.ids, message)
        self._prs_record_failure(message)
        return message

    def _prs_mark_up(self):
        for target in self:
            _DOWN_UNTIL.pop((self.env.cr.dbname, target.id), None)
        self._prs_record_success()

    @api.model
    def _prs_get_active_targets(self):
        return self.search([])

    # Status, safe with several delivery workers ----------------------------------------
    #
    # Every delivery transaction of a target used to update the target's row
    # (``last_success_date``): with two workers (prefork workers, cron threads, the
    # after-commit delivery) the second one waited for the first's row lock and then
    # failed with a serialization error *after* its writes had reached Redis, so they
    # were sent again. The status is written in a savepoint that skips a row another
    # transaction holds and gives up on a concurrent update: the delivering transaction
    # never waits for, nor fails on, a shared row.

    def _prs_update_status(self, values, only_if=None):
        """Write ``values`` (``{column: value}`` of status columns) on these targets'
        rows unless another transaction is writing them; ``only_if``: extra ``SQL``
        condition that the rows must meet. Returns the ids written."""
        if not self:
            return []
        self.flush_recordset(list(values))
        query = SQL(
            """
            UPDATE prs_cache_target SET %s
             WHERE id IN (SELECT id FROM prs_cache_target
                           WHERE id IN %s AND (%s)
                             FOR NO KEY UPDATE SKIP LOCKED)
            RETURNING id
            """,
            SQL(", ").join(
                SQL("%s = %s", SQL.identifier(column), value) for column, value in values.items()
            ),
            tuple(self.ids),
            only_if or SQL("TRUE"),
        )
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(query, log_exceptions=False)
                written = [row[0] for row in cr.fetchall()]
        except TransactionRollbackError:
            # another worker updated these rows since this transaction began: theirs is
            # as recent as ours; the delivery itself must not fail for it
            written = []
        self.invalidate_recordset(list(values))
        return written

    def _prs_record_success(self):
        """Clear the last error and refresh ``last_success_date`` (at most once per
        ``SUCCESS_TOUCH_INTERVAL`` while nothing changes)."""
        now = fields.Datetime.now()
        return self._prs_update_status(
            {"last_error": None, "last_success_date": now},
            SQL(
                "last_error IS NOT NULL OR last_success_date IS NULL OR last_success_date < %s",
                now - timedelta(seconds=SUCCESS_TOUCH_INTERVAL),
            ),
        )

    def _prs_record_failure(self, message):
        """Store the (redacted) last error and when it happened."""
        return self._prs_update_status(
            {"last_error": message, "last_error_date": fields.Datetime.now()}
        )

    # Actions ----------------------------------------------------------------------------

    def action_test_connection(self):
        self._prs_check_admin()
        self.ensure_one()
        try:
            self._prs_get_client().ping()
        except Exception as error:  # any failure is the answer: wrong CA, bad URL, ...
            raise UserError(
                _(
                    "Cannot reach %(name)s: %(error)s",
                    name=self.name,
                    error=self._prs_redact(str(error)),
                )
            ) from None
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "message": _("Connected to %s.", self.name)},
        }

    def _prs_check_admin(self):
        """Target buttons are public methods, reachable over RPC with bare ids: they work
        with sudo below, so the caller must be allowed to edit the targets themselves."""
        self.check_access_rights("write")
        self.check_access_rule("write")

    def action_retry_now(self):
        """Deliver every pending or failing write of these targets now."""
        self._prs_check_admin()
        rows = self.env["prs.cache.outbox"].search(
            [("target_id", "in", self.ids), ("state", "in", ("pending", "failed"))]
        )
        return rows.action_retry_now()

    def action_resync(self):
        """Rewrite every key of these targets from the database."""
        self._prs_check_admin()
        self.env["prs.cache.key"]._prs_sync_all(targets=self, force=True)
        return self._prs_notify(_("Resync queued; keys are written after commit."))

    def action_verify(self):
        self._prs_check_admin()
        return self.env["prs.cache.verify"]._prs_open(self)

    def action_view_keys(self):
        self._prs_check_admin()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_cache_sync.prs_cache_key_action"
        )
        action["domain"] = [("target_id", "in", self.ids)]
        return action

    def action_view_outbox(self):
        self._prs_check_admin()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_cache_sync.prs_cache_outbox_action"
        )
        action["domain"] = [("target_id", "in", self.ids)]
        return action

    @api.model
    def _prs_notify(self, message, notif_type="info"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": notif_type, "message": message, "sticky": False},
        }

    # Health (GET /prs/health, for monitoring) ------------------------------------------

    @api.model
    def _prs_health_max_age(self):
        return param_int(self.env, HEALTH_MAX_AGE_PARAM, HEALTH_DEFAULT_MAX_AGE)

    def _prs_health_ping(self, deadline=HEALTH_PING_DEADLINE):
        """``{"id", "name", "environment", "ok", "latency_ms", "error"}`` of each target
        in ``self``: a PING through its client, all targets in parallel threads, under
        one overall ``deadline`` (seconds): a target that has not answered by then is
        reported with ``"error": "timeout"`` (its thread ends at its socket timeout).
        Only the target's name and id are given, never its URL or password, and an
        error is named by its class, never by its (address-bearing) message."""
        reports, pings = [], []
        for target in self:  # settings and clients are read here, in the request's thread
            report = {
                "id": target.id,
                "name": target.name,
                "environment": target._prs_get_settings()["environment"],
                "ok": False,
                "latency_ms": None,
                "error": None,
            }
            environment_error = target._prs_environment_error()
            if environment_error:
                report.update(error="environment", environment_error=environment_error)
                reports.append(report)
                continue
            try:
                client = target._prs_get_client()
            except Exception as error:  # any failure is reported, by its class only
                reports.append(dict(report, error=type(error).__name__))
                continue
            reports.append(report)
            pings.append((len(reports) - 1, client))
        results = {}

        def ping(index, client):
            # the thread touches the redis-py client only (thread-safe), never the ORM
            started = time.perf_counter()
            try:
                client.ping()
            except Exception as error:  # any failure is reported, by its class only
                results[index] = {"error": type(error).__name__}
            else:
                latency_ms = round((time.perf_counter() - started) * 1000, 1)
                results[index] = {"ok": True, "latency_ms": latency_ms}

        threads = [
            threading.Thread(target=ping, args=item, name="prs-health-ping", daemon=True)
            for item in pings
        ]
        end = time.monotonic() + deadline
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))
        for index, __ in pings:
            reports[index].update(dict(results).get(index, {"error": "timeout"}))
        return reports

    @api.model
    def _prs_health_outbox(self):
        """Backlog of the active targets' outbox: count and age of the oldest write."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT count(*),
                   count(*) FILTER (WHERE o.state = 'failed'),
                   extract(epoch FROM (now() at time zone 'utc') - min(o.create_date))
              FROM prs_cache_outbox o
              JOIN prs_cache_target t ON t.id = o.target_id
             WHERE o.state IN ('pending', 'failed') AND t.active
                """
            )
        )
        backlog, failing, oldest_age = self.env.cr.fetchone()
        return {
            "backlog": backlog,
            "failing": failing,
            "oldest_pending_age_s": round(float(oldest_age), 1) if oldest_age is not None else None,
            "max_age_s": self._prs_health_max_age(),
        }

    @api.model
    def _prs_health_cron(self):
        cron = self.env.ref("prs_cache_sync.ir_cron_prs_cache_deliver", raise_if_not_found=False)
        if not cron:
            return {"active": False, "last_run": None}
        # sudo: only the cron's active flag and last run time are reported.
        cron = cron.sudo()
        return {
            "active": cron.active,
            "last_run": fields.Datetime.to_string(cron.lastcall) if cron.lastcall else None,
        }

    @api.model
    def _prs_health_encryption(self):
        """A problem when a form has a sensitive field and no usable encryption key is
        configured (``[prs_registration] encryption_key`` / ``PRS_ENCRYPTION_KEY``), so
        that intake refuses its answers; else ``None``."""
        # sudo: only whether a sensitive field exists is reported.
        if not self.env["form.field"].sudo().search_count([("sensitive", "=", True)], limit=1):
            return None
        keys = read_section("prs_registration", {"encryption_key": "PRS_ENCRYPTION_KEY"})
        keys = [key.strip() for key in (keys["encryption_key"] or "").split(",") if key.strip()]
        try:
            if keys:
                MultiFernet([Fernet(key.encode()) for key in keys])
                return None
        except (ValueError, TypeError):
            return "encryption key invalid"
        return "encryption key missing"

    @api.model
    def _prs_health_no_target(self):
        """A problem when no target is active (e.g. the default target archived and no
        other one): publishing then writes nothing."""
        if self.search_count([], limit=1):
            return None
        default = self.env.ref("prs_cache_sync.prs_cache_target_default", raise_if_not_found=False)
        if default and not default.active:
            return "default target archived and no other active target: nothing is published"
        return "no active Redis target: nothing is published"

    @api.model
    def _prs_health(self):
        """Health report: ``(healthy, report)``. Unhealthy when the database does not
        answer, an active target is unreachable or serves another environment, no target
        is active, a sensitive field has no encryption key, or the oldest pending write
        is older than ``prs_cache_sync.health_max_pending_age`` seconds (default 600)."""
        self.env.cr.execute(SQL("SELECT 1"))
        database_ok = self.env.cr.fetchone() == (1,)
        targets = self._prs_get_active_targets()._prs_health_ping()
        outbox = self._prs_health_outbox()
        problems = [
            f"target {target['name']} serves {target['environment']}, "
            f"database is {self._prs_database_environment()}"
            if target["error"] == "environment"
            else f"target {target['name']} unreachable"
            for target in targets
            if not target["ok"]
        ]
        problems += [
            problem
            for problem in (self._prs_health_no_target(), self._prs_health_encryption())
            if problem
        ]
        if not database_ok:
            problems.insert(0, "database")
        age = outbox["oldest_pending_age_s"]
        if age is not None and age > outbox["max_age_s"]:
            problems.append("outbox backlog too old")
        report = {
            "status": "fail" if problems else "ok",
            "problems": problems,
            "database": {"ok": database_ok, "environment": self._prs_database_environment()},
            "targets": targets,
            "outbox": outbox,
            "cron": self._prs_health_cron(),
            "checked_at": fields.Datetime.to_string(fields.Datetime.now()),
        }
        return not problems, report
