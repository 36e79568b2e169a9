-- Events the watcher has already shown, so that nothing is shown twice, even across restarts.
CREATE TABLE notified (
    event_key TEXT PRIMARY KEY NOT NULL,
    at        TEXT NOT NULL
);
