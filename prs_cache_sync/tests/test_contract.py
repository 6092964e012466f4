import json
import os

from odoo.tests import new_test_user, tagged

from odoo.addons.prs_cache_sync.tools import contract

from .common import PrsCacheCase

SNAPSHOT = os.path.join(os.path.dirname(__file__), "data", "contract_required.json")


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestContract(PrsCacheCase):
    def test_members_are_never_removed_or_retyped(self):
        """Every member of the committed snapshot, required or optional, is still in the
        schemas with the same type (``$ref`` resolved, the step's form tree included),
        and a required one is still required (prs.step/1... evolve additively only)."""
        with open(SNAPSHOT, encoding="utf-8") as snapshot_file:
            snapshot = json.load(snapshot_file)
        self.assertEqual(contract.breaks(snapshot, contract.snapshot()), [])
        # the form tree inside a step is walked through its $ref
        step = contract.snapshot()["prs.step.1.json"]
        self.assertEqual(
            step["$.form.pages[].sections[].fields[].code"],
            {"type": '{"type": "string"}', "required": True},
        )

    def test_snapshot_check_catches_a_removed_member(self):
        """The check itself: removing or retyping a required member shows in the walk."""
        schema = {
            "type": "object",
            "required": ["a"],
            "properties": {"a": {"type": "object", "required": ["b"], "properties": {}}},
        }
        self.assertEqual(
            contract.members(schema),
            {
                "$.a": {"type": '{"type": "object"}', "required": True},
                "$.a.b": {"type": "any", "required": True},
            },
        )
        before = {"s": contract.members(schema)}
        schema["properties"]["a"]["required"] = []
        self.assertEqual(
            contract.breaks(before, {"s": contract.members(schema)}), [("s", "$.a.b", "removed")]
        )

    def test_snapshot_check_catches_retypes_through_refs_and_optional_members(self):
        """A retype behind a ``$ref`` (a ``$defs`` entry changed), a retyped or removed
        optional member, or a required member made optional all break the contract;
        an added member does not."""
        schema = {
            "$defs": {"code": {"type": "string"}},
            "type": "object",
            "required": ["a"],
            "properties": {
                "a": {"$ref": "#/$defs/code"},
                "b": {"type": "integer"},
                "c": {"type": "array", "items": {"$ref": "#/$defs/code"}},
                "d": {"type": "boolean"},
            },
        }
        before = {"s": contract.members(schema)}
        schema["$defs"]["code"] = {"type": "integer"}
        schema["properties"]["b"] = {"type": "string"}
        del schema["properties"]["d"]
        schema["properties"]["e"] = {"type": "string"}
        self.assertEqual(
            contract.breaks(before, {"s": contract.members(schema)}),
            [
                ("s", "$.a", 'retyped {"type": "string"} -> {"type": "integer"}'),
                ("s", "$.b", 'retyped {"type": "integer"} -> {"type": "string"}'),
                ("s", "$.c[]", 'retyped {"type": "string"} -> {"type": "integer"}'),
                ("s", "$.d", "removed"),
            ],
        )
        schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}
        before = {"s": contract.members(schema)}
        schema["required"] = []
        self.assertEqual(
            contract.breaks(before, {"s": contract.members(schema)}),
            [("s", "$.a", "no longer required")],
        )

    def test_program_facts_name_every_condition_value(self):
        """The program index carries the facts, and its condition values are exactly the
        program.* names the flow's logic lint accepts."""
        self.event.write({"prs_fee": 120.0, "seats_limited": True, "seats_max": 10})
        self.publish()
        index = self.get_json(self.program_key())
        self.assertValid(index, "prs.program.1.json")
        program = index["program"]
        lint_names = {
            name
            for name in self.flow._prs_known_names(self.flow.step_ids[:0])
            if name.startswith("program.")
        }
        self.assertEqual({f"program.{name}" for name in program["condition_values"]}, lint_names)
        self.assertEqual(
            program["fee"], {"amount": 120.0, "currency": self.event.prs_currency_id.name}
        )
        self.assertEqual(program["capacity"], {"state": "open", "reason": None})
        self.assertIn(program["default_language"], program["languages"])
        self.assertEqual(program["timezone"], self.event.date_tz)
        self.assertTrue(program["date_begin"].endswith("Z"))

    def test_program_facts_follow_their_event_type_and_venue(self):
        """program.type (the event type's code) and the venue follow edits of the event
        type and of the venue partner, not only edits of the program."""
        event_type = self.env["event.type"].create({"name": "Retreats", "prs_type_code": "RET"})
        venue = self.env["res.partner"].create({"name": "Ashram", "city": "Rishikesh"})
        self.event.write({"event_type_id": event_type.id, "address_id": venue.id})
        self.publish()
        program = self.get_json(self.program_key())["program"]
        self.assertEqual(program["condition_values"]["type"], "RET")
        self.assertEqual(program["venue"]["city"], "Rishikesh")
        event_type.prs_type_code = "RETREAT"
        venue.write({"name": "New Ashram", "city": "Haridwar"})
        self.commit_hooks()
        program = self.get_json(self.program_key())["program"]
        self.assertEqual(program["condition_values"]["type"], "RETREAT")
        self.assertEqual(program["venue"]["name"], "New Ashram")
        self.assertEqual(program["venue"]["city"], "Haridwar")

    def test_closed_by_configurator_with_reason(self):
        """A program closed by its configurator says so, with the reason."""
        self.publish()
        self.event.write({"prs_registration_closed": True, "prs_closed_reason": "Venue moved"})
        self.commit_hooks()
        capacity = self.get_json(self.program_key())["program"]["capacity"]
        self.assertEqual(capacity["state"], "closed")
        self.assertEqual(set(capacity["reason"].values()), {"Venue moved"})
        catalogue = self.get_json(f"{self.target._prs_get_prefix()}:programs")
        self.assertEqual(catalogue["programs"][0]["status"], "closed")

    def test_catalogue_follows_publish_and_unpublish(self):
        """<prefix>:programs lists the published programs, and drops one unpublished."""
        key = f"{self.target._prs_get_prefix()}:programs"
        self.publish()
        catalogue = self.get_json(key)
        self.assertValid(catalogue, "prs.catalogue.1.json")
        entry = next(e for e in catalogue["programs"] if e["id"] == self.event.id)
        self.assertEqual(entry["code"], "RET_CACHE")
        self.assertEqual(entry["key"], self.program_key())
        self.assertEqual(entry["status"], "open")
        self.event.write({"name": "Autumn Retreat"})
        self.commit_hooks()
        entry = next(e for e in self.get_json(key)["programs"] if e["id"] == self.event.id)
        self.assertEqual(entry["name"], "Autumn Retreat")
        self.flow.action_unpublish()
        self.commit_hooks()
        self.assertNotIn(self.event.id, [e["id"] for e in self.get_json(key)["programs"]])

    def test_every_language_in_its_own_payload(self):
        """Published by a French-speaking user, every offered language has its payload in
        that language only; the default key holds the default language."""
        self.env["res.lang"]._activate_lang("fr_FR")
        french_user = new_test_user(
            self.env,
            "w14_fr_configurator",
            groups="prs_base.group_prs_administrator",
            lang="fr_FR",
        )
        step = self.flow.step_ids.filtered(lambda s: s.code == "personal")
        step.with_context(lang="fr_FR").name = "Vous"
        field = self.form.page_ids.section_ids.field_ids.filtered(lambda f: f.code == "age")
        self.form.action_new_version()
        field.with_context(lang="en_US").label = "Age"
        field.with_context(lang="fr_FR").label = "Âge"
        self.form.with_user(french_user).action_publish()
        self.flow.with_user(french_user).action_publish()
        self.commit_hooks()
        index = self.get_json(self.program_key())
        self.assertEqual(index["program"]["languages"], ["en_US", "fr_FR"])
        self.assertEqual(index["program"]["default_language"], "en_US")
        key = self.step_key(step)
        expected = {"en_US": ("You", "Age"), "fr_FR": ("Vous", "Âge")}
        for lang, (name, label) in expected.items():
            payload = self.get_json(f"{key}:{lang}")
            self.assertValid(payload, "prs.step.1.json")
            self.assertEqual(payload["lang"], lang)
            self.assertEqual(payload["step"]["name"], name)
            age = payload["form"]["pages"][0]["sections"][0]["fields"][0]
            self.assertEqual(age["label"], label)
        default = self.get_json(key)
        self.assertEqual(default["lang"], "en_US")
        self.assertEqual(default["step"]["name"], "You")
        self.assertEqual(default["form"]["pages"][0]["sections"][0]["fields"][0]["label"], "Age")
        steps = index["flows"][0]["steps"]
        self.assertEqual(steps[0]["keys"], {lang: f"{key}:{lang}" for lang in expected})

    def test_currency_field_carries_its_currency(self):
        """A currency field's node names its currency; a percentage its 0..100 bounds."""
        usd = self.env.ref("base.USD")
        form = self.create_form_with(
            [
                {"code": "amount", "field_type": "currency", "currency_id": usd.id},
                {"code": "share", "field_type": "percentage"},
            ]
        )
        fields_ = form.current_version_id.tree["pages"][0]["sections"][0]["fields"]
        self.assertEqual(fields_[0]["currency"], "USD")
        self.assertEqual(fields_[1]["validation"], {"min_value": 0, "max_value": 100})

    def create_form_with(self, field_values):
        form = self.env["form.form"].create({"name": "Money", "code": "w14_money"})
        page = self.env["form.page"].create({"form_id": form.id, "code": "p1", "title": "P"})
        section = self.env["form.section"].create({"page_id": page.id, "code": "s1", "title": "S"})
        self.env["form.field"].create(
            [
                dict(values, section_id=section.id, sequence=index, label=values["code"])
                for index, values in enumerate(field_values)
            ]
        )
        form.action_publish()
        return form
