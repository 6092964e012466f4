/** @odoo-module **/

// The condition editor's JEXL, without imports: tests load this file in node and
// evaluate what it writes with npm jexl (the renderer) and the server's evaluator.

const NUMBER_TYPES = ["integer", "decimal", "currency", "percentage"];
const DATE_TYPES = ["date", "time", "datetime"];
const CHOICE_TYPES = ["select", "radio", "checkboxes", "multi_select"];
// a time answer is stored as zero-padded "HH:MM" (or "HH:MM:SS"): times compare as
// strings, so the value written is zero-padded too ("9:30" -> "09:30")
const TIME_RE = /^([01]?[0-9]|2[0-3]):([0-5][0-9])(:[0-5][0-9])?$/;
const MULTI_TYPES = ["checkboxes", "multi_select"];
const BOOLEAN_TYPES = ["boolean", "consent"];
const COMPARE = ["==", "!=", ">", ">=", "<", "<="];

/**
 * The operators that fit a field of ``type``: [operator, label, needs a value].
 */
export function operatorsFor(type) {
    if (BOOLEAN_TYPES.includes(type)) {
        return [
            ["is_true", "is yes", false],
            ["is_false", "is not yes", false],
        ];
    }
    if (MULTI_TYPES.includes(type)) {
        return [
            ["contains", "contains", true],
            ["not_contains", "does not contain", true],
            ["filled", "is answered", false],
            ["empty", "is not answered", false],
        ];
    }
    const ops = NUMBER_TYPES.includes(type) || DATE_TYPES.includes(type)
        ? COMPARE
        : ["==", "!="];
    return [
        ...ops.map((op) => [op, op, true]),
        ["filled", "is answered", false],
        ["empty", "is not answered", false],
    ];
}

/**
 * Why a condition row {field, op, value} can't be written yet (null: it can): a number
 * field needs a number, a choice field a picked choice, a time field "HH:MM".
 */
export function rowProblem(field, op, value) {
    const needsValue = (operatorsFor(field.field_type).find((o) => o[0] === op) || [])[2];
    if (!needsValue) {
        return null;
    }
    const text = String(value ?? "").trim();
    if (CHOICE_TYPES.includes(field.field_type) && (field.choices || []).length) {
        return text ? null : `Pick a choice of ${field.code}.`;
    }
    if (NUMBER_TYPES.includes(field.field_type)) {
        return text && !isNaN(Number(text)) ? null : `Enter a number for ${field.code}.`;
    }
    if (field.field_type === "time") {
        return TIME_RE.test(text) ? null : `Enter a time (HH:MM) for ${field.code}.`;
    }
    return null;
}

/** A time value zero-padded as answers are stored ("9:30" -> "09:30"). */
export function normaliseTime(value) {
    const match = TIME_RE.exec(String(value ?? "").trim());
    return match ? `${match[1].padStart(2, "0")}:${match[2]}${match[3] || ""}` : value;
}

/**
 * The JEXL of one condition row {field, op, value} (field: {code, field_type}).
 * "is answered" is ``[code] != ""``: jexl has no null literal and a loose ``==``; a
 * one-item list compares as its item's text, so a missing value, null, "" and [] are
 * not answered while 0, false and a non-empty list are (same in npm jexl and the
 * server's evaluator).
 */
export function rowToJexl(field, op, value) {
    const code = field.code;
    let literal = JSON.stringify(value ?? "");
    if (NUMBER_TYPES.includes(field.field_type) && String(value ?? "").trim() !== "") {
        literal = String(Number(value));
    } else if (field.field_type === "time") {
        literal = JSON.stringify(normaliseTime(value));
    }
    switch (op) {
        case "is_true":
            return `${code} == true`;
        case "is_false":
            return `${code} != true`;
        case "contains":
            return `${literal} in ${code}`;
        case "not_contains":
            return `!(${literal} in ${code})`;
        case "filled":
            return `[${code}] != ""`;
        case "empty":
            return `[${code}] == ""`;
        default:
            return `${code} ${op} ${literal}`;
    }
}

/**
 * The rows' JEXL ``parts`` joined by ``joiner`` (&& or ||), combined the same way with
 * ``base``, the condition the rows were added to (never replacing it).
 */
export function combine(base, parts, joiner) {
    const all = base && parts.length ? [base, ...parts] : parts;
    if (all.length > 1) {
        return all.map((part) => `(${part})`).join(` ${joiner} `);
    }
    return all[0] || base || "";
}
