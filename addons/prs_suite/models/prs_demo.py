"""Registrations of the demo programs, made the way production makes them.

Every registration goes through ``event.registration.prs_submit`` with the payloads the
API workers send (one call per step, the continuation token on later steps, a test flag
on a few; the payment step through ``prs_record_payment``, a participant's cancellation
through ``prs_cancel_registration``), then through the coordinator's actions (confirm,
waitlist, reject and cancel with a reason, request changes with a message). Only the
dates are moved afterwards: intake stamps
``now``, and a review desk whose registrations all arrived in the same second shows
nothing in its graph per day.
"""

import logging
import random
import time
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

#: submission ids of the demo calls: ``prs-demo-<participant>-<step code>[-<round>]``
SUBMISSION_PREFIX = "prs-demo-"
SEED = 16
DAYS_BACK = 27

FIRST_NAMES = (
    "Asha", "Ravi", "Priya", "Arjun", "Meera", "Kiran", "Sunita", "Vikram", "Lakshmi",
    "Tenzin", "Pema", "Sonam", "Bikash", "Sita", "Hari", "Emma", "Oliver", "Sophie",
    "James", "Charlotte", "Lucas", "Camille", "Louis", "Chloe", "Hugo", "Lena", "Felix",
    "Anna", "Jonas", "Marie", "Carlos", "Lucia", "Mateo", "Elena", "Noah", "Grace",
    "Daniel", "Olivia", "Yuki", "Hana",
)  # fmt: skip
LAST_NAMES = (
    "Sharma", "Patel", "Iyer", "Reddy", "Gurung", "Tamang", "Sherpa", "Thapa", "Rai",
    "Smith", "Jones", "Taylor", "Brown", "Martin", "Bernard", "Dubois", "Moreau",
    "Muller", "Schmidt", "Weber", "Garcia", "Lopez", "Martinez", "Johnson", "Miller",
    "Davis", "Tanaka", "Sato", "Nair", "Kapoor",
)  # fmt: skip
# (city, country of residence choice, phone prefix, preferred language)
PLACES = (
    ("Delhi", "IN", "+91 98", "hi_IN"),
    ("Mumbai", "IN", "+91 97", "en_US"),
    ("Bengaluru", "IN", "+91 99", "en_US"),
    ("Kathmandu", "NP", "+977 98", "ne_NP"),
    ("Pokhara", "NP", "+977 97", "en_US"),
    ("London", "GB", "+44 7700", "en_US"),
    ("Edinburgh", "GB", "+44 7701", "en_US"),
    ("New York", "US", "+1 212", "en_US"),
    ("Portland", "US", "+1 503", "es_ES"),
    ("Berlin", "DE", "+49 151", "de_DE"),
    ("Munich", "DE", "+49 160", "de_DE"),
    ("Lyon", "other", "+33 6", "fr_FR"),
    ("Paris", "other", "+33 7", "fr_FR"),
)
RELATIONS = ("spouse", "parent", "sibling", "child", "friend", "other")
HOW_HEARD = ("friend", "web", "social", "other")
COMMENTS = (
    "First retreat for me, a little nervous about the silence.",
    "Returning participant, same room as last year if possible.",
    "I arrive with my sister; we would like to share a room.",
    "",
)

# (final state, how many, of which test registrations): 152 registrations
PLAN = (
    ("in_progress", 19, 2),
    ("submitted", 33, 2),
    ("changes_requested", 13, 0),
    ("confirmed", 41, 3),
    ("waitlisted", 13, 0),
    ("rejected", 14, 0),
    ("cancelled", 19, 1),
)
# participants who register a second time with the same email (duplicate participants)
REPEATS = 10
# participants in changes requested who answered the reopened step again (answer history)
RESUBMITTED = 5

REJECT_REASONS = (
    "The retreat requires previous meditation experience; please join an "
    "Introductory Evening first.",
    "We could not verify the emergency contact you gave.",
    "This retreat is for participants aged 18 and over.",
)
CANCEL_REASONS = (
    "Travel plans changed: I cannot come this year.",
    "A family event on the same dates.",
    "Visa not granted in time.",
)
COORDINATOR_CANCEL_REASONS = (
    "Payment not received before the deadline.",
    "Registered twice: this copy was cancelled, the other one is kept.",
)
CHANGES_MESSAGES = (
    "Please give a flight number: the airport pick-up needs it.",
    "The emergency contact phone number looks incomplete; please check it.",
    "Please confirm your arrival date: it is before the retreat opens.",
)


class PrsDemo(models.AbstractModel):
    """Demo registrations of ``prs_suite`` (called from its demo data)."""

    _name = "prs.demo"
    _description = "Global PRS Demo Data"

    @api.model
    def _prs_demo_registrations(self):
        """Fill the demo retreat with registrations in every state, through intake.

        Deterministic (seeded names, answers and dates) and idempotent: a database that
        already holds the demo submissions is left as it is.

        :return: the registrations created (empty when they existed already)
        """
        Registration = self.env["event.registration"]
        Submission = self.env["event.registration.submission"]
        # sudo: only whether the demo submissions exist is read (a count)
        if Submission.sudo().search_count([("submission_id", "=like", f"{SUBMISSION_PREFIX}%")]):
            return Registration
        started = time.monotonic()
        program = self.env.ref("prs_suite.prs_demo_program_retreat")
        coordinator = self.env.ref("base.user_demo")
        rng = random.Random(SEED)
        people = self._prs_demo_people(rng, program)
        now = fields.Datetime.now()
        created = Registration
        dates = {}
        for person in people:
            registration = self._prs_demo_journey(program, person)
            created |= registration
            dates[registration.id] = person["submitted_at"]
        # the coordinator's decisions, in the order a desk takes them: confirmations
        # first (seats), cancellations before the waitlist (a freed seat promotes the
        # oldest waitlisted registration), then the waitlist and the rest
        by_state = {}
        for person, registration in zip(people, created, strict=True):
            by_state.setdefault(person["state"], Registration)
            by_state[person["state"]] |= registration
        as_coordinator = {state: regs.with_user(coordinator) for state, regs in by_state.items()}
        cancelled = as_coordinator.get("cancelled", Registration)
        (as_coordinator.get("confirmed", Registration) | cancelled[::2]).action_prs_confirm()
        tokens = {
            registration: person.get("token")
            for person, registration in zip(people, created, strict=True)
        }
        for index, registration in enumerate(cancelled):
            if index % 2:
                registration._prs_cancel(
                    COORDINATOR_CANCEL_REASONS[index % len(COORDINATOR_CANCEL_REASONS)]
                )
                continue
            # the participant's own cancellation, sent by an API worker
            result = Registration.prs_cancel_registration(
                {
                    "operation_id": f"{SUBMISSION_PREFIX}cancel-{registration.id}",
                    "registration_id": registration.id,
                    "continuation_token": tokens[registration],
                    "reason": CANCEL_REASONS[index % len(CANCEL_REASONS)],
                }
            )
            if not result.get("ok"):
                raise ValueError(f"demo cancellation refused: {result['errors']}")
        as_coordinator.get("waitlisted", Registration).action_prs_waitlist()
        for index, registration in enumerate(as_coordinator.get("rejected", Registration)):
            registration._prs_reject(REJECT_REASONS[index % len(REJECT_REASONS)])
        for index, registration in enumerate(as_coordinator.get("changes_requested", Registration)):
            steps = registration.flow_id.step_ids.filtered(
                lambda s: s.code in ("personal", "basic")
            )
            registration._prs_request_changes(
                steps, CHANGES_MESSAGES[index % len(CHANGES_MESSAGES)]
            )
        self._prs_demo_resubmit(people, created)
        self._prs_demo_dates(created, dates, now)
        _logger.info(
            "prs_suite demo: %s registrations in %.1f s", len(created), time.monotonic() - started
        )
        return created

    # ------------------------------------------------------------------ participants

    @api.model
    def _prs_demo_people(self, rng, program):
        """The participants in the order they registered, each with its final state,
        flow, answers per step and submission date."""
        plan = []
        for state, count, tests in PLAN:
            plan += [(state, index < tests) for index in range(count)]
        rng.shuffle(plan)
        today = fields.Date.context_today(self)
        arrival = (program.date_begin - timedelta(days=1)).date()
        people = []
        for index, (state, is_test) in enumerate(plan):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            city, residence, prefix, lang = rng.choice(PLACES)
            email = f"{first}.{last}{index % 7 or ''}@example.com".lower()
            if 0 < index <= REPEATS * 15 and index % 15 == 0:
                # the same person again (same email and name): a duplicate participant
                earlier = people[index - 9]
                first, last, email = earlier["first"], earlier["last"], earlier["email"]
            age = rng.choice((24, 29, 33, 38, 41, 45, 52, 57, 61, 64, 68, 72))
            person = {
                "index": index,
                "state": state,
                "test": is_test,
                "first": first,
                "last": last,
                "email": email,
                "phone": f"{prefix} {rng.randrange(100000, 999999)}",
                "age": age,
                "birth": date(today.year - age, rng.randint(1, 12), rng.randint(1, 28)),
                "city": city,
                "residence": residence,
                "lang": lang,
                # two thirds take the quick flow (returning participants): the install
                # stays fast, the standard flow still has some fifty full journeys
                "flow": "standard" if index % 3 == 0 else "quick",
                # spread over the last weeks, more in the last days (the desk's graph)
                "submitted_at": self._prs_demo_date(rng, index, len(plan)),
            }
            person["answers"] = self._prs_demo_answers(rng, person, arrival)
            people.append(person)
        return people

    @api.model
    def _prs_demo_date(self, rng, index, total):
        """When participant ``index`` of ``total`` submitted: from ``DAYS_BACK`` days ago
        to now, in registration order, busier towards today; the last ones today."""
        share = (index + 1) / total
        days = DAYS_BACK * (1 - share**0.6)
        minutes = rng.randrange(0, 600)
        moment = fields.Datetime.now() - timedelta(days=days, minutes=minutes)
        return max(moment, fields.Datetime.now() - timedelta(days=DAYS_BACK))

    @api.model
    def _prs_demo_answers(self, rng, person, arrival):
        """``{step code: answers}`` of a participant, valid for the published forms."""
        first, last = person["first"], person["last"]
        mode = rng.choice(("air", "air", "train", "road"))
        room = rng.choice(("shared", "shared", "single"))
        personal = {
            "first_name": first,
            "last_name": last,
            "date_of_birth": person["birth"].isoformat(),
            "age": person["age"],
            "gender": rng.choice(("female", "male", "female", "male", "other", "undisclosed")),
            "email": person["email"],
            "phone": person["phone"],
            "city": person["city"],
            "residence": person["residence"],
            "language": person["lang"],
            "arrival_date": arrival.isoformat(),
            "arrival_mode": mode,
            "room_type": room,
            "diet": rng.sample(
                ("vegetarian", "vegan", "gluten_free", "nut_allergy"), rng.randint(0, 2)
            ),
            "emergency_name": f"{rng.choice(FIRST_NAMES)} {last}",
            "emergency_phone": f"{person['phone'][:-3]}{rng.randrange(100, 999)}",
            "emergency_relation": rng.choice(RELATIONS),
        }
        if mode == "air":
            personal["flight_number"] = (
                f"{rng.choice(('AI', '6E', 'BA', 'LH', 'AF'))} {rng.randrange(100, 999)}"
            )
        if room == "shared" and rng.random() < 0.3:
            personal["roommate"] = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        conditions = rng.random() < 0.3
        health = {
            "has_conditions": conditions,
            "mobility": rng.choice(("full", "full", "limited", "assisted")),
            "altitude_experience": rng.random() < 0.5,
        }
        if conditions:
            health["condition_details"] = rng.choice(
                (
                    "Mild asthma, inhaler with me.",
                    "High blood pressure, treated.",
                    "Knee surgery last year.",
                )
            )
            health["medication"] = "Daily, brought for the whole stay."
        terms = {"accept_terms": True, "accept_conduct": True, "photo_consent": rng.random() < 0.7}
        basic = {
            "full_name": f"{first} {last}",
            "email": person["email"],
            "phone": person["phone"],
            "age": person["age"],
            "language": person["lang"],
            "how_heard": rng.choice(HOW_HEARD),
        }
        comment = rng.choice(COMMENTS)
        if comment:
            basic["comments"] = comment
        return {"personal": personal, "health": health, "terms": terms, "basic": basic}

    # ------------------------------------------------------------------ intake

    @api.model
    def _prs_demo_payload(self, program, step, person, registration=None, token=None, rnd=""):
        """The ``prs_submit`` payload of one step, as an API worker builds it."""
        flow = step.flow_id
        payload = {
            "submission_id": f"{SUBMISSION_PREFIX}{person['index']:03d}-{step.code}{rnd}",
            "program_id": program.id,
            "flow_id": flow.id,
            "step_id": step.id,
            "form_version": step.form_id.version if step.form_id else 0,
            "answers": person["answers"].get(step.code, {}) if step.form_id else {},
        }
        if registration:
            payload.update(registration_id=registration.id, continuation_token=token)
        elif person["test"]:
            payload["test"] = True
        return payload

    @api.model
    def _prs_demo_journey(self, program, person):
        """Submit the steps of one participant's journey, one ``prs_submit`` call each,
        following ``next_step_id``; an in-progress participant stops halfway."""
        Registration = self.env["event.registration"]
        flow = self.env.ref(f"prs_suite.prs_demo_flow_{person['flow']}")
        step = flow.step_ids.sorted(lambda s: (s.sequence, s.id))[:1]
        registration, token, done = Registration, None, 0
        while step:
            if person["state"] == "in_progress" and done >= (1 if person["flow"] == "quick" else 2):
                break
            if step.step_type == "payment":
                # the payment provider's answer, recorded by an API worker
                result = Registration.prs_record_payment(
                    {
                        "operation_id": f"{SUBMISSION_PREFIX}{person['index']:03d}-{step.code}",
                        "registration_id": registration.id,
                        "continuation_token": token,
                        "step_id": step.id,
                        "reference": f"{SUBMISSION_PREFIX}payment-{person['index']:03d}",
                        "amount": program.prs_fee,
                        "currency": program.prs_currency_id.name,
                        "provider": "demo",
                    }
                )
            else:
                result = Registration.prs_submit(
                    self._prs_demo_payload(program, step, person, registration, token)
                )
            if not result.get("ok"):
                raise ValueError(f"demo intake refused {person['email']}: {result['errors']}")
            if not registration:
                registration = Registration.browse(result["registration_id"])
                token = result["continuation_token"]
            person["token"] = token
            done += 1
            step = step.browse(result["next_step_id"] or [])
        return registration

    @api.model
    def _prs_demo_resubmit(self, people, registrations):
        """A few participants in changes requested answered the reopened step again
        (their previous answers stay in the step's history)."""
        Registration = self.env["event.registration"]
        pairs = [
            (person, registration)
            for person, registration in zip(people, registrations, strict=True)
            if person["state"] == "changes_requested"
        ]
        for person, registration in pairs[:RESUBMITTED]:
            step = registration.next_step_id
            answers = person["answers"][step.code]
            answers["phone"] = answers["phone"][:-2] + "07"
            if "arrival_mode" in answers:
                answers.update(arrival_mode="air", flight_number="AI 415")
            while step:
                result = Registration.prs_submit(
                    self._prs_demo_payload(
                        registration.event_id, step, person, registration, person["token"], "-2"
                    )
                )
                if not result.get("ok"):
                    raise ValueError(f"demo resubmission refused: {result['errors']}")
                step = step.browse(result["next_step_id"] or [])
            person["state"] = registration.prs_state

    @api.model
    def _prs_demo_dates(self, registrations, dates, now):
        """Move each registration's creation, submission and last state change to its
        demo date (intake and the actions stamped ``now``)."""
        rows = []
        for registration in registrations:
            submitted = dates[registration.id]
            started = submitted - timedelta(minutes=7 + registration.id % 23)
            decided = min(submitted + timedelta(days=1, hours=registration.id % 9), now)
            rows.append(
                SQL(
                    "(%s, %s::timestamp, %s::timestamp, %s::timestamp)",
                    registration.id,
                    started,
                    submitted if registration.prs_submitted_at else None,
                    decided if registration.prs_state != "in_progress" else submitted,
                )
            )
        self.env.flush_all()
        # the ORM never writes create_date, and prs_submitted_at / prs_state_changed_at
        # are the actions' own stamps: one UPDATE moves the three
        self.env.cr.execute(
            SQL(
                """
                UPDATE event_registration r
                   SET create_date = v.started,
                       prs_submitted_at = v.submitted,
                       prs_state_changed_at = v.decided
                  FROM (VALUES %s) AS v(id, started, submitted, decided)
                 WHERE r.id = v.id
                """,
                SQL(", ").join(rows),
            )
        )
        registrations.invalidate_recordset(
            ["create_date", "prs_submitted_at", "prs_state_changed_at"]
        )
