//! `exctl packs`: signed rule-pack bundles published, verified, installed, rolled back.

use super::prelude::*;
use exctl_app::packs;

pub(crate) fn run(g: &Globals, args: PacksArgs) -> Result<ExitCode> {
    let PacksArgs { command } = args;
    let home = g.place.dir();
    match command {
        PacksCommand::Publish { out, publisher } => {
            if !g.place.initialised() {
                return Err(bad(
                    "publishing signs with this instance's key: run `exctl init` first",
                ));
            }
            // What is published must load and pass its golden cases here first.
            let files = files(&g.data)?;
            let now = chrono::Utc::now().to_rfc3339();
            let bundle = packs::bundle_of(&files, &publisher, &now)?;
            let (_, cases) = packs::check(&files.origin, &bundle)?;
            let der = std::fs::read(g.place.key_path())?;
            let signer = exctl_records::Signer::from_pkcs8(&der)?;
            let p = packs::publish(&bundle, &signer, &out)?;
            println!(
                "published {} files ({} golden cases pass) to {} (signature {}.sig, key {}, sha256 {})",
                p.files,
                cases,
                out.display(),
                out.display(),
                p.key_id,
                &p.sha256[..16]
            );
            Ok(ExitCode::SUCCESS)
        }
        PacksCommand::Update {
            from,
            public_key,
            json,
        } => {
            let key_text = std::fs::read_to_string(&public_key)
                .map_err(|e| bad(format!("{}: {e}", public_key.display())))?;
            let key = exctl_records::keys::parse_public_key_file(&key_text).ok_or_else(|| {
                bad(format!(
                    "{}: not an ML-DSA-65 public key file",
                    public_key.display()
                ))
            })?;
            let (bytes, sig) = packs::read_bundle(&from)?;
            let (bundle, signature) = packs::verify(&from, &bytes, &sig, &key)?;
            let (new, cases) = packs::check(&from, &bundle)?;
            let old = load(&g.data)?;
            let products = own_products(g)?;
            let today = chrono::Utc::now().date_naive();
            let impact = packs::product_impact(&old, &new, &products, today);
            let orders = if g.place.initialised() {
                let rt = instance::runtime()?;
                let store = g.place.open_read(&rt)?;
                let held = rt.block_on(packs::held_orders(&store))?;
                rt.block_on(store.close());
                packs::order_impact(&old, &new, &products, &held, today)
            } else {
                Vec::new()
            };
            let installed =
                packs::install(&home, &bundle, &signature, &chrono::Utc::now().to_rfc3339())?;
            let report = serde_json::json!({
                "installed": installed,
                "golden_cases": cases,
                "products_changed": impact,
                "held_orders_changed": orders,
            });
            emit(json, report, || {
                let mut s = format!(
                    "installed {} (published {} by {}, key {}; {} golden cases pass) and in use; `exctl packs rollback` goes back\n",
                    installed.id,
                    installed.published_at,
                    installed.publisher,
                    installed.key_id,
                    cases
                );
                if impact.is_empty() {
                    s.push_str("no product of yours classifies differently today\n");
                }
                if orders.is_empty() {
                    s.push_str("no held order answers differently\n");
                }
                for o in &orders {
                    s.push_str(&format!(
                        "  held order (decision {}) {}: {} → {}\n",
                        o.decision, o.subject, o.before, o.after
                    ));
                }
                for i in &impact {
                    s.push_str(&format!(
                        "  {}: {} → {}\n",
                        i.product,
                        if i.before.is_empty() {
                            "not controlled".to_string()
                        } else {
                            i.before.join(", ")
                        },
                        if i.after.is_empty() {
                            "not controlled".to_string()
                        } else {
                            i.after.join(", ")
                        }
                    ));
                }
                s
            })
        }
        PacksCommand::List { json } => {
            let all = packs::installs(&home)?;
            emit(json, serde_json::to_value(&all)?, || {
                if all.is_empty() {
                    return "no installed packs: the bundled packs are in use\n".to_string();
                }
                let mut s = String::new();
                for i in &all {
                    s.push_str(&format!(
                        "{} {}  published {} by {}  key {}  installed {}\n",
                        if i.current { "*" } else { " " },
                        i.id,
                        i.published_at,
                        i.publisher,
                        i.key_id,
                        i.installed_at
                    ));
                }
                if !all.iter().any(|i| i.current) {
                    s.push_str("(none in use: the bundled packs are)\n");
                }
                s
            })
        }
        PacksCommand::Rollback => {
            let now = packs::rollback(&home)?;
            println!("rolled back: {now} in use");
            Ok(ExitCode::SUCCESS)
        }
    }
}
