// Own products: the product master. Each save is a new version with its
// reason; a check names a product as it names a catalog item. The form
// writes an item definition (the item file schema) that the server
// checks; kinds other than integrated circuits are written as JSON.
import { $, el, call, fmt, table, status, failed, applyRoles } from "../lib.js";
import { loadCatalog } from "./check.js";

const PRECISIONS = ["fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp6", "fp4", "int4"];
const NUMBERS = ["die_area_mm2", "io_bandwidth_gbps", "memory_bandwidth_gbps"];
const TEXTS = ["name", "vendor", "family", "origin", "release_date", "notes"];

/// A typed figure; one too large for a number is said, never dropped.
function finite(field, text) {
  const n = Number(text);
  if (!Number.isFinite(n)) throw new Error(field + ": " + JSON.stringify(text) + " is not a finite number");
  return n;
}

/// The definition the form's fields describe, over what the JSON box held
/// (so fields the form does not show are kept).
function fromFields(base) {
  const f = $("#product-form");
  const def = Object.assign({}, base);
  def.kind = f.elements.kind.value;
  for (const k of TEXTS) {
    const v = f.elements[k].value.trim();
    if (v) def[k] = v; else delete def[k];
  }
  if (def.kind === "ic") {
    for (const k of NUMBERS) {
      const v = f.elements[k].value.trim();
      if (v !== "") def[k] = finite(k, v); else delete def[k];
    }
    const dc = f.elements.datacenter.value;
    if (dc === "") delete def.datacenter; else def.datacenter = dc === "yes";
    const t = {};
    for (const p of PRECISIONS) {
      const v = f.elements["tp-" + p].value.trim();
      if (v !== "") t[p] = finite(p, v);
    }
    if (Object.keys(t).length) def.throughput = t; else delete def.throughput;
  }
  return def;
}

function toFields(def) {
  fillFields(def);
  $("#product-json").value = JSON.stringify(def, null, 2);
}

/// The fields from a definition, the JSON box left as it is.
function fillFields(def) {
  const f = $("#product-form");
  const kind = def.kind || "ic";
  // A kind declared by the packs (quantum-computer…) is offered as it is.
  if (![...f.elements.kind.options].some((o) => o.value === kind)) f.elements.kind.append(el("option", { value: kind }, kind));
  f.elements.kind.value = kind;
  for (const k of TEXTS) f.elements[k].value = def[k] == null ? "" : String(def[k]);
  for (const k of NUMBERS) f.elements[k].value = def[k] == null ? "" : String(def[k]);
  f.elements.datacenter.value = def.datacenter == null ? "" : def.datacenter ? "yes" : "no";
  // "FP16" and "fp16" are one precision, as the server reads them.
  const tp = Object.fromEntries(Object.entries(def.throughput || {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const p of PRECISIONS) {
    const v = tp[p];
    f.elements["tp-" + p].value = v == null ? "" : String(v);
  }
  showKind();
}

function showKind() {
  $("#product-ic").hidden = $("#product-form").elements.kind.value !== "ic";
}

/// The JSON box follows the fields; what is typed in the box is what is saved.
function syncJson() {
  let base = {};
  // A box that does not parse is left as it is: rebuilding it from the
  // fields alone would drop what only the box held (ic, params…).
  try { base = JSON.parse($("#product-json").value || "{}"); } catch (e) {
    status("the definition box is not JSON (" + e.message + "): fix it before changing the fields", "error");
    return;
  }
  try {
    $("#product-json").value = JSON.stringify(fromFields(base), null, 2);
  } catch (e) { status(e.message, "error"); }
}

/// Folded as the server folds product names.
const fold = (name) => String(name || "").normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");

async function save(ev) {
  ev.preventDefault();
  let definition;
  try { definition = JSON.parse($("#product-json").value); } catch (e) { status("definition: not JSON: " + e.message, "error"); return; }
  const reason = $("#product-form").elements.reason.value.trim();
  const body = { definition };
  if (reason) body.reason = reason;
  // An edit names the version it started from: a change saved since by
  // someone else is refused, not replaced.
  // A new product is based on version 0: one of that name already on
  // record is refused, never overwritten by a blank form.
  const base = $("#product-form").dataset;
  body.based_on = base.editing && fold(base.editing) === fold(definition.name) ? Number(base.version) : 0;
  try {
    const p = await call("POST", "/products", body);
    say(p.created ? "saved " + p.name + " as version " + p.version : p.name + " unchanged: still version " + p.version, "ok");
    Object.assign($("#product-form").dataset, { editing: p.name, version: String(p.version) });
    $("#product-form").elements.reason.value = "";
    await loadProducts();
    showProduct(p.name);
    loadCatalog();
  } catch (e) { say(e.message, "error"); }
}

/// Said at the top and beside the Save button, where the eye is.
function say(text, kind) {
  status(text, kind);
  const s = $("#product-status");
  s.textContent = text;
  s.className = kind;
}

export async function loadProducts() {
  const out = $("#products-result");
  try {
    const all = await call("GET", "/products");
    out.replaceChildren(all.length ? table(["product", "version", "status", "kind", "TPP", "PD", "changed", "by", ""],
      all.map((p) => [p.name, String(p.version), p.status, p.kind || "?", fmt((p.metrics || {}).tpp, 6), fmt((p.metrics || {}).pd, 4),
        (p.recorded_at || "").slice(0, 10), p.actor,
        el("button", { type: "button", class: "small", "data-product": p.name, onclick: () => showProduct(p.name) }, "Open")]))
      : el("p", {}, "no products yet: describe one below"));
  } catch (e) { failed(out, e); }
}

/// A product: the version shown, its figures and definition, and every
/// version with who made it and why.
async function showProduct(name, version) {
  const out = $("#product-detail");
  try {
    const ref = version ? name + "@" + version : name;
    const p = await call("GET", "/products/" + encodeURIComponent(ref));
    const m = p.metrics || {};
    const retire = el("form", { class: "row case-action", id: "retire-form" },
      el("label", {}, "Why retire it ", el("input", { name: "reason", required: true, size: 30 })),
      el("button", { type: "submit", "data-role": "officer" }, "Retire the product"));
    retire.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const r = await call("POST", "/products/" + encodeURIComponent(p.name) + "/retire", { reason: new FormData(retire).get("reason") });
        status("retired " + r.name + " (version " + r.version + ")", "ok");
        await loadProducts();
        showProduct(p.name);
        loadCatalog();
      } catch (e) { status(e.message, "error"); }
    });
    out.replaceChildren(el("section", { class: "case", id: "product-shown" },
      el("h3", {}, p.name + " — version " + p.version + " (" + (p.version !== p.current_version ? "an earlier version; the current one is " + p.current_version : p.status) + ")"),
      el("p", {}, "TPP " + fmt(m.tpp, 6) + " · PD " + fmt(m.pd, 4) + " · " + fmt(m.h100_equivalents) + " H100-equivalents"),
      p.problem ? el("p", { class: "error" }, p.problem) : null,
      el("p", { class: "cite" }, "sha256 " + p.sha256 + " — a decision made with this version names it"),
      el("pre", { class: "definition" }, JSON.stringify(p.definition, null, 2)),
      el("div", { class: "row" },
        p.status === "active" ? el("button", { type: "button", id: "product-check", onclick: () => checkIt(p.name + "@" + p.version) }, "Check this version") : null,
        el("button", { type: "button", id: "product-edit", "data-role": "officer", onclick: () => {
          toFields(p.definition);
          // Based on the version shown: an earlier one is refused at save,
          // so a later change is never undone unseen.
          Object.assign($("#product-form").dataset, { editing: p.name, version: String(p.version) });
          $("#product-form").elements.reason.focus();
        } }, "Edit as a new version")),
      // Retiring is of the product, whichever version is shown.
      p.versions[p.versions.length - 1].status === "active" ? retire : null,
      el("h4", {}, "Versions"),
      table(["version", "status", "recorded", "by", "reason", ""], p.versions.map((v) => [String(v.version),
        v.status === "active" && !v.current ? "earlier version" : v.status, v.recorded_at, v.actor, v.reason,
        el("button", { type: "button", class: "small", onclick: () => showProduct(p.name, v.version) }, "Show")]))));
    applyRoles();
  } catch (e) { failed(out, e); }
}

function checkIt(ref) {
  $("#check-item").value = ref;
  document.querySelector("[data-tab=check]").click();
  $("#check-item").focus();
}

export function init() {
  const f = $("#product-form");
  f.addEventListener("submit", save);
  const follow = (ev) => { if (ev.target.id !== "product-json" && ev.target.name !== "reason") syncJson(); };
  f.addEventListener("input", follow);
  f.addEventListener("change", follow);
  f.elements.kind.addEventListener("change", () => { showKind(); syncJson(); });
  // What is typed in the box shows in the fields, so typing in a field
  // next keeps it.
  $("#product-json").addEventListener("input", () => {
    let def;
    try { def = JSON.parse($("#product-json").value); } catch (_) { return; }
    if (def && typeof def === "object" && !Array.isArray(def)) fillFields(def);
  });
  $("#products-load").addEventListener("click", loadProducts);
  const tps = $("#product-throughput");
  tps.replaceChildren(...PRECISIONS.map((p) => el("label", {}, p.toUpperCase(), el("input", { name: "tp-" + p, type: "number", min: 0, step: "any", size: 7 }))));
  syncJson();
}
