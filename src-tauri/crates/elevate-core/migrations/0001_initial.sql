-- Elevate's local database: history of requests, a disposable cache, favourites, sets and settings.
-- Times are UTC, RFC 3339 with microseconds and a 'Z' (so text order is time order).
-- Model values that may grow (eligibilities, policies, sets) are stored as JSON.

CREATE TABLE history (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               TEXT    NOT NULL,
    account          TEXT    NOT NULL,
    source           TEXT    NOT NULL,
    role_key         TEXT    NOT NULL,
    role_name        TEXT    NOT NULL,
    scope_id         TEXT    NOT NULL,
    scope_name       TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    justification    TEXT,
    ticket_system    TEXT,
    ticket_number    TEXT,
    duration_secs    INTEGER,
    status           TEXT    NOT NULL,
    azure_status     TEXT,
    azure_request_id TEXT,
    error            TEXT
);
CREATE INDEX history_by_time ON history (at DESC, id DESC);
CREATE INDEX history_by_azure_id ON history (azure_request_id);

CREATE TABLE eligibility_cache (
    account    TEXT NOT NULL,
    source     TEXT NOT NULL,
    role_key   TEXT NOT NULL,
    body       TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (account, source, role_key)
);

CREATE TABLE policy_cache (
    account    TEXT NOT NULL,
    role_key   TEXT NOT NULL,
    body       TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (account, role_key)
);

CREATE TABLE favourites (
    role_key      TEXT PRIMARY KEY,
    label         TEXT,
    justification TEXT,
    ticket_system TEXT,
    ticket_number TEXT,
    duration_secs INTEGER,
    created       TEXT NOT NULL
);

CREATE TABLE role_sets (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    body TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
