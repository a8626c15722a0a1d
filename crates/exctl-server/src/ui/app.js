// exctl web UI: plain DOM code over the JSON API. No framework, no build
// step; every value from the server is inserted as text, never as HTML.
"use strict";

const state = { key: sessionStorage.getItem("exctl-key") || "", role: null, name: null };
const ROLES = ["viewer", "officer", "admin"];

const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function status(text, kind = "") {
  const s = $("#status");
  s.textContent = text;
  s.className = kind;
}

async function api(method, path, body) {
  const opts = { method, headers: { "Authorization": "Bearer " + state.key } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch("/api/v1" + path, opts);
  let data = null;
  try { data = await r.json(); } catch (_) { data = null; }
  if (!r.ok) {
    const msg = (data && data.error) || r.statusText;
    const e = new Error(r.status === 403 ? "not allowed for your role: " + msg : msg);
    e.status = r.status;
    throw e;
  }
  return data;
}

function can(role) {
  return state.role && ROLES.indexOf(state.role) >= ROLES.indexOf(role);
}

function applyRoles() {
  document.querySelectorAll("[data-role]").forEach((e) => {
    const ok = can(e.dataset.role);
    if (e.tagName === "DETAILS") e.hidden = !ok;
    else e.disabled = !ok;
    if (!ok) e.title = "needs the " + e.dataset.role + " role";
  });
}

async function signIn(key) {
  state.key = key.trim();
  try {
    const me = await api("GET", "/whoami");
    state.role = me.role;
    state.name = me.name;
    sessionStorage.setItem("exctl-key", state.key);
    $("#who").textContent = "signed in: " + me.name + " (" + me.role + ")";
    $("#who").dataset.role = me.role;
    $("#signout").hidden = false;
    status("");
    loadCatalog();
    loadVocabulary();
  } catch (e) {
    state.role = null;
    $("#who").textContent = "";
    status("sign-in failed: " + e.message, "error");
  }
  applyRoles();
}

function showTab(name) {
  document.querySelectorAll("[role=tab]").forEach((t) => {
    t.setAttribute("aria-selected", String(t.dataset.tab === name));
  });
  document.querySelectorAll("[role=tabpanel]").forEach((p) => {
    p.hidden = p.id !== "tab-" + name;
  });
  const first = $("#tab-" + name + " input, #tab-" + name + " button");
  if (first) first.focus();
}

function fmt(n, digits = 3) {
  if (n === null || n === undefined) return "–";
  if (Math.abs(n) >= 1e6) return n.toExponential(2);
  return Number(n.toPrecision(digits)).toLocaleString("en");
}

function table(headers, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c))))));
}

// ----- screening ------------------------------------------------------------

async function clearHit(query, m) {
  const reason = prompt("Why is " + m.name + " (" + m.list + " " + m.entry_id + ") not this party?");
  if (!reason) return;
  try {
    await api("POST", "/dispositions", { party: query.name, country: query.country || null, list: m.list, entry: m.entry_id, reason });
    status("cleared as a false positive: it stays cleared while the entry is unchanged", "ok");
  } catch (e) { status(e.message, "error"); }
}

function explainMatch(m) {
  const x = m.explanation || {};
  const parts = ["matched " + JSON.stringify(x.matched_name || m.matched_name)];
  if (x.query_scheme) parts.push("query as " + x.query_scheme + " " + JSON.stringify(x.query_form));
  if (x.list_scheme) parts.push("list as " + x.list_scheme);
  parts.push("name score " + fmt(x.name_score));
  if (x.country && x.country !== "unknown") parts.push("country " + x.country + " " + (x.country_adjustment >= 0 ? "+" : "") + fmt(x.country_adjustment, 2));
  if (x.weak_alias_factor) parts.push("weak alias ×" + fmt(x.weak_alias_factor, 2));
  for (const line of x.evidence || []) parts.push(line);
  return parts.join(" · ");
}

async function screen(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const body = { name: f.get("name") };
  if (f.get("country")) body.country = f.get("country");
  if (f.get("type")) body.type = f.get("type");
  if (f.get("dob")) body.dob = f.get("dob");
  if (f.get("ids")) body.ids = f.get("ids").split(";").map(s => s.trim()).filter(Boolean);
  const out = $("#screen-result");
  out.replaceChildren(el("p", {}, "screening…"));
  try {
    const r = await api("POST", "/screen", body);
    const head = el("p", { class: r.matches.length ? "hit" : "clear" },
      r.matches.length ? r.matches.length + " possible match(es)" : "no match at or above the threshold",
      " · list version " + r.list_version.hash + (r.record ? " · recorded as " + r.record : ""));
    const items = r.matches.map((m) => el("li", { class: "match" },
      el("strong", {}, m.name), " ", el("span", { class: "badge" }, m.list), " score ", el("b", {}, fmt(m.score)),
      el("div", { class: "why" }, explainMatch(m)),
      m.license_requirement ? el("div", {}, "licence requirement: " + m.license_requirement) : null,
      m.license_policy ? el("div", {}, "policy: " + m.license_policy) : null,
      m.federal_register_notice ? el("div", { class: "cite" }, m.federal_register_notice) : null,
      el("button", { type: "button", "data-role": "officer", onclick: () => clearHit(r.query, m) }, "Clear as false positive")));
    out.replaceChildren(...warnings(r), head, el("ol", { class: "matches" }, items));
    applyRoles();
  } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
}

// ----- checks and the chart ---------------------------------------------------

// The regulation's words behind a reason, folded away until asked for.
function law(r) {
  return r.law ? el("details", { class: "law" }, el("summary", {}, "show the law"), el("blockquote", {}, r.law)) : null;
}

function determinations(d) {
  return d.determinations.map((x) => el("div", { class: "det " + (x.outcome || "classified") },
    el("h3", {}, x.jurisdiction.toUpperCase() + " (" + x.authority + "): ", el("span", { class: "outcome" }, x.outcome || "classified")),
    x.controls.length ? el("p", {}, "controls: " + x.controls.join(", ")) : null,
    x.notice ? el("p", { class: "notice" }, x.notice) : null,
    x.review_policy ? el("p", {}, "review policy: " + x.review_policy) : null,
    x.licence ? el("p", { class: "ok" }, "licence " + x.licence.number + " (" + x.licence.holder + ")") : null,
    x.questions && x.questions.length ? el("ul", { class: "questions" }, x.questions.map((q) => el("li", {}, q.question + " [" + q.fact + "]"))) : null,
    x.obligations && x.obligations.length ? el("ul", { class: "obligations" }, x.obligations.map((r) => el("li", {}, "obligation: ", r.text, " ", el("span", { class: "cite" }, r.citation), law(r)))) : null,
    el("ul", { class: "reasons" }, x.reasons.map((r) => el("li", {}, r.text, " ", el("span", { class: "cite" }, r.citation), law(r)))),
    x.notes && x.notes.length ? el("details", {}, el("summary", {}, x.notes.length + " note(s)"),
      el("ul", {}, x.notes.map((r) => el("li", {}, r.text, " ", el("span", { class: "cite" }, r.citation))))) : null));
}

function checkBody(f) {
  const body = { item: f.get("item"), to: f.get("to") };
  if (f.get("as_of")) body.as_of = f.get("as_of");
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
  body.record = f.get("record") === "on";
  return body;
}

async function check(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const out = $("#check-result");
  out.replaceChildren(el("p", {}, "checking…"));
  try {
    const d = await api("POST", "/check", checkBody(f));
    const head = el("p", { class: "overall " + d.overall }, "overall: ", el("strong", { id: "overall" }, d.overall),
      " · " + d.item.name + " to " + d.destination.code + " as of " + d.as_of + (d.record ? " · recorded as " + d.record : ""));
    const hits = d.party_hits && d.party_hits.length
      ? el("ul", { class: "hits" }, d.party_hits.map((h) => el("li", {}, h.role + " " + JSON.stringify(h.party) + " on " + h.list + " (" + h.entry_name + ", score " + fmt(h.score) + ")")))
      : null;
    out.replaceChildren(...[...warnings(d), head, hits, ...determinations(d)].filter(Boolean));
    chart(d.item, d.as_of);
  } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
}

// What an answer must be read with (e.g. screened against the demo list).
function warnings(r) {
  return (r.warnings || []).map((w) => el("p", { class: "warning" }, "warning: " + w));
}

async function classifyOnly() {
  const f = new FormData($("#check-form"));
  const out = $("#check-result");
  try {
    const d = await api("POST", "/classify", { item: f.get("item"), as_of: f.get("as_of") || null });
    out.replaceChildren(el("p", {}, d.item.name + " as of " + d.as_of), ...determinations(d));
    chart(d.item, d.as_of);
  } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
}

// Threshold boxes "tpp >= a && pd >= b" (with optional upper bounds) read
// from the rules' CEL conditions.
function thresholds(rule) {
  const w = rule.when || "";
  const lo = (v) => { const m = w.match(new RegExp(v + "\\s*>=\\s*([0-9.]+)")); return m ? Number(m[1]) : null; };
  const hi = (v) => { const m = w.match(new RegExp(v + "\\s*<\\s*([0-9.]+)")); return m ? Number(m[1]) : null; };
  const t = { tppLo: lo("tpp"), tppHi: hi("tpp"), pdLo: lo("pd"), pdHi: hi("pd") };
  return t.tppLo !== null && t.tppLo > 0 ? t : null;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

let charted = null;
const versionDates = new Set();

async function chart(item, asOf) {
  charted = item;
  $("#chart-date").value = asOf;
  const box = $("#chart-box");
  const m = item.metrics || {};
  if (!m.tpp) { box.hidden = true; return; }
  let rules;
  try { rules = await api("GET", "/rules?as_of=" + encodeURIComponent(asOf)); } catch (_) { box.hidden = true; return; }
  const boxes = rules.rules.filter((r) => r.kind === "classification" || r.control).map((r) => ({ r, t: thresholds(r) })).filter((x) => x.t);
  const W = 640, H = 360, P = 48;
  const x = (v) => P + (Math.log10(Math.max(v, 10)) - 1) / 5 * (W - 2 * P);       // TPP 10 … 1e6
  const y = (v) => H - P - (Math.log10(Math.max(v, 0.01)) + 2) / 4 * (H - 2 * P);  // PD 0.01 … 100
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "TPP and performance density against thresholds", id: "chart-svg" });
  s.append(svg("rect", { x: P, y: P, width: W - 2 * P, height: H - 2 * P, class: "plot" }));
  for (const v of [100, 1000, 4800, 10000, 100000]) {
    s.append(svg("line", { x1: x(v), x2: x(v), y1: P, y2: H - P, class: "grid" }));
    s.append(svg("text", { x: x(v), y: H - P + 16, class: "tick" }, fmt(v)));
  }
  for (const v of [0.1, 1, 1.6, 5.92, 10]) {
    s.append(svg("line", { x1: P, x2: W - P, y1: y(v), y2: y(v), class: "grid" }));
    s.append(svg("text", { x: P - 6, y: y(v) + 4, class: "tick end" }, fmt(v)));
  }
  s.append(svg("text", { x: W / 2, y: H - 8, class: "axis" }, "TPP (total processing performance)"));
  s.append(svg("text", { x: 12, y: H / 2, class: "axis", transform: `rotate(-90 12 ${H / 2})` }, "performance density"));
  const legend = el("ol", { class: "legend" });
  boxes.forEach(({ r, t }, i) => {
    const x0 = x(t.tppLo), x1 = t.tppHi ? x(t.tppHi) : W - P;
    const y0 = t.pdHi ? y(t.pdHi) : P, y1 = t.pdLo ? y(t.pdLo) : H - P;
    const inForce = r.status === "in_force";
    const g = svg("g", { class: "threshold " + (inForce ? "in-force" : "other") });
    g.append(svg("rect", { x: x0, y: y0, width: Math.max(x1 - x0, 1), height: Math.max(y1 - y0, 1) }));
    // A number in the box's lower left corner, explained in the legend.
    g.append(svg("text", { x: x0 + 3, y: y1 - 4 - (i % 3) * 11, class: "tag" }, String(i + 1)));
    g.append(svg("title", {}, r.title + " — " + r.when + " — " + r.citation));
    s.append(g);
    legend.append(el("li", { class: inForce ? "" : "muted" },
      (r.paragraph || r.control || r.id) + " (" + r.jurisdiction + ", from " + r.effective_from + (inForce ? "" : ", " + r.status.replace(/_/g, " ")) + "): " + r.when));
  });
  const dot = svg("g", { class: "item" });
  const cx = x(m.tpp), cy = y(m.pd || 0.01);
  dot.append(svg("circle", { cx, cy, r: 6 }));
  const label = item.name + " (TPP " + fmt(m.tpp) + ", PD " + fmt(m.pd) + ")";
  // About 6.5 px a character at 11 px: put the label where it fits.
  const right = cx + 10 + label.length * 6.5 < W;
  dot.append(svg("text", { x: right ? cx + 10 : cx - 10, y: cy + 18, class: "label item-label" + (right ? "" : " end") }, label));
  s.append(dot);
  $("#chart").replaceChildren(s, legend);
  // The dates the thresholds change, and the day before each: one click
  // shows each rule version, and walking back finds the earlier ones.
  for (const { r } of boxes) {
    if (r.effective_from) {
      versionDates.add(r.effective_from);
      const before = new Date(r.effective_from + "T00:00:00Z");
      before.setUTCDate(before.getUTCDate() - 1);
      versionDates.add(before.toISOString().slice(0, 10));
    }
    if (r.effective_to) versionDates.add(r.effective_to);
  }
  $("#chart-versions").replaceChildren(...[...versionDates].sort().map((d) =>
    el("button", { type: "button", class: "small" + (d === asOf ? " current" : ""), onclick: () => chart(charted, d) }, d)));
  box.hidden = false;
}

// ----- other sections ----------------------------------------------------------

async function compare(ev) {
  ev.preventDefault();
  const items = new FormData(ev.target).get("items").split(",").map((s) => s.trim()).filter(Boolean);
  const out = $("#compare-result");
  try {
    const rows = await api("POST", "/compare", { items });
    out.replaceChildren(table(["item", "TPP", "PD", "INT8 TOPS", "TPP ratio", "controls"],
      rows.map((r) => [r.item.name, fmt(r.item.metrics.tpp), fmt(r.item.metrics.pd), fmt(r.item.metrics.int8_tops),
        fmt(r.ratios_to_first.tpp, 2) + "×", r.controls.map((c) => c.jurisdiction + ": " + (c.controls.join(", ") || "–")).join("; ")])));
  } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
}

async function loadDispositions() {
  const out = $("#dispositions-result");
  try {
    const all = await api("GET", "/dispositions");
    out.replaceChildren(all.length ? table(["party", "list", "entry", "verdict", "reason", "active", "by", "at"],
      all.map((d) => [d.party, d.list, d.entry_id, d.verdict, d.reason, d.active ? "yes" : "re-raised", d.actor, d.recorded_at]))
      : el("p", {}, "no dispositions yet"));
  } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
}

async function loadLicences() {
  const out = $("#licences-result");
  try {
    const all = await api("GET", "/licences");
    out.replaceChildren(all.length ? table(["licence", "holder", "valid", "items / controls", "destinations", "used", "balance"],
      all.map((l) => {
        const lic = l.licence;
        const bar = lic.quantity ? el("meter", { min: 0, max: lic.quantity, value: lic.quantity - l.drawn.quantity, title: (lic.quantity - l.drawn.quantity) + " of " + lic.quantity + " left" }) : null;
        return [lic.jurisdiction + ":" + lic.number, lic.holder, lic.valid_from + " → " + lic.valid_to,
          [...lic.items, ...lic.controls].join(", "), lic.destinations.join(", "), fmt(l.drawn.quantity),
          el("span", {}, bar, " ", lic.quantity ? fmt(lic.quantity - l.drawn.quantity) + " units" : "", lic.value ? " " + fmt(lic.value - l.drawn.value) + " " + lic.currency : "")];
      })) : el("p", {}, "no licences on file"));
  } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
}

async function addLicence(ev) {
  ev.preventDefault();
  let body;
  try { body = JSON.parse(new FormData(ev.target).get("licence")); } catch (e) { status("not JSON: " + e.message, "error"); return; }
  try {
    const r = await api("POST", "/licences", body);
    status("registered licence " + r.licence.number + " (record " + r.id + ")", "ok");
    loadLicences();
  } catch (e) { status(e.message, "error"); }
}

async function history(ev) {
  if (ev) ev.preventDefault();
  const f = new FormData($("#history-form"));
  const q = new URLSearchParams();
  for (const [k, v] of f.entries()) if (v) q.set(k, v);
  const out = $("#history-result");
  try {
    const rows = await api("GET", "/history?" + q.toString());
    out.replaceChildren(rows.length ? table(["id", "recorded", "kind", "subject", "to", "outcome", "as of", "parties", "by"],
      rows.map((r) => [r.id, r.recorded_at, r.kind, r.subject, r.destination || "–", r.outcome, r.as_of, r.parties.join("; "), r.actor]))
      : el("p", {}, "nothing recorded matches"));
  } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
}

async function verify() {
  const out = $("#audit-result");
  out.replaceChildren(el("p", {}, "verifying…"));
  try {
    const r = await api("GET", "/audit/verify");
    out.replaceChildren(...[
      el("p", { class: r.ok ? "ok" : "error", id: "verify-verdict" }, r.ok ? "the trail verifies" : r.problem_count + " problem(s)"),
      el("p", {}, r.entries + " entries, " + r.records + " records, keys " + r.keys.join(", ") + ", head " + r.head),
      r.problems.length ? table(["entry", "table", "record", "problem"], r.problems.map((p) => [p.seq ?? "–", p.table ?? "–", p.record_id ?? "–", p.problem])) : null,
    ].filter(Boolean));
  } catch (e) { out.replaceChildren(el("p", { class: "error" }, e.message)); }
}

/// The closed sets of the vocabulary, as the only choices the form offers.
async function loadVocabulary() {
  try {
    const facts = await api("GET", "/vocabulary");
    const values = (name) => (facts.find((p) => p.name === name) || {}).values || [];
    $("#end-use").replaceChildren(el("option", { value: "" }, "(not stated)"),
      ...values("end_use").map((v) => el("option", { value: v }, v)));
    $("#red-flags").replaceChildren(...values("red_flags").map((v) => el("option", { value: v }, v)));
  } catch (_) { /* the server refuses what it does not know either way */ }
}

async function loadCatalog() {
  try {
    const items = await api("GET", "/catalog");
    $("#items").replaceChildren(...items.map((i) => el("option", { value: i.id }, i.name)));
  } catch (_) { /* the datalist is a convenience */ }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#signin").addEventListener("submit", (e) => { e.preventDefault(); signIn($("#key").value); });
  $("#signout").addEventListener("click", () => {
    sessionStorage.removeItem("exctl-key");
    state.key = ""; state.role = null;
    $("#who").textContent = ""; $("#signout").hidden = true; $("#key").value = "";
    applyRoles();
  });
  document.querySelectorAll("[role=tab]").forEach((t) => t.addEventListener("click", () => showTab(t.dataset.tab)));
  $("#screen-form").addEventListener("submit", screen);
  $("#check-form").addEventListener("submit", check);
  $("#classify-btn").addEventListener("click", classifyOnly);
  $("#compare-form").addEventListener("submit", compare);
  $("#dispositions-load").addEventListener("click", loadDispositions);
  $("#licences-load").addEventListener("click", loadLicences);
  $("#licence-form").addEventListener("submit", addLicence);
  $("#history-form").addEventListener("submit", history);
  $("#verify-btn").addEventListener("click", verify);
  $("#chart-date").addEventListener("change", (e) => { if (charted && e.target.value) chart(charted, e.target.value); });
  document.addEventListener("keydown", (e) => {
    const tabs = ["screen", "check", "compare", "dispositions", "licences", "history", "audit"];
    if (e.altKey && e.key >= "1" && e.key <= "7") { e.preventDefault(); showTab(tabs[Number(e.key) - 1]); }
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (e.key === "/" && !typing) {
      e.preventDefault();
      const panel = document.querySelector("[role=tabpanel]:not([hidden]) input");
      if (panel) panel.focus();
    }
  });
  applyRoles();
  if (state.key) { $("#key").value = state.key; signIn(state.key); }
});
