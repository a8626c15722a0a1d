// Shared pieces of the web UI: the API client, the signed-in state and DOM
// helpers. Every value from the server is inserted as text, never as HTML.

export const state = { key: sessionStorage.getItem("exctl-key") || "", role: null, name: null };
const ROLES = ["viewer", "officer", "admin"];

export const $ = (sel, root = document) => root.querySelector(sel);

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function status(text, kind = "") {
  const s = $("#status");
  s.textContent = text;
  s.className = kind;
}

export async function api(method, path, body) {
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
  return { data, headers: r.headers };
}

/// The body of a successful call.
export async function call(method, path, body) {
  return (await api(method, path, body)).data;
}

export function can(role) {
  return state.role && ROLES.indexOf(state.role) >= ROLES.indexOf(role);
}

/// Disables (or hides) what the signed-in role may not use.
export function applyRoles() {
  document.querySelectorAll("[data-role]").forEach((e) => {
    const ok = can(e.dataset.role);
    if (e.tagName === "DETAILS") e.hidden = !ok;
    else e.disabled = !ok;
    if (!ok) e.title = "needs the " + e.dataset.role + " role";
  });
}

export function fmt(n, digits = 3) {
  if (n === null || n === undefined) return "–";
  if (Math.abs(n) >= 1e6) return n.toExponential(2);
  return Number(n.toPrecision(digits)).toLocaleString("en");
}

export function table(headers, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c))))));
}

/// An error in place of a section's result.
export function failed(out, e) {
  out.replaceChildren(el("p", { class: "error" }, e.message));
}

/// What an answer must be read with (e.g. screened against the demo list).
export function warnings(r) {
  return (r.warnings || []).map((w) => el("p", { class: "warning" }, "warning: " + w));
}

/// Fetches a report with the key and saves it as `filename`: a file the
/// user opens or prints, never HTML put into this page.
export async function download(path, filename) {
  const r = await fetch("/api/v1" + path, { headers: { "Authorization": "Bearer " + state.key } });
  if (!r.ok) {
    let msg = r.statusText;
    try { msg = (await r.json()).error || msg; } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/// A date field's value, ISO (YYYY-MM-DD) or empty; anything else throws
/// with the field's name, before the server is asked.
export function isoDate(value, field) {
  const v = (value || "").trim();
  if (v && !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new Error(field + ": " + JSON.stringify(v) + " is not a date as YYYY-MM-DD");
  return v;
}
