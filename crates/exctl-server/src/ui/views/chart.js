// The item against the thresholds of the rules in force on a date: TPP and
// performance density, log scales, one click to each rule version.
import { $, el, call, fmt } from "../lib.js";

// The boxes a rule declares (its `thresholds`, each bound one of its
// condition's comparisons), as TPP and PD ranges for the chart, with the
// bounds in words for the legend.
function boxesOf(rule) {
  return (rule.thresholds || []).map((bounds) => {
    const of = (p) => bounds.find((b) => b.parameter === p) || {};
    const t = { tppLo: of("tpp").min ?? null, tppHi: of("tpp").max ?? null, pdLo: of("pd").min ?? null, pdHi: of("pd").max ?? null };
    const words = bounds.map((b) => [b.min != null ? b.label + " ≥ " + fmtFull(b.min) : null, b.max != null ? b.label + " < " + fmtFull(b.max) : null]
      .filter(Boolean).join(" and ") + (b.unit ? " " + b.unit : "")).join("; ");
    return { t, words };
  }).filter((x) => x.t.tppLo !== null || x.t.tppHi !== null || x.t.pdLo !== null || x.t.pdHi !== null)
    // A box without a lower TPP bound starts at the axis.
    .map((x) => ({ ...x, t: { ...x.t, tppLo: x.t.tppLo && x.t.tppLo > 0 ? x.t.tppLo : 10 } }));
}

/// A threshold as written, not rounded: "4,800", "5.92"; "–" when unknown.
function fmtFull(n, digits = 6) {
  return n === null || n === undefined ? "–" : Number(n).toLocaleString("en", { maximumFractionDigits: digits });
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

export async function chart(item, asOf) {
  charted = item;
  $("#chart-date").value = asOf;
  const box = $("#chart-box");
  const m = item.metrics || {};
  if (!m.tpp) { box.hidden = true; return; }
  let rules;
  try { rules = await call("GET", "/rules?as_of=" + encodeURIComponent(asOf)); } catch (_) { box.hidden = true; return; }
  const boxes = rules.rules.filter((r) => r.kind === "classification" || r.control).flatMap((r) => boxesOf(r).map((b) => ({ r, t: b.t, words: b.words })));
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
  boxes.forEach(({ r, t, words }, i) => {
    const x0 = x(t.tppLo), x1 = t.tppHi ? x(t.tppHi) : W - P;
    const y0 = t.pdHi ? y(t.pdHi) : P, y1 = t.pdLo ? y(t.pdLo) : H - P;
    const inForce = r.status === "in_force";
    const g = svg("g", { class: "threshold " + (inForce ? "in-force" : "other") });
    g.append(svg("rect", { x: x0, y: y0, width: Math.max(x1 - x0, 1), height: Math.max(y1 - y0, 1) }));
    // A number in the box's lower left corner, explained in the legend.
    g.append(svg("text", { x: x0 + 3, y: y1 - 4 - (i % 3) * 11, class: "tag" }, String(i + 1)));
    g.append(svg("title", {}, r.title + " — " + words + " — " + r.citation));
    s.append(g);
    legend.append(el("li", { class: inForce ? "" : "muted" },
      (r.paragraph || r.control || r.id) + " (" + r.jurisdiction + ", from " + r.effective_from + (inForce ? "" : ", " + r.status.replace(/_/g, " ")) + "): " + words + " — " + r.title,
      " ", el("span", { class: "cite" }, r.citation)));
  });
  const dot = svg("g", { class: "item" });
  const cx = x(m.tpp), cy = y(m.pd || 0.01);
  dot.append(svg("circle", { cx, cy, r: 6 }));
  const label = item.name + " (TPP " + fmtFull(m.tpp, 0) + ", PD " + fmtFull(m.pd, 2) + ")";
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

export function init() {
  $("#chart-date").addEventListener("change", (e) => {
    if (charted && /^\d{4}-\d{2}-\d{2}$/.test(e.target.value)) chart(charted, e.target.value);
  });
}
