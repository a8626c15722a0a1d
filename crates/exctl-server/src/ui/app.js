// exctl web UI: the shell (sign-in, sections, keys) over one module per
// view. No framework and no build step: the browser loads these modules.
import { $, state, call, status, applyRoles } from "./lib.js";
import * as screen from "./views/screen.js";
import * as check from "./views/check.js";
import * as chart from "./views/chart.js";
import * as records from "./views/records.js";

const TABS = ["screen", "check", "compare", "dispositions", "licences", "history", "audit"];

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

function start() {
  $("#signin").addEventListener("submit", (e) => { e.preventDefault(); signIn($("#key").value); });
  $("#signout").addEventListener("click", () => {
    sessionStorage.removeItem("exctl-key");
    state.key = ""; state.role = null;
    $("#who").textContent = ""; $("#signout").hidden = true; $("#key").value = "";
    applyRoles();
  });
  document.querySelectorAll("[role=tab]").forEach((t) => t.addEventListener("click", () => showTab(t.dataset.tab)));
  screen.init();
  check.init();
  chart.init();
  records.init();
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
