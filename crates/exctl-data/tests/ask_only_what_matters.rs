//! A question is asked only when some answer to it would change the answer.
//!
//! For every `needs_info` determination — in the golden cases and in a sweep
//! over the catalog × destinations × dates — each question whose fact has a
//! closed set of answers (a bool, a closed vocabulary, the end use, a number
//! tried at its extremes, a headquarters country) is answered with each of
//! them, over every combination of answers to the other questions; at least
//! one answer must change the outcome, the review policy, the licence
//! exception offered, the rules that require the licence, the obligations or
//! what is asked next. A question that no answer can move is noise that keeps
//! an officer from an answer, and this test names it.

use chrono::NaiveDate;
use exctl_core::vocab::Scope;
use exctl_core::{Decision, FactValue, Facts, Item, Query};
use exctl_data::{golden, load, Data, Files};

/// The answers worth trying for a fact, or `None` when they cannot be listed.
fn answers(data: &Data, fact: &str) -> Option<Vec<FactValue>> {
    if fact == "end_use" {
        return data
            .engine
            .vocab
            .values("end_use")
            .map(|v| v.iter().map(|s| FactValue::Str(s.clone())).collect());
    }
    let p = data.engine.vocab.get(fact)?;
    if fact == "end_user_hq" {
        return Some(
            ["US", "CN", "MO", "DE", "AE", "VN", "RU", "KR"]
                .iter()
                .map(|c| FactValue::Str((*c).into()))
                .collect(),
        );
    }
    match (p.type_name.as_str(), &p.values) {
        ("bool", _) => Some(vec![FactValue::Bool(true), FactValue::Bool(false)]),
        ("string", Some(values)) => {
            Some(values.iter().map(|v| FactValue::Str(v.clone())).collect())
        }
        ("list", Some(values)) => {
            let mut out: Vec<FactValue> = values
                .iter()
                .map(|v| FactValue::List(vec![v.clone()]))
                .collect();
            out.push(FactValue::List(vec!["none".into()]));
            Some(out)
        }
        ("number", _) => {
            // Each threshold a rule compares the fact with, and either side.
            let mut n: Vec<f64> = vec![0.0, 1e30];
            for pack in &data.engine.packs {
                for rule in &pack.rules {
                    for c in &rule.comparisons {
                        if let (true, exctl_core::pack::Literal::Num(t)) = (c.var == fact, &c.value)
                        {
                            n.extend([t * 0.5, *t, t * 2.0]);
                        }
                    }
                }
            }
            if fact == "die_area" {
                n = vec![1.0, 100.0, 1000.0, 1e6];
            }
            n.sort_by(f64::total_cmp);
            n.dedup();
            Some(n.into_iter().map(FactValue::Num).collect())
        }
        _ => None,
    }
}

struct Ask<'a> {
    data: &'a Data,
    pack: String,
    item: Item,
    as_of: NaiveDate,
    to: String,
    end_use: Option<String>,
    facts: Facts,
}

impl Ask<'_> {
    /// Decides with some facts answered: transaction facts as facts, item
    /// facts on the item, the end use as the end use.
    fn decide(&self, answered: &[(String, FactValue)]) -> Option<Decision> {
        let mut item = self.item.clone();
        let mut facts = self.facts.clone();
        let mut end_use = self.end_use.clone();
        for (name, value) in answered {
            if name == "end_use" {
                if let FactValue::Str(s) = value {
                    end_use = Some(s.clone());
                }
                continue;
            }
            match self.data.engine.vocab.get(name).map(|p| p.scope) {
                Some(Scope::Item) => set_item_fact(&mut item, name, value),
                Some(Scope::Transaction) => facts.set(name, value.clone()),
                _ => return None,
            }
        }
        let query = Query {
            item: &item,
            as_of: self.as_of,
            destination: Some(self.to.clone()),
            end_use,
            facts,
            jurisdictions: vec![self.pack.clone()],
            explain: false,
        };
        self.data.engine.validate(&query).ok()?;
        Some(self.data.engine.decide(&query))
    }
}

/// Answers an item question on the item: an IC's physical figures feed its
/// derived metrics, anything else is a named parameter.
fn set_item_fact(item: &mut Item, name: &str, value: &FactValue) {
    use exctl_core::item::ItemKind;
    let spec = match &mut item.kind {
        ItemKind::Ic(spec) => Some(spec),
        ItemKind::Computer(c) => match &mut c.ic.kind {
            ItemKind::Ic(spec) => Some(spec),
            _ => None,
        },
        _ => None,
    };
    if let Some(spec) = spec {
        match (name, value) {
            ("die_area", FactValue::Num(n)) => return spec.die_area_mm2 = Some(n.max(1.0)),
            ("io_bw", FactValue::Num(n)) => return spec.io_bandwidth_gbps = Some(*n),
            ("mem_bw", FactValue::Num(n)) => return spec.memory_bandwidth_gbps = Some(*n),
            ("datacenter", FactValue::Bool(b)) => return spec.datacenter = Some(*b),
            // TPP is asked as throughput: an INT8 figure that gives it.
            ("tpp", FactValue::Num(n)) => {
                spec.throughput = [(exctl_core::Precision::Int8, n / 8.0)]
                    .into_iter()
                    .collect();
                return;
            }
            ("int8_tops" | "peak_tops", FactValue::Num(n)) => {
                spec.throughput = [(exctl_core::Precision::Int8, *n)].into_iter().collect();
                return;
            }
            _ => {}
        }
    }
    item.extra.insert(name.to_string(), value.clone());
}

/// What an answer can change: the outcome, the review policy, the exception
/// offered, the rules that require the licence (they decide what the
/// application cites, and whether License Exception NAC needs notice), the
/// obligations, or what must be asked next (a rule that needs two figures
/// asks them one at a time).
fn answer_of(d: &Decision) -> String {
    let det = &d.determinations[0];
    format!(
        "{:?} | {:?} | {:?} | {:?} | {:?} | {:?}",
        det.outcome,
        det.review_policy,
        det.exceptions
            .iter()
            .map(|e| &e.exception)
            .collect::<Vec<_>>(),
        det.reasons.iter().map(|r| &r.rule).collect::<Vec<_>>(),
        det.obligations.iter().map(|r| &r.rule).collect::<Vec<_>>(),
        det.questions.iter().map(|q| &q.fact).collect::<Vec<_>>()
    )
}

/// Checks every question of a `needs_info` answer; returns the ones no
/// answer moves, as messages.
fn moot_questions(ask: &Ask<'_>, label: &str) -> Vec<String> {
    let Some(first) = ask.decide(&[]) else {
        return Vec::new();
    };
    let det = &first.determinations[0];
    if det.outcome != Some(exctl_core::Outcome::NeedsInfo) {
        return Vec::new();
    }
    let questions: Vec<String> = det.questions.iter().map(|q| q.fact.clone()).collect();
    let domains: Vec<Option<Vec<FactValue>>> =
        questions.iter().map(|q| answers(ask.data, q)).collect();
    let mut out = Vec::new();
    for (i, q) in questions.iter().enumerate() {
        let Some(domain) = &domains[i] else {
            continue;
        };
        // Every combination of answers to the other questions (an open
        // question, a family or a stated ECCN, is left unanswered).
        let others: Vec<(&String, &Vec<FactValue>)> = questions
            .iter()
            .zip(&domains)
            .enumerate()
            .filter(|(j, _)| *j != i)
            .filter_map(|(_, (name, d))| Some((name, d.as_ref()?)))
            .collect();
        let mut combos: Vec<Vec<(String, FactValue)>> = vec![Vec::new()];
        for (name, d) in &others {
            let mut next = Vec::new();
            for c in &combos {
                for v in d.iter() {
                    let mut c = c.clone();
                    c.push(((*name).clone(), v.clone()));
                    next.push(c);
                }
            }
            combos = next;
            if combos.len() > 400 {
                break;
            }
        }
        let mut moved = false;
        for combo in &combos {
            let mut seen = std::collections::BTreeSet::new();
            for v in domain {
                let mut answered = combo.clone();
                answered.push((q.clone(), v.clone()));
                if let Some(d) = ask.decide(&answered) {
                    seen.insert(answer_of(&d));
                }
            }
            if seen.len() > 1 {
                moved = true;
                break;
            }
        }
        if !moved {
            out.push(format!("{label}: question {q:?} changes nothing"));
        }
    }
    out
}

#[test]
fn every_question_in_the_golden_cases_can_change_the_answer() {
    let data = load(&Files::bundled()).expect("bundled data loads");
    let mut moot = Vec::new();
    let mut asked = 0;
    for (pack, files) in &data.golden {
        for (file, text) in files {
            for case in golden::parse(file, text).expect("golden parses") {
                let Some(to) = case.to.clone() else {
                    continue;
                };
                let input = golden::case_input(&data, file, text, &case).expect("case builds");
                let ask = Ask {
                    data: &data,
                    pack: pack.clone(),
                    item: input.item,
                    as_of: input.as_of,
                    to,
                    end_use: case.end_use.clone(),
                    facts: input.facts,
                };
                let found = moot_questions(&ask, &format!("{file}: {}", case.name));
                if ask
                    .decide(&[])
                    .is_some_and(|d| !d.determinations[0].questions.is_empty())
                {
                    asked += 1;
                }
                moot.extend(found);
            }
        }
    }
    assert!(asked > 10, "only {asked} golden cases ask anything");
    assert!(moot.is_empty(), "{}", moot.join("\n"));
}

#[test]
fn every_question_over_the_catalog_destinations_and_dates_can_change_the_answer() {
    let data = load(&Files::bundled()).expect("bundled data loads");
    let dates = [
        "2022-11-01",
        "2023-12-01",
        "2024-12-15",
        "2025-06-01",
        "2026-03-01",
        "2026-08-01",
    ];
    let destinations = ["CN", "MO", "VN", "AE", "DE", "RU", "IR", "SG", "KH", "IN"];
    let mut moot = Vec::new();
    let mut needs_info = 0;
    for entry in data.catalog.entries() {
        for pack in ["us", "accord", "eu-ai-act"] {
            for date in dates {
                for to in destinations {
                    let ask = Ask {
                        data: &data,
                        pack: pack.into(),
                        item: entry.item.clone(),
                        as_of: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
                        to: to.into(),
                        end_use: None,
                        facts: Facts::default(),
                    };
                    let found = moot_questions(
                        &ask,
                        &format!("{} → {to} on {date} ({pack})", entry.item.name),
                    );
                    if ask.decide(&[]).is_some_and(|d| {
                        d.determinations[0].outcome == Some(exctl_core::Outcome::NeedsInfo)
                    }) {
                        needs_info += 1;
                    }
                    moot.extend(found);
                }
            }
        }
    }
    assert!(
        needs_info > 100,
        "only {needs_info} needs_info answers in the sweep"
    );
    moot.sort();
    moot.dedup();
    assert!(
        moot.is_empty(),
        "{} moot questions, e.g.:\n{}",
        moot.len(),
        moot.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}
