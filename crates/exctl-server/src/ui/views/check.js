// Check a shipment: the summary in words first, the questions the rules
// ask answered in place (form controls built from the vocabulary the
// answer carries), and each jurisdiction's determination with its law.
import { $, el, call, fmt, applyRoles, warnings, failed, isoDate } from "../lib.js";
import { chart } from "./chart.js";

/// The last check: its request and its answer, for answering its questions.
let last = null;
let countries = [];
let defaultPacks = [];

function law(r) {
  return r.law ? el("details", { class: "law" }, el("summary", {}, "show the law"), el("blockquote", {}, r.law)) : null;
}

const words = (outcome) => (outcome || "classified").replace(/_/g, " ");

function determinations(d) {
  return d.determinations.map((x) => el("div", { class: "det " + (x.outcome || "classified") },
    el("h3", {}, x.jurisdiction.toUpperCase() + " (" + x.authority + "): ", el("span", { class: "outcome" }, x.outcome || "classified")),
    x.controls.length ? el("p", {}, "controls: " + x.controls.join(", ")) : null,
    x.notice ? el("p", { class: "notice" }, x.notice) : null,
    x.scope ? el("p", { class: "cite" }, "Scope: " + x.scope) : null,
    x.review_policy ? el("p", {}, "review policy: " + x.review_policy) : null,
    x.licence ? el("p", { class: "ok" }, "licence " + x.licence.number + " (" + x.licence.holder + ")") : null,
    x.questions && x.questions.length ? el("ul", { class: "questions" }, x.questions.map((q) =>
      el("li", {}, q.answer ? "asks: " : "to do: ", q.question, " ", el("span", { class: "cite" }, q.rule)))) : null,
    x.obligations && x.obligations.length ? el("ul", { class: "obligations" }, x.obligations.map((r) => el("li", {}, "obligation: ", r.text, " ", el("span", { class: "cite" }, r.citation), law(r)))) : null,
    el("ul", { class: "reasons" }, x.reasons.map((r) => el("li", {}, r.text, " ", el("span", { class: "cite" }, r.citation), law(r)))),
    x.notes && x.notes.length ? el("details", {}, el("summary", {}, x.notes.length + " note(s)"),
      el("ul", {}, x.notes.map((r) => el("li", {}, r.text, " ", el("span", { class: "cite" }, r.citation))))) : null));
}

/// The outcome in words, why, and what to do next.
function summary(d) {
  const s = d.summary;
  if (!s) return null;
  return el("section", { class: "summary " + d.overall, id: "summary", "aria-label": "summary" },
    el("p", { class: "headline", id: "headline" }, s.headline),
    s.deciding.length ? el("ul", { class: "because" }, s.deciding.map((r) => el("li", {}, "because " + r))) : null,
    s.next.length ? el("ol", { class: "next", id: "next-steps" }, s.next.map((n) => el("li", {}, n))) : null);
}

/// One form control per fact a question asks for, from its answer form.
function control(a) {
  const name = a.fact;
  switch (a.type) {
    case "country":
      return el("select", { name, id: "answer-" + name },
        el("option", { value: "" }, "(not answered)"),
        countries.map((c) => el("option", { value: c.code }, c.code + " — " + c.name)));
    case "bool":
      return el("span", { class: "choices" },
        el("label", { class: "choice" }, el("input", { type: "radio", name, value: "true" }), "yes"),
        el("label", { class: "choice" }, el("input", { type: "radio", name, value: "false" }), "no"));
    case "number":
      return el("input", { type: "number", step: "any", name, id: "answer-" + name, placeholder: a.unit || "" });
    case "list": {
      const none = el("input", { type: "checkbox", name, value: "none" });
      const boxes = a.choices.map((c) => el("input", { type: "checkbox", name, value: c.value }));
      // "None of these" and a flag exclude each other.
      none.addEventListener("change", () => { if (none.checked) boxes.forEach((b) => { b.checked = false; }); });
      boxes.forEach((b) => b.addEventListener("change", () => { if (b.checked) none.checked = false; }));
      return el("span", { class: "choices list" },
        a.choices.map((c, i) => el("label", { class: "choice" }, boxes[i], c.text, " ", el("code", {}, c.value))),
        el("label", { class: "choice" }, none, "None of these (reviewed, none raised)"));
    }
    default:
      return a.choices && a.choices.length
        ? el("select", { name, id: "answer-" + name }, el("option", { value: "" }, "(not answered)"),
          a.choices.map((c) => el("option", { value: c.value }, c.text)))
        : el("input", { name, id: "answer-" + name });
  }
}

/// The questions a stated fact answers, each once, as a form.
function questionsForm(d) {
  const seen = new Set();
  const asked = [];
  for (const x of d.determinations) {
    for (const q of x.questions || []) {
      if (q.answer && !seen.has(q.answer.fact)) { seen.add(q.answer.fact); asked.push(q); }
    }
  }
  if (!asked.length) return null;
  const form = el("form", { id: "answers", class: "answers" },
    el("h3", {}, "Answer to decide"),
    asked.map((q) => el("fieldset", { "data-fact": q.answer.fact },
      el("legend", {}, q.question), control(q.answer),
      el("p", { class: "cite" }, "asked by " + q.rule))),
    el("button", { type: "submit", "data-role": "officer" }, "Answer and check again"));
  form.addEventListener("submit", (ev) => answer(ev, asked));
  return form;
}

/// The answers given in the form, by fact; an unanswered question stays open.
function answersOf(form, asked) {
  const f = new FormData(form);
  const out = {};
  for (const q of asked) {
    const a = q.answer;
    const values = f.getAll(a.fact).filter((v) => v !== "");
    if (!values.length) continue;
    if (a.type === "list") out[a.fact] = values;
    else if (a.type === "bool") out[a.fact] = values[0] === "true";
    else if (a.type === "number") out[a.fact] = Number(values[0]);
    else out[a.fact] = values[0];
  }
  return out;
}

/// Which outcomes moved between two answers.
function changes(before, after) {
  const pairs = [["overall", before.overall, after.overall]];
  for (const x of after.determinations) {
    const b = before.determinations.find((y) => y.jurisdiction === x.jurisdiction);
    if (b) pairs.push([x.jurisdiction, b.outcome, x.outcome]);
  }
  const moved = pairs.filter(([, b, a]) => b !== a).map(([j, b, a]) => j + ": " + words(b) + " → " + words(a));
  return el("p", { id: "changes", class: "changes" },
    moved.length ? "Your answers changed " + moved.join("; ") : "Your answers changed no outcome");
}

async function answer(ev, asked) {
  ev.preventDefault();
  const given = answersOf(ev.target, asked);
  if (!Object.keys(given).length) { $("#check-result").prepend(el("p", { class: "error" }, "answer at least one question")); return; }
  // The end use is stated as the end use, every other answer as a fact;
  // an answer for a field this page does not know is refused, not dropped.
  const body = { ...last.body, facts: { ...(last.body.facts || {}) } };
  for (const q of asked) {
    const a = q.answer;
    if (!(a.fact in given)) continue;
    if (a.field === "end_use") body.end_use = given[a.fact];
    else if (a.field === "facts") body.facts[a.fact] = given[a.fact];
    else { $("#check-result").prepend(el("p", { class: "error" }, "cannot send an answer to " + a.field)); return; }
  }
  await run(body, last.result);
}

function checkBody(f) {
  const body = { item: f.get("item"), to: f.get("to") };
  const asOf = isoDate(f.get("as_of"), "as of");
  if (asOf) body.as_of = asOf;
  if (f.get("end_use")) body.end_use = f.get("end_use");
  if (f.get("end_use_note")) body.end_use_note = f.get("end_use_note");
  const flags = f.getAll("red_flags");
  // Flags chosen, or none chosen and the review done: stated. Otherwise the rules ask.
  if (flags.length) body.facts = { red_flags: flags };
  else if (f.get("flags_reviewed") === "on") body.facts = { red_flags: ["none"] };
  if (f.get("end_user")) {
    body.end_user = { name: f.get("end_user") };
    if (f.get("end_user_country")) body.end_user.country = f.get("end_user_country");
  }
  if (f.get("quantity")) body.quantity = Number(f.get("quantity"));
  // Opt-in packs answer beside the default ones only when ticked.
  const also = f.getAll("also");
  if (also.length) body.jurisdictions = [...defaultPacks, ...also];
  body.record = f.get("record") === "on";
  return body;
}

/// The item as a decision names it: an own product with its version.
function itemName(item) {
  const p = item.product;
  return p ? item.name + " (own product, version " + p.version + ", sha256 " + p.sha256.slice(0, 12) + ")" : item.name;
}

/// Checks `body` and shows the answer; with `before`, what changed.
async function run(body, before) {
  const out = $("#check-result");
  out.replaceChildren(el("p", {}, "checking…"));
  $("#chart-box").hidden = true;
  try {
    const d = await call("POST", "/check", body);
    last = { body, result: d };
    const head = el("p", { class: "overall " + d.overall }, "overall: ", el("strong", { id: "overall" }, d.overall),
      " · " + itemName(d.item) + " to " + d.destination.code + " as of " + d.as_of + (d.record ? " · recorded as " + d.record : ""));
    const hits = d.party_hits && d.party_hits.length
      ? el("ul", { class: "hits" }, d.party_hits.map((h) => el("li", {}, h.role + " " + JSON.stringify(h.party) + " on " + h.list + " (" + h.entry_name + ", score " + fmt(h.score) + ")")))
      : null;
    out.replaceChildren(...[before ? changes(before, d) : null, summary(d), ...warnings(d), questionsForm(d), head, hits, ...determinations(d)].filter(Boolean));
    applyRoles();
    chart(d.item, d.as_of);
  } catch (e) { failed(out, e); }
}

async function check(ev) {
  ev.preventDefault();
  try { await run(checkBody(new FormData(ev.target)), null); } catch (e) { failed($("#check-result"), e); }
}

async function classifyOnly() {
  const f = new FormData($("#check-form"));
  const out = $("#check-result");
  try {
    const d = await call("POST", "/classify", { item: f.get("item"), as_of: isoDate(f.get("as_of"), "as of") || null });
    out.replaceChildren(el("p", {}, itemName(d.item) + " as of " + d.as_of), ...determinations(d));
    chart(d.item, d.as_of);
  } catch (e) { failed(out, e); }
}

/// The closed sets of the vocabulary, as the only choices the form offers.
export async function loadVocabulary() {
  try {
    const facts = await call("GET", "/vocabulary");
    const fact = (name) => facts.find((p) => p.name === name) || {};
    $("#end-use").replaceChildren(el("option", { value: "" }, "(not stated)"),
      ...(fact("end_use").values || []).map((v) => el("option", { value: v }, v)));
    const flags = (fact("red_flags").answer || {}).choices || [];
    $("#red-flags").replaceChildren(...flags.map((c) => el("option", { value: c.value, title: c.text }, c.value)));
  } catch (_) { /* the server refuses what it does not know either way */ }
  try { countries = await call("GET", "/countries"); } catch (_) { countries = []; }
  try {
    const packs = await call("GET", "/jurisdictions");
    defaultPacks = packs.filter((p) => !p.opt_in).map((p) => p.id);
    const optIn = packs.filter((p) => p.opt_in);
    $("#opt-in").replaceChildren(el("legend", {}, "Also answer for"),
      ...optIn.map((p) => el("label", { title: p.notice || p.scope || p.name },
        el("input", { type: "checkbox", name: "also", value: p.id }), " " + p.name)));
    $("#opt-in").hidden = optIn.length === 0;
  } catch (_) { defaultPacks = []; }
}

export async function loadCatalog() {
  try {
    const items = await call("GET", "/catalog");
    let own = [];
    try { own = (await call("GET", "/products")).filter((p) => p.status === "active"); } catch (_) { own = []; }
    $("#items").replaceChildren(
      ...own.map((p) => el("option", { value: p.name }, "own product, version " + p.version)),
      ...items.map((i) => el("option", { value: i.id }, i.name)));
  } catch (_) { /* the datalist is a convenience */ }
}

export function init() {
  $("#check-form").addEventListener("submit", check);
  $("#classify-btn").addEventListener("click", classifyOnly);
}
