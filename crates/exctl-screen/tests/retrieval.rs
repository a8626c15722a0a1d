//! Which listed names a screen finds, on small lists built here (the same
//! rules are checked against the real CSL in `devset.rs`, which needs the
//! shared data).

use exctl_screen::{
    EntityType, Entry, ListSet, Query, Screener, SourceInfo, Strength, DEFAULT_THRESHOLD,
};

/// A list of people, one entry per name.
fn people(names: &[String]) -> Screener {
    let entries: Vec<Entry> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut e = Entry::new("T", "test", &i.to_string());
            e.add_name(n, Strength::Strong, true);
            e.entity_type = EntityType::Individual;
            e
        })
        .collect();
    let mut set = ListSet::default();
    set.add(
        SourceInfo {
            file: "people.csv".into(),
            format: "test".into(),
            entries: entries.len(),
            date: None,
            sha256: String::new(),
        },
        entries,
    );
    Screener::new(set)
}

fn matched(s: &Screener, name: &str) -> Vec<(String, f64)> {
    s.screen(&Query::name(name), 10, DEFAULT_THRESHOLD)
        .into_iter()
        .map(|m| (m.matched_name, m.score))
        .collect()
}

/// "Jing He" read as a German transcription of Russian is "ying he": a
/// Chinese name read "ying he" (颖 何) is someone else, a name written so in
/// Latin letters may be Russian in German spelling.
#[test]
fn chinese_readings_do_not_meet_listed_transcriptions() {
    let s = people(&["Jing He".to_string(), "Kim Jong Un".to_string()]);
    assert_eq!(matched(&s, "颖 何"), []);
    assert_eq!(matched(&s, "은경 김"), []);
    assert!(matched(&s, "Ying He").iter().any(|(n, _)| n == "Jing He"));
    assert!(matched(&s, "京 何").iter().any(|(n, _)| n == "Jing He"));
}

/// A listed name spelt as the party's is found however many listed names
/// share its words. (On the real CSL only retrieval by spelling keeps
/// "Li Li" among 利 李's candidates: `devset.rs` checks that.)
#[test]
fn a_name_spelt_as_listed_is_found_among_many_sharing_its_words() {
    let given = [
        "wei", "na", "qiang", "jun", "yang", "yong", "yan", "jie", "tao", "ming", "chao", "xia",
        "ping", "gang", "hui", "hong", "bo", "bin", "fang", "hua", "ling", "xin", "kai", "lei",
    ];
    let mut names: Vec<String> = given
        .iter()
        .flat_map(|a| given.iter().map(move |b| format!("Li {a}{b}")))
        .collect();
    names.extend(given.iter().map(|g| format!("{g} Li")));
    names.push("Li Li".to_string());
    let s = people(&names);
    for query in ["Li Li", "利 李", "LI, Li"] {
        assert!(
            matched(&s, query)
                .iter()
                .any(|(n, score)| n == "Li Li" && *score >= 0.99),
            "{query}: {:?}",
            matched(&s, query)
        );
    }
}
