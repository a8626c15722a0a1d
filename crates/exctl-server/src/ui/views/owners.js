// Owners: a party's holders up every chain, the list hits on them, and what
// each pack's 50 % rules make of the party, with the ownership paths as a
// tree (each owner under the holding it explains).
import { $, el, call, table, failed, isoDate, applyRoles } from "../lib.js";

const VERDICT = {
  caught: "treated as listed",
  undetermined: "undetermined: shares not stated",
  below: "below the threshold (a red flag)",
};

function share(link) {
  if (link.kind === "owns") return link.share + " %";
  if (link.kind === "controls") return "control";
  return "an unstated share";
}

/// One holding and, under it, the holdings that make its owner count.
function holdingTree(h, listed) {
  const why = h.because.length ? null : el("span", { class: "badge" }, listed(h.owner_name));
  return el("li", {}, share(h.link) + " by ", el("strong", {}, h.owner_name), " ", why,
    h.because.length ? el("ul", {}, h.because.map((b) => holdingTree(b, listed))) : null);
}

async function show(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const out = $("#owners-result");
  let asOf;
  try { asOf = isoDate(f.get("as_of"), "as of"); } catch (e) { failed(out, e); return; }
  const party = String(f.get("party") || "").trim();
  if (!party) { failed(out, new Error("party: the name is empty")); return; }
  out.replaceChildren(el("p", {}, "reading the ownership records…"));
  try {
    const r = await call("GET", "/owners/" + encodeURIComponent(party) + (asOf ? "?as_of=" + asOf : ""));
    const hitsOf = new Map(r.owners.map((o) => [o.name, o.hits]));
    const listed = (name) => (hitsOf.get(name) || []).map((h) => h.split(" ")[0]).join(", ") || "listed";
    const findings = r.findings.map((x) => el("div", { class: "finding " + x.verdict },
      el("p", { class: "outcome" }, x.jurisdiction.toUpperCase() + " · " + x.rule_name + ": " + (VERDICT[x.verdict] || x.verdict) + (x.status ? " (" + x.status + ")" : "")),
      el("p", {}, x.text),
      el("ul", { class: "paths" }, x.holdings.map((h) => holdingTree(h, listed))),
      el("p", { class: "cite" }, x.citation)));
    out.replaceChildren(...[
      el("h3", {}, r.party + " as of " + r.as_of),
      (r.listed || []).length ? el("p", { class: "hit" }, "The party itself matches: " + r.listed.join("; ")) : null,
      findings.length ? el("div", {}, findings) : el("p", { class: "clear" }, "No listed owner under any pack's ownership rules."),
      el("h4", {}, "Owners up the chains"),
      r.owners.length ? table(["Owner", "Country", "List hits"], r.owners.map((o) => [o.name, o.country || "", o.hits.join("; ") || "none"])) : el("p", {}, "none on record"),
      el("h4", {}, "Holdings in force"),
      table(["Owner", "Holds", "Of", "Source"], r.links.map((l) => [l.owner, l.holding, l.owned, l.source])),
      el("p", { class: "hint" }, "Owners screened against list version " + r.lists + ".")].filter(Boolean));
  } catch (e) { failed(out, e); }
}

async function importFile(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const out = $("#owners-import-result");
  const file = f.get("file");
  if (!file || !file.name) { failed(out, new Error("file: choose a file")); return; }
  const body = { file_name: file.name, content: await file.text() };
  const source = String(f.get("source") || "").trim();
  if (source) body.source = source;
  if (f.get("replace")) body.replace = true;
  if (f.get("format")) body.format = f.get("format");
  out.replaceChildren(el("p", {}, "importing…"));
  try {
    const r = await call("POST", "/owners", body);
    const i = r.import;
    out.replaceChildren(el("p", { class: "clear" },
      "Recorded as import " + i.id + " of " + i.source + ": " + i.entities + " entities, " + i.links + " holdings" +
      (r.previous ? "; since import " + r.previous + ": " + r.added + " added, " + r.removed + " removed, " + r.changed + " changed" : "; the source's first import")),
      el("ul", {}, r.changes.map((c) => el("li", {}, c))));
  } catch (e) { failed(out, e); }
  applyRoles();
}

export function init() {
  $("#owners-form").addEventListener("submit", show);
  $("#owners-import").addEventListener("submit", importFile);
}
