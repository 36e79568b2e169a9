//! Managed configuration through the CLI, as processes: a policy file (`ELEVATE_MANAGED_CONFIG`,
//! standing in for `/etc/elevate/managed.toml`) whose locked value applies and cannot be changed,
//! whose unlocked defaults yield to the user's `config.toml`, and which, garbled, is reported
//! while Elevate runs on the user's settings.

use elevate_e2e::{Home, Run};
use serde_json::Value;

const POLICY: &str = "locked = [\"activation.default_duration\", \"sign_in.tenant\"]\n\
[sign_in]\ntenant = \"contoso.example\"\n\
[activation]\ndefault_duration = \"2h\"\njustification_presets = [\"Change request\"]\n\
[notifications]\nwarn_before_minutes = [30]\n";

fn setting<'a>(show: &'a Value, key: &str) -> &'a Value {
    show["settings"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["key"] == key))
        .unwrap_or_else(|| panic!("no {key} in {show:#}"))
}

fn show(home: &Home) -> (Value, Run) {
    let run = home.run(&["config", "show", "--json"]).ok();
    (run.json(), run)
}

#[test]
fn a_locked_managed_value_applies_and_the_cli_refuses_to_change_it() {
    let home = Home::new();
    let policy = home.path().join("managed.toml");
    std::fs::write(&policy, POLICY).unwrap_or_else(|e| panic!("{e}"));
    // The user's own file says otherwise; the lock wins.
    std::fs::write(
        home.path().join("config.toml"),
        "[activation]\ndefault_duration = \"4h\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (settings, _) = show(&home);
    let duration = setting(&settings, "activation.default_duration");
    assert_eq!(duration["value"], "2h", "{settings:#}");
    assert_eq!(duration["locked"], true);
    assert_eq!(duration["managed_by"], policy.display().to_string());

    let refused = home.run(&["config", "set", "activation.default_duration", "3h"]);
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("activation.default_duration is managed by your organisation")
            && refused.stderr.contains(&policy.display().to_string()),
        "{}",
        refused.stderr
    );
    let text = std::fs::read_to_string(home.path().join("config.toml")).unwrap_or_default();
    assert_eq!(
        text, "[activation]\ndefault_duration = \"4h\"\n",
        "the file is untouched"
    );

    // `login --tenant` to another tenant than the locked one is refused before any sign-in.
    let other = home.run(&["login", "--tenant", "fabrikam.example", "--device-code"]);
    assert_eq!(other.code, Some(1));
    assert!(
        other.stderr.contains("sign_in.tenant is managed"),
        "{}",
        other.stderr
    );

    // The value applies to what the session does: in demo mode an activation without --for asks
    // for the managed two hours.
    let activated = home
        .run(&[
            "--demo",
            "activate",
            "Contributor@Contoso Development",
            "--reason",
            "managed",
            "--json",
        ])
        .ok()
        .json();
    let text = activated.to_string();
    assert!(
        text.contains("PT2H") || text.contains("\"duration\":\"2h\""),
        "{activated:#}"
    );
}

#[test]
fn an_unlocked_managed_default_yields_to_the_users_config() {
    let home = Home::new();
    std::fs::write(home.path().join("managed.toml"), POLICY).unwrap_or_else(|e| panic!("{e}"));
    let (settings, _) = show(&home);
    let presets = setting(&settings, "activation.justification_presets");
    assert_eq!(presets["value"], "Change request");
    assert_eq!(presets["locked"], false);
    assert!(
        presets["from"]
            .as_str()
            .unwrap_or_default()
            .contains("organisation's default")
    );

    // The user changes it (allowed: not locked) and their value wins from then on.
    home.run(&[
        "config",
        "set",
        "activation.justification_presets",
        "Mine; Other",
    ])
    .ok();
    home.run(&["config", "set", "notifications.warn_before_minutes", "20,5"])
        .ok();
    let (settings, _) = show(&home);
    assert_eq!(
        setting(&settings, "activation.justification_presets")["value"],
        "Mine; Other"
    );
    assert_eq!(
        setting(&settings, "activation.justification_presets")["from"],
        "yours"
    );
    assert_eq!(
        setting(&settings, "notifications.warn_before_minutes")["value"],
        "20,5"
    );
}

#[test]
fn a_garbled_managed_file_is_reported_and_the_users_settings_apply() {
    let home = Home::new();
    let policy = home.path().join("managed.toml");
    std::fs::write(&policy, "locked = [[[ not toml").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        home.path().join("config.toml"),
        "[activation]\ndefault_duration = \"4h\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (settings, run) = show(&home);
    assert!(
        run.stderr.contains(&policy.display().to_string())
            && run.stderr.contains("Elevate uses your own settings only"),
        "{}",
        run.stderr
    );
    assert!(
        settings["managed_problem"]
            .as_str()
            .is_some_and(|p| p.contains("not usable"))
    );
    assert_eq!(
        setting(&settings, "activation.default_duration")["value"],
        "4h"
    );
    assert_eq!(
        setting(&settings, "activation.default_duration")["locked"],
        false
    );
    // A lock naming no known setting is garbage too, and so is a value Elevate cannot use.
    std::fs::write(&policy, "locked = [\"colour\"]\n").unwrap_or_else(|e| panic!("{e}"));
    let (_, run) = show(&home);
    assert!(run.stderr.contains("colour"), "{}", run.stderr);
    std::fs::write(&policy, "[notifications]\nwarn_before_minutes = [0]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (settings, run) = show(&home);
    assert!(run.stderr.contains("warn_before_minutes"), "{}", run.stderr);
    assert_eq!(
        setting(&settings, "notifications.warn_before_minutes")["value"],
        "15,5"
    );
    // The demo still starts.
    home.run(&["--demo", "roles", "--json"]).ok();
}
