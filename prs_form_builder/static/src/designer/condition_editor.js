/** @odoo-module **/

import { Component, onWillUpdateProps, useState } from "@odoo/owl";

const NUMBER_TYPES = ["integer", "decimal", "currency", "percentage"];
const DATE_TYPES = ["date", "time", "datetime"];
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
 * The JEXL of one condition row {field, op, value} (field: {code, field_type}).
 */
export function rowToJexl(field, op, value) {
    const code = field.code;
    let literal = JSON.stringify(value ?? "");
    if (NUMBER_TYPES.includes(field.field_type) && value !== "" && !isNaN(Number(value))) {
        literal = String(Number(value));
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
            return `${code}`;
        case "empty":
            return `!${code}`;
        default:
            return `${code} ${op} ${literal}`;
    }
}

/**
 * Builds a condition from rows (an earlier field, an operator fitting its type, a
 * value from its choices when it has them) joined by and/or; writes the JEXL. The raw
 * JEXL stays editable; both are checked by the server's lint while typing.
 */
export class ConditionEditor extends Component {
    static template = "prs_form_builder.ConditionEditor";
    static props = {
        label: String,
        attr: String,
        value: { type: [String, { value: false }], optional: true },
        fields: Array,
        readonly: Boolean,
        problems: { type: Array, optional: true },
        onSave: Function,
        onLint: Function,
    };

    setup() {
        this.state = useState({
            rows: [],
            joiner: "&&",
            raw: this.props.value || "",
            lint: null,
        });
        onWillUpdateProps((next) => {
            if (next.value !== this.props.value) {
                this.state.raw = next.value || "";
                this.state.lint = null;
            }
        });
    }

    get fieldsByCode() {
        return Object.fromEntries(this.props.fields.map((f) => [f.code, f]));
    }

    operators(row) {
        const field = this.fieldsByCode[row.code];
        return field ? operatorsFor(field.field_type) : [];
    }

    needsValue(row) {
        const op = this.operators(row).find((o) => o[0] === row.op);
        return op ? op[2] : false;
    }

    choicesOf(row) {
        const field = this.fieldsByCode[row.code];
        return field ? field.choices : [];
    }

    addRow() {
        const field = this.props.fields[this.props.fields.length - 1];
        if (!field) {
            return;
        }
        this.state.rows.push({ code: field.code, op: operatorsFor(field.field_type)[0][0], value: "" });
        this.syncRaw();
    }

    removeRow(index) {
        this.state.rows.splice(index, 1);
        this.syncRaw();
    }

    onRowField(row, ev) {
        row.code = ev.target.value;
        row.op = this.operators(row)[0][0];
        row.value = "";
        this.syncRaw();
    }

    onRowOp(row, ev) {
        row.op = ev.target.value;
        this.syncRaw();
    }

    onRowValue(row, ev) {
        row.value = ev.target.value;
        this.syncRaw();
    }

    onJoiner(ev) {
        this.state.joiner = ev.target.value;
        this.syncRaw();
    }

    get built() {
        const parts = this.state.rows
            .filter((row) => this.fieldsByCode[row.code])
            .map((row) => rowToJexl(this.fieldsByCode[row.code], row.op, row.value));
        if (parts.length > 1) {
            return parts.map((part) => `(${part})`).join(` ${this.state.joiner} `);
        }
        return parts[0] || "";
    }

    syncRaw() {
        this.state.raw = this.built;
        this.lint();
    }

    onRaw(ev) {
        this.state.raw = ev.target.value;
        this.lint();
    }

    async lint() {
        this.state.lint = await this.props.onLint(this.props.attr, this.state.raw);
    }

    save() {
        this.props.onSave(this.props.attr, this.state.raw.trim() || false);
        this.state.rows = [];
    }

    clear() {
        this.state.rows = [];
        this.state.raw = "";
        this.props.onSave(this.props.attr, false);
    }

    get shownProblems() {
        return this.state.lint || this.props.problems || [];
    }
}
