"""The story of the three users, end to end, on real parts.

Carla the configurator builds the forms and a program template, creates a program from
it and publishes its flow; the renderer side finds the journey in the real Redis (every
payload valid against the contract's JSON Schemas); the API worker submits every step
over real XML-RPC as the integration user (with its API key); Cody the coordinator reads
the answers laid out like the form, confirms the registration and exports it.
"""

import csv
import io
import json
import uuid

from common import (
    GROUP_API,
    GROUP_CONFIGURATOR,
    GROUP_COORDINATOR,
    PrsHttpCase,
    validate_schema,
    xmlrpc_object,
)

from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install", "prs", "prs_scenario")
class TestScenario(PrsHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carla = new_test_user(
            cls.env, login="h7_carla", name="Carla Configurator", groups=GROUP_CONFIGURATOR
        )
        cls.cody = new_test_user(
            cls.env,
            login="h7_cody",
            name="Cody Coordinator",
            groups=GROUP_COORDINATOR,
            email="cody@example.com",
        )
        # the API workers' integration user: the API group only, no password, an API key
        cls.api_user = cls.env["res.users"].create(
            {
                "name": "API Worker",
                "login": "h7_api_worker",
                "groups_id": [(6, 0, cls.env.ref(GROUP_API).ids)],
            }
        )
        cls.api_key = (
            cls.env["res.users.apikeys"].with_user(cls.api_user)._generate("rpc", "H7 workers")
        )
        cls.target = cls.use_redis(cls.env, cls.redis_server)
        cls.prefix = cls.target._prs_get_prefix()
        cls.redis = cls.redis_server.client()

    # ------------------------------------------------------------------ the story
    def test_story_of_the_three_users(self):
        """A program made from a template is published to Redis, filled in over XML-RPC
        step by step, confirmed by its coordinator and exported with its answers."""
        program = self.carla_builds_the_program()
        index = self.renderer_reads_the_journey(program)
        registration_id = self.api_worker_submits_every_step(program, index)
        self.cody_reviews_and_confirms(registration_id)
        self.cody_exports(registration_id)

    def test_skipped_step_is_refused_over_xmlrpc(self):
        """The health step is skipped for a participant under 60: the API worker who
        tries to submit it gets a structured error and nothing is written."""
        program = self.carla_builds_the_program()
        index = self.renderer_reads_the_journey(program)
        flow = index["flows"][0]
        steps = {step["code"]: step for step in flow["steps"]}
        first = self.submit(program, flow, steps["personal"], self.personal_answers(age=30))
        self.assertTrue(first["ok"], first)
        self.assertEqual(first["next_step_id"], steps["terms"]["id"])
        count = self.env["event.registration"].search_count([("event_id", "=", program.id)])
        refused = self.submit(
            program, flow, steps["health"], {"allergies": "none"}, first["registration_id"]
        )
        self.assertEqual(refused["ok"], False)
        self.assertEqual(refused["errors"][0]["code"], "step_skipped")
        self.assertEqual(
            self.env["event.registration"].search_count([("event_id", "=", program.id)]), count
        )
        registration = self.env["event.registration"].browse(first["registration_id"])
        self.assertNotIn("health", registration.answers)

    # ------------------------------------------------------------------ chapters
    def carla_builds_the_program(self):
        """Carla builds three forms, a program template using them, and a program made
        from the template; she publishes its standard flow."""
        env = self.env(user=self.carla)
        diets = env["prs.master"].create(
            {
                "name": "Diets (H7)",
                "code": "h7_diet",
                "kind": "business",
                "item_ids": [
                    (0, 0, {"sequence": 1, "value": "veg", "label": "Vegetarian"}),
                    (0, 0, {"sequence": 2, "value": "vegan", "label": "Vegan"}),
                ],
            }
        )
        personal = self.create_form(
            env,
            "h7_personal",
            pages=[
                self.page(
                    "identity",
                    [
                        self.section(
                            "names",
                            [
                                self.field(
                                    "first_name",
                                    required=True,
                                    maps_to="first_name",
                                    transform="trim",
                                    label="First name",
                                ),
                                self.field(
                                    "last_name",
                                    required=True,
                                    maps_to="last_name",
                                    label="Last name",
                                ),
                                self.field("email", "email", required=True, maps_to="email"),
                            ],
                        ),
                        self.section(
                            "about",
                            [
                                self.field(
                                    "age",
                                    "integer",
                                    required=True,
                                    min_value="0",
                                    max_value="120",
                                ),
                                self.field(
                                    "country",
                                    "select",
                                    required=True,
                                    choice_ids=self.choices("in", "fr", "us"),
                                ),
                                self.field("diet", "master", master_id=diets.id),
                                self.field(
                                    "guardian_name",
                                    required=True,
                                    condition="age < 18",
                                    label="Guardian name",
                                ),
                            ],
                        ),
                    ],
                )
            ],
            name="Personal details",
        )
        health = self.create_form(
            env, "h7_health", [self.field("allergies", "textarea")], name="Health"
        )
        terms = self.create_form(
            env, "h7_terms", [self.field("accept", "consent", required=True)], name="Terms"
        )
        for form in personal | health | terms:
            form.action_publish()
            self.assertEqual(form.state, "published")
            self.assertEqual(form.current_version_id.version, 1)

        template = env["event.type"].create(
            {
                "name": "Residential retreat (H7)",
                "prs_form_mode": "link",
                "prs_flow_ids": [
                    (
                        0,
                        0,
                        {
                            "code": "standard",
                            "name": "Standard",
                            "kind": "standard",
                            "step_ids": [
                                (0, 0, self.step("personal", 10, form=personal)),
                                (
                                    0,
                                    0,
                                    self.step(
                                        "health", 20, form=health, condition="personal.age >= 60"
                                    ),
                                ),
                                (0, 0, self.step("terms", 30, form=terms)),
                                (
                                    0,
                                    0,
                                    self.step(
                                        "payment",
                                        40,
                                        step_type="payment",
                                        condition="program.fee > 0",
                                    ),
                                ),
                                (0, 0, self.step("confirmation", 50, step_type="confirmation")),
                            ],
                        },
                    )
                ],
            }
        )
        program = self.create_program(
            env, "H7-RETREAT", coordinators=self.cody, template=template, prs_fee=0.0
        )
        self.assertEqual(program.prs_template_id, template)
        self.assertEqual(program.flow_ids.mapped("code"), ["standard"])
        flow = program.flow_ids
        self.assertEqual(
            flow.step_ids.sorted("sequence").mapped("code"),
            ["personal", "health", "terms", "payment", "confirmation"],
        )
        self.assertEqual(flow.step_ids.form_id, personal | health | terms)
        flow.action_publish()
        self.assertEqual(flow.state, "published")
        is_open, reason = program._prs_is_open()
        self.assertTrue(is_open, reason)
        self.run_postcommit()
        return program

    def renderer_reads_the_journey(self, program):
        """The program index and every step key are in Redis, valid against the
        schemas, and each form is the published version (same checksum)."""
        raw = self.redis.get(f"{self.prefix}:{program.id}")
        self.assertTrue(raw, "the program index key is missing from Redis")
        index = json.loads(raw)
        validate_schema(index, "prs.program.1.json")
        self.assertEqual(index["schema"], "prs.program/1")
        self.assertEqual(index["program"]["id"], program.id)
        self.assertEqual(index["program"]["code"], "H7-RETREAT")
        flow = program.flow_ids
        (flow_entry,) = index["flows"]
        self.assertEqual(flow_entry["id"], flow.id)
        self.assertEqual(
            [step["code"] for step in flow_entry["steps"]],
            ["personal", "health", "terms", "payment", "confirmation"],
        )
        for step_entry in flow_entry["steps"]:
            step = self.env["event.flow.step"].browse(step_entry["id"])
            self.assertEqual(step_entry["key"], f"{self.prefix}:{program.id}:{flow.id}:{step.id}")
            payload = json.loads(self.redis.get(step_entry["key"]))
            validate_schema(payload, "prs.step.1.json")
            self.assertEqual(payload["schema"], "prs.step/1")
            self.assertEqual(payload["step"]["code"], step.code)
            self.assertEqual(payload["step"]["condition"], step.condition or None)
            if step.form_id:
                version = step.form_id.current_version_id
                self.assertEqual(payload["form"]["version"], version.version)
                self.assertEqual(payload["form"]["checksum"], version.checksum)
                self.assertEqual(payload["form"]["code"], step.form_id.code)
            else:
                self.assertIsNone(payload["form"])
        personal = json.loads(self.redis.get(flow_entry["steps"][0]["key"]))["form"]
        fields = {
            field["code"]: field
            for page in personal["pages"]
            for section in page["sections"]
            for field in section["fields"]
        }
        self.assertEqual(fields["guardian_name"]["condition"], "age < 18")
        self.assertEqual(
            [choice["value"] for choice in fields["country"]["choices"]], ["in", "fr", "us"]
        )
        # the master list behind the diet field is a Redis list of valid items
        self.assertEqual(fields["diet"]["master"], "h7_diet")
        items = [
            json.loads(item) for item in self.redis.lrange(f"{self.prefix}:master:h7_diet", 0, -1)
        ]
        for item in items:
            validate_schema(item, "prs.master.1.json")
        self.assertEqual([item["value"] for item in items], ["veg", "vegan"])
        return index

    def api_worker_submits_every_step(self, program, index):
        """The API worker walks the journey the server hands back (next_step_id), over
        XML-RPC as the integration user; the health step shows (age 64) and the payment
        step is skipped (fee 0)."""
        flow = index["flows"][0]
        steps_by_id = {step["id"]: step for step in flow["steps"]}
        answers = {
            "personal": self.personal_answers(age=64),
            "health": {"allergies": "Pollen"},
            "terms": {"accept": True},
            "confirmation": {},
        }
        walked = []
        step = flow["steps"][0]
        registration_id = None
        while step:
            walked.append(step["code"])
            result = self.submit(program, flow, step, answers[step["code"]], registration_id)
            self.assertTrue(result["ok"], result)
            registration_id = result["registration_id"]
            step = steps_by_id.get(result["next_step_id"])
        self.assertEqual(walked, ["personal", "health", "terms", "confirmation"])
        calls = self.env["prs.intake.log"].search([("user_id", "=", self.api_user.id)])
        self.assertEqual(calls.mapped("result"), ["ok"] * 4, "every call is in the intake log")
        registration = self.env["event.registration"].browse(registration_id)
        self.assertEqual(registration.prs_state, "submitted")
        self.assertEqual(registration.prs_first_name, "Asha")
        self.assertEqual(registration.email, "asha@example.com")
        self.assertEqual(registration.answers["personal"]["age"], 64)
        self.assertNotIn("guardian_name", registration.answers["personal"])
        self.assertEqual(registration.step_versions["personal"], 1)
        return registration_id

    def cody_reviews_and_confirms(self, registration_id):
        """Cody sees the registration of his program, reads the answers laid out like
        the form and confirms it; the change is tracked in the chatter."""
        registration = self.env["event.registration"].with_user(self.cody).browse(registration_id)
        self.assertEqual(
            self.env["event.registration"]
            .with_user(self.cody)
            .search([("id", "=", registration_id)]),
            registration,
        )
        html = str(registration.prs_review_html)
        for text in ("Identity", "First name", "Asha", "Pollen", "In"):
            self.assertIn(text, html)
        self.assertNotIn("Guardian name", html)
        self.assertNotIn('{"', html, "the answers are laid out, never raw JSON")
        registration.action_prs_confirm()
        self.assertEqual(registration.prs_state, "confirmed")
        self.assertEqual(registration.state, "open")
        # tracking is written when the transaction commits (precommit hooks); tracking
        # values are for settings users: read them as the superuser
        self.env.flush_all()
        self.env.cr.precommit.run()
        confirmed_by_cody = registration.sudo().message_ids.filtered(
            lambda message: (
                message.author_id == self.cody.partner_id
                and "prs_state" in message.tracking_value_ids.field_id.mapped("name")
            )
        )
        self.assertTrue(confirmed_by_cody, "the confirmation is tracked in the chatter")

    def cody_exports(self, registration_id):
        """The CSV export has one row with the static columns and one column per step
        and field code (``<step>.<field>``) holding the answers."""
        wizard = (
            self.env["event.registration.export"]
            .with_user(self.cody)
            .create({"registration_ids": [(6, 0, [registration_id])], "file_format": "csv"})
        )
        content, filename = wizard._prs_build()
        self.assertTrue(filename.endswith(".csv"))
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        self.assertEqual(len(rows), 2)
        row = dict(zip(rows[0], rows[1], strict=True))
        self.assertEqual(row["personal.first_name"], "Asha")
        self.assertEqual(row["personal.email"], "asha@example.com")
        self.assertEqual(row["personal.age"], "64")
        self.assertEqual(row["personal.country"], "in")
        self.assertEqual(row["health.allergies"], "Pollen")
        self.assertEqual(row["personal.diet"], "vegan")
        self.assertEqual(row["First Name"], "Asha")

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def personal_answers(age):
        return {
            "first_name": "  Asha ",
            "last_name": "Rao",
            "email": "asha@example.com",
            "age": age,
            "country": "in",
            "diet": "vegan",
        }

    def submit(self, program, flow, step_entry, answers, registration_id=None):
        """One ``prs_submit`` over XML-RPC as the API worker, the form version taken
        from the step's Redis key (as the API does)."""
        payload = json.loads(self.redis.get(step_entry["key"]))
        body = {
            "submission_id": str(uuid.uuid4()),
            "program_id": program.id,
            "flow_id": flow["id"],
            "step_id": step_entry["id"],
            "form_version": payload["form"]["version"] if payload["form"] else 0,
            "answers": answers,
        }
        tokens = self.__dict__.setdefault("_continuation_tokens", {})
        if registration_id:
            # the API keeps the first step's continuation token with the registration id
            body["registration_id"] = registration_id
            body["continuation_token"] = tokens[registration_id]
        result = xmlrpc_object().execute_kw(
            self.env.cr.dbname,
            self.api_user.id,
            self.api_key,
            "event.registration",
            "prs_submit",
            [body],
        )
        if result.get("continuation_token"):
            tokens[result["registration_id"]] = result["continuation_token"]
        return result
