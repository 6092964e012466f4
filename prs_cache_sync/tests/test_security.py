from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PrsCacheCase


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestCacheAccess(PrsCacheCase):
    def _run_action(self, xmlid, records, user):
        action = self.env.ref(xmlid).with_user(user)
        return action.with_context(
            active_model=records._name, active_ids=records.ids, active_id=records[:1].id
        ).run()

    def test_administrator_manages_targets(self):
        """Administrators read and edit targets, keys and the outbox."""
        self.publish()
        target = self.target.with_user(self.admin)
        target.name = "Renamed"
        self.assertTrue(self.env["prs.cache.key"].with_user(self.admin).search([]))
        self.assertTrue(self.env["prs.cache.outbox"].with_user(self.admin).search([]))

    def test_others_cannot_read_cache_models(self):
        """Configurators and coordinators have no access to targets, keys and outbox."""
        for user in (self.configurator, self.coordinator):
            for model in ("prs.cache.target", "prs.cache.key", "prs.cache.outbox"):
                with self.assertRaises(AccessError):
                    self.env[model].with_user(user).search([])

    def test_configurator_publishes_to_redis(self):
        """A configurator may publish a flow (and run Publish to Redis): keys are written."""
        self.flow.with_user(self.configurator).action_publish()
        self.commit_hooks()
        self.redis_client.delete(self.program_key())
        result = self._run_action(
            "prs_cache_sync.action_server_event_flow_prs_cache_publish",
            self.flow.with_user(self.configurator),
            self.configurator,
        )
        self.assertEqual(result["tag"], "display_notification")
        self.commit_hooks()
        self.assertTrue(self.redis_client.exists(self.program_key()))

    def test_coordinator_cannot_publish_to_redis(self):
        """A coordinator cannot run Publish to Redis."""
        with self.assertRaises(AccessError):
            self._run_action(
                "prs_cache_sync.action_server_event_event_prs_cache_publish",
                self.event,
                self.coordinator,
            )

    def test_resync_and_verify_are_for_administrators(self):
        """Resync and Verify run for administrators, not for configurators."""
        self.publish()
        self.redis_client.flushall()
        self._run_action(
            "prs_cache_sync.action_server_event_event_prs_cache_resync", self.event, self.admin
        )
        self.commit_hooks()
        program_keys = {key for key in self.data_keys() if key.startswith(self.program_key())}
        # the program key and each step's key with its <step key>:<lang> key (README
        # "Redis contract"); the catalogue is not a program key
        expected = {self.program_key()}.union(*(self.step_keys(s) for s in self.flow.step_ids))
        self.assertEqual(program_keys, expected)
        result = self._run_action(
            "prs_cache_sync.action_server_event_event_prs_cache_verify", self.event, self.admin
        )
        self.assertEqual(result["res_model"], "prs.cache.verify")
        for xmlid in (
            "prs_cache_sync.action_server_event_event_prs_cache_resync",
            "prs_cache_sync.action_server_form_form_prs_cache_verify",
        ):
            with self.assertRaises(AccessError):
                self._run_action(xmlid, self.event, self.configurator)

    def test_verify_wizard_private_to_its_creator(self):
        """A Verify result (wizard and drift lines) is read by the administrator who ran
        it only, not by another administrator (issue 12, item 4)."""
        from odoo.tests import new_test_user

        self.publish()
        self.redis_client.flushall()  # drift: every key missing
        result = self._run_action(
            "prs_cache_sync.action_server_event_event_prs_cache_verify", self.event, self.admin
        )
        wizard = self.env["prs.cache.verify"].browse(result["res_id"])
        self.assertTrue(wizard.line_ids)
        self.assertTrue(wizard.with_user(self.admin).read(["checked_count"]))
        self.assertTrue(wizard.line_ids.with_user(self.admin).read(["verify_id"]))
        other_admin = new_test_user(
            self.env, login="prs_cache_admin2", groups="prs_base.group_prs_administrator"
        )
        for records in (wizard, wizard.line_ids):
            with self.assertRaises(AccessError):
                records.with_user(other_admin).read(["create_uid"])
            self.assertFalse(records.with_user(other_admin).search([("id", "in", records.ids)]))

    def test_target_buttons_refused_to_configurators_over_rpc_ids(self):
        """Resync, Verify and Retry Now on a target, called with its bare id as RPC would,
        are refused to a configurator and run for an administrator."""
        target = self.env["prs.cache.target"].browse(self.target.id)
        for method in ("action_resync", "action_verify", "action_retry_now"):
            with self.assertRaises(AccessError):
                getattr(target.with_user(self.configurator), method)()
        result = target.with_user(self.admin).action_resync()
        self.assertEqual(result["tag"], "display_notification")

    def test_cache_menu_for_administrators_only(self):
        """The Cache menu is visible to administrators only."""
        menu = self.env.ref("prs_cache_sync.prs_cache_menu")
        visible_admin = self.env["ir.ui.menu"].with_user(self.admin)._visible_menu_ids()
        visible_conf = self.env["ir.ui.menu"].with_user(self.configurator)._visible_menu_ids()
        self.assertIn(menu.id, visible_admin)
        self.assertNotIn(menu.id, visible_conf)

    def test_event_manager_without_prs_rights_cannot_rename_program(self):
        """An Events Administrator without a PRS group (every new internal user) cannot
        rename a published program: nothing reaches Redis (issue 12, item 1)."""
        from odoo.tests import new_test_user

        self.publish()
        published = self.get_json(self.program_key())["program"]["name"]
        manager = new_test_user(
            self.env, "prs_cache_event_manager", groups="event.group_event_manager"
        )
        with self.assertRaises(AccessError):
            self.event.with_user(manager).name = "Renamed by manager"
        self.commit_hooks()
        self.assertEqual(self.get_json(self.program_key())["program"]["name"], published)
