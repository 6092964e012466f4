import base64
import json
import os
import re
import uuid
from unittest.mock import patch

from cryptography.fernet import Fernet

from odoo.tests import TransactionCase, new_test_user

from odoo.addons.prs_event_flow.tests.common import FlowBuilder

from ..models.event_registration_mail import POSTCOMMIT_KEY as STATE_MAIL_POSTCOMMIT_KEY

TEST_KEY = Fernet.generate_key().decode()
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "schemas")


def load_schema(name):
    with open(os.path.join(SCHEMA_DIR, name), encoding="utf-8") as file:
        return json.load(file)


def check_contract(schema_name, value):
    """Validate ``value`` against a JSON Schema of the intake contract (raises)."""
    import jsonschema

    schema = load_schema(schema_name)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    jsonschema.validate(value, schema)


make_field = FlowBuilder.field  # create values of one form.field

# What an intake error message must never carry (README "Intake contract"): model names,
# configuration keys (odoo.conf options, environment variables, system parameters),
# user ids and record ids.
LEAK_PATTERNS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\bPRS_[A-Z_]+\b",
        r"encryption_key|redis_url|key_prefix|odoo\.conf|\[prs_|admin_passwd",
        r"\bprs_registration\.\w+|\bir\.config_parameter\b|\bdatabase\.secret\b",
        r"\buid\b|\buser[ _]?ids?\b|\busers?\W{0,3}\d+",
        r"\(\d+,\)|#\d+|\bids?\s*[=:]\s*\d+|\brecords?\W{0,3}\d+",
    )
]


def message_leaks(message, model_names):
    """The parts of an intake error message that leak server internals ([] if none)."""
    leaks = [match.group(0) for pattern in LEAK_PATTERNS for match in pattern.finditer(message)]
    leaks += [name for name in model_names if name in message]
    return leaks


PERSONAL_FIELDS = [
    make_field("first_name", required=True, maps_to="first_name", label="First name"),
    make_field("last_name", required=True, maps_to="last_name", label="Last name"),
    make_field("email", "email", required=True, maps_to="email", label="Email"),
    make_field("age", "integer", required=True, min_value="0", max_value="120"),
    make_field("country", "select", required=True, choices=[("IN", "India"), ("FR", "France")]),
    make_field("passport_no", label="Passport number", condition='country == "IN"'),
    make_field("national_id", label="National ID", sensitive=True),
    make_field("source", "hidden"),
    make_field(
        "document",
        "file",
        file_types=".pdf, application/pdf",
        max_file_size_mb=4096 / (1024 * 1024),  # 4 KiB
    ),
    make_field(
        "id_scan", "file", label="ID scan", sensitive=True, file_types=".pdf, application/pdf"
    ),
]
EXTRA_FIELDS = [
    make_field("interests", "checkboxes", choices=[("yoga", "Yoga"), ("hike", "Hiking")]),
]


class PrsFixtureMixin(FlowBuilder):
    """Builders of forms, versions, programs and flows shared by the test classes.

    Flow ``standard``: ``personal`` (form, always) -> ``health`` (form, shown when
    ``personal.age >= 60``) -> ``terms`` (form). Forms are published through the form
    builder (``action_publish``, the real serializer).
    """

    @classmethod
    def _setup_prs_forms(cls, prefix):
        cls.startClassPatcher(patch.dict(os.environ, {"PRS_ENCRYPTION_KEY": TEST_KEY}))
        cls.form_personal = cls._create_form(f"{prefix}_personal", "Personal")
        cls.version_personal = cls._publish(
            cls.form_personal,
            [
                ("about", "About you", None, [("identity", "Identity", PERSONAL_FIELDS)]),
                ("extras", "Extras", None, [("more", "More", EXTRA_FIELDS)]),
            ],
        )
        cls.form_health = cls._create_form(f"{prefix}_health", "Health")
        cls.version_health = cls._publish(
            cls.form_health,
            [("health", "Health", None, [("main", "Main", [make_field("allergies", "textarea")])])],
        )
        cls.form_terms = cls._create_form(f"{prefix}_terms", "Terms")
        cls.version_terms = cls._publish(
            cls.form_terms,
            [
                (
                    "terms",
                    "Terms",
                    None,
                    [("main", "Main", [make_field("accept", "consent", required=True)])],
                )
            ],
        )

    # ------------------------------------------------------------------
    # Builders
    # ------------------------------------------------------------------

    @classmethod
    def _create_form(cls, code, name):
        return cls.env["form.form"].create({"name": name, "code": code})

    @classmethod
    def _publish(cls, form, pages, rules=()):
        """Publish the next version of ``form`` holding ``pages``: ``[(code, title,
        condition, [(code, title, [field values])])]``; return the version."""
        return cls.publish_form(
            form,
            pages=[
                cls.page(
                    page_code,
                    [
                        cls.section(section_code, section_fields, title=section_title)
                        for section_code, section_title, section_fields in sections
                    ],
                    title=page_title,
                    condition=condition or False,
                )
                for page_code, page_title, condition, sections in pages
            ],
            rules=rules,
        )

    @classmethod
    def _create_program(cls, code, coordinators=None, **values):
        return cls.create_program(cls.env, code, coordinators, **values)

    @classmethod
    def _create_flow(cls, program, code="standard"):
        """Create the flow, then mark it published (the publish checks are prs_event_flow's)."""
        flow = cls.create_flow(
            cls.env,
            program,
            [
                cls.step("personal", 10, form=cls.form_personal),
                cls.step("health", 20, form=cls.form_health, condition="personal.age >= 60"),
                cls.step("terms", 30, form=cls.form_terms),
            ],
            code=code,
            name="Standard",
        )
        flow.write({"state": "published"})
        return flow

    # ------------------------------------------------------------------
    # Payloads
    # ------------------------------------------------------------------

    @staticmethod
    def personal_answers(**overrides):
        answers = {
            "first_name": "Asha",
            "last_name": "Rao",
            "email": "asha@example.com",
            "age": 34,
            "country": "IN",
            "passport_no": "P1234567",
            "national_id": "NID-998877",
            "interests": ["yoga"],
        }
        answers.update(overrides)
        return {key: value for key, value in answers.items() if value is not None}

    @staticmethod
    def pdf_answer(content=b"%PDF-1.4 test"):
        return {
            "name": "id.pdf",
            "mimetype": "application/pdf",
            "data": base64.b64encode(content).decode(),
        }

    def payload(self, step=None, answers=None, registration=None, flow=None, **values):
        step = step or self.step_personal
        flow = flow or step.flow_id
        version = step.form_id.current_version_id.version if step.form_id else 0
        payload = {
            "submission_id": values.pop("submission_id", None) or str(uuid.uuid4()),
            "program_id": flow.event_id.id,
            "flow_id": flow.id,
            "step_id": step.id,
            "form_version": version,
            "answers": self.personal_answers() if answers is None else answers,
        }
        if registration:
            payload["registration_id"] = (
                registration if isinstance(registration, int) else registration.id
            )
            # the continuation token the first step of that registration returned
            token = PrsFixtureMixin._tokens.get(payload["registration_id"])
            if token:
                payload["continuation_token"] = token
        payload.update(values)
        return payload

    #: ``{registration id: continuation token}`` returned by first steps (test database
    #: ids are never reused within a run)
    _tokens = {}

    def submit(self, payload, user=None):
        """Call prs_submit; every response must match the response schema, and no error
        message may leak server internals (model names, configuration keys, ids)."""
        result = self.Registration.with_user(user or self.api_user).prs_submit(payload)
        check_contract("prs.submit.response.1.json", result)
        self.assertNoIntakeLeak(result)
        if result.get("continuation_token"):
            PrsFixtureMixin._tokens[result["registration_id"]] = result["continuation_token"]
        return result

    def assertNoIntakeLeak(self, result):
        model_names = [name for name in self.env.registry if "." in name]
        for error in result.get("errors") or []:
            leaks = message_leaks(error["message"], model_names)
            self.assertFalse(leaks, f"error message leaks {leaks}: {error['message']!r}")

    def assertIntakeError(self, result, code, field=None):
        self.assertFalse(result["ok"], result)
        codes = [(error["code"], error["field"]) for error in result["errors"]]
        if field is None:
            self.assertIn(code, [c for c, __ in codes], result)
        else:
            self.assertIn((code, field), codes, result)

    def register(self, user=None, test=False, **answers):
        """Run a registration through personal and terms; return it (submitted)."""
        extra = {"test": True} if test else {}
        first = self.submit(self.payload(answers=self.personal_answers(**answers), **extra), user)
        self.assertTrue(first["ok"], first)
        registration = self.Registration.browse(first["registration_id"])
        if registration.next_step_id == self.step_health:
            result = self.submit(
                self.payload(self.step_health, {"allergies": "none"}, registration), user
            )
            self.assertTrue(result["ok"], result)
        result = self.submit(self.payload(self.step_terms, {"accept": True}, registration), user)
        self.assertTrue(result["ok"], result)
        self.run_after_commit()  # the intake call's transaction ends: its receipt mail
        return registration

    def run_after_commit(self):
        """What the commit of an intake call or an action runs after it, on the test's
        own cursor: the pending writes and pre-commit hooks, then the state mails the
        after-commit hook sends (README "Intake contract", Mails). The test transaction
        never commits, and the hook's new cursor would not see its registrations:
        ``cr.postcommit.run()`` would send nothing (TestStateMailCommitted runs the hook
        itself, on real commits)."""
        self.env.cr.flush()
        pending = self.env.cr.postcommit.data.get(STATE_MAIL_POSTCOMMIT_KEY)
        if pending:
            self.env["event.registration"].browse(sorted(pending))._prs_send_pending_state_mails()
            pending.clear()


class PrsRegistrationCase(PrsFixtureMixin, TransactionCase):
    """A program (open now) with a published three-step flow and the users around it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prs_forms("reg")
        cls.api_user = new_test_user(cls.env, login="prs_reg_api", groups="prs_base.group_prs_api")
        cls.coordinator = new_test_user(
            cls.env,
            login="prs_reg_crd",
            groups="prs_base.group_prs_coordinator",
            email="crd@example.com",
        )
        cls.other_coordinator = new_test_user(
            cls.env, login="prs_reg_crd2", groups="prs_base.group_prs_coordinator"
        )
        cls.revealer = new_test_user(
            cls.env, login="prs_reg_rev", groups="prs_registration.group_prs_reveal"
        )
        cls.configurator = new_test_user(
            cls.env, login="prs_reg_cfg", groups="prs_base.group_prs_configurator"
        )
        cls.administrator = new_test_user(
            cls.env, login="prs_reg_adm", groups="prs_base.group_prs_administrator"
        )
        cls.internal_user = new_test_user(cls.env, login="prs_reg_int", groups="base.group_user")

        cls.program = cls._create_program("REG-1", coordinators=cls.coordinator | cls.revealer)
        cls.other_program = cls._create_program("REG-2", coordinators=cls.other_coordinator)
        cls.flow = cls._create_flow(cls.program)
        cls.other_flow = cls._create_flow(cls.other_program)
        cls.step_personal, cls.step_health, cls.step_terms = cls.flow.step_ids.sorted("sequence")
        cls.Registration = cls.env["event.registration"]


#: Odoo's event groups: the access tests give each to one user without a PRS group
EVENT_GROUPS = {
    "ev_desk": "event.group_event_registration_desk",
    "ev_user": "event.group_event_user",
    "ev_mgr": "event.group_event_manager",
}
#: the roles of the users without a PRS group (AccessFixtureMixin._create_no_prs_users)
NO_PRS_ROLES = ("dflt", *EVENT_GROUPS)


class AccessFixtureMixin:
    """Records of the access tests (``prs_registration`` and ``tests/``): users without
    a PRS group, submitted registrations, and what a participant leaves besides answers."""

    @classmethod
    def _create_no_prs_users(cls, prefix):
        """``{role: user}`` for NO_PRS_ROLES, logins ``<prefix>_<role>``: ``dflt`` created
        the way Odoo creates a colleague (base.default_user's groups, Events Administrator
        included, no PRS group), and one per Odoo event group (EVENT_GROUPS)."""
        users = {
            "dflt": cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {"name": "New Colleague", "login": f"{prefix}_dflt", "email": "dflt@example.com"}
            )
        }
        for role, group in EVENT_GROUPS.items():
            users[role] = new_test_user(cls.env, login=f"{prefix}_{role}", groups=group)
        return users

    @classmethod
    def _make_registration(cls, program, flow, name, step="personal", answers=None):
        """A submitted registration as the intake leaves it (written as superuser):
        ``answers`` (default: ``first_name`` = ``name``) to version 1 of step ``step``."""
        return cls.env["event.registration"].create(
            {
                "event_id": program.id,
                "flow_id": flow.id,
                "name": name,
                "prs_state": "submitted",
                "answers": {step: {"first_name": name} if answers is None else answers},
                "step_versions": {step: 1},
            }
        )

    @classmethod
    def _create_participant_records(cls, submission_id):
        """What a participant leaves on ``cls.registration`` besides answers (a file, a
        message, a submission ``submission_id`` of ``cls.flow``'s first step), and a plain
        Odoo event with an attendee (Odoo's own behaviour is kept for them)."""
        cls.attachment = cls.env["ir.attachment"].create(
            {
                "name": "passport.pdf",
                "raw": b"%PDF-1.4 participant file",
                "res_model": "event.registration",
                "res_id": cls.registration.id,
            }
        )
        cls.message = cls.registration.message_post(
            body="Participant wrote", subtype_xmlid="mail.mt_note"
        )
        cls.submission = cls.env["event.registration.submission"].create(
            {
                "submission_id": submission_id,
                "registration_id": cls.registration.id,
                "step_id": cls.flow.step_ids[:1].id,
                "result": {"ok": True},
            }
        )
        cls.plain_event = cls.env["event.event"].create(
            {
                "name": "Staff party",
                "date_begin": cls.program.date_begin,
                "date_end": cls.program.date_end,
            }
        )
        cls.plain_registration = cls.env["event.registration"].create(
            {"event_id": cls.plain_event.id, "name": "Guest"}
        )
