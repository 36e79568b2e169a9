//! The tray menu's paths that change something in Azure, end to end: the real `elevate-tray --demo`
//! on a private Xvfb and D-Bus session, its menu clicked over `com.canonical.dbusmenu` and its icon
//! read from the StatusNotifierItem, as a panel does. Each click is checked on Azure's side, in the
//! embedded simulator's requests (its control API), and each icon state against the icon files the
//! app is built with: a pending request cancelled, the approvals decided elsewhere (idle), a saved
//! set, "Activate…" on a role that asks nothing (activated at once), Extend, Deactivate, a grant
//! ending soon, and a source that fails.

use elevate_e2e::dbusmenu::{Item, click_label, click_where, wait_for_icon, wait_for_menu};
use elevate_e2e::{Bus, Display, Home, TrayApp};
use elevate_sim::demo;
use serde_json::json;

use crate::control;

/// The submenu whose label starts with `prefix` (an active grant, a pending request).
fn submenu<'a>(menu: &'a Item, prefix: &str) -> Option<&'a Item> {
    menu.all()
        .into_iter()
        .find(|i| i.label.starts_with(prefix) && !i.children.is_empty())
}

/// The id of the clickable entry `label` of the submenu starting with `prefix`.
fn entry(menu: &Item, prefix: &str, label: &str) -> Option<i32> {
    submenu(menu, prefix)?
        .children
        .iter()
        .find(|c| c.label == label && c.enabled)
        .map(|c| c.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_menus_actions_reach_azure_and_the_icon_follows_each_state() {
    let display = Display::start();
    let bus = Bus::start();
    let home = Home::new();
    // A request waiting for approval, made with the CLI (same home, same demo tenant).
    home.run(&[
        "--demo",
        "activate",
        "Owner@Production",
        "--reason",
        "Hotfix",
        "--ticket",
        "ServiceNow:INC0012345",
    ])
    .ok();
    let app = TrayApp::start(&home, &display, &bus, "warn,elevate=info");
    let pid = app.child.id();
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sim = app.simulator_url().await;
    let owner = "Owner @ Contoso Production — ";

    // Grace's three requests wait for Ada: "Approvals (3)", and the approvals icon.
    wait_for_menu(&conn, pid, "the pending request and the approvals", |m| {
        submenu(m, owner).is_some() && m.find("Approvals (3)").is_some()
    })
    .await;
    wait_for_icon(&conn, pid, "approval").await;

    // Pending → Cancel request: Azure's request is canceled, and the menu drops it.
    click_where(&conn, pid, "Cancel request", |m| {
        entry(m, owner, "Cancel request")
    })
    .await;
    wait_for_menu(&conn, pid, "no pending request", |m| {
        submenu(m, owner).is_none()
    })
    .await;
    let canceled: Vec<_> = control::adas(&sim, demo::ROLE_OWNER, "selfactivate")
        .await
        .iter()
        .map(control::status)
        .collect();
    assert_eq!(canceled, ["Canceled"], "the Owner request in Azure");

    // Someone else decides Grace's requests; after Refresh nothing waits and nothing is active:
    // the idle icon.
    for request in control::requests(&sim).await {
        if control::field(&request, "principalId") == demo::SECOND_USER_OID
            && control::status(&request) == "PendingApproval"
        {
            let name = request["name"]
                .as_str()
                .or_else(|| request["id"].as_str())
                .unwrap_or_default();
            control::post(&sim, &format!("requests/{name}/deny"), json!({})).await;
        }
    }
    click_label(&conn, pid, "Refresh").await;
    wait_for_menu(&conn, pid, "no approvals", |m| {
        !m.labels().iter().any(|l| l.starts_with("Approvals ("))
    })
    .await;
    wait_for_icon(&conn, pid, "idle").await;

    // The saved set activates both of its roles with its own justification: elevated.
    click_label(&conn, pid, "Set: Morning checks (2 roles)").await;
    let reader = "Reader @ Contoso Platform — ";
    let global_reader = "Global Reader @ Directory — ";
    let menu = wait_for_menu(&conn, pid, "the set's roles active", |m| {
        submenu(m, reader).is_some() && submenu(m, global_reader).is_some()
    })
    .await;
    for id in [demo::ROLE_READER, demo::ENTRA_GLOBAL_READER] {
        let done = control::wait_for_provisioned(&sim, id, "selfactivate", 1).await;
        assert_eq!(
            control::field(&done[0], "justification"),
            "Daily health checks (demo)",
            "{done:#?}"
        );
    }
    wait_for_icon(&conn, pid, "elevated").await;

    // In its first five minutes Extend is greyed, with its reason.
    let blocked = submenu(&menu, reader)
        .and_then(|s| s.children.iter().find(|c| c.label.starts_with("Extend")))
        .unwrap_or_else(|| panic!("no Extend under {reader}: {:#?}", menu.labels()));
    assert!(
        !blocked.enabled && blocked.label.starts_with("Extend: "),
        "{blocked:?}"
    );

    // "Activate…" on a role whose policy asks nothing: activated at once, no window.
    let auditor = format!("{} @ Contoso Sandbox", demo::ROLE_MARKUP_AUDITOR_NAME);
    click_where(
        &conn,
        pid,
        "Activate… → Azure resources → the role",
        |m| {
            m.find("Activate…")?
                .find("Azure resources")?
                .find(&auditor)
                .map(|i| i.id)
        },
    )
    .await;
    let grant = format!("{auditor} — ");
    wait_for_menu(&conn, pid, "the role active", |m| {
        submenu(m, &grant).is_some()
    })
    .await;
    control::wait_for_provisioned(&sim, demo::ROLE_MARKUP_AUDITOR, "selfactivate", 1).await;
    assert!(
        !display.has_window("Elevate"),
        "a role that asks nothing opened the window"
    );

    // Six minutes on, Extend is offered: it deactivates and activates again, same answers.
    control::advance(&sim, "PT6M").await;
    click_label(&conn, pid, "Refresh").await;
    click_where(&conn, pid, "Extend offered", |m| entry(m, reader, "Extend")).await;
    control::wait_for(&sim, demo::ROLE_READER, "selfdeactivate", "Revoked", 1).await;
    let activations =
        control::wait_for_provisioned(&sim, demo::ROLE_READER, "selfactivate", 2).await;
    for activation in &activations {
        assert_eq!(
            control::field(activation, "justification"),
            "Daily health checks (demo)",
            "{activations:#?}"
        );
    }

    // Deactivate ends the other one in Azure, and the menu drops it.
    click_where(&conn, pid, "Deactivate", |m| entry(m, &grant, "Deactivate")).await;
    control::wait_for(
        &sim,
        demo::ROLE_MARKUP_AUDITOR,
        "selfdeactivate",
        "Revoked",
        1,
    )
    .await;
    wait_for_menu(&conn, pid, "the role no longer active", |m| {
        submenu(m, &grant).is_none()
    })
    .await;

    // The set's Global Reader ends in four minutes: the icon says a role ends soon.
    control::advance(&sim, "PT50M").await;
    click_label(&conn, pid, "Refresh").await;
    wait_for_icon(&conn, pid, "expiring").await;

    // Azure refuses to list one source: the menu says so, and the icon shows the error.
    control::post(
        &sim,
        "faults",
        json!({"kind": "status", "status": 403, "path_contains": "roleEligibilitySchedule", "count": 1000}),
    )
    .await;
    click_label(&conn, pid, "Refresh").await;
    wait_for_menu(&conn, pid, "a warning about the failed source", |m| {
        m.labels().iter().any(|l| l.starts_with("⚠ "))
    })
    .await;
    wait_for_icon(&conn, pid, "error").await;
    drop(app);
    drop(display);
}
