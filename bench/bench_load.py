"""Benchmark 8, load: a program opening on a production-like server (issue 17).

``odoo-bin --workers=2`` (prefork, as production runs; no cron thread, time and memory
limits raised so that no worker is recycled in the middle of the run) serves a program
of 300 seats and a waitlist of 100 whose published flow has three form steps (10
validated answers each) and a confirmation step. 16 concurrent clients (threads, each
with its own ``xmlrpc.client`` connection) send 1,000 participants' complete journeys:
every step one ``event.registration.prs_submit`` over XML-RPC as the API integration
user with its API key, later steps with ``registration_id`` and the continuation token.

Replays are injected as a worker retrying after a lost answer would send them: about 5%
of the calls are sent a second time with the same submission id and body (the answer
must be the first one's, token included), and for some participants the first step is
sent by three clients at the same moment (one registration, the same answer for all).

Intake never takes a seat (README "Intake contract": submitted registrations wait for
the coordinator), so the seats are given by a bulk confirm as the program's coordinator:
the submitted registrations in submission order, 400 of them in batches of 20 sent by 4
concurrent coordinator clients (``action_prs_confirm`` over XML-RPC: seats first, then
the waitlist, the program row locked per decision); then one more confirmation must be
refused (the program is full), and so must a new participant's first step (``full``).

Checks: zero server errors (an XML-RPC fault, an HTTP error or a dropped connection;
the structured ``{"ok": false, "errors": ...}`` answers are counted apart and none is
expected), zero duplicate registrations (one per participant, one accepted submission
per step), exactly 300 confirmed and 100 waitlisted, and the program index in Redis
(``<prefix>:<program id>``, README "Redis contract") showing ``capacity.state``
``full``. Reported: throughput and p50/p95/p99 latency per step. A benchmark, never a
test: it prints its verdict and exits 0.
"""

import contextlib
import queue
import random
import threading
import time
import uuid
import xmlrpc.client
from collections import Counter, defaultdict

import common
import fixtures

API_LOGIN = "prs_bench_load_api"
COORDINATOR_LOGIN = "prs_bench_load_coordinator"
PASSWORD = "prs-bench-password"  # local benchmark users of a throw-away database
N_FIELDS = 10
N_STEPS = 3
SEATS, WAITLIST = 300, 100
CLIENTS = 16
REPLAY_RATE = 0.05
CONFIRM_BATCH = 20
CONFIRM_CLIENTS = 4
CONFIRM_ATTEMPTS = 3  # a batch refused by a server error is sent again (at most)
SEED = 17
EMAIL_FIELD = "f0001"  # the email question of fixtures.create_form
SERVER_ARGS = (
    "--limit-time-cpu=3600",
    "--limit-time-real=7200",
    "--limit-memory-soft=4294967296",
    "--limit-memory-hard=6442450944",
    "--limit-request=1000000",
    "--db_maxconn=64",
)


def sizes(quick):
    """(participants, seats, waitlist, concurrent duplicates) of a run."""
    if quick:
        return 120, 30, 10, 4
    return 1000, SEATS, WAITLIST, 20


def ensure_users(env):
    """The API integration user (its group only, an API key) and a coordinator."""
    users = env["res.users"].with_context(active_test=False)
    api = users.search([("login", "=", API_LOGIN)], limit=1) or users.create(
        {"name": "Bench load API worker", "login": API_LOGIN}
    )
    api.write({"active": True, "groups_id": [(6, 0, env.ref("prs_base.group_prs_api").ids)]})
    coordinator = users.search([("login", "=", COORDINATOR_LOGIN)], limit=1) or users.create(
        {"name": "Bench load coordinator", "login": COORDINATOR_LOGIN}
    )
    coordinator.write(
        {
            "active": True,
            "password": PASSWORD,
            "groups_id": [
                (
                    6,
                    0,
                    [env.ref("base.group_user").id, env.ref("prs_base.group_prs_coordinator").id],
                )
            ],
        }
    )
    env["res.users.apikeys"].search([("user_id", "=", api.id)])._remove()
    key = env["res.users.apikeys"].with_user(api)._generate("rpc", "bench_load")
    return api, key, coordinator


def ensure_program(env, coordinator, seats, waitlist):
    """A new program for this run (exact counts), with a published flow of
    ``N_STEPS`` form steps and a confirmation step."""
    form = env["form.form"].search([("code", "=", "bench_load")], limit=1)
    if not form:
        form = fixtures.create_form(env, "bench_load", N_FIELDS)
        # the email question fills the registration's email (mails, contacts)
        form.field_ids.filtered(lambda f: f.code == EMAIL_FIELD).write({"maps_to": "email"})
    if form.state != "published":
        form.action_publish()
    code = f"BLOAD{int(time.time())}"
    program, flow = fixtures.create_program(env, code, [form], n_steps=N_STEPS)
    program.write(
        {
            "seats_limited": True,
            "seats_max": seats,
            "prs_waitlist_allowed": True,
            "prs_waitlist_max": waitlist,
            "prs_coordinator_ids": [(6, 0, coordinator.ids)],
        }
    )
    program.event_mail_ids.unlink()
    steps = flow.step_ids.sorted(lambda s: (s.sequence, s.id))
    return {
        "program_id": program.id,
        "flow_id": flow.id,
        "steps": [(step.id, step.code, form.version if step.form_id else 0) for step in steps],
        "answers": fixtures.answers_for(N_FIELDS),
    }


class Client:
    """One client's XML-RPC connection and the run's shared tallies."""

    def __init__(self, run):
        self.run = run
        self.models = xmlrpc.client.ServerProxy(f"{run.url}/xmlrpc/2/object", allow_none=True)

    def call(self, uid, secret, model, method, args, label):
        """One ``execute_kw``; returns ``(result, error)``; a fault, an HTTP error or a
        dropped connection is a server error (counted, never raised)."""
        start = time.perf_counter()
        try:
            result = self.models.execute_kw(self.run.db, uid, secret, model, method, args)
        except xmlrpc.client.Fault as fault:
            return None, f"fault: {fault.faultString.strip().splitlines()[-1][:200]}"
        except xmlrpc.client.ProtocolError as error:
            return None, f"HTTP {error.errcode}"
        except OSError as error:
            return None, f"connection: {type(error).__name__}"
        finally:
            self.run.record(label, time.perf_counter() - start)
        return result, None

    def submit(self, payload, label):
        result, error = self.call(
            self.run.api_uid, self.run.api_key, "event.registration", "prs_submit", [payload], label
        )
        if error:
            self.run.server_error(label, error)
            return None
        if not result.get("ok"):
            self.run.business(label, result)
        return result


class Run:
    """State shared by the clients: timings, errors, replays."""

    def __init__(self, db, url, api_uid, api_key, data, rng):
        self.db, self.url, self.data = db, url, data
        self.api_uid, self.api_key = api_uid, api_key
        self.rng = rng
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.server_errors = Counter()
        self.business_errors = Counter()
        self.replays = Counter()
        self.registrations = {}

    def record(self, label, seconds):
        with self.lock:
            self.latencies[label].append(seconds)

    def server_error(self, label, error):
        with self.lock:
            self.server_errors[f"{label}: {error}"] += 1

    def business(self, label, result):
        codes = ",".join(sorted({e.get("code", "?") for e in result.get("errors", [])}))
        with self.lock:
            self.business_errors[f"{label}: {codes}"] += 1

    def replay_check(self, first, again, label):
        with self.lock:
            self.replays[label] += 1
            if again is not None and again != first:
                self.replays[f"{label}: different answer"] += 1

    def payload(self, number, step, registration_id=None, token=None):
        step_id, code, version = step
        payload = {
            "submission_id": f"load-{number}-{code}-{uuid.uuid4()}",
            "program_id": self.data["program_id"],
            "flow_id": self.data["flow_id"],
            "step_id": step_id,
            "form_version": version,
            "answers": dict(self.data["answers"], **{EMAIL_FIELD: f"p{number}@example.com"})
            if version
            else {},
        }
        if registration_id:
            payload.update(registration_id=registration_id, continuation_token=token)
        return payload


def journey(client, run, number, replay, duplicate):
    """Every step of participant ``number``; returns its registration id or None."""
    registration_id = token = None
    for index, step in enumerate(run.data["steps"]):
        label = f"step {index + 1}: {step[1]}"
        payload = run.payload(number, step, registration_id, token)
        if index == 0 and duplicate:
            result = concurrent_first_step(run, payload, label)
        else:
            result = client.submit(payload, label)
        if not result or not result.get("ok"):
            return None
        if replay():
            again = client.submit(payload, "replay (same submission id)")
            run.replay_check(result, again, "replays")
        if index == 0:
            registration_id, token = result["registration_id"], result["continuation_token"]
        expected_next = (
            run.data["steps"][index + 1][0] if index + 1 < len(run.data["steps"]) else False
        )
        if result["next_step_id"] != expected_next:
            run.server_error(label, f"next_step_id {result['next_step_id']} != {expected_next}")
            return None
    return registration_id


def concurrent_first_step(run, payload, label):
    """The same first-step call sent by three clients at once: one registration, the
    same answer (with the same token) for every one of them."""
    barrier = threading.Barrier(3)
    answers = [None] * 3

    def send(slot):
        client = Client(run)
        barrier.wait()
        answers[slot] = client.submit(payload, "concurrent duplicate (3 at once)")

    threads = [threading.Thread(target=send, args=(slot,)) for slot in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    oks = [answer for answer in answers if answer and answer.get("ok")]
    if len(oks) < 3:
        # a call that lost the race may answer ``conflict`` (retry, README "Intake
        # contract"): the worker retries it once
        retried = Client(run).submit(payload, "concurrent duplicate retry")
        if retried and retried.get("ok"):
            oks.append(retried)
    run.replay_check(oks[0] if oks else None, None, "concurrent duplicate calls")
    if len(oks) < 2 or any(answer != oks[0] for answer in oks[1:]):
        run.replay_check(None, None, "concurrent duplicate calls: different answer")
    return oks[0] if oks else None


def send_journeys(run, participants, n_duplicates):
    """16 clients take participants from a queue until it is empty."""
    todo = queue.Queue()
    duplicate_every = max(participants // max(n_duplicates, 1), 1)
    for number in range(participants):
        todo.put(number)
    replay_rng = random.Random(SEED)
    replay_lock = threading.Lock()

    def replay():
        with replay_lock:
            return replay_rng.random() < REPLAY_RATE

    def worker():
        client = Client(run)
        while True:
            try:
                number = todo.get_nowait()
            except queue.Empty:
                return
            duplicate = number % duplicate_every == duplicate_every // 2
            registration_id = journey(client, run, number, replay, duplicate)
            with run.lock:
                run.registrations[number] = registration_id

    threads = [threading.Thread(target=worker) for _i in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def bulk_confirm(run, coordinator_uid, to_place):
    """The coordinator confirms the oldest submitted registrations in batches, from
    ``CONFIRM_CLIENTS`` clients at once; then one more, which must be refused."""
    client = Client(run)
    rows, error = client.call(
        coordinator_uid,
        PASSWORD,
        "event.registration",
        "search_read",
        [[("event_id", "=", run.data["program_id"]), ("prs_state", "=", "submitted")], ["id"]],
        "coordinator: list",
    )
    if error:
        run.server_error("coordinator: list", error)
        return None, None
    # search_read's order is the list's (id desc): confirm in submission order
    ids = sorted(row["id"] for row in rows)
    batches = queue.Queue()
    for start in range(0, to_place, CONFIRM_BATCH):
        batches.put(ids[start : min(start + CONFIRM_BATCH, to_place)])

    def worker():
        confirmer = Client(run)
        while True:
            try:
                batch = batches.get_nowait()
            except queue.Empty:
                return
            label = f"coordinator: confirm {CONFIRM_BATCH}"
            for _attempt in range(CONFIRM_ATTEMPTS):
                __, failed = confirmer.call(
                    coordinator_uid,
                    PASSWORD,
                    "event.registration",
                    "action_prs_confirm",
                    [batch],
                    label,
                )
                if not failed:
                    break
                # the whole batch rolled back: the coordinator clicks Confirm again
                run.server_error("coordinator: confirm", failed)
                label = f"coordinator: confirm {CONFIRM_BATCH} again (after a fault)"

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _i in range(CONFIRM_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    refused = None
    if len(ids) > to_place:
        __, refused = client.call(
            coordinator_uid,
            PASSWORD,
            "event.registration",
            "action_prs_confirm",
            [ids[to_place : to_place + 1]],
            "coordinator: one more (refused)",
        )
    return elapsed, refused


def final_state(db, data, participants):
    """Counts read in-process after the run: states, registrations per participant,
    accepted submissions per registration."""
    with common.environment(db) as env:
        registrations = (
            env["event.registration"]
            .with_context(active_test=False)
            .search([("event_id", "=", data["program_id"])])
        )
        states = Counter(registrations.mapped("prs_state"))
        # the journeys' participants, as their submission ids name them
        # (load-<participant>-...); the late participant is checked apart
        journeys = registrations.filtered(
            lambda r: int(r.submission_ids[:1].submission_id.split("-")[1]) < participants
        )
        per_email = Counter(journeys.mapped("email"))
        per_participant = Counter(
            r.submission_ids[:1].submission_id.split("-")[1] for r in journeys
        )
        submissions = env["event.registration.submission"].search_count(
            [("registration_id", "in", journeys.ids)]
        )
        return {
            "registrations": len(journeys),
            "states": states,
            "duplicate_emails": sum(1 for count in per_email.values() if count > 1),
            "duplicate_participants": sum(1 for count in per_participant.values() if count > 1),
            "participants_registered": len(per_email),
            "submissions": submissions,
            "expected_submissions": participants * len(data["steps"]),
        }


def redis_capacity_state(redis_server, db, program_id, expected, timeout=20):
    """``capacity.state`` of the program index, waiting for the after-commit write."""
    import json

    client = redis_server.client()
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        raw = client.get(f"prs:{db}:{program_id}")
        state = raw and json.loads(raw)["program"]["capacity"]["state"]
        if state == expected:
            break
        time.sleep(0.5)
    return state


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def server_log_errors(server):
    """``(unexpected, unique violations, serialization failures)``: the ERROR/CRITICAL
    lines the server logged during the run, split. Odoo's ``sql_db`` logs every failed
    query, also those the code handles: the unique violation of a submission id that
    ``prs_submit`` catches and answers with the stored result (under REPEATABLE READ, a
    concurrent duplicate that waited for the advisory lock still reads the snapshot from
    before the winner's commit, so its insert fails and the call replays the winner's
    answer; README "Intake contract"), and the serialization failures Odoo's RPC layer
    retries (up to 5 tries; a call that exhausts them is a fault, counted apart)."""
    with contextlib.suppress(OSError, ValueError):
        server.log.seek(0)
        lines = server.log.read().splitlines()
        unexpected, handled, retried = [], [], []
        for index, line in enumerate(lines):
            if " ERROR " not in line and " CRITICAL " not in line:
                continue
            # the rest of this log record: up to the next line starting with a date
            record = [line]
            for more in lines[index + 1 : index + 50]:
                if more[:4].isdigit() and more[4:5] == "-":
                    break
                record.append(more)
            following = " ".join(record)
            if (
                'bad query: INSERT INTO "event_registration_submission"' in line
                and "duplicate key value violates unique constraint" in following
            ):
                handled.append(line)
            elif "could not serialize access due to concurrent update" in following:
                retried.append(line)
            else:
                unexpected.append(line)
        return unexpected, handled, retried
    return [], [], []


def main():
    arguments = common.parser(__doc__.splitlines()[0])
    arguments.add_argument("--port", type=int, help="HTTP port of odoo-bin (default: a free one)")
    args = arguments.parse_args()
    participants, seats, waitlist, n_duplicates = sizes(args.quick)
    common.header("Load", args)
    common.prepare(args)
    redis_server = common.start_redis()
    with common.environment(args.db) as env:
        if not hasattr(env["event.registration"], "prs_submit"):
            raise common.CannotRun("event.registration.prs_submit is missing (prs_registration)")
        common.use_redis_target(env, redis_server)
        api, api_key, coordinator = ensure_users(env)
        data = ensure_program(env, coordinator, seats, waitlist)
        api_login, coordinator_login = api.login, coordinator.login
    server = common.OdooServer(
        args.db,
        redis_url=redis_server.url,
        workers=2,
        port=args.port,
        extra_args=SERVER_ARGS,
    )
    try:
        auth = xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/common")
        api_uid = auth.authenticate(args.db, api_login, api_key, {})
        coordinator_uid = auth.authenticate(args.db, coordinator_login, PASSWORD, {})
        if not api_uid or not coordinator_uid:
            raise common.CannotRun("XML-RPC authentication of the benchmark users failed")
        run = Run(args.db, server.url, api_uid, api_key, data, random.Random(SEED))
        common.log(f"{participants} journeys from {CLIENTS} clients on {server.url}")
        journeys_time = send_journeys(run, participants, n_duplicates)
        common.log(f"journeys done in {journeys_time:.1f} s; bulk confirm")
        confirm_time, refused = bulk_confirm(run, coordinator_uid, seats + waitlist)
        late = Client(run).submit(run.payload(participants, data["steps"][0]), "late first step")
        errors_logged, unique_violations, serialization = server_log_errors(server)
    finally:
        server.stop()
    counts = final_state(args.db, data, participants)
    redis_state = redis_capacity_state(redis_server, args.db, data["program_id"], "full")
    redis_server.stop()
    report(
        args,
        run,
        counts,
        {
            "participants": participants,
            "seats": seats,
            "waitlist": waitlist,
            "journeys_time": journeys_time,
            "confirm_time": confirm_time,
            "refused": refused,
            "late": late,
            "redis_state": redis_state,
            "errors_logged": errors_logged,
            "unique_violations": unique_violations,
            "serialization": serialization,
            "n_duplicates": n_duplicates,
        },
    )


def report(args, run, counts, facts):
    journey_labels = [label for label in run.latencies if label.startswith("step ")]
    intake = ("step", "replay", "concurrent")
    calls = sum(len(values) for label, values in run.latencies.items() if label.startswith(intake))
    # refusals of the journeys; a lost race of the concurrent duplicates may answer
    # ``conflict`` (the contract's retry), counted apart
    refusals = {
        name: count
        for name, count in run.business_errors.items()
        if name.startswith(intake)
        and not name.startswith("concurrent duplicate (3 at once): conflict")
    }
    conflicts = run.business_errors["concurrent duplicate (3 at once): conflict"]
    rows = []
    for label in sorted(run.latencies):
        values = run.latencies[label]
        rows.append(
            [
                label,
                len(values),
                common.fmt_ms(percentile(values, 0.50)),
                common.fmt_ms(percentile(values, 0.95)),
                common.fmt_ms(percentile(values, 0.99)),
                common.fmt_ms(max(values)),
            ]
        )
    completed = sum(1 for value in run.registrations.values() if value)
    common.table(
        f"Load: {facts['participants']} journeys ({len(journey_labels)} steps each) from "
        f"{CLIENTS} clients, odoo-bin --workers=2",
        ["call", "calls", "p50", "p95", "p99", "max"],
        rows,
        notes=[
            f"journeys: {completed} completed in {facts['journeys_time']:.1f} s: "
            f"{completed / facts['journeys_time']:.1f} journeys/s, "
            f"{calls / facts['journeys_time']:.1f} intake calls/s (replays included)",
            f"bulk confirm: {facts['seats'] + facts['waitlist']} registrations in batches of "
            f"{CONFIRM_BATCH} from {CONFIRM_CLIENTS} coordinator clients in "
            f"{(facts['confirm_time'] or 0):.1f} s",
            "latency: time of one execute_kw seen by the client (HTTP connection, API key "
            "check, the call, the commit)",
            f"server log: {len(facts['serialization'])} serialization failure(s) retried by "
            f"Odoo's RPC layer, {len(facts['unique_violations'])} unique violation(s) of a "
            "concurrent duplicate caught by prs_submit (it answered the stored result)",
        ],
    )
    states = counts["states"]
    late_codes = {e.get("code") for e in (facts["late"] or {}).get("errors", [])}
    checks = [
        (
            "server errors (faults, HTTP errors, dropped connections)",
            "0",
            sum(run.server_errors.values()),
            not run.server_errors,
        ),
        (
            "other ERROR lines in the server log",
            "0",
            len(facts["errors_logged"]),
            not facts["errors_logged"],
        ),
        ("structured refusals during the journeys", "0", sum(refusals.values()), not refusals),
        (
            "registrations (one per participant)",
            facts["participants"],
            counts["registrations"],
            counts["registrations"] == facts["participants"]
            and not counts["duplicate_emails"]
            and not counts["duplicate_participants"],
        ),
        (
            "accepted submissions (one per step)",
            counts["expected_submissions"],
            counts["submissions"],
            counts["submissions"] == counts["expected_submissions"],
        ),
        (
            "replays answered like the first call",
            f"{run.replays['replays']} of {run.replays['replays']}",
            run.replays["replays"] - run.replays["replays: different answer"],
            run.replays["replays"] > 0 and not run.replays["replays: different answer"],
        ),
        (
            f"concurrent duplicate first steps ({facts['n_duplicates']} x 3 calls; "
            f"{conflicts} conflict answer(s) retried, "
            f"{len(facts['unique_violations'])} unique violation(s) caught and replayed)",
            "0 different",
            run.replays["concurrent duplicate calls: different answer"],
            run.replays["concurrent duplicate calls"] > 0
            and not run.replays["concurrent duplicate calls: different answer"],
        ),
        ("confirmed", facts["seats"], states["confirmed"], states["confirmed"] == facts["seats"]),
        (
            "waitlisted",
            facts["waitlist"],
            states["waitlisted"],
            states["waitlisted"] == facts["waitlist"],
        ),
        (
            "one more confirmation",
            "refused (full)",
            "refused" if facts["refused"] else "accepted",
            bool(facts["refused"]) and "full" in facts["refused"],
        ),
        (
            "a new participant's first step",
            "full",
            ",".join(sorted(late_codes)) or "accepted",
            late_codes == {"full"},
        ),
        (
            "Redis program index capacity.state",
            "full",
            facts["redis_state"],
            facts["redis_state"] == "full",
        ),
    ]
    common.table(
        "Load: checks",
        ["check", "expected", "observed", "verdict"],
        [[name, expected, observed, common.verdict(ok)] for name, expected, observed, ok in checks],
        notes=[f"{name}: {count}" for name, count in sorted(run.server_errors.items())][:10]
        + [f"{name}: {count}" for name, count in sorted(run.business_errors.items())][:10]
        + [line[:200] for line in facts["errors_logged"][:5]],
    )
    met = all(ok for *__, ok in checks)
    common.out(f"load: every check {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    common.run_main(main)
