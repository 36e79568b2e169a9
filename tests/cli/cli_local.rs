//! What the CLI answers from this machine alone, as processes: `elevate completions` (the bash script
//! loaded into a real bash and asked to complete), and `elevate roles --cached` (the list of the last
//! run, kept while the demo tenant's eligibilities run out behind it).

use std::collections::BTreeSet;
use std::process::Command;

use elevate_e2e::Home;
use serde_json::Value;

/// What bash's completion for `elevate` offers for the words `line` (the last one being completed).
fn bash_complete(script: &std::path::Path, line: &[&str]) -> Vec<String> {
    let words = line
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let program = format!(
        "source '{}'\nCOMP_WORDS=({words})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         _elevate elevate '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        line.len() - 1,
        line.join(" "),
        line.last().copied().unwrap_or_default(),
        line.get(line.len().saturating_sub(2))
            .copied()
            .unwrap_or_default(),
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    assert!(
        out.status.success(),
        "bash could not complete {line:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn completions_complete_elevates_commands_and_options_in_bash() {
    let home = Home::new();
    let bash = home.run(&["completions", "bash"]).ok();
    let script = home.path().join("elevate.bash");
    std::fs::write(&script, &bash.stdout).unwrap_or_else(|e| panic!("{e}"));

    let commands = bash_complete(&script, &["elevate", "act"]);
    assert!(
        commands.iter().any(|c| c == "activate") && commands.iter().any(|c| c == "active"),
        "{commands:?}"
    );
    assert!(
        commands.iter().all(|c| c.starts_with("act")),
        "only what fits: {commands:?}"
    );
    let options = bash_complete(&script, &["elevate", "activate", "--tic"]);
    assert_eq!(options, ["--ticket"], "activate's options");

    // The other shells get a script that knows the same commands; an unknown shell is a usage error.
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let script = home.run(&["completions", shell]).ok();
        for command in ["activate", "deactivate", "approvals", "request-extension"] {
            assert!(
                script.stdout.contains(command),
                "{shell}'s completions lack {command}"
            );
        }
    }
    let unknown = home.run(&["completions", "tcsh"]);
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);
}

/// The role ids in `roles --json` output.
fn ids(run: &Value) -> BTreeSet<String> {
    run.as_array()
        .unwrap_or_else(|| panic!("not a list: {run:#}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn roles_cached_lists_the_last_run_without_asking_azure() {
    let home = Home::new();
    let live = ids(&home.run(&["--demo", "--json", "roles"]).ok().json());
    assert!(live.len() >= 10, "{live:?}");
    assert_eq!(
        ids(&home
            .run(&["--demo", "--json", "roles", "--cached"])
            .ok()
            .json()),
        live
    );

    // 400 days on, the demo tenant's time-bound eligibilities have ended. The cache still has the
    // last run's list: `--cached` did not ask.
    home.run(&["--demo", "clock", "--advance", "P400D"]).ok();
    assert_eq!(
        ids(&home
            .run(&["--demo", "--json", "roles", "--cached"])
            .ok()
            .json()),
        live,
        "--cached must answer from the cache"
    );
    let now = ids(&home.run(&["--demo", "--json", "roles"]).ok().json());
    assert!(
        !now.is_empty() && now.len() < live.len(),
        "the eligibilities did not run out: {now:?}"
    );
    // A live run keeps the cache up to date.
    assert_eq!(
        ids(&home
            .run(&["--demo", "--json", "roles", "--cached"])
            .ok()
            .json()),
        now
    );
}

/// A reader that has gone (`elevate … | head -1` once head has its line) ends `elevate` quietly: the
/// pipe is closed before the program writes, so its first line meets a broken pipe.
#[test]
fn a_closed_pipe_on_stdout_ends_elevate_quietly_instead_of_panicking() {
    let home = Home::new();
    for args in [
        &["--demo", "roles"][..],
        &["--demo", "--json", "roles"][..],
        &["completions", "bash"][..],
    ] {
        let (reader, writer) = std::io::pipe().unwrap_or_else(|e| panic!("pipe: {e}"));
        drop(reader);
        let out = home
            .command()
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap_or_else(|e| panic!("cannot run elevate: {e}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked"),
            "elevate {args:?} panicked on a closed pipe: {stderr}"
        );
        assert_eq!(out.status.code(), Some(0), "elevate {args:?}: {stderr}");
    }
}
