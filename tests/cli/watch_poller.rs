//! One poller per user, as processes: two `elevate --demo watch` of one user (one data folder).
//! Each embeds its own demo simulator, so each simulator's request log shows what that process
//! asked Azure: the first polls, the second follows (no call); killed with SIGKILL (no clean
//! exit), the first's lock goes with it and the second polls within seconds.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use elevate_e2e::Home;
use serde_json::Value;

/// Starts `elevate --demo --json watch --no-notify` and returns it with its simulator's URL.
fn watch(home: &Home) -> (Child, String) {
    let mut child = home
        .command()
        .args(["--demo", "--json", "watch", "--no-notify"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("ELEVATE_LOG", "elevate=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("{e}"));
    let started: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let url = started["simulator"]
        .as_str()
        .unwrap_or_else(|| panic!("{started}"))
        .to_owned();
    // Keep reading so that the pipe never fills.
    std::thread::spawn(move || for _ in reader.lines().map_while(Result::ok) {});
    (child, url)
}

/// Calls to the active-grants lists in a simulator's log.
fn grant_reads(sim: &str) -> usize {
    let output = std::process::Command::new("curl")
        .args(["-s", &format!("{sim}/_sim/log")])
        .output()
        .unwrap_or_else(|e| panic!("curl: {e}"));
    let log: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e["path"]
                .as_str()
                .is_some_and(|p| p.contains("ssignmentScheduleInstances"))
        })
        .count()
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn two_watch_processes_of_one_user_poll_once_and_the_second_takes_over_after_a_kill() {
    let home = Home::new();
    home.run(&[
        "--demo",
        "activate",
        "Global Reader",
        "--for",
        "1h",
        "--reason",
        "poller test",
    ])
    .ok();
    let (first, first_sim) = watch(&home);
    let start = Instant::now();
    while grant_reads(&first_sim) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the first watcher does not poll"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (second, second_sim) = watch(&home);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(grant_reads(&second_sim), 0, "the second process polled too");
    assert!(grant_reads(&first_sim) >= 1);

    stop(first);
    let killed = Instant::now();
    while grant_reads(&second_sim) == 0 {
        assert!(
            killed.elapsed() < Duration::from_secs(5),
            "the second process did not take over within 5 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    stop(second);
}
