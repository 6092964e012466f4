/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

const NUMBER_TYPES = ["integer", "decimal", "currency", "percentage"];
const MULTI_TYPES = ["checkboxes", "multi_select"];
const BOOLEAN_TYPES = ["boolean", "consent"];
const CHOICE_TYPES = ["select", "radio", "country", "state", "master"];

/**
 * Journey preview: walk a flow's steps as a participant. Every screen comes from
 * event.flow.prs_journey_preview, which uses intake's navigation and validator: the
 * next step (skip conditions and program facts applied), the step's hidden nodes for
 * the answers, and the answers the server would store. Nothing is written.
 */
export class JourneyPreview extends Component {
    static template = "prs_event_flow.JourneyPreview";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        const params = this.props.action.params || {};
        const context = this.props.action.context || {};
        this.state = useState({
            flowId: parseInt(params.flow_id || context.active_id, 10),
            programId: parseInt(params.program_id, 10) || false,
            flows: [],
            answers: {},
            history: [],
            screen: null,
            busy: false,
        });
        onWillStart(async () => {
            if (this.state.programId) {
                this.state.flows = await this.orm.searchRead(
                    "event.flow",
                    [["event_id", "=", this.state.programId]],
                    ["name", "code", "state"]
                );
            }
            await this.refresh(null);
        });
    }

    async refresh(stepCode, advance = false) {
        this.state.busy = true;
        try {
            this.state.screen = await this.orm.call("event.flow", "prs_journey_preview", [
                [this.state.flowId],
                this.state.answers,
                stepCode,
                advance,
            ]);
        } finally {
            this.state.busy = false;
        }
    }

    get screen() {
        return this.state.screen;
    }

    get current() {
        return this.screen.current;
    }

    get stepAnswers() {
        const code = this.current.code;
        if (!this.state.answers[code]) {
            this.state.answers[code] = {};
        }
        return this.state.answers[code];
    }

    pages() {
        const tree = this.current.tree;
        return (tree && tree.pages) || [];
    }

    isHidden(kind, code) {
        return this.current.hidden.some((node) => node[0] === kind && node[1] === code);
    }

    errorsOf(code) {
        return this.screen.errors.filter((error) => (error.field || "") === code);
    }

    inputKind(field) {
        if (BOOLEAN_TYPES.includes(field.type)) {
            return "boolean";
        }
        if (MULTI_TYPES.includes(field.type)) {
            return "multi";
        }
        if (CHOICE_TYPES.includes(field.type) && field.choices.length) {
            return "choice";
        }
        if (NUMBER_TYPES.includes(field.type)) {
            return "number";
        }
        if (field.type === "date") {
            return "date";
        }
        if (field.type === "static") {
            return "static";
        }
        if (field.type === "file") {
            return "file";
        }
        return "text";
    }

    value(field) {
        return this.stepAnswers[field.code];
    }

    /** An answer changed: store it and re-apply the conditions (server round trip). */
    async onAnswer(field, ev) {
        const kind = this.inputKind(field);
        const answers = this.stepAnswers;
        let value;
        if (kind === "boolean") {
            value = ev.target.checked;
        } else if (kind === "multi") {
            const current = new Set(answers[field.code] || []);
            if (ev.target.checked) {
                current.add(ev.target.value);
            } else {
                current.delete(ev.target.value);
            }
            value = [...current];
        } else if (kind === "number") {
            value = ev.target.value === "" ? undefined : Number(ev.target.value);
        } else {
            value = ev.target.value === "" ? undefined : ev.target.value;
        }
        if (value === undefined || (Array.isArray(value) && !value.length)) {
            delete answers[field.code];
        } else {
            answers[field.code] = value;
        }
        await this.refresh(this.current.code);
    }

    async next() {
        const from = this.current.code;
        await this.refresh(from, true);
        if (!this.screen.errors.length && (!this.current || this.current.code !== from)) {
            this.state.history.push(from);
        }
    }

    async back() {
        const previous = this.state.history.pop();
        if (previous) {
            await this.refresh(previous);
        }
    }

    async restart() {
        this.state.answers = {};
        this.state.history = [];
        await this.refresh(null);
    }

    async onFlow(ev) {
        this.state.flowId = parseInt(ev.target.value, 10);
        await this.restart();
    }

    stepClass(step) {
        if (this.current && this.current.code === step.code) {
            return "o_prs_step_current list-group-item-primary";
        }
        if (!step.visible) {
            return "o_prs_step_skipped text-decoration-line-through text-muted";
        }
        if (this.state.history.includes(step.code)) {
            return "o_prs_step_done";
        }
        return "";
    }

    get programFacts() {
        return Object.entries(this.screen.program).filter(([, value]) => value !== null && value !== "");
    }

    get storedRows() {
        const rows = [];
        for (const [step, values] of Object.entries(this.screen.stored)) {
            for (const [code, value] of Object.entries(values)) {
                rows.push({ key: `${step}.${code}`, step, code, value: JSON.stringify(value) });
            }
        }
        return rows;
    }
}

registry.category("actions").add("prs_journey_preview", JourneyPreview);
