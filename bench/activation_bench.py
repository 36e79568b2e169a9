#!/usr/bin/env python3
"""API calls caused by one activation (and one deactivation) started from the tray.

Run by scripts/bench-activation.sh (which builds the release binaries first); writes
bench/activation_calls.md. Usage: activation_bench.py ELEVATE_TRAY ELEVATE_CLI OUT.md

The tray app runs as in bench/tray_bench.py's `elevate-tenant` case: a release build on a private
Xvfb and D-Bus session, signed in through the browser flow (a scripted $BROWSER) to the simulator
run as a separate process (`elevate sim`), so no embedded demo simulator mixes in, and driven over
com.canonical.dbusmenu as a panel drives it. Real clock (scale 1).

Counting: ARM and Graph calls come from the simulator's request log (`GET /_sim/log`). The
simulator does not log its identity endpoints (/authorize, /token, /devicecode), so the config's
`authority` points at a small forwarding proxy in this process that counts them; ARM and Graph go
to the simulator directly.

Each repetition (a fresh simulator, data folder and tray):
  1. sign in from the menu ("Sign in…"), wait until the menu lists the Azure roles;
  2. (a) "Activate…" → "Azure resources" → "Reader @ Contoso Platform" (its policy asks nothing, so
     the tray activates it at once);
  3. (b) the same role's "Deactivate" under "Active";
  4. an idle window with no click, as long as the longest of (a) and (b).
Before each click and before the idle window the bench waits for one of the watcher's regular
polls and 3 s of quiet after it, so that no regular poll is due inside the window (the next one
is a minute away, and the click's poke replaces it). A window runs from the click until no new
call for QUIET seconds (default 15: longer than the watcher's 10 s busy interval), at most
MAX_WINDOW seconds. The idle window is counted over the same lengths from its start.
"""
import datetime
import http.client
import http.server
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from tray_bench import MENU, Session, item_id

BURST = 2.0
RUNS = int(os.environ.get("ACTIVATION_BENCH_RUNS", "3"))
QUIET = float(os.environ.get("ACTIVATION_BENCH_QUIET", "15"))
MAX_WINDOW = float(os.environ.get("ACTIVATION_BENCH_MAX_WINDOW", "300"))
ROLE = "Reader @ Contoso Platform"
MENU_PATH = MENU["elevate"]
GROUPS = ["action", "policy", "lists", "identity", "other"]
LIST_KINDS = ["eligible", "active", "requests", "approvals"]
OTHER_KINDS = ["requester (Graph user)", "display name", "permissions (effect check)"]


# ---------------------------------------------------------------- the identity proxy


class IdentityProxy:
    """Forwards everything to the simulator and notes each request (wall time, method, path)."""

    def __init__(self, upstream):
        target = urllib.parse.urlsplit(upstream)
        self.calls = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                with proxy.lock:
                    proxy.calls.append((time.time(), self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "content-length")}
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    answer = conn.getresponse()
                    data = answer.read()
                    self.send_response(answer.status, answer.reason)
                    for k, v in answer.getheaders():
                        if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    conn.close()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def since(self, wall):
        with self.lock:
            return [c for c in self.calls if c[0] >= wall]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- the simulator


class Tenant:
    """The simulator as a separate process, with a home configured for it (identity via the proxy)."""

    def __init__(self, cli_bin):
        self.dir = tempfile.mkdtemp(prefix="activation-bench-")
        self.sim = subprocess.Popen([cli_bin, "sim", "--json", "--listen", "127.0.0.1:0", "--state",
                                     os.path.join(self.dir, "state.json")],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = json.loads(self.sim.stdout.readline())["url"].rstrip("/")
        self.proxy = IdentityProxy(self.url)
        # Deactivating needs the activation to be 5 minutes old by default; the bench deactivates
        # sooner. The rule changes what the simulator answers, not what the app asks.
        self.control("POST", "/_sim/settings", {"min_active_minutes_before_deactivate": 0})
        self.browser = os.path.join(self.dir, "browser.sh")
        with open(self.browser, "w") as f:
            f.write('#!/bin/sh\njar=$(mktemp)\ncurl -s -L --max-redirs 20 -c "$jar" -b "$jar" -o /dev/null "$1"\n'
                    'rm -f "$jar"\n')
        os.chmod(self.browser, 0o755)
        self.home = os.path.join(self.dir, "home")
        os.mkdir(self.home)
        with open(os.path.join(self.home, "config.toml"), "w") as f:
            f.write(f'cloud = "custom"\n[endpoints]\narm = "{self.url}"\ngraph = "{self.url}"\n'
                    f'authority = "{self.proxy.url}"\n'
                    'arm_scope = "https://management.core.windows.net//.default"\n'
                    'graph_scope = "https://graph.microsoft.com/.default"\n[sign_in]\nclient_id = "elevate-demo"\n')

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as answer:
            return json.loads(answer.read() or b"null")

    def log(self):
        return self.control("GET", "/_sim/log")

    def last_seq(self):
        entries = self.log()
        return max((e["seq"] for e in entries), default=-1)

    def sim_now(self):
        return parse_time(self.control("GET", "/_sim/info")["now"])

    def close(self):
        self.proxy.close()
        self.sim.kill()
        self.sim.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def parse_time(text):
    # RFC 3339 with up to nanoseconds: keep microseconds for datetime.
    m = re.match(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        raise SystemExit(f"unreadable time {text!r}")
    frac = (m.group(2) or ".0")[:7]
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.datetime.fromisoformat(m.group(1) + frac + zone)


# ---------------------------------------------------------------- what a call is


ANSI = re.compile(r"\x1b\[[0-9;]*m")
GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def shape(path, query):
    """The path with ids elided, plus the query's $filter (what tells the lists apart)."""
    p = re.sub(r"(?i)(managementGroups)/[^/]+", r"\1/{mg}", urllib.parse.unquote(path))
    p = re.sub(r"(?i)(resourceGroups)/[^/]+", r"\1/{rg}", p)
    p = re.sub(r"(?i)/(organizations|common|contoso\.example|" + GUID + ")/oauth2", "/{tenant}/oauth2", p)
    p = re.sub(GUID, "{id}", p)
    params = urllib.parse.parse_qs(query or "")
    extra = []
    for k, v in params.items():
        if k.lower() == "$filter":
            extra.append(f"$filter={re.sub(GUID, '{id}', v[0])}")
    if any(k.lower() == "$skiptoken" for k in params):
        extra.append("(next page)")
    return p + ("?" + "&".join(extra) if extra else "")


def api_of(path):
    low = path.lower()
    if "/oauth2/" in low or low.startswith("/devicelogin"):
        return "identity"
    if low.startswith("/v1.0/") or low.startswith("/beta/"):
        return "Graph"
    return "ARM"


def classify(method, path, query):
    """(group, list kind or detail) of one call."""
    low = urllib.parse.unquote(path).lower()
    q = urllib.parse.unquote(query or "").lower()
    if api_of(path) == "identity":
        return "identity", low.rsplit("/", 1)[-1]
    if "rolemanagementpolic" in low:
        return "policy", ""
    if method in ("PUT", "POST", "PATCH") and ("schedulerequests" in low or "approvals" in low):
        return "action", ""
    if "eligibilityscheduleinstances" in low:
        return "lists", "eligible"
    if "assignmentscheduleinstances" in low:
        return "lists", "active"
    if "schedulerequests" in low and ("asapprover()" in q or "on='approver'" in low):
        return "lists", "approvals"
    if "schedulerequests" in low and ("asrequestor()" in q or "on='principal'" in low):
        return "lists", "requests"
    if "roleassignmentapprovals" in low and method == "GET" and low.rstrip("/").endswith("roleassignmentapprovals"):
        return "lists", "approvals"
    if low.endswith("/permissions"):
        return "other", "permissions (effect check)"
    if re.search(r"/users/", low):
        return "other", "requester (Graph user)"
    if "roledefinitions" in low or "/subscriptions" in low or "managementgroups" in low or "/groups/" in low \
            or "administrativeunits" in low:
        return "other", "display name"
    return "other", ""


# ---------------------------------------------------------------- the tray


class Tray:
    """The release tray on a private session, signed in to `tenant`."""

    def __init__(self, binary, tenant):
        self.session = Session()
        self.log_path = os.path.join(self.session.dir, "app.log")
        env = dict(self.session.env, ELEVATE_HOME=tenant.home, BROWSER=tenant.browser,
                   ELEVATE_LOG="warn,elevate::tray=info")
        self.log = open(self.log_path, "w")
        self.app = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self.name = None

    def layout(self):
        name, layout = self.session.layout(self.app.pid, MENU_PATH)
        if name:
            self.name = name
        return layout or ""

    def click(self, item):
        self.session.click(self.name, MENU_PATH, item)

    def menu_lines(self):
        """The app's "menu" log lines (one per click it took)."""
        with open(self.log_path) as f:
            lines = [ANSI.sub("", line) for line in f]
        return [line for line in lines if "elevate::tray" in line and " menu" in line and "action=" in line]

    def notes_since(self, wall):
        """The app's own log lines about clicks and watcher events from `wall` on: (wall time, text)."""
        with open(self.log_path) as f:
            lines = [ANSI.sub("", line).strip() for line in f]
        notes = []
        for line in lines:
            m = re.match(r"(\S+Z)\s+\w+\s+elevate::tray: (menu action=.*|watch event .*)$", line)
            if m:
                at = parse_time(m.group(1)).timestamp()
                if at >= wall:
                    notes.append((at, m.group(2)))
        return notes

    def sign_in(self):
        start = time.monotonic()
        clicked = False
        while True:
            layout = self.layout()
            if not clicked and "Sign in…" in layout:
                self.click(item_id(layout, "Sign in…"))
                clicked = True
            if f"'{ROLE}'" in layout:
                return
            if time.monotonic() - start > 90:
                raise SystemExit("the tray never listed the roles after signing in")
            time.sleep(0.1)

    def click_reliably(self, find, what, tenant):
        """Clicks the item `find(layout)` returns; again with fresh ids when the app did not take it
        (taken: the app logged the click, or a call reached the simulator; the click comes seconds
        after a regular poll, so a call within 5 s is the click's)."""
        for _ in range(10):
            before = len(self.menu_lines())
            layout = self.layout()
            item = find(layout)
            if item is None:
                time.sleep(0.5)
                continue
            seq = tenant.last_seq()
            wall = time.time()
            self.click(item)
            end = time.monotonic() + 5
            while time.monotonic() < end:
                if len(self.menu_lines()) > before or tenant.last_seq() != seq:
                    return wall
                time.sleep(0.05)
        raise SystemExit(f"the tray never took the click on {what}")

    def quit(self):
        layout = self.layout()
        quit_id = item_id(layout, "Quit")
        if quit_id is not None:
            self.click(quit_id)
        try:
            self.app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        if self.app.poll() is None:
            self.app.kill()
            self.app.wait()
        self.log.close()
        self.session.close()


def activate_item(layout):
    return item_id(layout, ROLE)


def deactivate_item(layout):
    m = re.search(r"'label': <'" + re.escape(ROLE) + r" — [^']*'>.*?\((\d+), \{[^}]*'label': <'Deactivate'>",
                  layout)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------- windows


def wait_quiet(tenant, quiet):
    """Waits until no new call for `quiet` seconds."""
    last, seen = time.monotonic(), tenant.last_seq()
    while time.monotonic() - last < quiet:
        time.sleep(0.25)
        now_seq = tenant.last_seq()
        if now_seq != seen:
            seen, last = now_seq, time.monotonic()


def wait_after_poll(tenant, settle=3.0, timeout=400):
    """Waits for what is under way to end, then for the next batch of calls (one of the watcher's
    regular polls) and `settle` seconds of quiet after it."""
    wait_quiet(tenant, 5.0)
    seq = tenant.last_seq()
    start = time.monotonic()
    while tenant.last_seq() == seq:
        if time.monotonic() - start > timeout:
            raise SystemExit("no regular poll came")
        time.sleep(0.25)
    wait_quiet(tenant, settle)


def calls_after(tenant, seq0, sim_t0, wall_t0, window=None):
    """Every call after `seq0` (simulator log) and `wall_t0` (identity proxy), with offsets in
    seconds from the start, within `window` seconds when given."""
    rows = []
    for e in tenant.log():
        if e["seq"] <= seq0:
            continue
        offset = (parse_time(e["time"]) - sim_t0).total_seconds()
        rows.append({"t": offset, "method": e["method"], "path": e["path"], "query": e.get("query") or "",
                     "status": e["status"]})
    for wall, method, target in tenant.proxy.since(wall_t0):
        path, _, query = target.partition("?")
        rows.append({"t": wall - wall_t0, "method": method, "path": path, "query": query, "status": None})
    if window is not None:
        rows = [r for r in rows if r["t"] <= window]
    for r in rows:
        r["api"] = api_of(r["path"])
        r["group"], r["kind"] = classify(r["method"], r["path"], r["query"])
        r["shape"] = shape(r["path"], r["query"])
    rows.sort(key=lambda r: r["t"])
    return rows


def watch_until_quiet(tenant, seq0, wall_t0):
    """Waits until no new call came for QUIET seconds (at most MAX_WINDOW from the start); the
    window's length: the start to the last call, plus nothing after it."""
    last_change = time.monotonic()
    seen = (tenant.last_seq(), len(tenant.proxy.since(wall_t0)))
    start = time.monotonic()
    while time.monotonic() - last_change < QUIET and time.monotonic() - start < MAX_WINDOW:
        time.sleep(0.25)
        now = (tenant.last_seq(), len(tenant.proxy.since(wall_t0)))
        if now != seen:
            seen, last_change = now, time.monotonic()
    return last_change - start


def run_case(tenant, tray, find, what, expect_action=True):
    seq0 = tenant.last_seq()
    sim_before, wall_before = tenant.sim_now(), time.time()
    wall_t0 = tray.click_reliably(find, what, tenant)
    # The window starts when the click that was taken was sent (the clock runs at scale 1).
    sim_t0 = sim_before + datetime.timedelta(seconds=wall_t0 - wall_before)
    length = watch_until_quiet(tenant, seq0, wall_t0)
    rows = calls_after(tenant, seq0, sim_t0, wall_t0, window=length + 0.5)
    if expect_action and not any(r["group"] == "action" for r in rows):
        raise SystemExit(f"{what}: no activation or deactivation call reached the simulator")
    window = max((r["t"] for r in rows), default=0.0)
    notes = [(at - wall_t0, text) for at, text in tray.notes_since(wall_t0 - 1) if at - wall_t0 <= window + 1]
    return {"rows": rows, "window": window, "notes": notes}


def one_run(tray_bin, cli_bin):
    tenant = Tenant(cli_bin)
    tray = Tray(tray_bin, tenant)
    try:
        tray.sign_in()
        wait_after_poll(tenant)
        activate = run_case(tenant, tray, activate_item, f"Activate… → {ROLE}")
        # The grant must be listed with its Deactivate item before the next click.
        deadline = time.monotonic() + 60
        while deactivate_item(tray.layout()) is None:
            if time.monotonic() > deadline:
                raise SystemExit("the active grant never showed in the menu")
            time.sleep(0.5)
        wait_after_poll(tenant)
        deactivate = run_case(tenant, tray, deactivate_item, f"Active → {ROLE} → Deactivate")
        wait_after_poll(tenant)
        length = max(activate["window"], deactivate["window"]) + 1
        seq0 = tenant.last_seq()
        sim_t0, wall_t0 = tenant.sim_now(), time.time()
        time.sleep(length)
        idle = calls_after(tenant, seq0, sim_t0, wall_t0)
        return {
            "activate": activate,
            "deactivate": deactivate,
            "idle": idle,
        }
    finally:
        tray.quit()
        tenant.close()


# ---------------------------------------------------------------- the report


def counts(rows):
    c = {g: 0 for g in GROUPS}
    for r in rows:
        c[r["group"]] += 1
    c["total"] = len(rows)
    for k in LIST_KINDS:
        c[k] = sum(1 for r in rows if r["group"] == "lists" and r["kind"] == k)
    for k in OTHER_KINDS:
        c[k] = sum(1 for r in rows if r["group"] == "other" and r["kind"] == k)
    c["ARM"] = sum(1 for r in rows if r["api"] == "ARM")
    c["Graph"] = sum(1 for r in rows if r["api"] == "Graph")
    return c


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "an unknown CPU"


def median_of(values):
    m = statistics.median(values)
    return f"{m:g}"


def report(runs, out):
    keys = GROUPS + ["total"]
    lines = [
        "# API calls per tray activation",
        "",
        f"`scripts/bench-activation.sh` on {cpu_model()}, {os.cpu_count()} cores ({time.strftime('%Y-%m-%d')}, "
        f"host `{os.uname().nodename}`), release build of elevate-tray, real clock, signed in through the browser "
        "flow to the simulator run as a separate process (`elevate sim`), private Xvfb + D-Bus session, "
        f"menu clicked over com.canonical.dbusmenu. {len(runs)} repetitions, each with a fresh simulator, "
        "data folder and tray.",
        "",
        f"Role: **{ROLE}** (Azure resource role at a management group; its policy asks nothing, so "
        "\"Activate…\" activates it at once). A window runs from the click until no new call for "
        f"{QUIET:g} s (at most {MAX_WINDOW:g} s); the click comes 3 s after one of the watcher's regular "
        "polls, so no regular poll is due inside the window (the click's poke replaces the next one). "
        "`idle` is the same length with no click, starting the same way (3 s after a regular poll).",
        "",
        "## Calls by group (per run, then median of the runs)",
        "",
        "| case | window | action | policy | lists | identity | other | total | ARM | Graph | net of idle |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    summary = {}
    for case in ("activate", "deactivate"):
        per_run = []
        for i, run in enumerate(runs):
            data = run[case]
            c = counts(data["rows"])
            idle = counts([r for r in run["idle"] if r["t"] <= data["window"]])
            c["idle"] = idle["total"]
            c["net"] = c["total"] - idle["total"]
            c["window"] = data["window"]
            per_run.append(c)
            lines.append(
                f"| {case} (run {i + 1}) | {data['window']:.0f} s | "
                + " | ".join(str(c[k]) for k in keys)
                + f" | {c['ARM']} | {c['Graph']} | {c['net']} (idle: {c['idle']}) |")
        med = {k: median_of([c[k] for c in per_run]) for k in keys + ["ARM", "Graph", "net", "idle"]}
        med_window = statistics.median([c["window"] for c in per_run])
        summary[case] = (per_run, med)
        lines.append(
            f"| **{case}, median** | {med_window:.0f} s | "
            + " | ".join(f"**{med[k]}**" for k in keys)
            + f" | {med['ARM']} | {med['Graph']} | **{med['net']}** (idle: {med['idle']}) |")
    lines += [
        "",
        "Groups: *action* the PUT (ARM) or POST (Graph) of the schedule request; *policy* reads of the "
        "role's policy (`roleManagementPolicyAssignments`/`roleManagementPolicies`); *lists* the list reads "
        "(eligibilities, active instances, own requests, requests waiting for approval; each page counts); "
        "*identity* calls to the sign-in endpoints (/token, /authorize; counted by a proxy, as the "
        "simulator does not log them); *other*: display names, the requester lookups of ARM approvals "
        "(Graph `/users/{id}`), permission checks. *net of idle*: total minus the idle window's calls "
        "over the same length.",
        "",
        "List reads and other calls by kind (median):",
        "",
        "| case | " + " | ".join(f"lists: {k}" for k in LIST_KINDS) + " | " + " | ".join(OTHER_KINDS) + " |",
        "|---|" + "---|" * (len(LIST_KINDS) + len(OTHER_KINDS)),
    ]
    for case, (per_run, _) in summary.items():
        lines.append(f"| {case} | " + " | ".join(median_of([c[k] for c in per_run]) for k in LIST_KINDS + OTHER_KINDS)
                     + " |")
    lines += [
        "",
        f"When (median): within {BURST:g} s of the click (the action and what answers it at once) and after "
        "(the watcher's polls that follow), with the idle window's calls over each part:",
        "",
        f"| case | first {BURST:g} s | idle, first {BURST:g} s | after | idle, after |",
        "|---|---|---|---|---|",
    ]
    for case in ("activate", "deactivate"):
        parts = []
        for run in runs:
            rows, idle, window = run[case]["rows"], run["idle"], run[case]["window"]
            parts.append((sum(1 for r in rows if r["t"] <= BURST),
                          sum(1 for r in idle if r["t"] <= BURST),
                          sum(1 for r in rows if r["t"] > BURST),
                          sum(1 for r in idle if BURST < r["t"] <= window)))
        lines.append(f"| {case} | " + " | ".join(median_of([p[i] for p in parts]) for i in range(4)) + " |")
    idle_rows = runs[0]["idle"]
    lines += [
        "",
        RAW,
        "",
        "Offsets in seconds from the click (simulator time; identity calls: proxy time). Ids are elided "
        "(`{id}`, `{mg}`, `{rg}`), query parameters other than `$filter` dropped.",
    ]
    for case in ("activate", "deactivate"):
        lines += ["", f"### {case}", "", "| t (s) | group | method | API | path | status |", "|---|---|---|---|---|---|"]
        entries = [(r["t"], 1, r) for r in runs[0][case]["rows"]]
        entries += [(t, 0, text) for t, text in runs[0][case].get("notes", [])]
        for t, _, r in sorted(entries, key=lambda e: (e[0], e[1])):
            if isinstance(r, str):
                lines.append(f"| {t:.2f} | *tray log* | | | *{r.replace('|', '/')}* | |")
                continue
            group = r["group"] + (f" ({r['kind']})" if r["kind"] else "")
            lines.append(f"| {r['t']:.2f} | {group} | {r['method']} | {r['api']} | `{r['shape']}` | "
                         f"{r['status'] if r['status'] is not None else ''} |")
    lines += ["", "### idle (no click)", "", "| t (s) | group | method | API | path | status |",
              "|---|---|---|---|---|---|"]
    for r in idle_rows:
        group = r["group"] + (f" ({r['kind']})" if r["kind"] else "")
        lines.append(f"| {r['t']:.2f} | {group} | {r['method']} | {r['api']} | `{r['shape']}` | "
                     f"{r['status'] if r['status'] is not None else ''} |")
    # The reading of the code behind the figures is written by hand: keep it from the last file.
    kept = [EXPLAINED, "", "(Not written yet: read the code paths behind the figures.)"]
    if os.path.exists(out):
        with open(out) as f:
            old = f.read().split("\n")
        if EXPLAINED in old:
            kept = old[old.index(EXPLAINED):]
            if RAW in kept:
                kept = kept[:kept.index(RAW)]
            while kept and kept[-1] == "":
                kept.pop()
    generated = lines
    lines = lines[:figures_end(lines)] + ["", *kept, "", *lines[figures_end(lines):]]
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(out + ".tmp", out)
    print("\n".join(generated[:40]))


EXPLAINED = "## Where the calls come from"
RAW = "## Raw calls of run 1"


def figures_end(lines):
    """Where the raw lists start: the explanation goes between the figures and them."""
    return lines.index(RAW)


def main():
    if sys.argv[1] == "--report-from":
        # Writes the report again from a saved raw file (e.g. after changing the report's layout).
        with open(sys.argv[2]) as f:
            report(json.load(f), sys.argv[3])
        return
    tray_bin, cli_bin, out = sys.argv[1], sys.argv[2], sys.argv[3]
    runs = []
    for i in range(RUNS):
        print(f"run {i + 1}/{RUNS}", file=sys.stderr, flush=True)
        runs.append(one_run(tray_bin, cli_bin))
        # Kept outside the tree in case a later run fails.
        with open(os.path.join(tempfile.gettempdir(), "activation_calls.raw.json"), "w") as f:
            json.dump(runs, f, indent=1)
    report(runs, out)


if __name__ == "__main__":
    main()
