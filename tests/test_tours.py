"""Browser tours in Chromium: what an administrator and a coordinator do in the backend,
with the tours' JS in the owning modules' ``static/tests/tours/``.

The configurator's tour (build a page, a section and two fields with a condition, publish,
open the Preview) is ``prs_form_builder/tests/test_form_tour.py``: one tour serves both
issue 3 and this suite, and ``make test`` runs it."""

from common import GROUP_ADMINISTRATOR, GROUP_COORDINATOR, PrsHttpCase

from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install", "prs", "prs_tour")
class TestTours(PrsHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root_menu = cls.env.ref("prs_form_builder.menu_prs_root")
        cls.form = cls.create_form(
            cls.env,
            "h7_tour_personal",
            pages=[
                cls.page(
                    "identity",
                    [
                        cls.section(
                            "names",
                            [
                                cls.field(
                                    "first_name",
                                    required=True,
                                    maps_to="first_name",
                                    label="First name",
                                ),
                                cls.field(
                                    "last_name",
                                    required=True,
                                    maps_to="last_name",
                                    label="Last name",
                                ),
                            ],
                        ),
                        cls.section(
                            "about",
                            [
                                cls.field(
                                    "country",
                                    "select",
                                    required=True,
                                    choices=[("in", "India"), ("fr", "France")],
                                ),
                            ],
                        ),
                    ],
                )
            ],
            publish=True,
        )

    def _program(self, code, coordinators=None, publish=True):
        program = self.create_program(self.env, code, coordinators=coordinators)
        flow = self.create_flow(
            self.env, program, [self.step("personal", 10, form=self.form)], publish=publish
        )
        return program, flow

    def test_administrator_publishes_flow_and_sees_keys(self):
        """An administrator publishes a draft flow from its form and finds its step key
        and program index in Cache > Keys; delivery then writes them to Redis."""
        admin = new_test_user(self.env, login="h7_tour_admin", groups=GROUP_ADMINISTRATOR)
        target = self.use_redis(self.env, self.redis_server, prefix="prs:h7tour")
        target.name = "H7 Tour Redis"
        program, flow = self._program("H7-TOUR-CACHE", publish=False)
        self.start_tour(
            f"/web#menu_id={self.root_menu.id}&model=event.flow&id={flow.id}&view_type=form",
            "prs_h7_cache_tour",
            login=admin.login,
        )
        self.assertEqual(flow.state, "published")
        # the browser's transactions do not run after-commit hooks: deliver as the cron
        self.env["prs.cache.outbox"]._cron_deliver()
        client = self.redis_server.client()
        step = flow.step_ids
        self.assertTrue(client.exists(f"prs:h7tour:{program.id}:{flow.id}:{step.id}"))
        self.assertTrue(client.exists(f"prs:h7tour:{program.id}"))

    def test_coordinator_reviews_and_confirms(self):
        """Cody opens Asha's registration from the menu, reads the answers laid out like
        the form (page, section, labels, the country's label) and confirms it."""
        cody = new_test_user(
            self.env, login="h7_tour_cody", groups=GROUP_COORDINATOR, email="cody@example.com"
        )
        self.env["prs.cache.target"].search([]).write({"active": False})
        program, flow = self._program("H7-TOUR-REVIEW", coordinators=cody)
        result = self.env["event.registration"].prs_submit(
            {
                "submission_id": "h7-tour-review",
                "program_id": program.id,
                "flow_id": flow.id,
                "step_id": flow.step_ids.id,
                "form_version": self.form.current_version_id.version,
                "answers": {"first_name": "Asha", "last_name": "Rao", "country": "in"},
            }
        )
        self.assertTrue(result["ok"], result)
        registration = self.env["event.registration"].browse(result["registration_id"])
        self.assertEqual(registration.prs_state, "submitted")
        self.start_tour(f"/web#menu_id={self.root_menu.id}", "prs_h7_review_tour", login=cody.login)
        self.assertEqual(registration.prs_state, "confirmed")
