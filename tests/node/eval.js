// Evaluate expressions with npm jexl 2.3.0, the React renderer's evaluator.
// stdin: JSON list of {"expr", "context"}; stdout: JSON list of {"result", "truthy"} or
// {"error"} in the same order. undefined is written as null (and "undefined": true).
"use strict";

const {Jexl} = require("jexl");

function readStdin() {
    return new Promise((resolve, reject) => {
        const chunks = [];
        process.stdin.on("data", (chunk) => chunks.push(chunk));
        process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        process.stdin.on("error", reject);
    });
}

async function main() {
    const cases = JSON.parse(await readStdin());
    const jexl = new Jexl();
    const out = [];
    for (const item of cases) {
        try {
            const result = await jexl.eval(item.expr, item.context || {});
            const entry = {result: result === undefined ? null : result, truthy: Boolean(result)};
            if (result === undefined) {
                entry.undefined = true;
            }
            if (typeof result === "number" && !Number.isFinite(result)) {
                entry.number = String(result);
            }
            out.push(entry);
        } catch (err) {
            out.push({error: String(err && err.message ? err.message : err)});
        }
    }
    process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
    process.exit(1);
});
