//! `elevate requests` names who may approve a waiting request (users and groups, from the role's
//! approval rule, named through Graph) and gives an e-mail and a Teams link carrying the request's
//! summary, each text percent-encoded so that a justification cannot add a recipient, a header or
//! a parameter.

use elevate_e2e::Home;
use serde_json::Value;

const HOSTILE: &str =
    "Hotfix & deploy?cc=evil@example.com&body=x #1 \"quoted\" 100%\nBcc: evil@example.com";

fn query(link: &str) -> Vec<(String, String)> {
    url::Url::parse(link)
        .unwrap_or_else(|e| panic!("{link}: {e}"))
        .query_pairs()
        .into_owned()
        .collect()
}

#[test]
fn requests_show_the_approvers_and_links_that_carry_the_summary_as_text() {
    let home = Home::new();
    let asked = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "Owner@Production",
            "--reason",
            HOSTILE,
            "--ticket",
            "ServiceNow:INC0012345",
        ])
        .ok()
        .json();
    assert_eq!(asked[0]["outcome"], "pending-approval", "{asked:#}");
    let name = asked[0]["request"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let listed = home.run(&["--demo", "--json", "requests"]).ok().json();
    let request = listed
        .as_array()
        .and_then(|all| all.iter().find(|r| r["name"] == name.as_str()))
        .unwrap_or_else(|| panic!("{listed:#}"));
    // Azure's record is all there, with who may approve beside it.
    assert_eq!(request["status"], "pending-approval", "{request:#}");
    let waiting = &request["waiting_for"];
    let approvers: Vec<(&str, &str, Option<&str>)> = waiting["approvers"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["name"].as_str().unwrap_or_default(),
                        x["kind"].as_str().unwrap_or_default(),
                        x["mail"].as_str(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        approvers,
        vec![
            ("Grace Hopper", "user", Some("grace@contoso.example")),
            ("Ada Lovelace", "user", Some("ada@contoso.example")),
            (
                "PIM Approvers",
                "group",
                Some("pim-approvers@contoso.example")
            ),
        ],
        "{waiting:#}"
    );

    // One e-mail to all three addresses: subject and body only, the justification quoted as text.
    let mail = waiting["mail_all"]
        .as_str()
        .unwrap_or_else(|| panic!("{waiting:#}"));
    assert!(
        mail.starts_with("mailto:grace%40contoso.example,ada%40contoso.example,pim-approvers%40contoso.example?subject="),
        "{mail}"
    );
    let pairs = query(mail);
    assert_eq!(
        pairs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["subject", "body"],
        "{mail}"
    );
    assert!(
        pairs[0]
            .1
            .starts_with("Please approve my request: Owner at ")
            && pairs[0].1.ends_with("Contoso Production"),
        "{pairs:?}"
    );
    let body = &pairs[1].1;
    assert!(body.contains("Role: Owner\r\n"), "{body}");
    assert!(body.contains("Justification: \"Hotfix & deploy?cc=evil@example.com&body=x #1 \"quoted\" 100% Bcc: evil@example.com\""), "{body}");
    assert!(body.contains(&format!("Request id: {name}")), "{body}");
    assert!(!mail.contains(' ') && !mail.contains('\n'), "{mail}");

    // A Teams chat with the two users (a group has no chat), by sign-in name.
    let teams = waiting["teams_all"]
        .as_str()
        .unwrap_or_else(|| panic!("{waiting:#}"));
    assert!(
        teams.starts_with("https://teams.microsoft.com/l/chat/0/0?users="),
        "{teams}"
    );
    let pairs = query(teams);
    assert_eq!(
        pairs[0],
        (
            "users".to_owned(),
            "grace@contoso.example,ada@contoso.example".to_owned()
        )
    );
    assert_eq!(pairs[1].0, "message");
    assert!(
        pairs[1]
            .1
            .contains("Hotfix & deploy?cc=evil@example.com&body=x"),
        "{teams}"
    );
    assert_eq!(pairs.len(), 2, "{teams}");
    // Each approver has their own links.
    let group = &waiting["approvers"][2];
    assert!(group["teams_link"].is_null(), "{group:#}");
    assert!(
        group["mail_link"]
            .as_str()
            .is_some_and(|l| l.starts_with("mailto:pim-approvers%40contoso.example?")),
        "{group:#}"
    );

    // The table: an APPROVERS column, one line per row, and the links below.
    let table = home.run(&["--demo", "requests"]).ok().stdout;
    let header = table.lines().next().unwrap_or_default();
    assert!(header.contains("APPROVERS"), "{table}");
    let row = table
        .lines()
        .find(|l| l.starts_with(&name))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        row.contains("Grace Hopper, Ada Lovelace, PIM Approvers (group)"),
        "{table}"
    );
    assert!(
        table.contains(&format!("E-mail the approvers of {name}: mailto:")),
        "{table}"
    );
    assert!(
        table.contains(&format!(
            "Teams chat with the approvers of {name}: https://teams.microsoft.com/l/chat/0/0?users="
        )),
        "{table}"
    );
    assert!(
        !table.contains("Bcc: evil"),
        "the justification is not printed raw: {table}"
    );

    // A finished request names nobody.
    home.run(&["--demo", "--json", "cancel", &name]).ok();
    let all = home
        .run(&["--demo", "--json", "requests", "--all"])
        .ok()
        .json();
    let canceled: Vec<&Value> = all
        .as_array()
        .map(|a| a.iter().filter(|r| r["name"] == name.as_str()).collect())
        .unwrap_or_default();
    assert!(
        !canceled.is_empty() && canceled.iter().all(|r| r.get("waiting_for").is_none()),
        "{all:#}"
    );
}
