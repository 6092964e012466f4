import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.prs_cache_key import PAYLOAD_LANG
from ..tools import events as events_tools
from ..tools import payloads, redis_io

_logger = logging.getLogger(__name__)

GLOB_SPECIALS = "\\*?[]"


def _glob_escape(text):
    return "".join("\\" + char if char in GLOB_SPECIALS else char for char in text)


class PrsCacheVerify(models.TransientModel):
    """Verify: compare what Redis holds with what the database would publish."""

    _name = "prs.cache.verify"
    _description = "Redis Cache Verification"
    _order = "id desc"

    target_ids = fields.Many2many("prs.cache.target", string="Targets")
    program_ids = fields.Many2many(
        "event.event", string="Programs", help="Empty: every program and every master."
    )
    line_ids = fields.One2many("prs.cache.verify.line", "verify_id", string="Drift")
    checked_count = fields.Integer(string="Keys Checked", readonly=True)
    ok_count = fields.Integer(string="Keys in Sync", readonly=True)
    drift_count = fields.Integer(compute="_compute_drift_count")
    error = fields.Char(readonly=True)

    @api.depends("line_ids")
    def _compute_drift_count(self):
        for wizard in self:
            wizard.drift_count = len(wizard.line_ids)

    @api.model
    def _prs_open(self, targets=None, programs=None):
        targets = targets or self.env["prs.cache.target"].search([])
        wizard = self.create(
            {
                "target_ids": [(6, 0, targets.ids)],
                "program_ids": [(6, 0, programs.ids if programs else [])],
            }
        )
        wizard._prs_run()
        return {
            "type": "ir.actions.act_window",
            "name": _("Redis Verification"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _prs_run(self):
        """Fill the drift lines: ``missing`` (expected, absent), ``stale`` (present,
        different checksum), ``foreign`` (present under the prefix, not expected)."""
        self.ensure_one()
        self.line_ids.unlink()
        lines, checked, ok, errors = [], 0, 0, []
        for target in self.target_ids:
            try:
                target_lines, target_checked = self._prs_verify_target(target)
            except (*redis_io.redis_errors(), UserError) as error:
                errors.append(f"{target.name}: {target._prs_redact(str(error))}")
                continue
            checked += target_checked
            ok += target_checked - len(target_lines)
            lines += target_lines
        if not self.program_ids:  # a full Verify: its drift is the metric of the targets
            verified = self.target_ids.filtered(
                lambda target: not any(error.startswith(f"{target.name}: ") for error in errors)
            )
            self.env["prs.metrics"]._prs_record_drift(
                {
                    target: sum(1 for vals in lines if vals["target_id"] == target.id)
                    for target in verified
                }
            )
        self.write(
            {
                "line_ids": [(0, 0, vals) for vals in lines],
                "checked_count": checked,
                "ok_count": ok,
                "error": "; ".join(errors)[:500] or False,
            }
        )
        return lines

    def _prs_expected(self, target):
        """``{key: entry}`` the database expects on ``target`` (within this scope)."""
        prefix = target._prs_get_prefix()
        published_at = self.env["prs.cache.key"]._prs_published_at()
        # sudo: verification reads all configuration, like the publisher does.
        if self.program_ids:
            events = self.program_ids.sudo()
        else:
            flows = self.env["event.flow"].sudo().search([("state", "=", "published")])
            events = flows.event_id
        events = events.with_context(lang=PAYLOAD_LANG)
        entries = events._prs_cache_entries(prefix, published_at)
        if not self.program_ids:
            masters = self.env["prs.master"].sudo().with_context(lang=PAYLOAD_LANG).search([])
            entries += masters._prs_cache_entries(prefix)
            # the capacity states just counted for the program indexes (every published
            # program): the catalogue is checked against the counts, not the keys
            capacity = {
                entry["program_id"]: entry["capacity_state"]
                for entry in entries
                if entry.get("capacity_state")
            }
            builder = self.env["prs.cache.key"]._prs_catalogue_builder(published_at, capacity)
            entries += builder(prefix)
        return {entry["key"]: entry for entry in entries}

    def _prs_scan_patterns(self, prefix):
        escaped = _glob_escape(prefix)
        if not self.program_ids:
            return [f"{escaped}:*"]
        patterns = []
        for program_id in self.program_ids.ids:
            patterns += [f"{escaped}:{program_id}", f"{escaped}:{program_id}:*"]
        return patterns

    def _prs_verify_target(self, target):
        prefix = target._prs_get_prefix()
        expected = self._prs_expected(target)
        client = target._prs_get_client()
        present = set()
        for pattern in self._prs_scan_patterns(prefix):
            present.update(client.scan_iter(match=pattern, count=1000))
        present.discard(payloads.versions_key(prefix))
        # the registration events stream is not configuration: never foreign nor repaired
        present.discard(events_tools.stream_key(prefix))
        names = sorted(expected)
        pipe = client.pipeline(transaction=False)
        for name in names:
            if expected[name]["op"] == "list":
                pipe.lrange(name, 0, -1)
            else:
                pipe.get(name)
        results = pipe.execute(raise_on_error=False) if names else []
        lines = []
        for name, actual in zip(names, results, strict=True):
            entry = expected[name]
            status, actual_checksum = self._prs_compare(entry, actual)
            if status != "ok":
                lines.append(
                    {
                        "target_id": target.id,
                        "key": name,
                        "status": status,
                        "expected_checksum": entry["checksum"],
                        "actual_checksum": actual_checksum,
                    }
                )
        for name in sorted(present - set(expected)):
            lines.append({"target_id": target.id, "key": name, "status": "foreign"})
        return lines, len(names) + len(present - set(expected))

    @api.model
    def _prs_compare(self, entry, actual):
        """``(status, checksum of what Redis holds)`` for one expected entry."""
        if isinstance(actual, Exception):
            return "stale", False
        if actual is None or actual == []:
            return "missing", False
        try:
            if entry["op"] == "list":
                actual_checksum = payloads.list_checksum([json.loads(item) for item in actual])
            else:
                actual_checksum = payloads.payload_checksum(json.loads(actual))
        except (TypeError, ValueError):
            return "stale", False
        return ("ok" if actual_checksum == entry["checksum"] else "stale"), actual_checksum

    def action_repair(self):
        """Rewrite the drifting keys' scope and delete the foreign keys."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(_("Nothing to repair."))
        key_model = self.env["prs.cache.key"]
        rows = self.env["prs.cache.outbox"]
        for target in self.target_ids:
            if self.program_ids:
                rows |= key_model._prs_sync_programs(
                    self.program_ids.ids, targets=target, force=True
                )
            else:
                rows |= key_model._prs_sync_all(targets=target, force=True)
            foreign = self.line_ids.filtered(
                lambda line, target=target: line.target_id == target and line.status == "foreign"
            )
            rows |= self.env["prs.cache.outbox"]._prs_enqueue(
                target,
                [
                    {
                        "key": line.key,
                        "op": "delete",
                        "payload": None,
                        "checksum": False,
                        "kind": "other",
                    }
                    for line in foreign
                ],
            )
        return key_model._prs_notify_queued(rows)

    def action_verify_again(self):
        self._prs_run()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
