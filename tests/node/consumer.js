// Reference consumer of the Redis contract (not Odoo): what the external API and the
// React renderer do, from Redis alone, with npm jexl 2.3.0.
//
// Usage: node consumer.js <redis url> <key prefix>
// stdin: one JSON command per line; stdout: one JSON reply per line, in order.
//   {"cmd": "catalogue"}                  -> {"programs": [catalogue entries]}
//   {"cmd": "open", "program_id": 12}     -> {"program": {...}, "flows": [...]} (the index)
//   {"cmd": "step", "program_id", "flow_id", "step_id", "lang"?}
//                                         -> the step payload (<key>:<lang> when given)
//   {"cmd": "next", "program_id", "flow_id", "current": step id or null,
//    "answers": {step code: {field code: value}}, "today"?: "YYYY-MM-DD"}
//                                         -> {"next_step_id": id or false,
//                                             "allowed_step_ids": [ids], "today"}
// "next" reads the program index and the answered steps' payloads from Redis, drops the
// answers of fields their form hides (display conditions), and evaluates the published
// skip conditions over {<step code>: answers, program: condition_values, today}: the
// next step is the first visible step after "current" (the first visible one when null).
// "today" is the program's local date, computed from program.timezone (UTC without
// one) unless the command gives one. A step with "required": false may be skipped:
// "allowed_step_ids" are the visible steps after "current" up to and including the first
// required one (any of them may be submitted next); a skipped step reads as {}.
"use strict";

const net = require("net");
const readline = require("readline");
const {Jexl} = require("jexl");

// Minimal RESP client: GET only, one connection, commands answered in order.
class Redis {
    constructor(url) {
        const parsed = new URL(url);
        this.db = Number((parsed.pathname || "/0").slice(1) || 0);
        this.socket = net.createConnection(Number(parsed.port || 6379), parsed.hostname);
        this.buffer = Buffer.alloc(0);
        this.waiting = [];
        this.socket.on("data", (chunk) => {
            this.buffer = Buffer.concat([this.buffer, chunk]);
            this.drain();
        });
        this.socket.on("error", (err) => {
            for (const pending of this.waiting.splice(0)) pending.reject(err);
        });
        this.ready = this.db ? this.command(["SELECT", String(this.db)]) : Promise.resolve();
    }

    command(args) {
        const parts = [`*${args.length}\r\n`];
        for (const arg of args) {
            parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
        }
        return new Promise((resolve, reject) => {
            this.waiting.push({resolve, reject});
            this.socket.write(parts.join(""));
        });
    }

    async get(key) {
        await this.ready;
        return this.command(["GET", key]);
    }

    drain() {
        while (this.waiting.length) {
            const parsed = this.parse(0);
            if (!parsed) return;
            this.buffer = this.buffer.subarray(parsed.end);
            const pending = this.waiting.shift();
            if (parsed.error) pending.reject(new Error(parsed.error));
            else pending.resolve(parsed.value);
        }
    }

    parse(start) {
        const eol = this.buffer.indexOf("\r\n", start);
        if (eol < 0) return null;
        const type = String.fromCharCode(this.buffer[start]);
        const line = this.buffer.toString("utf8", start + 1, eol);
        if (type === "+") return {value: line, end: eol + 2};
        if (type === "-") return {error: line, end: eol + 2};
        if (type === ":") return {value: Number(line), end: eol + 2};
        if (type === "$") {
            const length = Number(line);
            if (length < 0) return {value: null, end: eol + 2};
            if (this.buffer.length < eol + 2 + length + 2) return null;
            return {
                value: this.buffer.toString("utf8", eol + 2, eol + 2 + length),
                end: eol + 2 + length + 2,
            };
        }
        throw new Error(`unsupported RESP type ${type}`);
    }
}

const jexl = new Jexl();

async function isTrue(expr, context) {
    if (!expr) return true;
    try {
        return Boolean(await jexl.eval(expr, context));
    } catch (err) {
        return false; // the server treats an expression error as false too
    }
}

async function getJson(redis, key) {
    const raw = await redis.get(key);
    if (raw === null) throw new Error(`missing key ${key}`);
    return JSON.parse(raw);
}

// The answers a form keeps: fields hidden by a display condition (or inside a hidden
// page or section) and static fields are dropped, like the server's visibility walk.
async function keptAnswers(form, answers, today) {
    if (!form) return {};
    const context = Object.assign({}, answers, {today});
    const kept = {};
    for (const page of form.pages || []) {
        const pageVisible = await isTrue(page.condition, context);
        for (const section of page.sections || []) {
            const visible = pageVisible && (await isTrue(section.condition, context));
            for (const field of section.fields || []) {
                if (!visible || !(await isTrue(field.condition, context))) {
                    delete context[field.code];
                } else if (field.type !== "static" && field.code in answers) {
                    kept[field.code] = answers[field.code];
                }
            }
        }
    }
    return kept;
}

// The program's today: its local date in its time zone (UTC when none or unknown).
function programToday(timezone, now = new Date()) {
    let format;
    try {
        format = new Intl.DateTimeFormat("en-CA", {timeZone: timezone || "UTC"});
    } catch (err) {
        format = new Intl.DateTimeFormat("en-CA", {timeZone: "UTC"});
    }
    const parts = {};
    for (const part of format.formatToParts(now)) parts[part.type] = part.value;
    return `${parts.year}-${parts.month}-${parts.day}`;
}

async function nextStep(redis, prefix, command) {
    const index = await getJson(redis, `${prefix}:${command.program_id}`);
    const flow = index.flows.find((item) => item.id === command.flow_id);
    if (!flow) throw new Error(`flow ${command.flow_id} is not in the program index`);
    const today = command.today || programToday(index.program.timezone);
    const context = {program: index.program.condition_values, today};
    const visible = [];
    for (const step of flow.steps) {
        if (!(await isTrue(step.condition, context))) continue;
        visible.push(step.id);
        const answers = (command.answers || {})[step.code];
        if (answers && step.type === "form") {
            const payload = await getJson(redis, step.key);
            context[step.code] = await keptAnswers(payload.form, answers, today);
        } else {
            context[step.code] = {};
        }
    }
    const start = command.current === null || command.current === undefined ? -1 : command.current;
    const position = flow.steps.findIndex((step) => step.id === start);
    const allowed = [];
    for (const step of flow.steps.slice(position + 1)) {
        if (!visible.includes(step.id)) continue;
        allowed.push(step.id);
        if (step.required !== false) break;
    }
    return {next_step_id: allowed.length ? allowed[0] : false, allowed_step_ids: allowed, today};
}

async function handle(redis, prefix, command) {
    if (command.cmd === "catalogue") {
        return {programs: (await getJson(redis, `${prefix}:programs`)).programs};
    }
    if (command.cmd === "open") {
        return getJson(redis, `${prefix}:${command.program_id}`);
    }
    if (command.cmd === "step") {
        const key = `${prefix}:${command.program_id}:${command.flow_id}:${command.step_id}`;
        return getJson(redis, command.lang ? `${key}:${command.lang}` : key);
    }
    if (command.cmd === "next") {
        return nextStep(redis, prefix, command);
    }
    throw new Error(`unknown command ${command.cmd}`);
}

async function main() {
    const [url, prefix] = process.argv.slice(2);
    const redis = new Redis(url);
    const lines = readline.createInterface({input: process.stdin});
    for await (const line of lines) {
        if (!line.trim()) continue;
        let reply;
        try {
            reply = await handle(redis, prefix, JSON.parse(line));
        } catch (err) {
            reply = {error: String(err && err.message ? err.message : err)};
        }
        process.stdout.write(JSON.stringify(reply) + "\n");
    }
    redis.socket.end();
}

main().catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
    process.exit(1);
});
