"""pytest hooks of the cross-module tests: stop the session's redis-server at the end."""

import pytest
from common import stop_session_redis


@pytest.fixture(scope="session", autouse=True)
def prs_session_redis():
    """The redis-server started (lazily) by ``common.session_redis`` stops with the
    session."""
    yield
    stop_session_redis()
