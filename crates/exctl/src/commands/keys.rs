//! `exctl keys`: aPI keys for the server: create, list, revoke.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: KeysArgs) -> Result<ExitCode> {
    let KeysArgs { command } = args;
    let rt = instance::runtime()?;
    match command {
        KeysCommand::Create { role, name } => {
            let role = exctl_records::Role::parse(&role).ok_or_else(|| {
                bad(format!(
                    "--role {role:?}: expected viewer, officer or admin"
                ))
            })?;
            let store = g.place.open(&rt)?;
            let (key, token) = rt
                .block_on(store.create_api_key(role, &name))
                .map_err(instance::store_error)?;
            println!(
                "created {} key {} for {:?}; its token (shown once):\n{token}",
                key.role, key.key_id, key.name
            );
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::List { json } => {
            let store = g.place.open_read(&rt)?;
            let keys = rt
                .block_on(store.api_keys())
                .map_err(instance::store_error)?;
            emit(json, serde_json::to_value(&keys)?, || {
                let mut s = String::new();
                for k in &keys {
                    s.push_str(&format!(
                        "{}  {:<8} {:<24} created {} by {}{}\n",
                        k.key_id,
                        k.role.as_str(),
                        k.name,
                        k.created_at,
                        k.actor,
                        k.revoked_at
                            .as_deref()
                            .map(|r| format!(", revoked {r}"))
                            .unwrap_or_default()
                    ));
                }
                if keys.is_empty() {
                    s.push_str("no API keys (exctl serve creates a first admin key)\n");
                }
                s
            })
        }
        KeysCommand::Revoke { key_id } => {
            let store = g.place.open(&rt)?;
            let key = rt
                .block_on(store.revoke_api_key(&key_id))
                .map_err(instance::store_error)?;
            println!("revoked {} key {} ({:?})", key.role, key.key_id, key.name);
            Ok(ExitCode::SUCCESS)
        }
    }
}
