"""Who is calling: the remote address of the RPC request being served (no ORM).

Odoo 17 hides ``odoo.http.request`` while it dispatches an XML-RPC or JSON-RPC call
(``odoo.http.borrow_request``), so the RPC controller override of this module records
the caller's address here for the duration of the call.
"""

import threading

_CALL = threading.local()


def set_remote_addr(address):
    _CALL.remote_addr = address


def get_remote_addr():
    return getattr(_CALL, "remote_addr", None)
