// Screen a party: matches with how each was made and what a hit means; a
// recorded hit is worked as a case.
import { $, el, call, fmt, status, applyRoles, warnings, failed } from "../lib.js";
import { caseOfHit } from "./cases.js";

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

/// A recorded hit is a case: it is cleared there, with a second officer's approval.
async function workCase(query, m) {
  try { await caseOfHit(query, m); } catch (e) { status(e.message, "error"); }
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
    const r = await call("POST", "/screen", body);
    const head = el("p", { class: r.matches.length ? "hit" : "clear" },
      r.matches.length ? r.matches.length + " possible match(es)" : "no match at or above the threshold",
      " · list version " + r.list_version.hash + (r.record ? " · recorded as " + r.record : ""));
    const items = r.matches.map((m) => {
      const li = el("li", { class: "match" },
        el("strong", {}, m.name), " ", el("span", { class: "badge", title: m.list_name }, m.list), " ", el("span", { class: "list-name" }, m.list_name),
        " score ", el("b", {}, fmt(m.score)),
        el("div", { class: "why" }, explainMatch(m)),
        el("ul", { class: "effects" }, (m.effects || []).length
          ? m.effects.map((x) => el("li", { class: "effect " + x.outcome }, x.jurisdiction.toUpperCase() + ": " + x.outcome.replace(/_/g, " ") + " — " + x.list + ": " + x.text + " ", el("span", { class: "cite" }, x.citation)))
          : el("li", { class: "effect" }, "no rule pack gives this list a legal effect")),
        m.license_requirement ? el("div", {}, "licence requirement: " + m.license_requirement) : null,
        m.license_policy ? el("div", {}, "policy: " + m.license_policy) : null,
        m.federal_register_notice ? el("div", { class: "cite" }, m.federal_register_notice) : null);
      if (r.record) li.append(el("button", { type: "button", class: "work-case", onclick: () => workCase(r.query, m) }, "Work the case"));
      return li;
    });
    // Where the ownership records know the party: what the 50 % rules make of it.
    const owned = (r.ownership || []).map((x) => el("p", { class: "finding " + x.verdict },
      x.jurisdiction.toUpperCase() + " · " + x.rule_name + ": " + x.text + " ", el("span", { class: "cite" }, x.citation)));
    out.replaceChildren(...warnings(r), head, el("ol", { class: "matches" }, items), ...owned);
    applyRoles();
  } catch (e) { failed(out, e); }
}

export function init() {
  $("#screen-form").addEventListener("submit", screen);
}
