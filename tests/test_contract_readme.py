"""The README's Redis contract section names every member of the contract's schemas.

The schemas are the source (`prs_cache_sync/schemas`, the form tree of
`prs_form_builder/schemas`); the README states the contract in full for the renderer
team, so a member added to a schema without being documented fails here.
"""

import re
from pathlib import Path

from odoo.tests import BaseCase, tagged

from odoo.addons.prs_cache_sync.tools import contract

README = Path(__file__).resolve().parent.parent / "README.md"


def documented_names(text):
    """Every identifier written in backticks or as a JSON key in ``text``."""
    names = set()
    for quoted in re.findall(r"`([^`]+)`", text):
        names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", quoted))
    names.update(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"\s*:', text))
    return names


def undocumented(section):
    names = documented_names(section)
    missing = []
    for schema in contract.CONTRACT_SCHEMAS:
        for path in contract.members(schema):
            parts = [part for part in re.split(r"[.\[\]]", path) if part not in ("", "$", "*")]
            if parts and parts[-1] not in names:
                missing.append(f"{schema}: {path}")
    return missing


@tagged("post_install", "-at_install", "prs", "prs_contract")
class TestContractReadme(BaseCase):
    def test_readme_names_every_schema_member(self):
        """Every member of prs.step/1, prs.program/1, prs.catalogue/1, prs.master/1 and
        the form tree is named in the README's "Redis contract" section."""
        text = README.read_text()
        section = text[text.index("## Redis contract") :]
        section = section[: section.index("\n## ", 3)]
        self.assertEqual(undocumented(section), [])

    def test_check_sees_a_missing_member(self):
        """The check fails when a member's name is absent from the section."""
        text = README.read_text()
        section = text[text.index("## Redis contract") :]
        section = section[: section.index("\n## ", 3)]
        self.assertTrue(
            any(
                m.endswith(".pattern_message")
                for m in undocumented(section.replace("pattern_message", "pattern-message"))
            )
        )
