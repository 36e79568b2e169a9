//! Windows: the values under `HKLM\SOFTWARE\Policies\Elevate`, then
//! `HKCU\SOFTWARE\Policies\Elevate` (Group Policy's places). Each value is a setting named as in
//! `config.toml`, dotted (`activation.default_duration`): `REG_SZ` text (`2h`, `us-gov`, or a TOML
//! array such as `[30, 10]`), `REG_DWORD`/`REG_QWORD` numbers (1/0 for switches), `REG_MULTI_SZ`
//! lists of text (`locked`, `activation.justification_presets`).

use windows_registry::{CURRENT_USER, Key, LOCAL_MACHINE, Type};

use super::{Found, ManagedError, ManagedPolicy, WINDOWS_POLICY_KEYS, from_table, value_from_text};

const SUBKEY: &str = "SOFTWARE\\Policies\\Elevate";

/// `HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)`: the key is not there.
const NOT_FOUND: i32 = 0x8007_0002_u32 as i32;

/// The machine's policy over the user's, if either key exists.
pub(super) fn read() -> Found {
    let machine = read_key(LOCAL_MACHINE, WINDOWS_POLICY_KEYS[0])?;
    let user = read_key(CURRENT_USER, WINDOWS_POLICY_KEYS[1])?;
    Ok(match (machine, user) {
        (Some(m), Some(u)) => Some(m.over(u)),
        (m, u) => m.or(u),
    })
}

fn read_key(root: &Key, name: &str) -> Result<Option<ManagedPolicy>, ManagedError> {
    let bad = |detail: String| ManagedError {
        source_name: name.to_owned(),
        detail,
    };
    let key = match root.open(SUBKEY) {
        Ok(key) => key,
        Err(e) if e.code().0 == NOT_FOUND => return Ok(None),
        Err(e) => return Err(bad(format!("it cannot be read: {e}"))),
    };
    let values = key
        .values()
        .map_err(|e| bad(format!("its values cannot be read: {e}")))?;
    let mut table = toml::Table::new();
    for (value_name, value) in values {
        if value_name.is_empty() {
            continue;
        }
        let converted = match value.ty() {
            Type::U32 | Type::U64 => {
                let n = u64::try_from(value.clone())
                    .or_else(|_| u32::try_from(value).map(u64::from))
                    .map_err(|e| bad(format!("'{value_name}': {e}")))?;
                if value_name.eq_ignore_ascii_case("updates.enabled") {
                    toml::Value::Boolean(n != 0)
                } else {
                    toml::Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
                }
            }
            Type::String | Type::ExpandString => {
                let text =
                    String::try_from(value).map_err(|e| bad(format!("'{value_name}': {e}")))?;
                value_from_text(&text)
            }
            Type::MultiString => {
                let items = Vec::<String>::try_from(value)
                    .map_err(|e| bad(format!("'{value_name}': {e}")))?;
                // Numbers are numbers in a list of minutes; elsewhere every item is text.
                let numbers = value_name
                    .to_ascii_lowercase()
                    .ends_with("warn_before_minutes");
                toml::Value::Array(
                    items
                        .into_iter()
                        // The data ends with two NULs: no empty items.
                        .filter(|item| !item.is_empty())
                        .map(|item| {
                            if numbers {
                                value_from_text(&item)
                            } else {
                                toml::Value::String(item)
                            }
                        })
                        .collect(),
                )
            }
            other => {
                return Err(bad(format!(
                    "'{value_name}' has a type Elevate does not read ({other:?})"
                )));
            }
        };
        table.insert(value_name, converted);
    }
    if table.is_empty() {
        return Ok(None);
    }
    from_table(table, name).map(Some)
}
