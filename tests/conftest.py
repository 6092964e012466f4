"""pytest hooks of the cross-module tests: stop the session's redis-server at the end."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def prs_session_redis():
    """The redis-server started (lazily) by ``common.session_redis`` stops with the
    session."""
    yield
    # imported here: pytest loads this file before pytest-odoo puts the addons on
    # ``odoo.addons``, and ``common`` imports the modules' test helpers
    from common import stop_session_redis

    stop_session_redis()
