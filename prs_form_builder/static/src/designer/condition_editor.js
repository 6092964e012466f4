/** @odoo-module **/

import { Component, onWillUpdateProps, useState } from "@odoo/owl";

import { combine, operatorsFor, rowProblem, rowToJexl } from "./condition_jexl";

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
            // the JEXL the rows are combined with (the condition before the first row)
            base: "",
            lint: null,
            rowError: null,
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
        if (!this.state.rows.length) {
            this.state.base = this.state.raw.trim();
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

    /** The rows' problems (a row that can't be written yet). */
    get rowProblems() {
        return this.state.rows
            .filter((row) => this.fieldsByCode[row.code])
            .map((row) => rowProblem(this.fieldsByCode[row.code], row.op, row.value))
            .filter(Boolean);
    }

    /** The rows joined by and/or, combined the same way with the condition they were
     * added to (never replacing it). */
    get built() {
        const parts = this.state.rows
            .filter((row) => this.fieldsByCode[row.code])
            .map((row) => rowToJexl(this.fieldsByCode[row.code], row.op, row.value));
        return combine(this.state.base, parts, this.state.joiner);
    }

    syncRaw() {
        const problems = this.rowProblems;
        this.state.rowError = problems.length ? problems.join(" ") : null;
        if (problems.length) {
            return;
        }
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
        if (this.state.rowError) {
            return;
        }
        this.props.onSave(this.props.attr, this.state.raw.trim() || false);
        this.state.rows = [];
        this.state.base = "";
    }

    clear() {
        this.state.rows = [];
        this.state.base = "";
        this.state.rowError = null;
        this.state.raw = "";
        this.props.onSave(this.props.attr, false);
    }

    get shownProblems() {
        return this.state.lint || this.props.problems || [];
    }
}
