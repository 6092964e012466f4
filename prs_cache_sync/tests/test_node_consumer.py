import json
import os
import shutil
import subprocess

from odoo.tests import tagged

from odoo.addons.prs_form_builder.tools import expression

from .common import PrsCacheCase

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE_DIR = os.path.join(ROOT, "tests", "node")
# The repository copy of ../shared/jexl/vectors.json (the renderer team's reference).
VECTORS = os.path.join(ROOT, "prs_form_builder", "tests", "data", "jexl_vectors.json")

CONDITIONS = {
    "adult_in": "age >= 18 && country == 'IN'",
    "region": "country == 'IN' || country == 'NP'",
    "no_consent": "!consent",
    "not_in": "country != 'IN'",
    "unnamed": "name == ''",
    "positive": "age > 0",
}

OWN_CONTEXTS = [
    {},
    {"age": 18, "country": "IN"},
    {"age": 17, "country": "IN"},
    {"age": 30, "country": "NP", "consent": True},
    {"age": "20", "country": "IN"},
    {"age": 40, "country": "US", "consent": False, "name": "Asha"},
    {"age": None, "country": None, "name": ""},
]


def node_eval(cases):
    """Evaluate ``[{"expr", "context"}]`` with npm jexl 2.3.0 (tests/node/eval.js)."""
    node = shutil.which("node")
    assert node, "node is needed by the renderer conformance test"
    result = subprocess.run(
        [node, os.path.join(NODE_DIR, "eval.js")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def payload_conditions(payload):
    """Every display condition and required-if of a step payload's form."""
    found = []
    for page in payload["form"]["pages"]:
        found.append(page["condition"])
        for section in page["sections"]:
            found.append(section["condition"])
            for field in section["fields"]:
                found += [field["condition"], field["required_if"]]
    return [expr for expr in found if expr]


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestNodeConsumer(PrsCacheCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        form = cls.env["form.form"].create({"name": "Consumer", "code": "consumer"})
        page = cls.env["form.page"].create({"form_id": form.id, "code": "p1", "title": "P"})
        section = cls.env["form.section"].create({"page_id": page.id, "code": "s1", "title": "S"})
        base = [
            ("age", "integer", None),
            ("country", "text", None),
            ("consent", "boolean", None),
            ("name", "text", None),
        ]
        vals = [
            {
                "section_id": section.id,
                "sequence": index,
                "code": code,
                "field_type": kind,
                "label": code,
                "condition": condition,
            }
            for index, (code, kind, condition) in enumerate(
                base + [(code, "text", expr) for code, expr in CONDITIONS.items()]
            )
        ]
        vals[1]["required_if"] = "age >= 18"
        cls.env["form.field"].create(vals)
        form.action_publish()
        cls.step = cls.flow.step_ids.filtered(lambda s: s.code == "personal")
        cls.step.form_id = form

    def test_renderer_and_server_agree_on_published_conditions(self):
        """Conditions read back from Redis give the same answer in npm jexl and on the
        server, for the shared vectors' contexts and our own."""
        self.publish()
        payload = json.loads(self.redis_client.get(self.step_key(self.step)))
        conditions = payload_conditions(payload)
        self.assertEqual(len(conditions), len(CONDITIONS) + 1)  # + one required_if
        with open(VECTORS, encoding="utf-8") as vectors_file:
            vectors = json.load(vectors_file)
        contexts = {json.dumps(ctx, sort_keys=True) for ctx in OWN_CONTEXTS}
        contexts |= {json.dumps(vector["context"], sort_keys=True) for vector in vectors}
        cases = [
            {"expr": expr, "context": json.loads(context)}
            for expr in conditions
            for context in sorted(contexts)
        ]
        results = node_eval(cases)
        self.assertEqual(len(results), len(cases))
        disagreements = []
        for case, result in zip(cases, results, strict=True):
            renderer = bool(result.get("truthy")) if "error" not in result else False
            server = expression.is_true(case["expr"], case["context"])
            if renderer != server:
                disagreements.append((case, result, server))
        self.assertEqual(disagreements, [])
        self.assertTrue(any(result.get("truthy") for result in results))
        self.assertFalse(all(result.get("truthy") for result in results))
