from odoo.http import request, route

from odoo.addons.base.controllers.rpc import RPC

from ..tools import caller


class PrsRpc(RPC):
    """Expose the caller's remote address to the intake log during RPC calls."""

    def _xmlrpc(self, service):
        caller.set_remote_addr(*caller.http_details(request.httprequest))
        try:
            return super()._xmlrpc(service)
        finally:
            caller.set_remote_addr(None)

    @route()
    def jsonrpc(self, service, method, args):
        caller.set_remote_addr(*caller.http_details(request.httprequest))
        try:
            return super().jsonrpc(service, method, args)
        finally:
            caller.set_remote_addr(None)
