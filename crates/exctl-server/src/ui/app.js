// exctl web UI: the shell (sign-in, sections, keys) over one module per
// view. No framework and no build step: the browser loads these modules.
import { $, el, state, call, status, applyRoles } from "./lib.js";
import * as screen from "./views/screen.js";
import * as check from "./views/check.js";
import * as chart from "./views/chart.js";
import * as records from "./views/records.js";
import * as cases from "./views/cases.js";
import * as products from "./views/products.js";
import * as owners from "./views/owners.js";

const TABS = ["screen", "check", "compare", "dispositions", "licences", "history", "audit", "products", "owners"];

async function signIn(key) {
  state.key = key.trim();
  try {
    const me = await call("GET", "/whoami");
    state.role = me.role;
    state.name = me.name;
    sessionStorage.setItem("exctl-key", state.key);
    $("#who").textContent = "signed in: " + me.name + " (" + me.role + ")";
    $("#who").dataset.role = me.role;
    $("#signout").hidden = false;
    status("");
    check.loadCatalog();
    check.loadVocabulary();
    loadLists();
  } catch (e) {
    state.role = null;
    $("#who").textContent = "";
    status("sign-in failed: " + e.message, "error");
  }
  applyRoles();
}

/// The lists every screen and check is answered from, always in view; a
/// banner while the bundled demo list stands in for real ones.
async function loadLists() {
  const box = $("#lists-in-use");
  try {
    const l = await call("GET", "/lists");
    const sources = l.sources.map((x) => x.file + " (" + x.entries.toLocaleString("en") + " entries" + (x.date ? ", " + x.date : "") + ")");
    // replaceChildren would write a null as the text "null": leave it out.
    box.replaceChildren(...[
      l.demo ? el("p", { class: "banner", id: "demo-banner" }, "Demo list in use: screening answers are not about real listed parties. An administrator configures the official lists (exctl lists fetch, or serve --list).") : null,
      el("p", { class: "lists" }, "Screening against " + l.entries.toLocaleString("en") + " entries: " + sources.join("; ") +
        " · version " + l.version + " · loaded " + l.loaded_at)].filter(Boolean));
  } catch (e) { box.replaceChildren(el("p", { class: "error" }, "lists in use unknown: " + e.message)); }
  loadRefreshes();
}

/// The last fetch of the official lists: what each file changed, what failed.
async function loadRefreshes() {
  const box = $("#lists-refreshes");
  try {
    const all = await call("GET", "/lists/refreshes");
    if (!all.length) { box.replaceChildren(); return; }
    const last = all[0];
    const files = last.files.map((f) => el("li", {}, f.file + " (" + f.source + "): " +
      (f.unchanged ? "unchanged" : "+" + f.added + " −" + f.removed + " ~" + f.changed) +
      ", " + f.entries.toLocaleString("en") + " entries" + (f.published ? ", published " + f.published : ""),
      f.examples.length ? el("ul", {}, f.examples.slice(0, 10).map((x) => el("li", {}, x))) : null));
    const failed = last.failed.map((f) => el("li", { class: "error" }, "failed: " + f));
    box.replaceChildren(el("details", { id: "last-fetch" },
      el("summary", {}, "Last fetch of the official lists: " + last.recorded_at + " by " + last.actor +
        (last.changed === "yes" ? " — lists changed, stored parties rescreened" : " — nothing changed") +
        (last.failed.length ? " — " + last.failed.length + " file(s) failed" : "")),
      el("ul", {}, files, failed)));
  } catch (e) { box.replaceChildren(el("p", { class: "error" }, "list fetches unknown: " + e.message)); }
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
  status("");
  if (name === "dispositions") cases.loadCases();
  if (name === "products") products.loadProducts();
}

function start() {
  $("#signin").addEventListener("submit", (e) => { e.preventDefault(); signIn($("#key").value); });
  $("#signout").addEventListener("click", () => {
    sessionStorage.removeItem("exctl-key");
    state.key = ""; state.role = null;
    $("#who").textContent = ""; $("#signout").hidden = true; $("#key").value = "";
    $("#lists-in-use").replaceChildren();
    $("#lists-refreshes").replaceChildren();
    // Nothing the last person saw stays on screen.
    document.querySelectorAll("[id$=-result], #owners-result, #product-detail, #case-detail, #changes").forEach((e) => e.replaceChildren());
    status("");
    applyRoles();
  });
  document.querySelectorAll("[role=tab]").forEach((t) => t.addEventListener("click", () => showTab(t.dataset.tab)));
  screen.init();
  check.init();
  chart.init();
  records.init();
  cases.init();
  products.init();
  owners.init();
  document.addEventListener("keydown", (e) => {
    if (e.altKey && e.key >= "1" && e.key <= String(TABS.length)) { e.preventDefault(); showTab(TABS[Number(e.key) - 1]); }
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (e.key === "/" && !typing) {
      e.preventDefault();
      const panel = document.querySelector("[role=tabpanel]:not([hidden]) input");
      if (panel) panel.focus();
    }
  });
  applyRoles();
  if (state.key) { $("#key").value = state.key; signIn(state.key); }
}

// Modules run after the document is parsed.
start();
