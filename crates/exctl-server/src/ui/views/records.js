// What is on record: licences, history (newest first, paged)
// and the audit trail; and items compared side by side.
import { $, el, api, call, fmt, table, status, failed, isoDate, download } from "../lib.js";

async function compare(ev) {
  ev.preventDefault();
  const items = new FormData(ev.target).get("items").split(",").map((s) => s.trim()).filter(Boolean);
  const out = $("#compare-result");
  try {
    const rows = await call("POST", "/compare", { items });
    out.replaceChildren(table(["item", "TPP", "PD", "INT8 TOPS", "TPP ratio", "controls"],
      // Figures as the rules compare them (15,832, not 15,800); an own product with its version.
      rows.map((r) => [r.item.name + (r.item.product ? " @" + r.item.product.version : ""), fmt(r.item.metrics.tpp, 6), fmt(r.item.metrics.pd, 4), fmt(r.item.metrics.int8_tops, 6),
        fmt(r.ratios_to_first.tpp, 2) + "×", r.controls.map((c) => c.jurisdiction + ": " + (c.controls.join(", ") || "–")).join("; ")])));
  } catch (e) { failed(out, e); }
}

async function loadLicences() {
  const out = $("#licences-result");
  try {
    const all = await call("GET", "/licences");
    out.replaceChildren(all.length ? table(["licence", "holder", "valid", "items / controls", "destinations", "used", "balance"],
      all.map((l) => {
        const lic = l.licence;
        const bar = lic.quantity ? el("meter", { min: 0, max: lic.quantity, value: lic.quantity - l.drawn.quantity, title: (lic.quantity - l.drawn.quantity) + " of " + lic.quantity + " left" }) : null;
        return [lic.jurisdiction + ":" + lic.number, lic.holder, lic.valid_from + " → " + lic.valid_to,
          [...lic.items, ...lic.controls].join(", "), lic.destinations.join(", "), fmt(l.drawn.quantity),
          el("span", {}, bar, " ", lic.quantity ? fmt(lic.quantity - l.drawn.quantity) + " units" : "", lic.value ? " " + fmt(lic.value - l.drawn.value) + " " + lic.currency : "")];
      })) : el("p", {}, "no licences on file"));
  } catch (e) { failed(out, e); }
}

async function addLicence(ev) {
  ev.preventDefault();
  let body;
  try { body = JSON.parse(new FormData(ev.target).get("licence")); } catch (e) { status("not JSON: " + e.message, "error"); return; }
  try {
    const r = await call("POST", "/licences", body);
    status("registered licence " + r.licence.number + " (record " + r.id + ")", "ok");
    loadLicences();
  } catch (e) { status(e.message, "error"); }
}

const HISTORY_PAGE = 50;

/// One page of history, newest first; `before` pages back to older records.
async function history(ev, before) {
  if (ev) ev.preventDefault();
  const f = new FormData($("#history-form"));
  const q = new URLSearchParams();
  const out = $("#history-result");
  try {
    for (const [k, v] of f.entries()) {
      if (!v) continue;
      q.set(k, k === "from" || k === "to" ? isoDate(v, k) : v);
    }
    q.set("limit", String(HISTORY_PAGE));
    if (before) q.set("before", before);
    const { data: rows, headers } = await api("GET", "/history?" + q.toString());
    const next = headers.get("X-Next-Before");
    out.replaceChildren(rows.length ? table(["id", "recorded", "kind", "subject", "to", "outcome", "as of", "parties", "by", ""],
      rows.map((r) => [r.id, r.recorded_at, r.kind, r.subject, r.destination || "–", r.outcome, r.as_of, r.parties.join("; "), r.actor,
        el("button", { type: "button", class: "small report", "data-decision": r.id, onclick: () => save("/reports/decisions/" + r.id, "decision-" + r.id + ".html") }, "Report")]))
      : el("p", {}, "nothing recorded matches"),
      el("p", { class: "pager" },
        before ? el("button", { type: "button", onclick: () => history(null) }, "Newest") : null,
        next ? el("button", { type: "button", id: "history-older", onclick: () => history(null, next) }, "Older") : null));
  } catch (e) { failed(out, e); }
}

async function verify() {
  const out = $("#audit-result");
  out.replaceChildren(el("p", {}, "verifying…"));
  try {
    const r = await call("GET", "/audit/verify");
    out.replaceChildren(...[
      el("p", { class: r.ok ? "ok" : "error", id: "verify-verdict" }, r.ok ? "the trail verifies" : r.problem_count + " problem(s)"),
      el("p", {}, r.entries + " entries, " + r.records + " records, keys " + r.keys.join(", ") + ", head " + r.head),
      r.problems.length ? table(["entry", "table", "record", "problem"], r.problems.map((p) => [p.seq ?? "–", p.table ?? "–", p.record_id ?? "–", p.problem])) : null,
    ].filter(Boolean));
  } catch (e) { failed(out, e); }
}

async function save(path, name) {
  try { await download(path, name); status("saved " + name, "ok"); } catch (e) { status(e.message, "error"); }
}

export function init() {
  // The decisions the search finds, as the history's filters give them.
  $("#history-csv").addEventListener("click", () => {
    try {
      const q = new URLSearchParams();
      for (const [k, v] of new FormData($("#history-form")).entries()) {
        if (v) q.set(k, k === "from" || k === "to" ? isoDate(v, k) : v);
      }
      save("/reports/decisions.csv" + (q.toString() ? "?" + q.toString() : ""), "decisions.csv");
    } catch (e) { status(e.message, "error"); }
  });
  $("#licences-csv").addEventListener("click", () => save("/reports/licences.csv", "licences.csv"));
  $("#compare-form").addEventListener("submit", compare);
  $("#licences-load").addEventListener("click", loadLicences);
  $("#licence-form").addEventListener("submit", addLicence);
  $("#history-form").addEventListener("submit", (e) => history(e));
  $("#verify-btn").addEventListener("click", verify);
}
