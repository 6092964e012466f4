"""pytest hooks for every test path of the checkout (pytest-odoo runs the tests)."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def prs_read_manifests_once():
    """Read every module's manifest before any browser request reaches the test server.

    The first page of a tour loads several assets at once, and each request thread reads
    the manifests it has not cached yet; on Python 3.11 concurrent ``ast.literal_eval``
    calls can fail with "SystemError: AST constructor recursion depth mismatch"
    (CPython gh-106905), the CSS bundle answers 500 and the tour runs on an unstyled
    page. Manifests are cached per process (``odoo.modules.module.get_manifest``):
    reading them all here, in one thread, leaves nothing for the request threads to
    parse."""
    # imported here: pytest loads conftest files before pytest-odoo sets up ``odoo``
    from odoo.modules.module import get_manifest, get_modules

    for module in get_modules():
        get_manifest(module)
    yield
