"""Who is calling: the remote address of the RPC request being served (no ORM).

Odoo 17 hides ``odoo.http.request`` while it dispatches an XML-RPC or JSON-RPC call
(``odoo.http.borrow_request``), so the RPC controller override of this module records
the caller's address here for the duration of the call.
"""

import threading

_CALL = threading.local()


def set_remote_addr(address, user_agent=None, endpoint=None):
    _CALL.remote_addr = address
    _CALL.user_agent = user_agent
    _CALL.endpoint = endpoint


def get_remote_addr():
    return getattr(_CALL, "remote_addr", None)


def get_http_details():
    """``(user agent, endpoint)`` of the RPC request being served, or ``(None, None)``."""
    return getattr(_CALL, "user_agent", None), getattr(_CALL, "endpoint", None)


def http_details(httprequest):
    """``(remote address, user agent, endpoint)`` of a werkzeug request."""
    agent = httprequest.headers.get("User-Agent") or None
    return httprequest.remote_addr, agent[:512] if agent else None, httprequest.path[:256]
