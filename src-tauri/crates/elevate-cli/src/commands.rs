//! The commands that talk to Azure (or the demo simulator) through a signed-in session.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use elevate_core::Error;
use elevate_core::model::{AssignmentType, Expiring, Holding, MoreTime, Source};
use elevate_core::selector::{Selectable, select_one};
use elevate_core::session::{ActionResult, ActivationWish, Outcome, Session};
use elevate_core::store::HistoryQuery;

use crate::args::{ActivateArgs, Command};
use crate::output::{self, GrantJson, RoleJson};
use crate::start_time::parse_start;
use elevate_app::{Demo, Opened};

/// A signed-in session and what it runs on.
pub struct Context {
    pub(crate) session: Arc<Session>,
    pub(crate) opened: Opened,
    pub(crate) json: bool,
}

/// How many decided requests `elevate requests --all` asks Azure about (one read each).
const DECISIONS_READ: usize = 10;

impl Context {
    /// Opens the store, starts the demo simulator when asked, and signs in (see `elevate_app::open`).
    pub async fn open(demo: bool, json: bool, account: Option<&str>) -> Result<Context, Error> {
        let opened = elevate_app::open_account(
            demo,
            Arc::new(elevate_app::sign_in::StderrPrompt),
            false,
            account,
        )
        .await?;
        for warning in &opened.warnings {
            eprintln!("warning: {warning}");
        }
        Ok(Context {
            session: Arc::clone(&opened.session),
            opened,
            json,
        })
    }

    /// The embedded simulator in demo mode.
    pub(crate) fn demo(&self) -> Option<&Demo> {
        self.opened.demo.as_ref()
    }

    /// Stops the demo simulator (saving its state) and closes the store.
    pub async fn close(self) {
        let Context {
            session, opened, ..
        } = self;
        drop(session);
        opened.close().await;
    }

    /// Runs one command.
    pub async fn run(&self, command: Command) -> Result<ExitCode, Error> {
        match command {
            Command::Roles { filter, cached } => self.roles(&filter.sources, cached).await,
            Command::Active { filter } => self.active(&filter.sources).await,
            Command::Activate(args) => self.activate(args).await,
            Command::Deactivate { selectors } => self.deactivate(&selectors).await,
            Command::Extend {
                selectors,
                duration,
                reason,
            } => self.extend(&selectors, duration, reason).await,
            Command::RequestExtension {
                selectors,
                duration,
                reason,
                renew,
                eligibility,
                assignment,
            } => {
                let holdings = match (eligibility, assignment) {
                    (true, _) => vec![Holding::Eligibility],
                    (_, true) => vec![Holding::Assignment],
                    _ => vec![Holding::Assignment, Holding::Eligibility],
                };
                let ask = if renew {
                    MoreTime::Renew
                } else {
                    MoreTime::Extend
                };
                self.request_extension(&selectors, duration, &reason, ask, &holdings)
                    .await
            }
            Command::Requests { filter, all } => self.requests(&filter.sources, all).await,
            Command::Cancel { requests } => self.cancel(&requests).await,
            Command::History { csv, azure, limit } => {
                if azure {
                    self.activity(csv, limit).await
                } else {
                    self.history(csv, limit).await
                }
            }
            Command::Approvals => self.approvals().await,
            Command::Approve { requests, reason } => self.decide(&requests, true, &reason).await,
            Command::Deny { requests, reason } => self.decide(&requests, false, &reason).await,
            Command::Clock { advance, scale } => self.clock(advance, scale).await,
            Command::Watch {
                no_notify,
                warn,
                speed,
            } => crate::watch::run(self, !no_notify, &warn, speed).await,
            Command::Sim(_)
            | Command::Reset
            | Command::Completions { .. }
            | Command::Man
            | Command::Login { .. }
            | Command::Logout { .. }
            | Command::Accounts { .. }
            | Command::Whoami
            | Command::Config { .. }
            | Command::Doctor
            | Command::Admin { .. } => Err(Error::Invalid(
                "this command does not need a session".into(),
            )),
        }
    }

    async fn roles(&self, sources: &[Source], cached: bool) -> Result<ExitCode, Error> {
        let (items, failures) = if cached {
            let mut items = self.session.cached_roles().await?;
            items.retain(|e| sources.is_empty() || sources.contains(&e.source));
            (items, Vec::new())
        } else {
            let listing = self.session.roles(sources).await;
            (listing.items, listing.failures)
        };
        output::print_failures(&failures);
        if self.json {
            output::print_json(&items.iter().map(RoleJson::from).collect::<Vec<_>>());
        } else if items.is_empty() && failures.is_empty() {
            println!(
                "You are not eligible for any role{}.",
                if cached {
                    " (in the cache; run without --cached)"
                } else {
                    ""
                }
            );
        } else {
            output::roles_table(&items, self.session.clock().now());
        }
        Ok(exit_for_listing(items.is_empty(), &failures))
    }

    /// The time grants are measured against: the simulator's clock in demo mode (it can be moved or
    /// scaled), the wall clock otherwise.
    async fn now(&self) -> chrono::DateTime<Utc> {
        if let Some(demo) = self.demo()
            && let Ok(info) = demo.control("info", None).await
            && let Some(now) = info["now"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        {
            return now.with_timezone(&Utc);
        }
        Utc::now()
    }

    async fn active(&self, sources: &[Source]) -> Result<ExitCode, Error> {
        let listing = self.session.active(sources).await;
        output::print_failures(&listing.failures);
        let now = self.now().await;
        if self.json {
            output::print_json(
                &listing
                    .items
                    .iter()
                    .map(|g| GrantJson::new(g, now))
                    .collect::<Vec<_>>(),
            );
        } else if listing.items.is_empty() && listing.failures.is_empty() {
            println!("No active roles.");
        } else {
            output::active_table(&listing.items, now);
        }
        Ok(exit_for_listing(
            listing.items.is_empty(),
            &listing.failures,
        ))
    }

    async fn activate(&self, args: ActivateArgs) -> Result<ExitCode, Error> {
        let start = match &args.start {
            Some(text) => Some(parse_start(text, Utc::now()).map_err(Error::Invalid)?),
            None => None,
        };
        let listing = self.session.roles(&[]).await;
        output::print_failures(&listing.failures);
        let mut wish = ActivationWish {
            duration: args.duration,
            justification: args.reason.clone(),
            ticket: args.ticket.clone(),
            start,
            narrower_scope: args.scope.clone(),
        };
        let mut chosen = Vec::new();
        let mut failed_selectors = false;
        if let Some(earlier) = &args.again {
            let (eligibility, answers) = self.again(earlier, &listing.items).await?;
            wish.duration = wish.duration.or(answers.duration);
            wish.justification = wish.justification.or(answers.justification);
            wish.ticket = wish.ticket.or(answers.ticket);
            chosen.push((eligibility, wish.clone()));
        }
        for selector in &args.selectors {
            match select_one(&listing.items, selector) {
                Ok(e)
                    if chosen
                        .iter()
                        .any(|(c, _): &(elevate_core::model::Eligibility, _)| c.key == e.key) => {}
                Ok(e) => chosen.push((e.clone(), wish.clone())),
                Err(e) => {
                    eprintln!("error: {e}");
                    failed_selectors = true;
                }
            }
        }
        if args.check {
            let checks =
                futures::future::join_all(chosen.iter().map(|(e, w)| self.session.check(e, w)))
                    .await;
            if self.json {
                output::print_json(&checks);
            } else {
                output::check_lines(&checks);
            }
            let bad = checks.iter().any(|c| c.verdict.is_bad());
            return Ok(if bad || failed_selectors {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            });
        }
        let mut results = self.session.activate_many(&chosen).await;
        if args.wait {
            self.wait_all(&mut results, Duration::from_secs(args.timeout.as_seconds()))
                .await;
        }
        self.report(&results, "activated");
        Ok(exit_for_actions(&results, failed_selectors))
    }

    /// `activate --again REQUEST`: the user's earlier request named `REQUEST` (its name or id)
    /// and the eligibility it was for, with its answers.
    async fn again(
        &self,
        earlier: &str,
        eligible: &[elevate_core::model::Eligibility],
    ) -> Result<
        (
            elevate_core::model::Eligibility,
            elevate_core::model::RequestRecord,
        ),
        Error,
    > {
        let listing = self.session.requests(&[]).await;
        output::print_failures(&listing.failures);
        let wanted = earlier.trim();
        let request = listing
            .items
            .into_iter()
            .find(|r| r.name.eq_ignore_ascii_case(wanted) || r.id.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "no request '{}' among yours (`elevate requests --all` lists them)",
                    elevate_core::text::sanitize(wanted)
                ))
            })?;
        let eligibility = eligible
            .iter()
            .find(|e| e.key == request.key)
            .cloned()
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{} at {} is not among your eligible roles",
                    request.role.name, request.scope.name
                ))
            })?;
        Ok((eligibility, request))
    }

    async fn wait_all(&self, results: &mut [ActionResult], timeout: Duration) {
        if !self.json
            && results
                .iter()
                .any(|r| r.request.as_ref().is_some_and(|q| q.status.is_pending()))
        {
            eprintln!(
                "waiting up to {} for pending requests…",
                elevate_core::model::Span::from_seconds(timeout.as_secs())
            );
        }
        let waits = results.iter().map(|r| async {
            match &r.request {
                Some(request)
                    if matches!(
                        r.outcome,
                        Outcome::Done | Outcome::PendingApproval | Outcome::PendingOther
                    ) =>
                {
                    Some(self.session.wait_until_settled(request, timeout).await)
                }
                _ => None,
            }
        });
        let settled = futures::future::join_all(waits).await;
        for (result, waited) in results.iter_mut().zip(settled) {
            match waited {
                Some(Ok(record)) => {
                    result.outcome = record.status.into();
                    result.request = Some(record);
                }
                Some(Err(e)) => result
                    .notes
                    .push(format!("could not follow the request: {e}")),
                None => {}
            }
        }
    }

    /// The activated grants that `selectors` name; errors are printed and flagged.
    async fn select_activated(
        &self,
        selectors: &[String],
        verb: &str,
    ) -> (Vec<elevate_core::model::ActiveGrant>, bool) {
        let listing = self.session.active(&[]).await;
        output::print_failures(&listing.failures);
        let (activated, assigned): (Vec<_>, Vec<_>) = listing
            .items
            .into_iter()
            .partition(|g| g.assignment_type == AssignmentType::Activated);
        let mut chosen: Vec<elevate_core::model::ActiveGrant> = Vec::new();
        let mut failed = false;
        for selector in selectors {
            match select_one(&activated, selector) {
                Ok(g) if chosen.iter().any(|c| c.key == g.key) => {}
                Ok(g) => chosen.push(g.clone()),
                Err(Error::NoMatch { .. }) if select_one(&assigned, selector).is_ok() => {
                    eprintln!(
                        "error: '{selector}' is a standing assignment, not an activation; it cannot be {verb}"
                    );
                    failed = true;
                }
                Err(Error::NoMatch { selector }) => {
                    eprintln!(
                        "error: no active role matches '{selector}'; run `elevate active` to see them"
                    );
                    failed = true;
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    failed = true;
                }
            }
        }
        (chosen, failed)
    }

    async fn deactivate(&self, selectors: &[String]) -> Result<ExitCode, Error> {
        let (chosen, failed_selectors) = self.select_activated(selectors, "deactivated").await;
        let results = self.session.deactivate_many(&chosen).await;
        self.report(&results, "deactivated");
        Ok(exit_for_actions(&results, failed_selectors))
    }

    async fn extend(
        &self,
        selectors: &[String],
        duration: Option<elevate_core::model::Span>,
        reason: Option<String>,
    ) -> Result<ExitCode, Error> {
        let (chosen, failed_selectors) = self.select_activated(selectors, "extended").await;
        let wish = ActivationWish {
            duration,
            justification: reason,
            ..ActivationWish::default()
        };
        let results =
            futures::future::join_all(chosen.iter().map(|g| self.session.extend(g, &wish))).await;
        self.report(&results, "extended");
        Ok(exit_for_actions(&results, failed_selectors))
    }

    /// Asks an administrator for more time on time-bound assignments or eligibilities: what is
    /// listed now, and (for a renewal) what Elevate saw before it ended.
    async fn request_extension(
        &self,
        selectors: &[String],
        duration: Option<elevate_core::model::Span>,
        reason: &str,
        ask: MoreTime,
        holdings: &[Holding],
    ) -> Result<ExitCode, Error> {
        let (active, roles) = futures::join!(self.session.active(&[]), self.session.roles(&[]));
        output::print_failures(&active.failures);
        output::print_failures(&roles.failures);
        let mut candidates: Vec<Expiring> = active
            .items
            .iter()
            .filter(|g| g.assignment_type == AssignmentType::Assigned)
            .map(Expiring::from)
            .chain(roles.items.iter().map(Expiring::from))
            .collect();
        for known in self.session.known_ends().await {
            if !candidates
                .iter()
                .any(|c| c.holding == known.holding && c.key == known.key)
            {
                candidates.push(known);
            }
        }
        let mut chosen: Vec<Expiring> = Vec::new();
        let mut failed = false;
        for selector in selectors {
            let picked = holdings.iter().find_map(|h| {
                let of_kind: Vec<Expiring> = candidates
                    .iter()
                    .filter(|c| c.holding == *h)
                    .cloned()
                    .collect();
                match select_one(&of_kind, selector) {
                    Err(Error::NoMatch { .. }) => None,
                    other => Some(other.cloned()),
                }
            });
            match picked {
                Some(Ok(e))
                    if chosen
                        .iter()
                        .any(|c| c.key == e.key && c.holding == e.holding) => {}
                Some(Ok(e)) => chosen.push(e),
                None => {
                    eprintln!(
                        "error: no time-bound assignment or eligibility matches '{selector}' (an activation is extended with `elevate extend`); run `elevate active` or `elevate roles` to see them"
                    );
                    failed = true;
                }
                Some(Err(e)) => {
                    eprintln!("error: {e}");
                    failed = true;
                }
            }
        }
        let results = futures::future::join_all(chosen.iter().map(|e| {
            let length = duration.unwrap_or_else(|| elevate_core::model::Span::from_hours(90 * 24));
            self.session.request_extension(e, ask, length, reason)
        }))
        .await;
        self.report(
            &results,
            match ask {
                MoreTime::Extend => "extension requested",
                MoreTime::Renew => "renewal requested",
            },
        );
        Ok(exit_for_actions(&results, failed))
    }

    async fn requests(&self, sources: &[Source], all: bool) -> Result<ExitCode, Error> {
        let mut listing = self.session.requests(sources).await;
        output::print_failures(&listing.failures);
        if !all {
            listing.items.retain(|r| r.status.is_pending());
        }
        if all {
            self.explain_decisions(&mut listing.items).await;
        }
        let mut waiting = Vec::with_capacity(listing.items.len());
        for request in &listing.items {
            waiting.push(elevate_app::contact::waiting_for(&self.session, request).await);
        }
        if self.json {
            let items: Vec<output::RequestJson<'_>> = listing
                .items
                .iter()
                .zip(&waiting)
                .map(|(request, waiting)| output::RequestJson {
                    request,
                    waiting_for: waiting.as_ref(),
                })
                .collect();
            output::print_json(&items);
        } else if listing.items.is_empty() && listing.failures.is_empty() {
            println!(
                "{}",
                if all {
                    "No requests."
                } else {
                    "No pending requests (--all shows finished ones)."
                }
            );
        } else {
            output::requests_table(&listing.items, &waiting);
            output::decision_lines(&listing.items);
        }
        Ok(exit_for_listing(
            listing.items.is_empty(),
            &listing.failures,
        ))
    }

    /// Who decided the newest approved or denied requests and why (one read each, at most
    /// [`DECISIONS_READ`]), where Azure lets the requester read the approval.
    async fn explain_decisions(&self, items: &mut [elevate_core::model::RequestRecord]) {
        use elevate_core::model::RequestStatus;
        for request in items
            .iter_mut()
            .filter(|r| {
                r.approval_id.is_some()
                    && matches!(r.status, RequestStatus::Done | RequestStatus::Denied)
            })
            .take(DECISIONS_READ)
        {
            request.decision = self.session.decision(request).await;
        }
    }

    async fn approvals(&self) -> Result<ExitCode, Error> {
        let listing = self.session.approvals().await;
        output::print_failures(&listing.failures);
        if self.json {
            output::print_json(&listing.items);
        } else if listing.items.is_empty() && listing.failures.is_empty() {
            println!("Nothing waits for your approval.");
        } else {
            let now = self.now().await;
            let rows: Vec<Vec<String>> = listing
                .items
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        r.requester_text(),
                        r.role.name.clone(),
                        r.scope_path_text(),
                        r.source.to_string(),
                        r.kind.as_str().to_owned(),
                        r.duration.map(|d| d.to_string()).unwrap_or_default(),
                        r.start
                            .map(|s| s.format("%Y-%m-%d %H:%M UTC").to_string())
                            .unwrap_or_else(|| "now".to_owned()),
                        decide_within(r.created, now),
                        r.ticket
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        r.justification.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            output::print_table(
                &[
                    "REQUEST",
                    "REQUESTER",
                    "ROLE",
                    "SCOPE",
                    "SOURCE",
                    "TYPE",
                    "FOR",
                    "FROM",
                    "DECIDE WITHIN",
                    "TICKET",
                    "JUSTIFICATION",
                ],
                &rows,
            );
        }
        Ok(exit_for_listing(
            listing.items.is_empty(),
            &listing.failures,
        ))
    }

    async fn decide(
        &self,
        wanted: &[String],
        approve: bool,
        reason: &str,
    ) -> Result<ExitCode, Error> {
        let listing = self.session.approvals().await;
        output::print_failures(&listing.failures);
        let verb = if approve { "approved" } else { "denied" };
        Ok(self
            .act_on_requests(
                &listing.items,
                wanted,
                "waiting for your approval",
                "elevate approvals",
                verb,
                |r| {
                    format!(
                        "✔ {verb} {} @ {} for {}",
                        r.role.name,
                        r.scope_path_text(),
                        r.requester_text()
                    )
                },
                |r| self.session.decide(r, approve, reason),
                |text| one_requester(&listing.items, text),
            )
            .await)
    }

    async fn cancel(&self, wanted: &[String]) -> Result<ExitCode, Error> {
        let listing = self.session.requests(&[]).await;
        output::print_failures(&listing.failures);
        let pending: Vec<_> = listing
            .items
            .into_iter()
            .filter(|r| r.status.is_pending())
            .collect();
        Ok(self
            .act_on_requests(
                &pending,
                wanted,
                "pending",
                "elevate requests",
                "canceled",
                |r| {
                    format!(
                        "✔ canceled the request for {} @ {} ({})",
                        r.role.name,
                        r.scope.name,
                        r.key_text()
                    )
                },
                |r| self.session.cancel(r),
                |_| Ok(()),
            )
            .await)
    }

    /// Finds each of `wanted` among `pool` (by request id or name, else `ROLE[@SCOPE]`), runs `act` on
    /// it and reports each: `line` on success, or with `--json` one object per request with its
    /// `outcome`. A request that is not found or fails does not stop the others.
    #[allow(clippy::too_many_arguments)]
    async fn act_on_requests<'a, Fut>(
        &self,
        pool: &'a [elevate_core::model::RequestRecord],
        wanted: &[String],
        kind: &str,
        listing_command: &str,
        outcome: &str,
        line: impl Fn(&elevate_core::model::RequestRecord) -> String,
        act: impl Fn(&'a elevate_core::model::RequestRecord) -> Fut,
        check: impl Fn(&str) -> Result<(), Error>,
    ) -> ExitCode
    where
        Fut: std::future::Future<Output = Result<(), Error>>,
    {
        let mut failed = false;
        let mut done = Vec::new();
        for text in wanted {
            let found = check(text).and_then(|()| {
                pool.iter()
                    .find(|r| {
                        r.id.eq_ignore_ascii_case(text.trim())
                            || r.name.eq_ignore_ascii_case(text.trim())
                    })
                    .map(Ok)
                    .unwrap_or_else(|| select_one(pool, text))
            });
            let result = match found {
                Ok(request) => act(request).await.map(|()| request),
                Err(Error::NoMatch { selector }) => Err(Error::Invalid(format!(
                    "no request {kind} matches '{selector}'; run `{listing_command}`"
                ))),
                Err(e) => Err(e),
            };
            match result {
                Ok(request) => {
                    if !self.json {
                        println!("{}", line(request));
                    }
                    done.push(serde_json::json!({"request": request.id, "name": request.name, "role": request.role.name, "scope": request.scope.id, "outcome": outcome}));
                }
                Err(e) => {
                    failed = true;
                    if self.json {
                        done.push(serde_json::json!({"request": text, "outcome": "error", "error": e.report()}));
                    } else {
                        eprintln!("error: {e}");
                    }
                }
            }
        }
        if self.json {
            output::print_json(&done);
        }
        if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }

    async fn history(&self, csv: bool, limit: u32) -> Result<ExitCode, Error> {
        let store = self.session.store();
        let items = store
            .history(&HistoryQuery {
                limit: Some(limit),
                ..HistoryQuery::default()
            })
            .await?;
        if self.json {
            output::print_json(&items);
        } else if csv {
            output::history_csv(&items);
        } else if items.is_empty() {
            println!("No requests have been made from this machine yet.");
        } else {
            output::history_table(&items);
        }
        Ok(ExitCode::SUCCESS)
    }

    /// `history --azure`: this machine's history merged with the requests Azure lists for the
    /// user; a source that could not be listed is reported (its requests made elsewhere are
    /// missing).
    async fn activity(&self, csv: bool, limit: u32) -> Result<ExitCode, Error> {
        let activity = self.session.activity(limit).await?;
        output::print_failures(&activity.failures);
        if self.json {
            output::print_json(&activity.rows);
        } else if csv {
            output::activity_csv(&activity.rows);
        } else if activity.rows.is_empty() {
            println!("No requests, from this machine or elsewhere.");
        } else {
            output::activity_table(&activity.rows);
        }
        Ok(exit_for_listing(
            activity.rows.is_empty(),
            &activity.failures,
        ))
    }

    async fn clock(
        &self,
        advance: Option<elevate_core::model::Span>,
        scale: Option<f64>,
    ) -> Result<ExitCode, Error> {
        let Some(demo) = self.demo() else {
            return Err(Error::Invalid(
                "`clock` only applies to the demo tenant: run `elevate --demo clock`".into(),
            ));
        };
        let info = if advance.is_some() || scale.is_some() {
            let mut body = serde_json::json!({});
            if let Some(advance) = advance {
                body["advance"] = serde_json::json!(advance.to_iso8601());
            }
            if let Some(scale) = scale {
                if !(scale.is_finite() && scale > 0.0) {
                    return Err(Error::Invalid(format!(
                        "--scale must be a positive number, not {scale}"
                    )));
                }
                body["scale"] = serde_json::json!(scale);
            }
            demo.control("clock", Some(body)).await?
        } else {
            demo.control("info", None).await?
        };
        if self.json {
            output::print_json(&info);
        } else {
            println!(
                "Demo clock: {} (×{})",
                info["now"].as_str().unwrap_or("?"),
                info["clock_scale"]
            );
        }
        Ok(ExitCode::SUCCESS)
    }

    fn report(&self, results: &[ActionResult], verb: &str) {
        if self.json {
            output::print_json(results);
        } else {
            output::action_lines(results, verb);
        }
    }
}

/// Refuses a role selector (not a request id or name) that matches requests from more than one
/// person: a decision is about someone, so the user names the request (listing who asks what).
fn one_requester(pool: &[elevate_core::model::RequestRecord], text: &str) -> Result<(), Error> {
    let wanted = text.trim();
    if pool
        .iter()
        .any(|r| r.id.eq_ignore_ascii_case(wanted) || r.name.eq_ignore_ascii_case(wanted))
    {
        return Ok(());
    }
    let matching: Vec<&elevate_core::model::RequestRecord> = pool
        .iter()
        .filter(|r| select_one(std::slice::from_ref(*r), wanted).is_ok())
        .collect();
    let mut people: Vec<String> = matching
        .iter()
        .map(|r| {
            r.principal_id
                .clone()
                .unwrap_or_else(|| r.requester_text())
                .to_ascii_lowercase()
        })
        .collect();
    people.sort();
    people.dedup();
    if people.len() <= 1 {
        return Ok(());
    }
    Err(Error::Invalid(format!(
        "'{wanted}' matches requests from {} people; name the request (its REQUEST column):\n  {}",
        people.len(),
        matching
            .iter()
            .map(|r| format!(
                "{}  {} asks for {} @ {}",
                r.name,
                r.requester_text(),
                r.role.name,
                r.scope_path_text()
            ))
            .collect::<Vec<_>>()
            .join("\n  ")
    )))
}

/// Time left to decide a request created at `created`: PIM approvals expire after a day (the
/// policies' `approvalStageTimeOutInDays`, 1 by default).
fn decide_within(created: Option<chrono::DateTime<Utc>>, now: chrono::DateTime<Utc>) -> String {
    let Some(created) = created else {
        return String::new();
    };
    let left = created
        .checked_add_signed(chrono::TimeDelta::days(1))
        .map_or(i64::MAX, |deadline| (deadline - now).num_minutes());
    if left <= 0 {
        "expired".to_owned()
    } else {
        format!("{}h {:02}m", left / 60, left % 60)
    }
}

fn exit_for_listing(empty: bool, failures: &[elevate_core::session::SourceFailure]) -> ExitCode {
    if empty && !failures.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn exit_for_actions(results: &[ActionResult], failed_selectors: bool) -> ExitCode {
    let bad = results.iter().any(|r| {
        matches!(
            r.outcome,
            Outcome::Error | Outcome::Failed | Outcome::Denied | Outcome::Canceled
        )
    });
    if bad || failed_selectors {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
