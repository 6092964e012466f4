import json
import logging

from odoo.tests import tagged

from odoo.addons.prs_cache_sync.models.prs_cache_key import DEFER_KEY
from odoo.addons.prs_cache_sync.tools import payloads

from .common import PrsCacheCase


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestPublish(PrsCacheCase):
    def test_publish_writes_step_and_program_keys(self):
        """Publishing a flow writes one key per step and the program index, after commit."""
        self.flow.action_publish()
        self.env.flush_all()
        self.assertFalse(self.data_keys(), "nothing is written before the commit")
        self.commit_hooks()
        steps = self.flow.step_ids.sorted("sequence")
        expected = {key for step in steps for key in self.step_keys(step)} | {self.program_key()}
        self.assertEqual(self.data_keys(), expected)
        payload = self.get_json(self.step_key(steps[0]))
        self.assertEqual(payload["schema"], "prs.step/1")
        self.assertEqual(
            payload["program"], {"id": self.event.id, "code": "RET_CACHE", "name": "Retreat"}
        )
        self.assertEqual(payload["flow"]["code"], "main")
        self.assertEqual(payload["step"]["code"], "personal")
        self.assertEqual(payload["form"]["code"], "personal")
        self.assertEqual(payload["form"]["version"], 1)
        self.assertEqual(payload["form"]["checksum"], self.form.current_version_id.checksum)
        self.assertIsNone(self.get_json(self.step_key(steps[1]))["form"])

    def test_payloads_match_schemas(self):
        """Every step payload and the program index validate against their JSON Schema."""
        self.publish()
        for step in self.flow.step_ids:
            self.assertValid(self.get_json(self.step_key(step)), "prs.step.1.json")
        index = self.get_json(self.program_key())
        self.assertValid(index, "prs.program.1.json")
        self.assertEqual(
            [step["key"] for step in index["flows"][0]["steps"]],
            [self.step_key(step) for step in self.flow.step_ids.sorted("sequence")],
        )

    def test_schema_rejects_a_broken_payload(self):
        """The step schema is strict enough to catch a payload without a form member."""
        self.publish()
        payload = self.get_json(self.step_key(self.flow.step_ids[0]))
        del payload["form"]
        import jsonschema

        with self.assertRaises(jsonschema.ValidationError):
            self.assertValid(payload, "prs.step.1.json")

    def test_new_form_version_rewrites_step_keys(self):
        """Publishing a new version of a form used by a published flow rewrites its step."""
        self.publish()
        step = self.flow.step_ids.filtered(lambda s: s.code == "personal")
        self.form.action_new_version()
        self.form.page_ids.section_ids.field_ids.filtered(
            lambda f: f.code == "age"
        ).label = "Your age"
        self.form.action_publish()
        self.assertEqual(self.get_json(self.step_key(step))["form"]["version"], 1)
        self.commit_hooks()
        payload = self.get_json(self.step_key(step))
        self.assertEqual(payload["form"]["version"], 2)
        labels = [f["label"] for f in payload["form"]["pages"][0]["sections"][0]["fields"]]
        self.assertIn("Your age", labels)

    def test_unpublish_deletes_keys(self):
        """Unpublishing a flow deletes its step keys and the program index."""
        self.publish()
        self.flow.action_unpublish()
        self.commit_hooks()
        self.assertEqual(self.data_keys(), set())

    def test_archive_deletes_keys(self):
        """Archiving a published flow deletes its keys."""
        self.publish()
        self.flow.action_archive()
        self.commit_hooks()
        self.assertEqual(self.data_keys(), set())

    def test_unpublish_keeps_other_flows(self):
        """Unpublishing one flow keeps the other flow's keys and rewrites the index."""
        other = self.flow.copy({"code": "quick", "name": "Quick"})
        self.publish(self.flow | other)
        self.flow.action_unpublish()
        self.commit_hooks()
        expected = {key for step in other.step_ids for key in self.step_keys(step)}
        expected.add(self.program_key())
        self.assertEqual(self.data_keys(), expected)
        index = self.get_json(self.program_key())
        self.assertEqual([flow["code"] for flow in index["flows"]], ["quick"])

    def test_archive_program_deletes_keys(self):
        """Archiving a program deletes the keys of its published flows."""
        self.publish()
        self.event.action_archive()
        self.commit_hooks()
        self.assertEqual(self.data_keys(), set())

    def test_delete_program_deletes_keys(self):
        """Deleting a program (its flows go by cascade) deletes its keys."""
        self.publish()
        self.event.unlink()
        self.commit_hooks()
        self.assertEqual(self.data_keys(), set())

    def test_resync_logs_progress(self):
        """Resync everything queues every program in batches and logs its progress."""
        # level 20, not "INFO": Odoo renames level 25 to INFO
        with self.assertLogs("odoo.addons.prs_cache_sync", level=logging.INFO) as logs:
            rows = self.env["prs.cache.key"]._prs_sync_all(targets=self.target)
        self.assertTrue(any("programs queued" in line for line in logs.output))
        self.assertFalse(rows.filtered(lambda row: row.key.startswith(self.program_key())))
        self.flow.action_publish()
        rows = self.env["prs.cache.key"]._prs_sync_all(targets=self.target)
        self.assertIn(self.program_key(), rows.mapped("key"))

    def test_rollback_leaves_redis_untouched(self):
        """A publish rolled back never reaches Redis, even if the hooks run afterwards."""

        class Boom(Exception):
            pass

        with self.assertRaises(Boom), self.env.cr.savepoint():
            self.flow.action_publish()
            self.env.cr.flush()  # writes queued by the precommit hook, then rolled back
            self.assertTrue(
                self.env["prs.cache.outbox"].search([("target_id", "=", self.target.id)])
            )
            raise Boom
        self.commit_hooks()
        self.assertEqual(self.redis_client.keys("*"), [])
        self.assertFalse(self.env["prs.cache.outbox"].search([("target_id", "=", self.target.id)]))

    def test_two_targets_both_receive(self):
        """Each active target receives the keys, under its own prefix."""
        from .common import RedisServer

        second = RedisServer().start()
        self.addCleanup(second.stop)
        target2 = (
            self.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create({"name": "Region 2", "url": second.url, "key_prefix": "prs:r2"})
        )
        self.publish()
        self.assertIn(self.program_key(), self.data_keys())
        keys2 = self.data_keys(second.client())
        self.assertIn(self.program_key(target=target2), keys2)
        self.assertEqual(len(keys2), 2 * len(self.flow.step_ids) + 1)  # + en_US keys

    def test_new_target_receives_everything(self):
        """A new target gets every published key and every master on the next commit."""
        from .common import RedisServer

        self.publish()
        second = RedisServer().start()
        self.addCleanup(second.stop)
        target2 = self.env["prs.cache.target"].create(
            {"name": "Region 3", "url": second.url, "key_prefix": "prs:r3"}
        )
        self.commit_hooks()
        keys2 = self.data_keys(second.client())
        self.assertIn(self.program_key(target=target2), keys2)
        masters = self.env["prs.master"].search([("item_ids", "!=", False)])
        for master in masters:
            self.assertIn(f"prs:r3:master:{master.code}", keys2)

    def test_event_rename_rewrites_index(self):
        """Renaming a program with published flows rewrites its payloads."""
        self.publish()
        self.event.name = "Autumn Retreat"
        self.commit_hooks()
        self.assertEqual(self.get_json(self.program_key())["program"]["name"], "Autumn Retreat")

    def test_step_rename_rewrites_keys(self):
        """Renaming a step of a published flow (allowed while published) rewrites its key
        and the program index."""
        self.publish()
        step = self.flow.step_ids.filtered(lambda s: s.code == "personal")
        step.name = "About you"
        self.commit_hooks()
        self.assertEqual(self.get_json(self.step_key(step))["step"]["name"], "About you")
        index_steps = self.get_json(self.program_key())["flows"][0]["steps"]
        self.assertIn("About you", [index_step["name"] for index_step in index_steps])

    def test_master_written_as_list(self):
        """A master is written as a Redis list of JSON items, in display order."""
        master = self.env["prs.master"].create(
            {
                "name": "Diets",
                "code": "diet_cache",
                "item_ids": [
                    (0, 0, {"sequence": 2, "value": "veg", "label": "Vegetarian"}),
                    (0, 0, {"sequence": 1, "value": "any", "label": "Anything"}),
                ],
            }
        )
        self.commit_hooks()
        key = f"{self.target._prs_get_prefix()}:master:{master.code}"
        self.assertEqual(self.redis_client.type(key), "list")
        items = [json.loads(item) for item in self.redis_client.lrange(key, 0, -1)]
        self.assertEqual([item["value"] for item in items], ["any", "veg"])
        for item in items:
            self.assertValid(item, "prs.master.1.json")
        master.active = False
        self.commit_hooks()
        self.assertFalse(self.redis_client.exists(key))

    def test_master_items_payload(self):
        """The list holds the active items only, each value, label and parent if any."""
        master = self.env["prs.master"].create(
            {
                "name": "Regions",
                "code": "region_cache",
                "item_ids": [
                    (0, 0, {"sequence": 1, "value": "n", "label": "North"}),
                    (0, 0, {"sequence": 2, "value": "n1", "label": "Fjord", "parent_value": "n"}),
                    (0, 0, {"sequence": 3, "value": "old", "label": "Old", "active": False}),
                ],
            }
        )
        self.commit_hooks()
        key = f"{self.target._prs_get_prefix()}:master:{master.code}"
        items = [json.loads(item) for item in self.redis_client.lrange(key, 0, -1)]
        self.assertEqual(
            items,
            [
                {"value": "n", "label": "North"},
                {"value": "n1", "label": "Fjord", "parent": "n"},
            ],
        )

    def test_master_item_loop_queues_one_write(self):
        """Writing many items of a master one by one queues one write of its list."""
        master = self.env["prs.master"].create(
            {
                "name": "Sizes",
                "code": "size_cache",
                "item_ids": [(0, 0, {"value": f"s{i}", "label": f"S{i}"}) for i in range(10)],
            }
        )
        self.commit_hooks()
        for item in master.item_ids:
            item.label = item.label.lower()
        self.env.cr.flush()
        rows = self.env["prs.cache.outbox"].search(
            [("key", "=", f"prs:t:master:{master.code}"), ("state", "!=", "done")]
        )
        self.assertEqual(len(rows), 1)


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestCatalogueCapacity(PrsCacheCase):
    def _catalogue_status(self):
        """``{program id: status}`` in the catalogue, of this test's programs."""
        catalogue = self.get_json(payloads.catalogue_key(self.target._prs_get_prefix()))
        mine = set(self.env["event.event"].search([("prs_code", "like", "_CACHE")]).ids)
        return {
            entry["id"]: entry["status"] for entry in catalogue["programs"] if entry["id"] in mine
        }

    def _index_key(self, event):
        return self.env["prs.cache.key"].search([("name", "=", self.program_key(event))])

    def test_catalogue_reuses_the_queued_capacity_state(self):
        """The program index key remembers the capacity state it queued; a publish
        rebuilds the catalogue from the states of the programs it synced and the
        remembered state of the others (their registrations are not counted again),
        and a program whose facts change is counted again."""
        self.publish()
        self.assertEqual(self._index_key(self.event).capacity_state, "open")
        other = self.event.copy({"name": "Other", "prs_code": "OTHER_CACHE"})
        flow = self.flow.copy({"event_id": other.id, "code": "other"})
        # what an earlier transaction queued for the first program (its registrations
        # filled it): the catalogue takes it as it is
        self._index_key(self.event).write({"capacity_state": "full"})
        self.publish(flow)
        self.assertEqual(self._index_key(other).capacity_state, "open")
        self.assertEqual(self._catalogue_status(), {self.event.id: "full", other.id: "open"})
        # a fact of the first program changes: its state is counted again
        self.event.write({"prs_registration_closed": True})
        self.commit_hooks()
        self.assertEqual(self._index_key(self.event).capacity_state, "closed")
        self.assertEqual(self._catalogue_status(), {self.event.id: "closed", other.id: "open"})
        # without a remembered state (keys queued before it was kept), it is counted
        self._index_key(self.event).write({"capacity_state": False})
        self.env["prs.cache.key"]._prs_sync_catalogue(self.target)
        self.commit_hooks()
        self.assertEqual(self._catalogue_status()[self.event.id], "closed")


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestPublishBudget(PrsCacheCase):
    def test_form_publish_query_budget(self):
        """Publishing a new version of a form used by a published flow reads the
        programs it feeds once (after the write): the version does not change them."""
        self.publish()
        self.form.action_new_version()
        self.env.flush_all()
        self.env.invalidate_all()
        # the publish and the sync it queues before the commit; 63 while the programs
        # were also searched before the write, 62 while the serializer read the custom
        # messages of the fields with a query of their own, 61 while the "published"
        # note went through message_post (followers and recipients)
        with self.assertQueryCount(57):
            self.form.action_publish()
            self.env.flush_all()
        self.commit_hooks()
        step = self.flow.step_ids.filtered(lambda s: s.code == "personal")
        self.assertEqual(self.get_json(self.step_key(step))["form"]["version"], 2)

    def test_draft_flow_steps_queue_no_sync(self):
        """Creating or editing the steps of a draft flow of a published program queues
        no sync: only published flows have keys."""
        self.publish()
        draft = self.env["event.flow"].create(
            {
                "event_id": self.event.id,
                "code": "draft",
                "name": "Draft",
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "sequence": 1,
                            "code": "a",
                            "name": "A",
                            "step_type": "form",
                            "form_id": self.form.id,
                        },
                    )
                ],
            }
        )
        draft.step_ids.write({"name": "B", "sequence": 2})
        self.env["event.flow.step"].create(
            {
                "flow_id": draft.id,
                "sequence": 3,
                "code": "c",
                "name": "C",
                "step_type": "confirmation",
            }
        )
        deferred = self.env.cr.precommit.data.get(DEFER_KEY) or {}
        self.assertFalse(deferred.get("programs"))
        self.assertFalse(deferred.get("indexes"))
