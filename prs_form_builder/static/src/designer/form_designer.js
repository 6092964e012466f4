/** @odoo-module **/

import { Component, onPatched, onWillStart, useRef, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useSortable } from "@web/core/utils/sortable_owl";
import { ConditionEditor } from "./condition_editor";

const CHOICE_TYPES = ["select", "radio", "checkboxes", "multi_select"];
const TEXT_TYPES = ["text", "textarea", "email", "phone", "hidden"];
const NUMBER_TYPES = ["integer", "decimal", "currency", "percentage"];
const DATE_TYPES = ["date", "datetime"];
const MODELS = { page: "form.page", section: "form.section", field: "form.field" };
const PARENT = { "form.page": "form_id", "form.section": "page_id", "form.field": "section_id" };

/** The key of a node's problems: "page:code", "section:code" or "field:code". */
function problemKey(node) {
    const kind = "sections" in node ? "page" : "fields" in node ? "section" : "field";
    return `${kind}:${node.code}`;
}

/**
 * The form designer: the whole tree of a form on one screen (outline, palette,
 * properties, live preview). It reads the outline once (prs_designer_data) and sends
 * each change as one ORM call (prs_designer_edit), which answers the new outline.
 */
export class FormDesigner extends Component {
    static template = "prs_form_builder.FormDesigner";
    static components = { ConditionEditor };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        const params = this.props.action.params || {};
        const context = this.props.action.context || {};
        this.state = useState({
            formId: parseInt(params.form_id || context.active_id, 10),
            programId: parseInt(params.program_id || context.prs_program_id, 10) || false,
            data: null,
            selected: null,
            undo: null,
            error: null,
            busy: false,
            previewKey: 0,
            rpcCount: 0,
            revision: 0,
            newFormName: "",
            templateId: "",
        });
        this.rootRef = useRef("root");
        onWillStart(() => this.load());
        // a keyboard move re-renders the outline: the moved row gets the focus back
        this.focusAfterRender = null;
        onPatched(() => this.restoreFocus());
        const sortable = (elements, groups, handle, onDrop) =>
            useSortable({
                ref: this.rootRef,
                elements,
                groups,
                ...(handle ? { handle } : {}),
                ignore: "input, select, textarea, button",
                connectGroups: Boolean(groups),
                enable: () => !this.readonly,
                cursor: "move",
                onDrop,
            });
        // fields and palette items drag by the whole row (a click still selects: a drag
        // starts past the move tolerance); a handle selector would apply to one of the
        // two element selectors only (the hook joins them as "a, b handle")
        sortable(
            ".o_prs_dd_field, .o_prs_palette_item",
            ".o_prs_dd_fields, .o_prs_palette_group",
            null,
            (params) => this.onDrop("form.field", params)
        );
        sortable(".o_prs_dd_section", ".o_prs_dd_sections", ".o_prs_section_handle", (params) =>
            this.onDrop("form.section", params)
        );
        sortable(".o_prs_dd_page", ".o_prs_dd_pages", ".o_prs_page_handle", (params) =>
            this.onDrop("form.page", params)
        );
    }

    // ------------------------------------------------------------------ data
    async load() {
        this.state.data = await this.call("prs_designer_data", []);
        this.state.previewKey++;
    }

    async call(method, args) {
        this.state.rpcCount++;
        return this.orm.call("form.form", method, [[this.state.formId], ...args]);
    }

    get readonly() {
        return !this.state.data || this.state.data.form.readonly;
    }

    get pages() {
        return this.state.data.pages;
    }

    /** Every field in outline order, with its page and section. */
    get allFields() {
        const result = [];
        for (const page of this.pages) {
            for (const section of page.sections) {
                for (const field of section.fields) {
                    result.push(field);
                }
            }
        }
        return result;
    }

    get allSections() {
        return this.pages.flatMap((page) =>
            page.sections.map((section) => ({ ...section, pageTitle: page.title }))
        );
    }

    find(model, id) {
        for (const page of this.pages) {
            if (model === "form.page" && page.id === id) {
                return page;
            }
            for (const section of page.sections) {
                if (model === "form.section" && section.id === id) {
                    return section;
                }
                for (const field of section.fields) {
                    if (model === "form.field" && field.id === id) {
                        return field;
                    }
                }
            }
        }
        return null;
    }

    get selectedNode() {
        const sel = this.state.selected;
        return sel && this.find(sel.model, sel.id);
    }

    /** The fields placed before the selected node: what its conditions may read. */
    get earlierFields() {
        const sel = this.state.selected;
        const result = [];
        for (const page of this.pages) {
            if (sel && sel.model === "form.page" && page.id === sel.id) {
                return result;
            }
            for (const section of page.sections) {
                if (sel && sel.model === "form.section" && section.id === sel.id) {
                    return result;
                }
                for (const field of section.fields) {
                    if (sel && sel.model === "form.field" && field.id === sel.id) {
                        return result;
                    }
                    if (field.field_type !== "static") {
                        result.push(field);
                    }
                }
            }
        }
        return result;
    }

    /** The node's problems: keyed by kind and code (nodes of two kinds may share one). */
    problemsOf(node) {
        return (node && this.state.data.problems[problemKey(node)]) || [];
    }

    isSelected(model, id) {
        const sel = this.state.selected;
        return Boolean(sel && sel.model === model && sel.id === id);
    }

    select(model, id) {
        this.state.selected = { model, id };
        this.state.error = null;
    }

    // ------------------------------------------------------------------ edits
    /** One designer operation = one server call; errors show at the node. */
    async edit(operation, { keepUndo = false } = {}) {
        if (this.state.busy) {
            return false;
        }
        this.state.busy = true;
        this.state.error = null;
        try {
            const result = await this.call("prs_designer_edit", [operation]);
            this.state.data = result.data;
            this.state.undo = keepUndo || result.undo.op === "noop" ? this.state.undo : result.undo;
            if (result.node && result.node.model !== "form.form") {
                this.state.selected = result.node;
            } else if (result.node) {
                this.state.selected = null;
            }
            this.state.previewKey++;
            return true;
        } catch (error) {
            this.state.error = (error.data && error.data.message) || error.message || String(error);
            // the outline as the server has it now (a refused edit leaves the typed value
            // on screen; a refused undo means the node changed since)
            try {
                this.state.data = await this.call("prs_designer_data", []);
                this.state.revision++;
            } catch {
                // keep the message of the refused edit
            }
            return false;
        } finally {
            this.state.busy = false;
        }
    }

    async undo() {
        const operation = this.state.undo;
        if (operation && (await this.edit(operation, { keepUndo: true }))) {
            this.state.undo = null;
        }
    }

    write(model, id, values) {
        return this.edit({ op: "write", model, id, values });
    }

    onInput(name, ev, kind = "char") {
        const node = this.selectedNode;
        let value = ev.target.type === "checkbox" ? ev.target.checked : ev.target.value;
        if (kind === "int") {
            value = parseInt(value || "0", 10) || 0;
        } else if (kind === "float") {
            value = parseFloat(value || "0") || 0;
        } else if (kind === "m2o") {
            value = value ? parseInt(value, 10) : false;
        } else if (value === "") {
            value = false;
        }
        if (node[name] === value) {
            return;
        }
        this.write(this.state.selected.model, node.id, { [name]: value });
    }

    addPage() {
        return this.edit({
            op: "create",
            model: "form.page",
            values: { form_id: this.state.formId },
            index: this.pages.length,
        });
    }

    addSection(page) {
        return this.edit({
            op: "create",
            model: "form.section",
            values: { page_id: page.id },
            index: page.sections.length,
        });
    }

    /** The section new fields go to: the selected one, the selected field's, the last. */
    get targetSection() {
        const sel = this.state.selected;
        if (sel && sel.model === "form.section") {
            return this.find(sel.model, sel.id);
        }
        if (sel && sel.model === "form.field") {
            const field = this.find(sel.model, sel.id);
            return field && this.find("form.section", field.section_id);
        }
        const sections = this.allSections;
        return sections.length ? sections[sections.length - 1] : null;
    }

    addField(type, section = this.targetSection, index = null) {
        if (!section) {
            this.state.error = "Add a page and a section first.";
            return;
        }
        const fields = this.find("form.section", section.id).fields;
        return this.edit({
            op: "create",
            model: "form.field",
            values: { section_id: section.id, field_type: type },
            index: index === null ? fields.length : index,
        });
    }

    addTemplate(templateId, section = this.targetSection, index = null) {
        if (!section) {
            this.state.error = "Add a page and a section first.";
            return;
        }
        const fields = this.find("form.section", section.id).fields;
        return this.edit({
            op: "add_template",
            template_id: templateId,
            section_id: section.id,
            index: index === null ? fields.length : index,
        });
    }

    remove() {
        const sel = this.state.selected;
        return this.edit({ op: "delete", model: sel.model, id: sel.id });
    }

    saveToLibrary() {
        const sel = this.state.selected;
        return this.edit({ op: "save_template", model: sel.model, id: sel.id });
    }

    // ------------------------------------------------------------------ moves
    siblingsOf(model, node) {
        if (model === "form.page") {
            return { parentId: this.state.formId, list: this.pages };
        }
        const parentModel = model === "form.section" ? "form.page" : "form.section";
        const parent = this.find(parentModel, node[PARENT[model]]);
        return { parentId: parent.id, list: model === "form.section" ? parent.sections : parent.fields };
    }

    move(model, id, parentId, index) {
        return this.edit({ op: "move", model, id, parent_id: parentId, index });
    }

    /**
     * Keyboard and button alternative to drag and drop: up/down within the parent,
     * and across the boundary into the previous/next section (or page) at its end/start.
     */
    moveBy(delta) {
        const sel = this.state.selected;
        if (!sel || this.readonly) {
            return;
        }
        const node = this.find(sel.model, sel.id);
        const { parentId, list } = this.siblingsOf(sel.model, node);
        const index = list.findIndex((item) => item.id === node.id);
        const target = index + delta;
        if (target >= 0 && target < list.length) {
            return this.move(sel.model, node.id, parentId, target);
        }
        if (sel.model === "form.page") {
            return;
        }
        const parents = sel.model === "form.field" ? this.allSections : this.pages;
        const parentIndex = parents.findIndex((parent) => parent.id === parentId);
        const other = parents[parentIndex + delta];
        if (other) {
            const count = sel.model === "form.field" ? other.fields.length : other.sections.length;
            return this.move(sel.model, node.id, other.id, delta < 0 ? count : 0);
        }
    }

    /** Indent: into the section (page) before; outdent: into the one after. */
    moveInto(delta) {
        const sel = this.state.selected;
        if (!sel || sel.model === "form.page" || this.readonly) {
            return;
        }
        const node = this.find(sel.model, sel.id);
        const { parentId } = this.siblingsOf(sel.model, node);
        const parents = sel.model === "form.field" ? this.allSections : this.pages;
        const parentIndex = parents.findIndex((parent) => parent.id === parentId);
        const other = parents[parentIndex + delta];
        if (other) {
            const count = sel.model === "form.field" ? other.fields.length : other.sections.length;
            return this.move(sel.model, node.id, other.id, count);
        }
    }

    onKeydown(model, id, ev) {
        if (ev.target !== ev.currentTarget) {
            return;
        }
        const keys = {
            ArrowUp: () => this.moveBy(-1),
            ArrowDown: () => this.moveBy(1),
            ArrowRight: () => this.moveInto(-1),
            ArrowLeft: () => this.moveInto(1),
        };
        if (ev.key === "Enter" || ev.key === " ") {
            this.select(model, id);
            ev.preventDefault();
        } else if (ev.altKey && keys[ev.key]) {
            this.select(model, id);
            this.focusAfterRender = { model, id };
            const done = keys[ev.key]();
            ev.preventDefault();
            ev.stopPropagation();
            return Promise.resolve(done).then(() => this.restoreFocus());
        }
    }

    /** Focus the row of the node a keyboard move was made on (after the re-render). */
    restoreFocus() {
        const target = this.focusAfterRender;
        const root = this.rootRef.el;
        if (!target || !root) {
            return;
        }
        const el = root.querySelector(`[data-model='${target.model}'][data-id='${target.id}']`);
        const row = el && (el.matches("[tabindex]") ? el : el.querySelector(".o_prs_node[tabindex]"));
        if (row) {
            if (document.activeElement !== row) {
                row.focus();
            }
            if (!this.state.busy) {
                this.focusAfterRender = null;
            }
        }
    }

    onMoveTo(ev) {
        const sectionId = parseInt(ev.target.value, 10);
        const node = this.selectedNode;
        if (sectionId && sectionId !== node.section_id) {
            const section = this.find("form.section", sectionId);
            return this.move("form.field", node.id, sectionId, section.fields.length);
        }
    }

    /** useSortable's drop: the placeholder's neighbours give the new place. */
    onDrop(model, { element, previous, next, parent }) {
        if (!parent) {
            return;
        }
        const ids = (el) => parseInt(el.dataset.id, 10);
        const siblings = [...parent.children].filter(
            // the placeholder is a clone of the dragged element: leave both out
            (el) =>
                el.dataset.id &&
                el.dataset.id !== element.dataset.id &&
                el.matches(`[data-model='${model}']`)
        );
        let index = 0;
        if (previous && previous.dataset.id) {
            index = siblings.indexOf(previous) + 1;
        } else if (next && next.dataset.id) {
            index = siblings.indexOf(next);
        }
        const parentId = ids(parent.dataset.id ? parent : parent.closest("[data-id]"));
        if (model === "form.field" && element.dataset.paletteType) {
            if (parent.classList.contains("o_prs_dd_fields")) {
                this.addField(element.dataset.paletteType, { id: parseInt(parent.dataset.sectionId, 10) }, index);
            }
            return;
        }
        if (model === "form.field" && element.dataset.templateId) {
            if (parent.classList.contains("o_prs_dd_fields")) {
                this.addTemplate(
                    parseInt(element.dataset.templateId, 10),
                    { id: parseInt(parent.dataset.sectionId, 10) },
                    index
                );
            }
            return;
        }
        if (model === "form.field" && !parent.classList.contains("o_prs_dd_fields")) {
            return;
        }
        const targetParent = {
            "form.field": () => parseInt(parent.dataset.sectionId, 10),
            "form.section": () => parseInt(parent.dataset.pageId, 10),
            "form.page": () => this.state.formId,
        }[model]();
        this.move(model, ids(element), targetParent || parentId, index);
    }

    // ------------------------------------------------------------------ choices
    choiceCommand(commands) {
        return this.write("form.field", this.selectedNode.id, { choice_ids: commands });
    }

    addChoice() {
        const field = this.selectedNode;
        const label = `Option ${field.choices.length + 1}`;
        return this.choiceCommand([[0, 0, { label, sequence: (field.choices.length + 1) * 10 }]]);
    }

    removeChoice(choice) {
        return this.choiceCommand([[2, choice.id, 0]]);
    }

    moveChoice(index, delta) {
        const choices = [...this.selectedNode.choices];
        const target = index + delta;
        if (target < 0 || target >= choices.length) {
            return;
        }
        [choices[index], choices[target]] = [choices[target], choices[index]];
        return this.choiceCommand(choices.map((c, i) => [1, c.id, { sequence: (i + 1) * 10 }]));
    }

    onChoice(choice, name, ev) {
        if (ev.target.value && ev.target.value !== choice[name]) {
            return this.choiceCommand([[1, choice.id, { [name]: ev.target.value }]]);
        }
    }

    // ------------------------------------------------------------------ conditions
    saveCondition(attr, expr) {
        const sel = this.state.selected;
        return this.write(sel.model, sel.id, { [attr]: expr });
    }

    async lintCondition(attr, expr) {
        const sel = this.state.selected;
        const node = this.selectedNode;
        const kind = { "form.page": "page", "form.section": "section", "form.field": "field" }[sel.model];
        try {
            this.state.rpcCount++;
            const problems = await this.orm.silent.call("form.form", "prs_designer_lint", [
                [this.state.formId],
                kind,
                node.code,
                attr,
                expr,
            ]);
            const key = `${kind}:${node.code}`;
            return (problems[key] || []).concat(
                Object.entries(problems)
                    .filter(([other]) => other !== key)
                    .flatMap(([, list]) => list)
            );
        } catch (error) {
            return [{ message: (error.data && error.data.message) || String(error) }];
        }
    }

    // ------------------------------------------------------------------ form
    async publish() {
        this.state.error = null;
        try {
            this.state.rpcCount++;
            await this.orm.call("form.form", "action_publish", [[this.state.formId]]);
            this.state.undo = null;
            await this.load();
        } catch (error) {
            this.state.error = (error.data && error.data.message) || String(error);
        }
    }

    newVersion() {
        return this.edit({ op: "new_version" });
    }

    async startFromTemplate() {
        if (!this.state.templateId || !this.state.newFormName) {
            this.state.error = "Choose a template and a name for the new form.";
            return;
        }
        this.state.rpcCount++;
        this.state.formId = await this.orm.call("form.form", "prs_designer_from_template", [
            parseInt(this.state.templateId, 10),
            this.state.newFormName,
        ]);
        this.state.selected = null;
        this.state.undo = null;
        await this.load();
    }

    openForm() {
        return this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "form.form",
            res_id: this.state.formId,
            views: [[false, "form"]],
        });
    }

    get previewUrl() {
        const program = this.state.programId ? `&program_id=${this.state.programId}` : "";
        return `/prs_form_builder/preview/${this.state.formId}?prs_designer=${this.state.previewKey}${program}`;
    }

    // ------------------------------------------------------------------ view helpers
    typeLabel(type) {
        const entry = this.state.data.palette.types.find((t) => t[0] === type);
        return entry ? entry[1] : type;
    }

    settingsOf(type) {
        return {
            text: TEXT_TYPES.includes(type),
            number: NUMBER_TYPES.includes(type),
            decimal: ["decimal", "currency", "percentage"].includes(type),
            date: DATE_TYPES.includes(type),
            choices: CHOICE_TYPES.includes(type),
            master: type === "master" || type === "country" || type === "state",
            file: type === "file",
            consent: type === "consent",
            static: type === "static",
        };
    }

    get modelKind() {
        const sel = this.state.selected;
        return sel && { "form.page": "page", "form.section": "section", "form.field": "field" }[sel.model];
    }
}

registry.category("actions").add("prs_form_designer", FormDesigner);
export { MODELS };
