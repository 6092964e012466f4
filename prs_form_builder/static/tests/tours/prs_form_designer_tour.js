/** @odoo-module */

import { registry } from "@web/core/registry";

// A configurator builds a form in the designer, on one screen and without a dialog:
// three pages with a section each, ten fields of different types from the palette,
// choices edited inline, a display condition and a required-if built with the condition
// editor, a reorder and a move to another page by drag and drop, a move with the
// keyboard alternative, the live preview, then publish. One edit = one RPC is checked.

const idle = ".o_prs_designer[data-busy='0']";
const field = (code) => `.o_prs_field[data-code='${code}']`;
const props = (name) => `${idle} .o_prs_props [name='${name}']`;

/** A step choosing the option whose text (or value) is ``text`` in a select. */
function choose(content, selector, text) {
    return {
        content,
        trigger: selector,
        run() {
            const select = document.querySelector(selector);
            const option = [...select.options].find((o) => o.text.trim() === text || o.value === text);
            if (!option) {
                throw new Error(`no option ${text} in ${selector}`);
            }
            select.value = option.value;
            select.dispatchEvent(new Event("change", { bubbles: true }));
        },
    };
}

function addPage(title, code) {
    return [
        { content: `Add page ${title}`, trigger: `${idle} .o_prs_add_page` },
        {
            content: `Title page ${title}`,
            trigger: `${idle} .o_prs_props[data-code='${code}'] [name='title']`,
            run: `text ${title}`,
        },
        {
            content: `Page ${title} is in the outline`,
            trigger: `${idle} .o_prs_page[data-code='${code}'] .o_prs_node_title:contains(${title})`,
            isCheck: true,
        },
    ];
}

function addSection(pageCode, title, code) {
    return [
        {
            content: `Add a section to ${pageCode}`,
            trigger: `${idle} .o_prs_page[data-code='${pageCode}'] .o_prs_add_section`,
        },
        {
            content: `Title section ${title}`,
            trigger: `${idle} .o_prs_props[data-code='${code}'] [name='title']`,
            run: `text ${title}`,
        },
        {
            content: `Section ${title} is in the outline`,
            trigger: `${idle} .o_prs_section[data-code='${code}'] .o_prs_node_title:contains(${title})`,
            isCheck: true,
        },
    ];
}

function addField(sectionCode, typeLabel, code) {
    return [
        {
            content: `Select section ${sectionCode}`,
            trigger: `${idle} .o_prs_section[data-code='${sectionCode}'] > .o_prs_node`,
        },
        {
            content: `Add a ${typeLabel} field from the palette`,
            trigger: `${idle} .o_prs_palette_item:contains(${typeLabel})`,
        },
        {
            content: `Field ${code} is in section ${sectionCode}`,
            trigger: `${idle} .o_prs_section[data-code='${sectionCode}'] ${field(code)}.o_prs_selected`,
            isCheck: true,
        },
    ];
}

function selectField(code) {
    return [
        { content: `Select field ${code}`, trigger: `${idle} ${field(code)}` },
        {
            content: `Properties of ${code}`,
            trigger: `${idle} .o_prs_props[data-code='${code}']`,
            isCheck: true,
        },
    ];
}

registry.category("web_tour.tours").add("prs_form_designer_tour", {
    test: true,
    steps: () => [
        {
            content: "Name the form",
            trigger: '.o_field_widget[name="name"] input',
            run: "text Designer Tour",
        },
        {
            content: "Give it a code",
            trigger: '.o_field_widget[name="code"] input',
            run: "text designer_tour",
        },
        { content: "Save", trigger: ".o_form_button_save" },
        { content: "Open the designer", trigger: ".o_form_saved .o_prs_design_button, button.o_prs_design_button" },
        ...addPage("Personal", "new_page"),
        ...addPage("Stay", "new_page_2"),
        ...addPage("Final", "new_page_3"),
        ...addSection("new_page", "Identity", "new_section"),
        ...addSection("new_page_2", "Lodging", "new_section_2"),
        ...addSection("new_page_3", "Closing", "new_section_3"),
        ...addField("new_section", "Text", "text"),
        ...addField("new_section", "Integer", "integer"),
        ...addField("new_section", "Email", "email"),
        ...addField("new_section", "Phone", "phone"),
        ...addField("new_section", "Yes/No", "yes_no"),
        ...addField("new_section", "Text Area", "text_area"),
        ...addField("new_section_2", "Date", "date"),
        ...addField("new_section_2", "Select", "select"),
        ...addField("new_section_2", "Radio", "radio"),
        {
            content: "Drag Checkboxes from the palette into the Lodging section",
            trigger: `${idle} .o_prs_palette_item:contains(Checkboxes)`,
            run: "drag_and_drop_native .o_prs_section[data-code='new_section_2'] .o_prs_dd_fields",
        },
        {
            content: "Checkboxes added last to Lodging",
            trigger: `${idle} .o_prs_section[data-code='new_section_2'] .o_prs_dd_field:last[data-code='checkboxes']`,
            isCheck: true,
        },
        // properties
        ...selectField("integer"),
        { content: "Label it Age", trigger: props("label"), run: "text Age" },
        { content: "Code it age", trigger: `${idle} .o_prs_props[data-code='integer'] [name='code']`, run: "text age" },
        { content: "Bound the age", trigger: `${idle} .o_prs_props[data-code='age'] [name='max_value']`, run: "text 120" },
        ...selectField("text"),
        { content: "Label it Full name", trigger: props("label"), run: "text Full name" },
        { content: "Make it required", trigger: `${idle} .o_prs_props[data-code='text'] [name='required']`, run: "click" },
        { content: "Required is shown", trigger: `${idle} ${field("text")} .fa-asterisk.text-danger`, isCheck: true },
        // choices, inline
        ...selectField("select"),
        { content: "Add a third choice", trigger: `${idle} .o_prs_add_choice` },
        { content: "Three choices", trigger: `${idle} .o_prs_choice:eq(2)`, isCheck: true },
        { content: "Rename the first choice", trigger: `${idle} .o_prs_choice:eq(0) .o_prs_choice_label`, run: "text Vegetarian" },
        { content: "Renamed", trigger: `${idle} .o_prs_choice:eq(0) .o_prs_choice_label[data-value='Vegetarian']`, isCheck: true },
        { content: "Move it down", trigger: `${idle} .o_prs_choice:eq(0) .fa-arrow-down` },
        { content: "Moved", trigger: `${idle} .o_prs_choice:eq(1) .o_prs_choice_label[data-value='Vegetarian']`, isCheck: true },
        // display condition with the condition editor: email shown if age >= 18
        ...selectField("email"),
        { content: "Add a condition row", trigger: `${idle} .o_prs_condition_editor[data-attr='condition'] .o_prs_cond_add` },
        choose("On the age", ".o_prs_condition_editor[data-attr='condition'] .o_prs_cond_field", "Age (age)"),
        choose("At least", ".o_prs_condition_editor[data-attr='condition'] .o_prs_cond_op", ">="),
        { content: "18", trigger: ".o_prs_condition_editor[data-attr='condition'] input.o_prs_cond_value", run: "text 18" },
        {
            content: "The editor wrote the JEXL",
            trigger: ".o_prs_condition_editor[data-attr='condition'] .o_prs_cond_raw",
            run() {
                const raw = document.querySelector(".o_prs_condition_editor[data-attr='condition'] .o_prs_cond_raw");
                if (raw.value !== "age >= 18") {
                    throw new Error(`the condition editor wrote ${raw.value}`);
                }
            },
        },
        { content: "Apply", trigger: ".o_prs_condition_editor[data-attr='condition'] .o_prs_cond_apply" },
        { content: "The email shows on a condition", trigger: `${idle} ${field("email")} .fa-eye`, isCheck: true },
        // required-if: text_area required if yes_no is yes
        ...selectField("text_area"),
        { content: "Add a required-if row", trigger: `${idle} .o_prs_condition_editor[data-attr='required_if'] .o_prs_cond_add` },
        { content: "On Yes/No, is yes", trigger: ".o_prs_condition_editor[data-attr='required_if'] .o_prs_cond_raw[data-value='yes_no == true']", isCheck: true },
        { content: "Apply the required-if", trigger: ".o_prs_condition_editor[data-attr='required_if'] .o_prs_cond_apply" },
        { content: "Required-if shown", trigger: `${idle} ${field("text_area")} .fa-asterisk.text-warning`, isCheck: true },
        // one edit costs one RPC
        {
            content: "Count the RPCs before an edit",
            trigger: idle,
            run() {
                window.__prsRpcBefore = Number(document.querySelector(".o_prs_designer").dataset.rpcCount);
            },
        },
        { content: "Label the text area", trigger: props("label"), run: "text Help needed" },
        {
            content: "The edit cost one RPC",
            trigger: `${idle} ${field("text_area")} .o_prs_node_title:contains(Help needed)`,
            run() {
                const after = Number(document.querySelector(".o_prs_designer").dataset.rpcCount);
                if (after !== window.__prsRpcBefore + 1) {
                    throw new Error(`one edit made ${after - window.__prsRpcBefore} RPCs`);
                }
            },
        },
        // drag and drop: age before the full name, phone to the last page
        {
            content: "Drag the age above the full name",
            trigger: `${idle} ${field("age")} .o_prs_field_handle`,
            run: `drag_and_drop_native ${field("text")}`,
        },
        {
            content: "Age is first",
            trigger: `${idle} .o_prs_section[data-code='new_section'] .o_prs_dd_field:first[data-code='age']`,
            isCheck: true,
        },
        {
            content: "Drag the phone to the last page",
            trigger: `${idle} ${field("phone")} .o_prs_field_handle`,
            run: "drag_and_drop_native .o_prs_section[data-code='new_section_3'] .o_prs_dd_fields",
        },
        {
            content: "Phone is on the last page",
            trigger: `${idle} .o_prs_page[data-code='new_page_3'] ${field("phone")}`,
            isCheck: true,
        },
        // keyboard alternative
        ...selectField("yes_no"),
        {
            content: "Move Yes/No up with the keyboard (Alt+Up)",
            trigger: `${idle} ${field("yes_no")}`,
            run() {
                const row = document.querySelector(field("yes_no"));
                row.focus();
                row.dispatchEvent(
                    new KeyboardEvent("keydown", { key: "ArrowUp", altKey: true, bubbles: true })
                );
            },
        },
        {
            content: "Yes/No moved above the email",
            trigger: `${idle} .o_prs_section[data-code='new_section'] .o_prs_dd_field:eq(2)[data-code='yes_no']`,
            isCheck: true,
        },
        {
            content: "The moved row keeps the keyboard focus",
            trigger: `${idle} ${field("yes_no")}`,
            run() {
                const row = document.querySelector(field("yes_no"));
                if (document.activeElement !== row) {
                    throw new Error(`the focus is on ${document.activeElement.outerHTML.slice(0, 80)}`);
                }
            },
        },
        { content: "Undo the move", trigger: `${idle} .o_prs_undo:not([disabled])` },
        {
            content: "Yes/No is back below the email",
            trigger: `${idle} .o_prs_section[data-code='new_section'] .o_prs_dd_field:eq(3)[data-code='yes_no']`,
            isCheck: true,
        },
        // preview
        {
            content: "The preview shows the condition",
            trigger: "iframe .prs-logic:contains(age >= 18)",
            isCheck: true,
        },
        {
            content: "The preview shows the renamed choice",
            trigger: "iframe select:has(option:contains(Vegetarian))",
            isCheck: true,
        },
        // publish
        { content: "Publish", trigger: `${idle} .o_prs_publish` },
        { content: "Published, read-only", trigger: ".o_prs_form_state:contains(Published)", isCheck: true },
        {
            content: "No dialog was opened",
            trigger: ".o_prs_new_version",
            run() {
                if (document.querySelector(".modal")) {
                    throw new Error("a dialog is open");
                }
            },
        },
    ],
});
