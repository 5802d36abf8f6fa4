// "Your sources": the reviewer's own source ledger of this document, live. After every change
// has reached the server (the save status reads "saved"), the page asks the document ledger
// API again (`refresh`, debounced) and shows the sources, their types and the checks a
// reviewer can act on ("you tagged 3 sources, 2 of them have no type").

import { el, humanize } from "../shared/dom.js";

const DELAY = 400; // ms after the last save before asking again

/** The checks of a ledger: sentences about what the reviewer may have left out. */
export function ledgerChecks(ledger) {
  const checks = [];
  const rows = ledger.rows || [];
  const n = rows.length;
  if (n === 0) return checks;
  const untyped = rows.filter((r) => !r.type).length;
  const nameless = rows.filter((r) => !r.key).length;
  const sources = `${n} source${n === 1 ? "" : "s"}`;
  if (untyped) {
    checks.push(`You tagged ${sources}, ${untyped} of them ${untyped === 1 ? "has" : "have"} `
      + "no type.");
  }
  if (nameless) {
    checks.push(`${nameless} source${nameless === 1 ? " has" : "s have"} no name: each counts as `
      + "a source of its own (give the name as written, or leave it empty for an anonymous one).");
  }
  if ((ledger.flags || []).includes("anonymous_only")) {
    checks.push("Every source is unnamed: check the “named” of each attribution.");
  }
  return checks;
}

export class LedgerPanel {
  /**
   * @param {HTMLElement} root  the panel
   * @param {object} o
   * @param {import("../shared/api.js").Api} o.api
   * @param {string} o.url  the document ledger of the page's reviewer
   */
  constructor(root, { api, url }) {
    Object.assign(this, { root, api, url });
    this.summary = root.querySelector("[data-ledger-summary]");
    this.checks = root.querySelector("[data-ledger-checks]");
    this.list = root.querySelector("[data-ledger-rows]");
    this.timer = null;
    this.asked = 0;
  }

  /** Ask again soon (changes come in bursts). */
  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), DELAY);
  }

  async refresh() {
    const asked = ++this.asked;
    const result = await this.api.call("GET", this.url);
    if (asked !== this.asked) return; // a later answer is on its way
    if (!result.ok) {
      this.root.dataset.state = "error";
      return;
    }
    this.show(result.data);
  }

  show(ledger) {
    const n = ledger.sources;
    this.root.dataset.state = "ready";
    this.root.dataset.sources = String(n);
    this.summary.textContent = n === 0 ? "No sources tagged yet."
      : `${n} source${n === 1 ? "" : "s"} in ${ledger.mentions} mention${ledger.mentions === 1 ? "" : "s"}`
        + ` · ${ledger.named_sources} named`
        + (ledger.official_share == null ? "" : ` · ${Math.round(ledger.official_share * 100)} % official`);
    const checks = ledgerChecks(ledger);
    this.checks.replaceChildren(...checks.map((text) => el("li", { class: "ledger-check", text })));
    this.checks.hidden = checks.length === 0;
    this.list.replaceChildren(...(ledger.rows || []).map((row) => el("li", {
      class: "ledger-row", "data-source-key": row.key,
    },
    el("span", { class: "ledger-name", text: row.name || "(no name)" }),
    el("span", { class: `ledger-type${row.type ? "" : " missing"}`, text: row.type ? humanize(row.type) : "no type" }),
    el("span", { class: "ledger-count muted", text: `×${row.mentions}` }))));
  }
}
