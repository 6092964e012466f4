/** @odoo-module */

import { registry } from "@web/core/registry";

// A configurator walks a flow's journey preview: answers the first step, sees the
// health step skipped (personal.age >= 60 is false) and lands on the terms, goes back,
// finds the answers kept, and reaches the end with the stored answers summarised.

const idle = ".o_prs_journey[data-busy='0']";
const current = (code) => `${idle} .o_prs_journey_current[data-code='${code}']`;

registry.category("web_tour.tours").add("prs_journey_preview_tour", {
    test: true,
    steps: () => [
        { content: "Open the journey preview", trigger: "button.o_prs_journey_button" },
        { content: "The first step is shown", trigger: current("personal"), isCheck: true },
        {
            content: "The health step is skipped before any answer",
            trigger: `${idle} .o_prs_journey_steps li[data-code='health'][data-visible='0']`,
            isCheck: true,
        },
        { content: "Answer the name", trigger: `${idle} input[name='first_name']`, run: "text Ada" },
        { content: "Answer the age", trigger: `${idle} input[name='age']`, run: "text 30" },
        { content: "Next", trigger: `${idle} .o_prs_journey_next` },
        { content: "The health step was skipped: terms come next", trigger: current("terms"), isCheck: true },
        {
            content: "The summary shows the stored age",
            trigger: `${idle} .o_prs_journey_summary tr[data-key='personal.age']:contains(30)`,
            isCheck: true,
        },
        { content: "Back", trigger: `${idle} .o_prs_journey_back` },
        { content: "Back on the first step", trigger: current("personal"), isCheck: true },
        {
            content: "The answer is kept",
            trigger: `${idle} input[name='age']`,
            run() {
                if (document.querySelector("input[name='age']").value !== "30") {
                    throw new Error("the age answer was lost");
                }
            },
        },
        { content: "Next again", trigger: `${idle} .o_prs_journey_next` },
        { content: "Terms", trigger: current("terms"), isCheck: true },
        { content: "Accept", trigger: `${idle} input[name='accept']`, run: "click" },
        { content: "Next to the payment (the program has a fee)", trigger: `${idle} .o_prs_journey_next` },
        { content: "Payment", trigger: current("payment"), isCheck: true },
        { content: "Next to the confirmation", trigger: `${idle} .o_prs_journey_next` },
        { content: "Confirmation", trigger: current("confirmation"), isCheck: true },
        { content: "Finish", trigger: `${idle} .o_prs_journey_next` },
        { content: "End of the flow", trigger: `${idle} .o_prs_journey_done`, isCheck: true },
        {
            content: "The consent is stored",
            trigger: `${idle} .o_prs_journey_summary tr[data-key='terms.accept']:contains(true)`,
            isCheck: true,
        },
    ],
});
