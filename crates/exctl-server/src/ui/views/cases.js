// The case queue: open hits and held orders. An officer works a case
// (assign, comment, attach evidence, escalate) and proposes a resolution;
// another officer approves or rejects it. The server enforces who may.
import { $, el, call, table, status, applyRoles, failed, state, download } from "../lib.js";

const RESOLUTIONS = { hit: ["clear", "confirm"], held: ["release", "stop"] };
const MEANING = {
  clear: "clear: not the listed party (false positive)",
  confirm: "confirm: it is the listed party; the shipment stops",
  release: "release: the licence or answers are on file; the order may go",
  stop: "stop: the order does not go",
};

export async function loadCases(ev) {
  if (ev) ev.preventDefault();
  const s = $("#cases-status").value;
  const out = $("#cases-result");
  try {
    const all = await call("GET", "/cases" + (s ? "?status=" + encodeURIComponent(s) : ""));
    out.replaceChildren(all.length ? table(["case", "kind", "status", "subject", "assignee", "opened", "by", ""],
      all.map((c) => [String(c.id), c.kind, c.status, c.subject + (c.outcome ? " [" + c.outcome + "]" : ""), c.assignee || "–", c.opened_at, c.opened_by,
        el("button", { type: "button", class: "small", "data-case": c.id, onclick: () => openCase(c.id) }, "Open")]))
      : el("p", {}, "no cases " + (s || "") ));
  } catch (e) { failed(out, e); }
}

/// A small form that posts one action and shows the case again.
function actionForm(id, action, label, fields, role = "officer") {
  const form = el("form", { class: "row case-action", "data-action": action }, fields,
    el("button", { type: "submit", "data-role": role }, label));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const body = {};
    for (const [k, v] of f.entries()) if (typeof v === "string" && v.trim()) body[k] = v.trim();
    // An approval names the proposal it read: one made again since is refused.
    if (action === "approve") body.seen = Number(form.dataset.seen);
    try {
      if (action === "attach") {
        const file = form.querySelector("input[type=file]").files[0];
        if (!file) throw new Error("choose a file to attach");
        body.name = file.name;
        body.base64 = await asBase64(file);
        delete body.file;
      }
      await call("POST", "/cases/" + id + "/" + action, body);
      status(label.toLowerCase() + ": done", "ok");
      await openCase(id);
      loadCases();
    } catch (e) { status(e.message, "error"); }
  });
  return form;
}

function asBase64(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(",", 2)[1] || "");
    r.onerror = () => reject(new Error("could not read " + file.name));
    r.readAsDataURL(file);
  });
}

export async function openCase(id) {
  const out = $("#case-detail");
  try {
    const c = await call("GET", "/cases/" + id);
    const events = el("ol", { class: "events" }, c.events.map((e) => el("li", {},
      el("span", { class: "cite" }, e.at + " · " + e.actor + " · " + e.action), " ", e.text,
      e.evidence_name ? el("span", { class: "cite" }, " [" + e.evidence_name + ", sha256 " + e.evidence_sha256.slice(0, 16) + "…]") : null)));
    const me = state.name || "";
    const proposal = c.status === "pending"
      ? el("p", { class: "proposal", id: "case-proposal" }, "Proposed: " + MEANING[c.resolution] + " — " + c.reason + " (by " + c.proposed_by + "). Waiting for another officer's approval.")
      : null;
    const actions = c.status === "closed"
      ? [el("p", { class: "ok", id: "case-closed" }, "Closed: " + MEANING[c.resolution] + " — proposed by " + c.proposed_by + ", approved by " + c.approved_by)]
      : [
        actionForm(id, "assign", "Assign", el("label", {}, "Officer", el("input", { name: "assignee", value: c.assignee || me }))),
        actionForm(id, "comment", "Comment", el("label", {}, "Comment", el("input", { name: "text", size: 50 }))),
        actionForm(id, "attach", "Attach", [el("label", {}, "Evidence", el("input", { type: "file", name: "file" })), el("label", {}, "Note", el("input", { name: "text", size: 30 }))]),
        actionForm(id, "escalate", "Escalate", el("label", {}, "Reason", el("input", { name: "reason", size: 40 }))),
        c.status === "open"
          ? actionForm(id, "propose", "Propose", [
            el("label", {}, "Resolution", el("select", { name: "resolution", id: "case-resolution" }, RESOLUTIONS[c.kind].map((r) => el("option", { value: r }, MEANING[r])))),
            el("label", {}, "Reason", el("input", { name: "reason", id: "case-reason", size: 40 }))])
          : null,
        c.status === "pending" ? approveForm(id, c) : null,
        c.status === "pending" ? actionForm(id, "reject", "Reject", el("label", {}, "Reason", el("input", { name: "reason", size: 40 }))) : null,
      ].filter(Boolean);
    out.replaceChildren(el("section", { class: "case", id: "case-" + id },
      el("h3", {}, "Case " + c.id + " (" + c.kind + "): " + c.subject),
      el("p", {}, "status ", el("strong", { id: "case-status" }, c.status), " · opened " + c.opened_at + " by " + c.opened_by +
        (c.decision_id ? " from decision " + c.decision_id : c.rescreen_id ? " by rescreen " + c.rescreen_id : " on a clearance request") +
        (c.assignee ? " · assigned to " + c.assignee : "")),
      proposal, ...actions, el("h4", {}, "History"), events));
    applyRoles();
  } catch (e) { failed(out, e); }
}

/// The approval form, carrying the proposal it shows.
function approveForm(id, c) {
  const form = actionForm(id, "approve", "Approve", el("label", {}, "Note", el("input", { name: "text", size: 30 })));
  const proposed = c.events.filter((e) => e.action === "proposed").pop();
  form.dataset.seen = proposed ? String(proposed.id) : "";
  return form;
}

const same = (a, b) => (a || "").trim().toLowerCase() === (b || "").trim().toLowerCase();

/// The open case of a screened hit (this party, this country, this entry),
/// opened in the Cases section; never another party's.
export async function caseOfHit(query, m) {
  const open = await call("GET", "/cases");
  const c = open.find((x) => x.status !== "closed" && x.list === m.list && x.entry_id === m.entry_id &&
    same(x.party, query.name) && same(x.party_country, query.country));
  if (!c) throw new Error("no open case for this party's hit: it is cleared, closed, or the screen was not recorded");
  document.querySelector("nav button[data-tab=dispositions]").click();
  await openCase(c.id);
}

async function loadDispositions() {
  const out = $("#dispositions-result");
  try {
    const all = await call("GET", "/dispositions");
    out.replaceChildren(all.length ? table(["party", "list", "entry", "verdict", "reason", "active", "by", "at"],
      all.map((d) => [d.party, d.list, d.entry_id, d.verdict, d.reason, d.active ? "yes" : "re-raised", d.actor, d.recorded_at]))
      : el("p", {}, "no dispositions yet"));
  } catch (e) { failed(out, e); }
}

export function init() {
  $("#cases-form").addEventListener("submit", loadCases);
  $("#cases-csv").addEventListener("click", async () => {
    const s = $("#cases-status").value;
    try { await download("/reports/cases.csv" + (s ? "?status=" + encodeURIComponent(s) : ""), "cases.csv"); status("saved cases.csv", "ok"); }
    catch (e) { status(e.message, "error"); }
  });
  $("#dispositions-load").addEventListener("click", loadDispositions);
}
