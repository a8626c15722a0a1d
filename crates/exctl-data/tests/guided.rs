//! Guided determinations: every question a stated fact answers says how it
//! is answered (a form control's type and choices, from the vocabulary),
//! and every check carries a summary in words that follows the outcome.

use chrono::NaiveDate;
use exctl_core::summary::summarise;
use exctl_core::{Decision, FactValue, Facts, Query, Vocabulary};
use exctl_data::{load, Data, Files};

fn data() -> Data {
    load(&Files::bundled()).expect("bundled data loads")
}

fn decide(data: &Data, to: &str, facts: &[(&str, FactValue)]) -> Decision {
    let item = data.item("h100").expect("h100 is in the catalog");
    let mut f = Facts::default();
    for (name, value) in facts {
        f.set(name, value.clone());
    }
    let query = Query {
        facts: f,
        ..Query::check(&item, to, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
    };
    data.engine.validate(&query).expect("a valid query");
    data.engine.decide(&query)
}

#[test]
fn questions_say_how_they_are_answered() {
    let data = data();
    let d = decide(&data, "DE", &[]);
    let questions: Vec<_> = d.determinations.iter().flat_map(|x| &x.questions).collect();
    let hq = questions
        .iter()
        .find(|q| q.fact == "end_user_hq")
        .and_then(|q| q.answer.as_ref())
        .expect("the headquarters question has an answer form");
    assert_eq!(hq.input, "country");
    let flags = questions
        .iter()
        .find(|q| q.fact == "red_flags")
        .and_then(|q| q.answer.as_ref())
        .expect("the red-flags question has an answer form");
    assert_eq!(flags.input, "list");
    assert_eq!(
        flags.choices.len(),
        data.engine.vocab.values("red_flags").unwrap().len()
    );
    let g1 = flags
        .choices
        .iter()
        .find(|c| c.value == "new-customer-large-order")
        .unwrap();
    assert!(g1.text.contains("(G1)"), "{}", g1.text);
    assert_eq!(flags.field, "facts");
    // The end use is answered as the end use, never as a fact.
    let cn = decide(&data, "CN", &[]);
    let end_use = cn
        .determinations
        .iter()
        .flat_map(|x| &x.questions)
        .find(|q| q.fact == "end_use")
        .and_then(|q| q.answer.as_ref())
        .expect("the end-use question has an answer form");
    assert_eq!(end_use.field, "end_use");
    assert!(end_use.choices.iter().any(|c| c.value == "civil"));
    // The question is plain words: how to type the answer is the shell's business.
    for q in &questions {
        assert!(
            !q.question.contains("fact ") && !q.question.contains('='),
            "{}",
            q.question
        );
    }
}

#[test]
fn a_question_that_asks_for_action_has_no_answer_form() {
    let data = data();
    let d = decide(
        &data,
        "DE",
        &[
            ("end_user_hq", FactValue::Str("US".into())),
            (
                "red_flags",
                FactValue::List(vec!["residential-address".into()]),
            ),
        ],
    );
    let q = d
        .determinations
        .iter()
        .flat_map(|x| &x.questions)
        .find(|q| q.rule == "us.redflag.residential-address")
        .expect("the raised flag is to be resolved");
    assert!(q.answer.is_none());
    let s = summarise(&d, 0).unwrap();
    assert!(
        s.next
            .iter()
            .any(|n| n.starts_with("Act: Resolve the red flag")),
        "{:?}",
        s.next
    );
}

#[test]
fn the_summary_follows_the_outcome() {
    let data = data();
    let open = summarise(&decide(&data, "DE", &[]), 0).unwrap();
    assert!(
        open.headline
            .starts_with("Not decided yet: 2 questions for BIS"),
        "{}",
        open.headline
    );
    assert_eq!(open.next.len(), 2, "{:?}", open.next);
    assert!(open.next.iter().all(|n| n.starts_with("Answer: ")));

    let none = [("red_flags", FactValue::List(vec!["none".into()]))];
    let us_hq = [
        none[0].clone(),
        ("end_user_hq", FactValue::Str("US".into())),
    ];
    let cleared = summarise(&decide(&data, "DE", &us_hq), 0).unwrap();
    assert!(
        cleared
            .headline
            .starts_with("No licence required: controlled (3A090.a)"),
        "{}",
        cleared.headline
    );
    assert_eq!(
        cleared.next,
        vec!["Ship; keep this decision with the order".to_string()]
    );
    // An open list match comes first, and no "ship" advice with it.
    let with_hit = summarise(&decide(&data, "DE", &us_hq), 1).unwrap();
    assert!(with_hit.next[0].starts_with("Review the 1 possible list match "));
    assert!(!with_hit.next.iter().any(|n| n.starts_with("Ship")));

    let cn_hq = [
        none[0].clone(),
        ("end_user_hq", FactValue::Str("CN".into())),
    ];
    let denied = summarise(&decide(&data, "DE", &cn_hq), 0).unwrap();
    assert_eq!(
        denied.headline,
        "Licence required from BIS — presumption of denial"
    );
    assert!(
        denied.deciding[0].starts_with("us: "),
        "{:?}",
        denied.deciding
    );
}

#[test]
fn a_caveated_pack_never_hides_what_binding_law_requires() {
    let data = data();
    let d = decide(&data, "CN", &[]);
    let s = summarise(&d, 0).unwrap();
    // The accord as reported prohibits; BIS's rules are what bind.
    assert!(
        s.headline
            .starts_with("Prohibited by the US–ROK accord as reported (not binding)"),
        "{}",
        s.headline
    );
    assert!(
        s.headline
            .contains("Binding law: licence required from BIS"),
        "{}",
        s.headline
    );
    assert!(
        s.deciding.iter().any(|r| r.starts_with("us: ")),
        "{:?}",
        s.deciding
    );
}

#[test]
fn a_classification_has_no_summary() {
    let data = data();
    let item = data.item("h100").unwrap();
    let d = data.engine.decide(&Query::classify(
        &item,
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
    ));
    assert!(summarise(&d, 0).is_none());
}

#[test]
fn the_vocabulary_refuses_meanings_of_values_it_does_not_have() {
    let base = r#"
[[parameter]]
name = "flags"
type = "list"
scope = "transaction"
label = "flags"
description = "d"
question = "Which?"
values = ["a", "b"]
"#;
    assert!(Vocabulary::from_toml("p.toml", &format!("{base}value_text.a = \"Alpha\"\n")).is_ok());
    let err = Vocabulary::from_toml("p.toml", &format!("{base}value_text.c = \"Gamma\"\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("value_text") && err.contains("\"c\""), "{err}");
    let bool_country = base
        .replace("type = \"list\"", "type = \"bool\"")
        .replace("values = [\"a\", \"b\"]", "format = \"country\"");
    let err = Vocabulary::from_toml("p.toml", &bool_country)
        .unwrap_err()
        .to_string();
    assert!(err.contains("format"), "{err}");
}
