//! The web UI in real headless Chromium (Debian's chromium and
//! chromium-driver, driven over WebDriver): signing in, screening, checking
//! a shipment with its chart, licences with balances, the audit check, and
//! what a viewer may not do. `scripts/test` installs Chromium; without it
//! the test says so and passes, except under CI, where it fails.

mod common;

use common::{Options, Server};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<(Driver, u16)> {
    let exe = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(exe) = exe else {
        if std::env::var_os("CI").is_some() {
            panic!("chromedriver is missing under CI: scripts/test installs chromium-driver");
        }
        eprintln!(
            "skipping the browser test: chromedriver is not installed (scripts/test installs it)"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Owned by the guard at once, so it is killed and waited on whatever happens.
    let driver = Driver(
        Command::new(exe)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((driver, port));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromedriver did not start");
}

async fn browser(port: u16, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic", "--window-size=1280,1000",
                     format!("--user-data-dir={}", profile.display())]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("chromium through chromedriver")
}

/// Waits until the element's text contains `want`.
async fn text_of(c: &Client, css: &str, want: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            last = e.text().await.unwrap_or_default();
            if last.contains(want) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: {want:?} never appeared; last text {last:?}");
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn sign_in(c: &Client, url: &str, key: &str, role: &str) {
    c.goto(url).await.unwrap();
    fill(c, "#key", key).await;
    click(c, "#signin button[type=submit]").await;
    text_of(c, "#who", role).await;
}

#[test]
fn the_main_flows_work_in_chromium_and_roles_are_enforced() {
    let Some((_driver, port)) = chromedriver() else {
        return;
    };
    let s = Server::start(Options::default());
    let viewer = s.key("viewer", "auditor");
    let licence = json!({"jurisdiction": "us", "number": "D-UI-1", "holder": "Acme", "valid_from": "2026-01-01",
                         "valid_to": "2026-12-31", "items": ["h100"], "destinations": ["AE"], "quantity": 100});
    assert_eq!(
        s.call("POST", "/api/v1/licences", Some(&s.admin), Some(licence))
            .0,
        200
    );
    let profile = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = browser(port, profile.path()).await;
        let url = format!("{}/", s.url);
        sign_in(&c, &url, &s.admin, "admin").await;

        // Screen a party written in Chinese: the match is explained.
        fill(&c, "#screen-name", "华为技术有限公司").await;
        click(&c, "#screen-form button[type=submit]").await;
        let result = text_of(&c, "#screen-result", "Huawei").await;
        assert!(result.contains("possible match"), "{result}");
        assert!(result.contains("EL"), "{result}");
        // Each hit with its legal effect from the packs, and its citation.
        assert!(
            result.contains("US: license required — the Entity List: a licence is required"),
            "{result}"
        );
        assert!(result.contains("15 CFR 744.11"), "{result}");
        // The lists in use are in view, with a banner while they are the demo's.
        let lists = text_of(&c, "#lists-in-use", "Screening against").await;
        assert!(lists.contains("demo (bundled) (34 entries"), "{lists}");
        assert!(text_of(&c, "#demo-banner", "Demo list in use")
            .await
            .contains("not about real listed parties"));
        // The test server screens against the demo list, and the page says so.
        assert!(
            result.contains("warning: screened against the bundled demo list"),
            "{result}"
        );

        // Check a shipment by keyboard: Alt+2 opens Check.
        c.find(Locator::Css("#screen-name"))
            .await
            .unwrap()
            .send_keys("\u{E00A}2")
            .await
            .unwrap();
        let selected = c
            .find(Locator::Css("nav button[data-tab=check]"))
            .await
            .unwrap();
        assert_eq!(
            selected.attr("aria-selected").await.unwrap(),
            Some("true".into())
        );
        // End uses and red flags are offered from the vocabulary, nothing else.
        let end_uses = text_of(&c, "#end-use", "advanced-node-ic").await;
        assert!(end_uses.contains("6g-standards"), "{end_uses}");
        let flags = text_of(&c, "#red-flags", "transshipment-route").await;
        assert!(!flags.contains("transhipment"), "{flags}");
        c.find(Locator::Css("#end-use"))
            .await
            .unwrap()
            .select_by_value("supercomputer")
            .await
            .unwrap();
        let item = c.find(Locator::Css("#check-item")).await.unwrap();
        item.send_keys("h100").await.unwrap();
        fill(&c, "#check-form input[name=to]", "CN").await;
        fill(&c, "#check-form input[name=as_of]", "").await;
        click(&c, "#check-form button[type=submit]").await;
        let overall = text_of(&c, "#overall", "prohibited").await;
        assert_eq!(overall, "prohibited");
        let reasons = text_of(&c, "#check-result", "ACCORD").await;
        assert!(reasons.contains("3A090"), "{reasons}");
        assert!(
            !reasons.contains("null"),
            "no empty values shown: {reasons}"
        );
        // The accord's answers say where its terms come from.
        assert!(reasons.contains("reported in the press"), "{reasons}");
        // "Show the law": the regulation's words behind a reason.
        assert!(reasons.contains("show the law"), "{reasons}");
        click(&c, "#check-result details.law summary").await;
        let law = text_of(&c, "#check-result details.law blockquote", "15 CFR 774").await;
        assert!(law.contains("total processing performance"), "{law}");
        // Opt-in packs answer when ticked, beside the default ones.
        let opt_in = text_of(&c, "#opt-in", "United Kingdom").await;
        assert!(opt_in.contains("European Union"), "{opt_in}");
        click(&c, "#opt-in input[value=uk-sanctions]").await;
        click(&c, "#check-form button[type=submit]").await;
        let both = text_of(&c, "#check-result", "UK-SANCTIONS").await;
        assert!(
            both.contains("ACCORD"),
            "the default packs still answer: {both}"
        );
        click(&c, "#opt-in input[value=uk-sanctions]").await;
        // The chart shows the item against the thresholds.
        let chart = text_of(&c, "#chart-svg", "TPP").await;
        assert!(chart.contains("H100") || chart.contains("h100"), "{chart}");
        assert!(c
            .find(Locator::Css("#chart-svg .threshold rect"))
            .await
            .is_ok());
        // The rule version before, one click away: the day before 2023-11-17,
        // when performance density came in, shows the 2022 thresholds.
        let versions = text_of(&c, "#chart-versions", "2023-11-16").await;
        assert!(versions.contains("2023-11-17"), "{versions}");
        let before = "//span[@id='chart-versions']/button[text()='2023-11-16']";
        c.find(Locator::XPath(before))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let legend = text_of(
            &c,
            "#chart .legend",
            "aggregate bidirectional I/O ≥ 600 GB/s",
        )
        .await;
        assert!(
            !legend.contains("PD ≥"),
            "no density thresholds before 2023-11-17: {legend}"
        );
        // The legend is the rule's thresholds in words, never its CEL.
        assert!(!legend.contains(">="), "{legend}");
        let date = c.find(Locator::Css("#chart-date")).await.unwrap();
        assert_eq!(
            date.prop("value").await.unwrap().as_deref(),
            Some("2023-11-16")
        );
        // A picture of the check for people reviewing the UI (not compared).
        let shots = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/ui-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        c.execute(
            "document.getElementById('chart-box').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
        std::fs::write(shots.join("check.png"), c.screenshot().await.unwrap()).unwrap();

        // Licences with balances.
        click(&c, "nav button[data-tab=licences]").await;
        click(&c, "#licences-load").await;
        let lic = text_of(&c, "#licences-result", "D-UI-1").await;
        assert!(lic.contains("100 units"), "{lic}");
        assert!(c.find(Locator::Css("#licences-result meter")).await.is_ok());

        // Compare and history.
        click(&c, "nav button[data-tab=compare]").await;
        fill(&c, "#compare-items", "h100, ascend 910c").await;
        click(&c, "#compare-form button[type=submit]").await;
        let compared = text_of(&c, "#compare-result", "Ascend").await;
        assert!(
            compared.contains("15,832"),
            "the H100's TPP as the rules read it: {compared}"
        );
        click(&c, "nav button[data-tab=history]").await;
        click(&c, "#history-form button[type=submit]").await;
        text_of(&c, "#history-result", "nvidia-h100").await;
        // Each decision has its printable report; the lists export as CSV.
        click(&c, "#history-result button.report").await;
        let saved = text_of(&c, "#status", "saved decision-").await;
        assert!(saved.ends_with(".html"), "{saved}");
        click(&c, "#history-csv").await;
        text_of(&c, "#status", "saved decisions.csv").await;

        // The audit trail verifies.
        click(&c, "nav button[data-tab=audit]").await;
        click(&c, "#verify-btn").await;
        text_of(&c, "#verify-verdict", "the trail verifies").await;

        // A viewer sees, but may not decide or register.
        click(&c, "#signout").await;
        sign_in(&c, &url, &viewer, "viewer").await;
        let screen_button = c
            .find(Locator::Css("#screen-form button[type=submit]"))
            .await
            .unwrap();
        assert_eq!(
            screen_button.attr("disabled").await.unwrap(),
            Some("true".into())
        );
        let check_button = c
            .find(Locator::Css("#check-form button[type=submit]"))
            .await
            .unwrap();
        assert_eq!(
            check_button.attr("disabled").await.unwrap(),
            Some("true".into())
        );
        click(&c, "nav button[data-tab=licences]").await;
        let register = c
            .find(Locator::Css("#tab-licences details[data-role=admin]"))
            .await
            .unwrap();
        assert!(
            !register.is_displayed().await.unwrap(),
            "the register form is hidden"
        );
        // Classify stays open to viewers.
        click(&c, "nav button[data-tab=check]").await;
        fill(&c, "#check-item", "b200").await;
        click(&c, "#classify-btn").await;
        text_of(&c, "#check-result", "as of").await;
        c.close().await.unwrap();
    });
    // The browser's refused attempts, if any, are on record; the viewer made none.
    let (_, refusals) = s.call("GET", "/api/v1/refusals", Some(&s.admin), None);
    assert!(refusals
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["role"] != "viewer"));
}

/// Saves what the browser shows, for people reviewing the UI (never compared).
async fn screenshot(c: &Client, name: &str) {
    let shots =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/ui-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join(name), c.screenshot().await.unwrap()).unwrap();
}

/// The questions a check asks are answered in the page, with a country
/// list and the red flags in BIS's words, and the check runs again: H100 to
/// Germany goes from `needs_info` to its answer without a command line.
#[test]
fn a_check_is_taken_from_needs_info_to_an_answer_in_the_form() {
    let Some((_driver, port)) = chromedriver() else {
        return;
    };
    let s = Server::start(Options::default());
    let profile = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = browser(port, profile.path()).await;
        let url = format!("{}/", s.url);
        sign_in(&c, &url, &s.admin, "admin").await;
        click(&c, "nav button[data-tab=check]").await;
        fill(&c, "#check-item", "h100").await;
        fill(&c, "#check-form input[name=to]", "DE").await;
        fill(&c, "#check-form input[name=as_of]", "2026-12-01").await;
        click(&c, "#check-form button[type=submit]").await;
        let headline = text_of(&c, "#headline", "Not decided yet").await;
        assert!(headline.contains("2 questions for BIS"), "{headline}");
        assert_eq!(text_of(&c, "#overall", "needs_info").await, "needs_info");
        // The questions in words, not command-line flags.
        let form = text_of(&c, "#answers", "headquartered").await;
        assert!(!form.contains("--"), "{form}");
        assert!(
            form.contains("Residential or vague delivery address for commercial quantities (G3)"),
            "{form}"
        );
        // A country list for the headquarters; "none of these" for the flags.
        c.find(Locator::Css("#answer-end_user_hq"))
            .await
            .unwrap()
            .select_by_value("US")
            .await
            .unwrap();
        click(
            &c,
            "#answers fieldset[data-fact=red_flags] input[value=none]",
        )
        .await;
        screenshot(&c, "guided-questions.png").await;
        click(&c, "#answers button[type=submit]").await;
        let changed = text_of(&c, "#changes", "no license required").await;
        assert!(
            changed.contains("overall: needs info → no license required"),
            "{changed}"
        );
        assert_eq!(
            text_of(&c, "#overall", "no_license_required").await,
            "no_license_required"
        );
        let headline = text_of(&c, "#headline", "No licence required").await;
        assert!(headline.contains("3A090.a"), "{headline}");
        assert!(
            c.find(Locator::Css("#answers")).await.is_err(),
            "nothing left to ask"
        );

        // Headquartered in China instead: the same form, another answer.
        click(&c, "#check-form button[type=submit]").await;
        text_of(&c, "#headline", "Not decided yet").await;
        c.find(Locator::Css("#answer-end_user_hq"))
            .await
            .unwrap()
            .select_by_value("CN")
            .await
            .unwrap();
        click(
            &c,
            "#answers fieldset[data-fact=red_flags] input[value=none]",
        )
        .await;
        click(&c, "#answers button[type=submit]").await;
        let headline = text_of(&c, "#headline", "Licence required").await;
        assert_eq!(
            headline,
            "Licence required from BIS — presumption of denial"
        );
        let next = text_of(&c, "#next-steps", "Apply to BIS").await;
        assert!(next.contains("for a licence"), "{next}");
        screenshot(&c, "guided-answer.png").await;

        // The end use is answered in the same form, and goes as the end use.
        fill(&c, "#check-form input[name=to]", "CN").await;
        click(&c, "#check-form button[type=submit]").await;
        text_of(&c, "#answers", "What is the end use?").await;
        c.find(Locator::Css("#answer-end_use"))
            .await
            .unwrap()
            .select_by_value("civil")
            .await
            .unwrap();
        click(&c, "#answers button[type=submit]").await;
        text_of(&c, "#changes", "Your answers changed").await;
        let headline = text_of(&c, "#headline", "Binding law").await;
        assert!(headline.contains("licence required from BIS"), "{headline}");
        c.close().await.unwrap();
    });
    // Each check was recorded with the facts its answers stated.
    let (_, history) = s.call("GET", "/api/v1/history?kind=check", Some(&s.admin), None);
    let outcomes: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes[2..],
        [
            "license_required",
            "needs_info",
            "no_license_required",
            "needs_info"
        ],
        "newest first"
    );
}

/// A screened hit becomes a case; one officer proposes to clear it, cannot
/// approve it themselves, and a second officer approves: the hit is cleared.
#[test]
fn a_hit_is_cleared_through_its_case_with_a_second_officers_approval() {
    let Some((_driver, port)) = chromedriver() else {
        return;
    };
    let s = Server::start(Options::default());
    let alice = s.key("officer", "alice");
    let bob = s.key("officer", "bob");
    let profile = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = browser(port, profile.path()).await;
        let url = format!("{}/", s.url);
        sign_in(&c, &url, &alice, "officer").await;
        fill(&c, "#screen-name", "Huawei Technologies Co., Ltd.").await;
        click(&c, "#screen-form button[type=submit]").await;
        text_of(&c, "#screen-result", "recorded as").await;
        click(&c, "#screen-result li.match button.work-case").await;
        let case = text_of(&c, "#case-detail", "Huawei Technologies").await;
        assert!(case.contains("status open"), "{case}");
        c.find(Locator::Css("#case-resolution"))
            .await
            .unwrap()
            .select_by_value("clear")
            .await
            .unwrap();
        fill(
            &c,
            "#case-reason",
            "Different company: registry extract attached",
        )
        .await;
        click(&c, "form[data-action=propose] button").await;
        text_of(&c, "#case-status", "pending").await;
        let proposal = text_of(&c, "#case-proposal", "Waiting for another").await;
        assert!(proposal.contains("by api:alice"), "{proposal}");
        // Alice may not approve her own proposal: the server says why.
        click(&c, "form[data-action=approve] button").await;
        let refused = text_of(&c, "#status", "may not also approve").await;
        assert!(refused.contains("another officer approves"), "{refused}");
        screenshot(&c, "case-pending.png").await;

        click(&c, "#signout").await;
        sign_in(&c, &url, &bob, "officer").await;
        click(&c, "nav button[data-tab=dispositions]").await;
        c.find(Locator::Css("#cases-status"))
            .await
            .unwrap()
            .select_by_value("pending")
            .await
            .unwrap();
        click(&c, "#cases-load").await;
        text_of(&c, "#cases-result", "Huawei").await;
        click(&c, "#cases-result button[data-case]").await;
        text_of(&c, "#case-status", "pending").await;
        click(&c, "form[data-action=approve] button").await;
        let closed = text_of(&c, "#case-closed", "approved by").await;
        assert!(closed.contains("proposed by api:alice"), "{closed}");
        assert!(closed.contains("approved by api:bob"), "{closed}");
        screenshot(&c, "case-closed.png").await;
        c.close().await.unwrap();
    });
    // The clearance is on record with both officers.
    let (_, clearances) = s.call("GET", "/api/v1/dispositions", Some(&s.admin), None);
    let reason = clearances[0]["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("proposed by api:alice"), "{reason}");
    assert!(reason.contains("approved by api:bob"), "{reason}");
    let (_, verify) = s.call("GET", "/api/v1/audit/verify", Some(&s.admin), None);
    assert_eq!(verify["ok"], true, "{verify}");
}

/// A product is described in the form, saved, changed into a second
/// version with its reason, and checked by name: the answer names the
/// version, and the first version stays what it was.
#[test]
fn an_own_product_is_created_versioned_and_checked_in_the_browser() {
    let Some((_driver, port)) = chromedriver() else {
        return;
    };
    let s = Server::start(Options::default());
    let officer = s.key("officer", "olivia");
    let profile = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = browser(port, profile.path()).await;
        let url = format!("{}/", s.url);
        sign_in(&c, &url, &officer, "officer").await;
        click(&c, "nav button[data-tab=products]").await;
        text_of(&c, "#products-result", "no products yet").await;
        fill(&c, "#product-form input[name=name]", "Acme X1").await;
        fill(&c, "#product-form input[name=vendor]", "Acme").await;
        fill(&c, "#product-form input[name=tp-fp16]", "500").await;
        fill(&c, "#product-form input[name=die_area_mm2]", "600").await;
        c.find(Locator::Css("#product-form select[name=datacenter]"))
            .await
            .unwrap()
            .select_by_value("yes")
            .await
            .unwrap();
        // The JSON box follows the fields: it is what is saved.
        let json = c
            .find(Locator::Css("#product-json"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        let def: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(def["throughput"]["fp16"], 500, "{json}");
        assert_eq!(def["datacenter"], true, "{json}");
        click(&c, "#product-form button[type=submit]").await;
        text_of(&c, "#status", "saved Acme X1 as version 1").await;
        text_of(&c, "#product-shown h3", "version 1").await;

        // A change without a reason is refused; with one it is version 2.
        click(&c, "#product-edit").await;
        fill(&c, "#product-form input[name=tp-fp8]", "1200").await;
        click(&c, "#product-form button[type=submit]").await;
        text_of(&c, "#status", "needs a reason").await;
        fill(&c, "#product-form input[name=reason]", "datasheet rev B").await;
        click(&c, "#product-form button[type=submit]").await;
        text_of(&c, "#status", "saved Acme X1 as version 2").await;
        let shown = text_of(&c, "#product-shown", "datasheet rev B").await;
        assert!(shown.contains("TPP 9,600"), "{shown}");
        c.execute(
            "document.querySelector('#tab-products h2').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
        screenshot(&c, "product.png").await;

        // A blank form under the same name is a new product: refused, not
        // a version replacing the one on record.
        sign_in(&c, &url, &officer, "officer").await;
        click(&c, "nav button[data-tab=products]").await;
        fill(&c, "#product-form input[name=name]", "Acme X1").await;
        fill(&c, "#product-form input[name=tp-fp16]", "50").await;
        fill(&c, "#product-form input[name=reason]", "blank form").await;
        click(&c, "#product-form button[type=submit]").await;
        text_of(&c, "#product-status", "exists already").await;
        click(&c, "#products-result button[data-product]").await;
        text_of(&c, "#product-shown h3", "version 2").await;

        // Checked from the product: the answer names the version.
        click(&c, "#product-check").await;
        assert_eq!(
            c.find(Locator::Css("#check-item"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap()
                .as_deref(),
            Some("Acme X1@2")
        );
        fill(&c, "#check-form input[name=to]", "CN").await;
        click(&c, "#check-form button[type=submit]").await;
        text_of(&c, "#overall", "license_required").await;
        text_of(&c, "#check-result", "own product, version 2").await;
        // Version 1 as it was: TPP 8,000.
        fill(&c, "#check-item", "Acme X1@1").await;
        click(&c, "#classify-btn").await;
        text_of(&c, "#check-result", "own product, version 1").await;
        c.close().await.unwrap();
    });
    let (_, h) = s.call("GET", "/api/v1/history?limit=1", Some(&officer), None);
    assert_eq!(h[0]["input"]["item"], "Acme X1@2", "{h}");
}

/// A file of holdings is imported in the browser and a party's owners are
/// shown with what OFAC's 50 % rule makes of them, the paths as a tree.
#[test]
fn ownership_is_imported_and_a_partys_paths_are_shown_in_the_browser() {
    let Some((_driver, port)) = chromedriver() else {
        return;
    };
    let s = Server::start(Options::default());
    let officer = s.key("officer", "olivia");
    let viewer = s.key("viewer", "victor");
    let profile = tempfile::tempdir().unwrap();
    let owners = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/examples/owners.csv")
        .canonicalize()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // A fetch of the lists that failed is in view, with why.
        let (status, _) = s.call(
            "POST",
            "/api/v1/lists/fetch?source=eu",
            Some(&s.admin),
            None,
        );
        assert_eq!(status, 200);
        let c = browser(port, profile.path()).await;
        let url = format!("{}/", s.url);
        sign_in(&c, &url, &officer, "officer").await;
        text_of(&c, "#lists-refreshes summary", "1 file(s) failed").await;
        click(&c, "nav button[data-tab=owners]").await;
        // Not on record yet: said so, not an empty answer.
        fill(&c, "#owners-form input[name=party]", "Arctic Compute FZE").await;
        click(&c, "#owners-form button[type=submit]").await;
        text_of(&c, "#owners-result", "not in the ownership records").await;

        c.execute(
            "document.querySelector('#tab-owners details').open = true",
            vec![],
        )
        .await
        .unwrap();
        c.find(Locator::Css("#owners-import input[type=file]"))
            .await
            .unwrap()
            .send_keys(&owners.display().to_string())
            .await
            .unwrap();
        click(&c, "#owners-import button[type=submit]").await;
        text_of(
            &c,
            "#owners-import-result",
            "of declared: 6 entities, 5 holdings",
        )
        .await;

        click(&c, "#owners-form button[type=submit]").await;
        let shown = text_of(&c, "#owners-result", "treated as listed").await;
        assert!(shown.contains("OFAC's 50 % rule"), "{shown}");
        assert!(
            shown.contains("40 % by Volga Capital Holding Ltd"),
            "the path is shown: {shown}"
        );
        // The tree: Sberbank under Volga, the holding it explains.
        let nested = text_of(&c, "#owners-result ul.paths li ul li", "Sberbank").await;
        assert!(nested.contains("50 %"), "{nested}");
        screenshot(&c, "owners.png").await;

        // A viewer reads the paths but may not import.
        click(&c, "#signout").await;
        sign_in(&c, &url, &viewer, "viewer").await;
        click(&c, "nav button[data-tab=owners]").await;
        let import = c
            .find(Locator::Css("#tab-owners details[data-role=officer]"))
            .await
            .unwrap();
        assert!(!import.is_displayed().await.unwrap(), "import is hidden");
        fill(
            &c,
            "#owners-form input[name=party]",
            "pearl river devices ltd",
        )
        .await;
        click(&c, "#owners-form button[type=submit]").await;
        text_of(&c, "#owners-result", "below the threshold").await;
        c.close().await.unwrap();
    });
}
