//! The command line, as clap reads it.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use elevate_core::model::{Source, Span, Ticket};

/// Just-in-time elevation in Azure PIM: list what you are eligible for, activate it, see what is active.
#[derive(Debug, Parser)]
#[command(name = "elevate", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Run against the built-in simulator and its demo tenant (state kept between runs).
    #[arg(long, global = true)]
    pub demo: bool,

    /// Print JSON instead of tables (listings are arrays of objects).
    #[arg(long, global = true)]
    pub json: bool,

    /// Use this signed-in account instead of the current one: its user name, or its tenant's id or
    /// domain, or another tenant of it (a guest tenant: id, domain or name), case-insensitive.
    /// `elevate accounts` lists them.
    #[arg(long, global = true, value_name = "NAME|TENANT")]
    pub account: Option<String>,

    /// More log output on stderr (-v info, -vv debug). Never includes tokens.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// What `elevate accounts` does besides listing.
#[derive(Debug, Subcommand)]
pub enum AccountsAction {
    /// Make this signed-in account, or another tenant of it, the current one (for the CLI and the
    /// tray's next start).
    Use {
        /// Its user name, or its tenant's id or domain, or a guest tenant's id, domain or name.
        #[arg(value_name = "NAME|TENANT")]
        account: String,
    },
}

/// Sources to include.
#[derive(Debug, Args, Clone, Default)]
pub struct SourceFilter {
    /// Only these sources: azure-resource, entra-role, group (repeatable).
    #[arg(long = "source", value_name = "SOURCE")]
    pub sources: Vec<Source>,
}

/// `elevate admin …`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create (or find and complete) Elevate's own app registration in your tenant: a public
    /// client with exactly the permissions Elevate needs and admin consent for them; prints the
    /// client id and the config to deploy. Needs an active Application Administrator, Cloud
    /// Application Administrator or Global Administrator role.
    RegisterApp {
        /// The client to sign you in with for this (default: Microsoft Graph Command Line Tools).
        #[arg(long, value_name = "ID")]
        client_id: Option<String>,
    },
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the roles you are eligible for.
    Roles {
        #[command(flatten)]
        filter: SourceFilter,
        /// Show the cached list from the last run without calling Azure.
        #[arg(long)]
        cached: bool,
    },
    /// List your active roles with the time left.
    Active {
        #[command(flatten)]
        filter: SourceFilter,
    },
    /// Sign in: Elevate's own sign-in in the browser (or --device-code), or --az-cli to use the Azure CLI's.
    Login {
        /// Sign in with a code typed in a browser elsewhere (when no browser can open here).
        #[arg(long, conflicts_with = "az_cli")]
        device_code: bool,
        /// Sign in through this tenant (id or domain) instead of any work or school account's own.
        #[arg(long, value_name = "TENANT")]
        tenant: Option<String>,
        /// Use the Azure CLI's sign-in (`az login`) instead of Elevate's own.
        #[arg(long)]
        az_cli: bool,
    },
    /// Sign out the current account (or --account NAME, or --all: every account, with the sealed
    /// token file and its key in the OS credential store).
    Logout {
        /// Sign out every account.
        #[arg(long, conflicts_with = "account")]
        all: bool,
    },
    /// List the signed-in accounts (the current one marked), or `accounts use NAME|TENANT` to make
    /// another the current one. `elevate login` adds an account.
    Accounts {
        #[command(subcommand)]
        action: Option<AccountsAction>,
    },
    /// Who is signed in: account, tenant and token expiry (never a token).
    Whoami,
    /// Check access without signing in: for each source, a token, its permissions (consent) and
    /// listing, one line per finding with what to do; exits non-zero on a problem.
    Doctor,
    /// What an administrator does once for the organisation.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Activate one or more roles (ROLE[@SCOPE], matched case-insensitively, or a role id).
    Activate(ActivateArgs),
    /// Deactivate one or more active roles.
    Deactivate {
        /// Roles to deactivate: ROLE[@SCOPE] or an id from `elevate active`.
        #[arg(required = true, value_name = "SELECTOR")]
        selectors: Vec<String>,
    },
    /// Extend active roles to last DURATION from now (clamped to each role's maximum).
    Extend {
        /// Roles to extend: ROLE[@SCOPE] or an id from `elevate active`.
        #[arg(required = true, value_name = "SELECTOR")]
        selectors: Vec<String>,
        /// How long from now (e.g. 1h); default from config (1h).
        #[arg(long = "for", value_name = "DURATION")]
        duration: Option<Span>,
        /// Justification.
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Request extension (an administrator decides) of time-bound assignments and eligibilities
    /// ending within 14 days, or with --renew their renewal within 14 days after they ended:
    /// Azure resource roles and Entra roles (PIM for Groups has no such request).
    RequestExtension {
        /// Assignments or eligibilities: ROLE[@SCOPE] or a key from `elevate active`/`roles`.
        #[arg(required = true, value_name = "SELECTOR")]
        selectors: Vec<String>,
        /// How long from now (e.g. 90d); default: as long again as the assignment has lasted.
        #[arg(long = "for", value_name = "DURATION")]
        duration: Option<Span>,
        /// Why you still need it (the administrator reads it).
        #[arg(long, value_name = "TEXT", required = true)]
        reason: String,
        /// Ask to renew what has ended (SelfRenew) instead of extending what is ending.
        #[arg(long)]
        renew: bool,
        /// Only eligibilities (default: both; an assignment wins when both match).
        #[arg(long, conflicts_with = "assignment")]
        eligibility: bool,
        /// Only active assignments.
        #[arg(long)]
        assignment: bool,
    },
    /// List your requests (pending ones; --all for every recent one).
    Requests {
        #[command(flatten)]
        filter: SourceFilter,
        /// Include finished requests.
        #[arg(long)]
        all: bool,
    },
    /// Cancel pending requests (by request name/id, or ROLE[@SCOPE]).
    Cancel {
        /// Requests to cancel.
        #[arg(required = true, value_name = "REQUEST")]
        requests: Vec<String>,
    },
    /// List the requests from others that wait for your approval (Azure resource roles, Entra roles and groups).
    Approvals,
    /// Approve requests that wait for you (by request name/id, or ROLE[@SCOPE]).
    Approve {
        /// Requests to approve.
        #[arg(required = true, value_name = "REQUEST")]
        requests: Vec<String>,
        /// Why (required; the requester sees it).
        #[arg(long, value_name = "TEXT", required = true)]
        reason: String,
    },
    /// Deny requests that wait for you (by request name/id, or ROLE[@SCOPE]).
    Deny {
        /// Requests to deny.
        #[arg(required = true, value_name = "REQUEST")]
        requests: Vec<String>,
        /// Why (required; the requester sees it).
        #[arg(long, value_name = "TEXT", required = true)]
        reason: String,
    },
    /// Show the history of requests made from this machine (with --azure, merged with the
    /// requests Azure holds for you from every tool and machine).
    History {
        /// CSV instead of a table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Merge with your requests as Azure lists them (made with the portal, another tool or
        /// another machine: "elsewhere").
        #[arg(long)]
        azure: bool,
        /// At most this many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Run the simulator of Azure's PIM endpoints as a server.
    Sim(SimArgs),
    /// Demo mode only: start the demo tenant afresh.
    Reset,
    /// Demo mode only: show the simulator's clock, or move it (to see grants expire without waiting).
    Clock {
        /// Move the clock forward by this much (e.g. 10m, 2h).
        #[arg(long, value_name = "DURATION")]
        advance: Option<Span>,
        /// Make the clock run this many times faster than real time (1 = normal).
        #[arg(long, value_name = "FACTOR")]
        scale: Option<f64>,
    },
    /// Watch your grants and requests until interrupted: warnings before a grant ends, and news when
    /// one ends, is revoked, becomes effective, or a request is approved or denied. Shows desktop
    /// notifications (with Extend / Deactivate / Activate again) and prints each event.
    Watch {
        /// Do not show desktop notifications; only print.
        #[arg(long)]
        no_notify: bool,
        /// Warn this long before a grant ends (repeatable; default 15m and 5m).
        #[arg(long = "warn", value_name = "DURATION")]
        warn: Vec<Span>,
        /// Demo only: run the simulator's clock this many times faster while watching (e.g. 60:
        /// an hour's grant ends in a minute, with its warnings).
        #[arg(long, value_name = "FACTOR")]
        speed: Option<f64>,
    },
    /// Show the settings in force (and which ones your organisation manages), or change one in
    /// config.toml.
    Config {
        /// What to do.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Print shell completions.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), as the packages install it as elevate(1).
    #[command(hide = true)]
    Man,
}

/// `elevate config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Show each setting, its value, and whether it is yours, your organisation's default, or
    /// managed (locked) by your organisation.
    Show,
    /// Change a setting in config.toml: cloud, activation.default_duration,
    /// notifications.warn_before_minutes (e.g. "15,5"), activation.justification_presets
    /// (separated by ';'), updates.enabled. A setting your organisation locks is refused.
    Set {
        /// The setting.
        key: String,
        /// Its new value.
        value: String,
    },
}

/// `elevate activate`.
#[derive(Debug, Args)]
pub struct ActivateArgs {
    /// Roles to activate: ROLE[@SCOPE] or an id from `elevate roles`.
    #[arg(required_unless_present = "again", value_name = "SELECTOR")]
    pub selectors: Vec<String>,
    /// Ask again as in an earlier request of yours (e.g. a denied one; its name from `elevate
    /// requests --all`): its role, duration, justification and ticket, unless given here.
    #[arg(long, value_name = "REQUEST", conflicts_with = "selectors")]
    pub again: Option<String>,
    /// How long (e.g. 30m, 2h, 1h30m, PT2H); clamped to each role's maximum. Default from config (1h).
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<Span>,
    /// Justification.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Ticket, as SYSTEM:NUMBER.
    #[arg(long, value_name = "SYSTEM:NUMBER")]
    pub ticket: Option<Ticket>,
    /// Start later: RFC 3339 (2026-01-31T09:00:00Z), HH:MM (local, next occurrence) or +DURATION.
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// Activate at a narrower scope below the eligible one (Azure resource roles).
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// Wait until each request is active (or decided), then report.
    #[arg(long, conflicts_with = "check")]
    pub wait: bool,
    /// Only check: ask Azure to validate each request (ARM's validate, Graph's isValidationOnly)
    /// and say whether it would be granted, wait for approval, or exactly what would be refused;
    /// nothing is created. Exits non-zero when one would be refused.
    #[arg(long)]
    pub check: bool,
    /// How long --wait waits.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub timeout: Span,
}

/// `elevate sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Keep the simulator's state in this file between runs.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Items per page of every list (exercises nextLink paging).
    #[arg(long, default_value_t = 50)]
    pub page_size: usize,
    /// Accept any well-formed JWT and take the caller from its oid claim (for third-party clients).
    #[arg(long)]
    pub accept_any_token: bool,
    /// The URL clients reach it at, when behind a proxy that forwards to the listening address
    /// (links and token audiences use it).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<url::Url>,
}
