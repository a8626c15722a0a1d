//! Respellings of a Latin name as a German, Polish or French transcription
//! of Russian are compared only when a word they changed is a word of the
//! lists: "Jewgeni Prigoschin" is Prigozhin, while "Monica Charlotta
//! Jakobsson", respelt, is no one's name and must not meet the lists so.

mod support;

use exctl_screen::{Query, Screener};

const LIST: &str = "source,entity_number,type,programs,name,alt_names,addresses,ids,dates_of_birth
Specially Designated Nationals (SDN) - Treasury Department,1,Individual,RUSSIA-EO14024,\"PRIGOZHIN, Yevgeniy Viktorovich\",,RU,,1961-06-01
Specially Designated Nationals (SDN) - Treasury Department,2,Vessel,IRAN,MONICA S,,,,
Specially Designated Nationals (SDN) - Treasury Department,3,Individual,SDNTK,\"GONZALEZ DURAN, Jaime\",,MX,,
";

fn screener() -> Screener {
    support::csl_screener(LIST)
}

fn transcribed(scheme: Option<&str>) -> bool {
    scheme.is_some_and(|s| s.ends_with("transcription"))
}

#[test]
fn a_respelling_whose_changed_words_are_list_words_is_compared() {
    let s = screener();
    // (Three names give other word weights than the CSL: every match shown.)
    let found = s.screen(&Query::name("Jewgeni Prigoschin"), 5, 0.0);
    let best = found.first().expect("Prigozhin is found");
    assert_eq!(best.name, "PRIGOZHIN, Yevgeniy Viktorovich");
    assert!(
        transcribed(best.explanation.query_scheme),
        "{:?}",
        best.explanation
    );
}

#[test]
fn a_respelling_that_changed_no_list_word_is_not_compared() {
    let s = screener();
    for name in ["Monica Charlotta Jakobsson", "Jamie Duran", "Amy Jones"] {
        for m in s.screen(&Query::name(name), 10, 0.0) {
            assert!(
                !transcribed(m.explanation.query_scheme),
                "{name} met {} as {:?} ({:?})",
                m.name,
                m.explanation.query_form,
                m.explanation.query_scheme
            );
        }
    }
}
