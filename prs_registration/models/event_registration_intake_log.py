import time

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.http import request

from ..tools import caller

MAX_INT = 2**31 - 1


def _as_id(value):
    """A database id from an untrusted payload value, else 0."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_INT:
        return value
    return 0


class EventRegistration(models.Model):
    """Record every intake call in ``prs.intake.log`` (wrapping ``prs_submit``)."""

    _inherit = "event.registration"

    @api.model
    def prs_submit(self, payload):
        call_date = fields.Datetime.now()
        started = time.perf_counter()
        result = failure = None
        try:
            result = super().prs_submit(payload)
        except Exception as error:
            failure = error
            raise
        finally:
            duration_ms = int((time.perf_counter() - started) * 1000)
            self._prs_log_intake(payload, result, failure, call_date, duration_ms)
        return result

    @api.model
    def _prs_log_intake(self, payload, result, failure, call_date, duration_ms):
        """Write the log row of one call; never raises."""
        try:
            vals = self._prs_intake_log_values(payload, result, failure)
        except Exception:  # a strange payload or result must not break the call
            vals = {"result": "error", "error_codes": "unloggable"}
        vals.update(call_date=call_date, duration_ms=duration_ms, user_id=self.env.uid)
        return self.env["prs.intake.log"]._prs_write(vals)

    @api.model
    def _prs_intake_log_values(self, payload, result, failure):
        payload = payload if isinstance(payload, dict) else {}
        submission_id = payload.get("submission_id")
        vals = {
            "submission_id": submission_id[:128] if isinstance(submission_id, str) else False,
            "program_id": _as_id(payload.get("program_id")),
            "flow_id": _as_id(payload.get("flow_id")),
            "step_id": _as_id(payload.get("step_id")),
            "registration_id": _as_id(payload.get("registration_id")),
            "remote_addr": (
                request.httprequest.remote_addr if request else caller.get_remote_addr()
            )
            or False,
        }
        if failure is not None:
            code = "access_denied" if isinstance(failure, AccessError) else "server_error"
            vals.update(result="error", error_codes=code)
        elif isinstance(result, dict) and result.get("ok"):
            vals.update(result="ok", error_codes=False)
            vals["registration_id"] = (
                _as_id(result.get("registration_id")) or vals["registration_id"]
            )
        else:
            errors = result.get("errors") if isinstance(result, dict) else None
            codes = []
            for error in errors if isinstance(errors, list) else []:
                code = error.get("code") if isinstance(error, dict) else None
                if isinstance(code, str) and code not in codes:
                    codes.append(code)
            vals.update(result="error", error_codes=",".join(codes)[:255] or "unknown")
        return vals
