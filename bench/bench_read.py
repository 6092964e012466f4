"""Benchmark 1, read path: a renderer fetching one step's form tree.

The renderer's Get API can pass the stored JSON through without decoding it, so the
headline is a bytes-only ``GET``; ``GET`` + decode is measured next to it. The same tree
is read in the same run by:

- Redis bytes (the PRS path): ``GET`` of the step key, the stored JSON as ``bytes``,
  read as the renderer's Get API reads it: one dedicated redis-py ``Connection`` per
  worker (no pool checkout and release per call), the ``GET`` of each key packed once
  and sent as is, the reply parsed by ``hiredis`` (redis-py uses it when installed:
  ``requirements.txt`` pins it). Diagnostics: the same ``GET`` with a pooled
  ``redis.Redis`` client and with a bare ``Connection.send_command``.
- Redis + decode: the same ``GET`` + ``orjson.loads`` (the fast JSON library the API
  would use), and + ``json.loads`` (standard library) as a diagnostic.
- JSON-RPC (no cache): what a client must do without the cache: a logged-in
  ``requests`` session calling ``/web/dataset/call_kw`` ``search_read`` once per level
  (form, pages, sections, fields, choices) on an Odoo HTTP server with one worker
  (``--workers=0``), then nesting the rows into a tree.
- Floor: the same ``GET`` over a raw socket, without any client library: one RESP
  request written on an open TCP connection, the bulk reply read into one preallocated
  buffer (bytes floor), then the same ``orjson.loads`` of that buffer (decode floor).
  Nothing can fetch these bytes with less work (same server, same bytes), so it is the
  floor of any Redis client. The floors and the Redis paths are timed in turn, call
  after call, so all see the same machine load.

Goals (issue 17), at 20 and 200 fields: the bytes path within 1.1x of the raw-socket
floor and at least 100x faster than JSON-RPC.
"""

import json
import os
import socket

import common
import fixtures
import orjson

FORM_READ = ["code", "title", "name"]
CHOICE_READ = ["field_id", "value", "label"]


def ensure_step(env, n_fields):
    code = f"bench_read_{n_fields}"
    form = env["form.form"].search([("code", "=", code)], limit=1)
    program = env["event.event"].search([("prs_code", "=", f"BREAD-{n_fields}")], limit=1)
    if not (form and program):
        common.log(f"building a form of {n_fields} fields")
        form = form or fixtures.create_form(env, code, n_fields)
        if form.state != "published":
            form.action_publish()
        program, _flow = fixtures.create_program(env, f"BREAD-{n_fields}", [form])
    flow = program.flow_ids[:1]
    step = flow.step_ids.filtered(lambda s: s.form_id == form)[:1]
    return form.id, program.id, flow.id, step.id


class RawRedis:
    """The floor: RESP over a plain socket, no client library."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray(1 << 22)
        self.view = memoryview(self.buffer)

    def get(self, key):
        key = key.encode()
        self.sock.sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key))
        received = self.sock.recv_into(self.view)
        header_end = self.buffer.index(b"\r\n", 0, received)
        length = int(self.buffer[1:header_end])
        total = header_end + 2 + length + 2
        while received < total:
            received += self.sock.recv_into(self.view[received:])
        return self.view[header_end + 2 : header_end + 2 + length]

    def close(self):
        self.sock.close()


class GetApiReader:
    """The Get API's read: a dedicated redis-py connection (one per worker: no pool
    checkout and release per call), each key's ``GET`` packed once and sent as is, the
    bulk reply returned as bytes (parsed by ``hiredis`` when installed)."""

    def __init__(self, port):
        from redis.connection import Connection

        self.connection = Connection(host="127.0.0.1", port=port)
        self.connection.connect()
        self.packed = {}

    def get(self, key):
        packed = self.packed.get(key)
        if packed is None:
            packed = self.packed[key] = self.connection.pack_command("GET", key)
        self.connection.send_packed_command(packed, check_health=False)
        return self.connection.read_response(disable_decoding=True)

    def close(self):
        self.connection.disconnect()


class JsonRpcClient:
    """A client reading the form level by level over JSON-RPC (no cache)."""

    def __init__(self, url, db):
        import requests

        # the columns the serializer reads, level by level
        from odoo.addons.prs_form_builder.models import form_form

        self.page_read = form_form.PAGE_READ
        self.section_read = form_form.SECTION_READ
        self.field_read = form_form.FIELD_READ
        self.url = url
        self.session = requests.Session()
        self.calls = 0
        result = self._post(
            "/web/session/authenticate",
            {"db": db, "login": common.ADMIN_LOGIN, "password": common.ADMIN_PASSWORD},
        )
        if not result.get("uid"):
            raise common.CannotRun("JSON-RPC authentication failed")

    def _post(self, path, params):
        self.calls += 1
        response = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": self.calls, "params": params},
            timeout=60,
        )
        body = response.json()
        if "error" in body:
            raise common.CannotRun(f"JSON-RPC {path}: {body['error'].get('message')}")
        return body["result"]

    def search_read(self, model, domain, fields, order=None):
        kwargs = {"domain": domain, "fields": fields}
        if order:
            kwargs["order"] = order
        return self._post(
            f"/web/dataset/call_kw/{model}/search_read",
            {"model": model, "method": "search_read", "args": [], "kwargs": kwargs},
        )

    def form_tree(self, form_id):
        form = self.search_read("form.form", [("id", "=", form_id)], FORM_READ)[0]
        pages = self.search_read(
            "form.page", [("form_id", "=", form_id)], self.page_read, "sequence, id"
        )
        sections = self.search_read(
            "form.section",
            [("page_id", "in", [page["id"] for page in pages])],
            self.section_read,
            "sequence, id",
        )
        fields = self.search_read(
            "form.field",
            [("section_id", "in", [section["id"] for section in sections])],
            self.field_read,
            "sequence, id",
        )
        choices = self.search_read(
            "form.field.choice",
            [("field_id", "in", [field["id"] for field in fields])],
            CHOICE_READ,
            "sequence, id",
        )
        by_field = {}
        for choice in choices:
            by_field.setdefault(choice["field_id"][0], []).append(choice)
        by_section = {}
        for field in fields:
            field["choices"] = by_field.get(field["id"], [])
            by_section.setdefault(field["section_id"][0], []).append(field)
        by_page = {}
        for section in sections:
            section["fields"] = by_section.get(section["id"], [])
            by_page.setdefault(section["page_id"][0], []).append(section)
        for page in pages:
            page["sections"] = by_page.get(page["id"], [])
        form["pages"] = pages
        return form


def count_fields(tree):
    return sum(len(section["fields"]) for page in tree["pages"] for section in page["sections"])


def check_reads(client, raw, reader, rpc, key, form_id, n_fields):
    """``(bytes, payload)`` of the step key, once every path is seen reading the same
    tree (``CannotRun`` otherwise)."""
    data = client.get(key)
    if data is None:
        raise common.CannotRun(f"step key {key} is not in Redis after publishing")
    payload = json.loads(data)
    if count_fields(payload["form"]) != n_fields:
        raise common.CannotRun("the Redis payload does not hold the form's fields")
    tree = rpc.form_tree(form_id)
    if count_fields(tree) != n_fields:
        raise common.CannotRun("the JSON-RPC tree does not hold the form's fields")
    if bytes(raw.get(key)) != data:
        raise common.CannotRun("the raw socket read other bytes than redis-py")
    if reader.get(key) != data:
        raise common.CannotRun("the Get API reader read other bytes than redis-py")
    return data, payload


def main():
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    sizes = (20, 200)
    fast_repeat = 500 if args.quick else 3000
    rpc_repeat = 10 if args.quick else 40
    common.header("Read path", args)
    common.prepare(args)
    redis_server = common.start_redis()
    os.environ["PRS_REDIS_URL"] = redis_server.url
    with common.environment(args.db) as env:
        if "prs.cache.target" not in env or not hasattr(env["form.form"], "_prs_build_tree"):
            raise common.CannotRun("prs_cache_sync or the form serializer is missing")
        target = common.use_redis_target(env, redis_server)
        prefix = target._prs_get_prefix()
        steps = {n: ensure_step(env, n) for n in sizes}
    with common.environment(args.db) as env:  # write the keys to this run's Redis
        program_ids = [steps[n][1] for n in sizes]
        env["event.event"].browse(program_ids)._prs_cache_sync(force=True)
    server = common.OdooServer(args.db)
    client = common.redis_client(redis_server)
    raw = RawRedis(redis_server.port)
    reader = GetApiReader(redis_server.port)
    from redis.connection import Connection
    from redis.utils import HIREDIS_AVAILABLE

    parser = "hiredis" if HIREDIS_AVAILABLE else "Python parser"

    bare = Connection(host="127.0.0.1", port=redis_server.port)
    bare.connect()
    rpc = JsonRpcClient(server.url, args.db)
    rows, verdicts = [], []
    for n_fields in sizes:
        form_id, program_id, flow_id, step_id = steps[n_fields]
        key = f"{prefix}:{program_id}:{flow_id}:{step_id}"
        data, payload = check_reads(client, raw, reader, rpc, key, form_id, n_fields)

        def floor_bytes(key=key):
            return raw.get(key)

        def floor_decode(key=key):
            return orjson.loads(raw.get(key))

        def redis_bytes(key=key):
            return reader.get(key)

        def pooled_bytes(key=key):
            return client.get(key)

        def redis_orjson(key=key):
            return orjson.loads(reader.get(key))

        def redis_json(key=key):
            return json.loads(reader.get(key))

        def bare_bytes(key=key):
            bare.send_command("GET", key)
            return bare.read_response()

        def via_rpc(form_id=form_id):
            return rpc.form_tree(form_id)

        if orjson.loads(client.get(key)) != payload:
            raise common.CannotRun("orjson decodes another payload than json")
        timings = common.timeit_alternating(
            {
                "floor_bytes": floor_bytes,
                "redis_bytes": redis_bytes,
                "pooled_bytes": pooled_bytes,
                "bare_bytes": bare_bytes,
                "floor_decode": floor_decode,
                "redis_orjson": redis_orjson,
                "redis_json": redis_json,
            },
            fast_repeat,
            warmup=50,
        )
        timings["rpc"] = common.timeit(via_rpc, rpc_repeat, warmup=2)
        med = {name: common.median(values) for name, values in timings.items()}
        for name, label, floor in (
            ("redis_bytes", f"Redis bytes: Get API read ({parser})", "floor_bytes"),
            ("pooled_bytes", "(diagnostic) bytes, redis-py GET (pooled client)", "floor_bytes"),
            ("bare_bytes", "(diagnostic) bytes, redis-py bare Connection", "floor_bytes"),
            ("floor_bytes", "floor bytes: raw socket RESP GET", "floor_bytes"),
            ("redis_orjson", "Redis + decode: GET + orjson.loads", "floor_decode"),
            ("redis_json", "(diagnostic) GET + json.loads", "floor_decode"),
            ("floor_decode", "floor decode: raw socket GET + orjson.loads", "floor_decode"),
            ("rpc", "JSON-RPC: 5 x search_read (form, pages, sections, fields, choices)", None),
        ):
            rows.append(
                [
                    n_fields,
                    f"{len(data) / 1024:.0f} KiB",
                    label,
                    common.fmt_ms(med[name]),
                    common.fmt_ms(common.p95(timings[name])),
                    common.fmt_ratio(med[name] / med[floor]) if floor else "",
                    common.fmt_ratio(med["rpc"] / med[name]),
                ]
            )
        speedup = med["rpc"] / med["redis_bytes"]
        overhead = med["redis_bytes"] / med["floor_bytes"]
        decoded = med["rpc"] / med["redis_orjson"]
        verdicts.append(
            f"{n_fields} fields: bytes path {common.fmt_ratio(speedup)} faster than JSON-RPC "
            f"({common.verdict(speedup >= 100)}), {common.fmt_ratio(overhead)} of the bytes "
            f"floor ({common.verdict(overhead <= 1.1)}); GET + orjson.loads "
            f"{common.fmt_ratio(decoded)} faster than JSON-RPC"
        )
    raw.close()
    reader.close()
    bare.disconnect()
    server.stop()
    common.table(
        f"Read path: one step's form tree ({fast_repeat} reads per fast path, "
        f"{rpc_repeat} per JSON-RPC)",
        ["fields", "payload", "path", "median", "p95", "vs floor", "JSON-RPC / path"],
        rows,
        notes=[
            "JSON-RPC: requests.Session (keep-alive, logged in as admin) to odoo-bin "
            "--workers=0 on this machine",
            "the seven fast paths are timed in turn, call after call; vs floor: bytes "
            "paths against the bytes floor, decode paths against the decode floor",
            "Get API read: one dedicated redis-py Connection, each key's GET packed once "
            "(send_packed_command + read_response), reply parser: "
            + (parser if HIREDIS_AVAILABLE else "redis-py's Python parser (hiredis missing)"),
            "goals (bytes path = the Get API read, no decoding): >= 100x "
            "faster than JSON-RPC, <= 1.1x the bytes floor",
            *verdicts,
        ],
    )
    redis_server.stop()


if __name__ == "__main__":
    common.run_main(main)
