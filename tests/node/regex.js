// Match field patterns the way the React renderer does: new RegExp("^(?:" + pattern + ")$")
// with no flags. stdin: JSON list of {"pattern", "value"}; stdout: JSON list of
// {"match": bool} or {"error": message} (a pattern JavaScript refuses), in order.
"use strict";

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
    const cases = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const out = cases.map((item) => {
        try {
            return {match: new RegExp("^(?:" + item.pattern + ")$").test(item.value)};
        } catch (err) {
            return {error: String(err && err.message ? err.message : err)};
        }
    });
    process.stdout.write(JSON.stringify(out));
});
