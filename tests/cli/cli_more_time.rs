//! `elevate roles`' ELIGIBLE UNTIL and `elevate request-extension` for eligibilities (and its
//! `--renew` form), against the demo tenant, whose Contoso Incident Responder eligibility ends in
//! 10 days.

use elevate_e2e::Home;

#[test]
fn roles_show_days_left_and_an_eligibility_extension_is_requested_for_an_administrator() {
    let home = Home::new();
    let roles = home.run(&["--demo", "roles"]).ok();
    let line = roles
        .stdout
        .lines()
        .find(|l| l.contains("Contoso Incident Responder"))
        .unwrap_or_else(|| panic!("{}", roles.stdout));
    assert!(line.contains("in 10 days"), "{line}");
    assert!(roles.stdout.contains("ELIGIBLE UNTIL"), "{}", roles.stdout);
    assert!(roles.stdout.contains("permanent"), "{}", roles.stdout);

    // Renewal before the end: refused by Elevate, nothing sent.
    let early = home.run(&[
        "--demo",
        "request-extension",
        "Contoso Incident Responder",
        "--eligibility",
        "--renew",
        "--reason",
        "on call",
    ]);
    assert_eq!(early.code, Some(1), "{}{}", early.stdout, early.stderr);
    assert!(
        early.stdout.contains("has not ended yet"),
        "{}",
        early.stdout
    );

    // Outside the window: a year away.
    let far = home.run(&[
        "--demo",
        "request-extension",
        "Contributor@Contoso Development",
        "--eligibility",
        "--reason",
        "project",
    ]);
    assert_eq!(far.code, Some(1), "{}{}", far.stdout, far.stderr);
    assert!(far.stdout.contains("within 14 days"), "{}", far.stdout);

    let asked = home
        .run(&[
            "--demo",
            "request-extension",
            "Contoso Incident Responder",
            "--eligibility",
            "--for",
            "90d",
            "--reason",
            "on call",
        ])
        .ok();
    assert!(
        asked.stdout.contains("an administrator decides"),
        "{}",
        asked.stdout
    );
    // Azure holds it: a second one is already pending.
    let again = home.run(&[
        "--demo",
        "--json",
        "request-extension",
        "Contoso Incident Responder",
        "--eligibility",
        "--reason",
        "on call",
    ]);
    assert!(
        again.stdout.contains("already-pending"),
        "{}{}",
        again.stdout,
        again.stderr
    );
}
