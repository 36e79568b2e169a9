#!/usr/bin/env python3
"""What the grant watcher costs as the app runs: `elevate watch` (a release build) on the real clock
for a fixed window, counting the API calls in the simulator's request log.

Run by scripts/bench-watch.sh (which builds the release CLI first). Usage:
  watch_bench.py ELEVATE_CLI OUT.md [--window SECONDS] [--warmup SECONDS] [--label TEXT]

Four variants run at the same time, each with its own data folder and simulator:
  - demo mode: `elevate --demo watch`, the simulator embedded in the watching process (its URL is
    on the first line `watch --json` prints; its log is read over the control API);
  - tenant mode: `elevate sim` as a separate process, signed in through the browser flow (a
    scripted $BROWSER), `elevate watch` against it;
  each as an approver (the demo tenant's three requests from Grace Hopper wait for the demo user's
  approval: one per source) and as a user who approves nothing (those three are denied first, with
  `elevate deny`, before the watcher starts).
Each user first activates five roles with the CLI (two Azure resource roles, one Entra role, two
group memberships; 4 h each, so no warning or end falls in the window). The window starts
`--warmup` seconds after the watcher says it is watching (its first poll is not idle cost) and
lasts `--window` seconds; every request the simulator logged in it counts (ARM and Graph; the
identity endpoints are not in the log: a token refresh an hour is not counted).
"""
import argparse
import collections
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROLES = [
    "Contributor@Contoso Development",
    "Reader@Contoso Platform",
    "Global Reader",
    "member@PIM-Prod-Operators",
    "member@PIM-Security-Admins",
]
GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def control(url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as answer:
        return json.loads(answer.read() or b"null")


def shape(path, query):
    """The path with ids elided, plus its $filter: what tells the lists apart."""
    p = re.sub(r"(?i)(managementGroups|resourceGroups|subscriptions)/[^/]+", r"\1/{id}",
               urllib.parse.unquote(path))
    p = re.sub(GUID, "{id}", p)
    params = urllib.parse.parse_qs(query or "")
    extra = [f"$filter={re.sub(GUID, '{id}', v[0])}" for k, v in params.items()
             if k.lower() == "$filter"]
    return p + ("?" + "&".join(extra) if extra else "")


class Variant:
    def __init__(self, cli, mode, approver, root):
        self.cli, self.mode, self.approver = cli, mode, approver
        self.name = f"{mode}, {'approver' if approver else 'non-approver'}"
        self.dir = os.path.join(root, f"{mode}-{'approver' if approver else 'plain'}")
        os.mkdir(self.dir)
        self.home = os.path.join(self.dir, "home")
        os.mkdir(self.home)
        self.env = dict(os.environ, ELEVATE_HOME=self.home, ELEVATE_LOG="elevate=info")
        # No Secret Service: the sign-in is sealed in the data folder or kept in memory.
        self.env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        self.demo = ["--demo"] if mode == "demo" else []
        self.sim = None
        self.watch = None
        self.url = None
        self.error = None
        self.result = None

    def run(self, *args, check=True):
        done = subprocess.run([self.cli, *self.demo, *args], env=self.env, capture_output=True,
                              text=True, timeout=300)
        if check and done.returncode != 0:
            raise RuntimeError(f"{self.name}: elevate {' '.join(args)}: {done.stderr.strip()}")
        return done

    def prepare(self):
        if self.mode == "tenant":
            self.sim = subprocess.Popen([self.cli, "sim", "--json", "--listen", "127.0.0.1:0",
                                         "--state", os.path.join(self.dir, "state.json")],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            self.url = json.loads(self.sim.stdout.readline())["url"].rstrip("/")
            browser = os.path.join(self.dir, "browser.sh")
            with open(browser, "w") as f:
                f.write('#!/bin/sh\njar=$(mktemp)\ncurl -s -L --max-redirs 20 -c "$jar" -b "$jar"'
                        ' -o /dev/null "$1"\nrm -f "$jar"\n')
            os.chmod(browser, 0o755)
            self.env["BROWSER"] = browser
            with open(os.path.join(self.home, "config.toml"), "w") as f:
                f.write(f'cloud = "custom"\n[endpoints]\narm = "{self.url}"\ngraph = "{self.url}"\n'
                        f'authority = "{self.url}"\n'
                        'arm_scope = "https://management.core.windows.net//.default"\n'
                        'graph_scope = "https://graph.microsoft.com/.default"\n'
                        '[sign_in]\nclient_id = "elevate-demo"\n')
            self.run("login")
        self.run("activate", *ROLES, "--for", "4h", "--reason", "watch benchmark")
        if not self.approver:
            listed = json.loads(self.run("--json", "approvals").stdout or "[]")
            ids = [r.get("id") or r.get("name") for r in listed]
            if ids:
                self.run("deny", *ids, "--reason", "watch benchmark: approves nothing")
            left = json.loads(self.run("--json", "approvals").stdout or "[]")
            if left:
                raise RuntimeError(f"{self.name}: requests still wait for approval: {left}")

    def start(self):
        self.watch = subprocess.Popen([self.cli, *self.demo, "--json", "watch", "--no-notify"],
                                      env=self.env, stdout=subprocess.PIPE,
                                      stderr=open(os.path.join(self.dir, "watch.log"), "w"),
                                      text=True)
        started = json.loads(self.watch.stdout.readline())
        if self.mode == "demo":
            self.url = started["simulator"].rstrip("/")
        self.events = []
        threading.Thread(target=self.read_events, daemon=True).start()

    def read_events(self):
        for line in self.watch.stdout:
            try:
                self.events.append(json.loads(line))
            except ValueError:
                pass

    def last_seq(self):
        return max((e["seq"] for e in control(self.url, "GET", "/_sim/log")), default=-1)

    def measure(self, warmup, window):
        try:
            self.prepare()
            self.start()
            time.sleep(warmup)
            first = self.last_seq()
            began = time.time()
            time.sleep(window)
            entries = [e for e in control(self.url, "GET", "/_sim/log") if e["seq"] > first]
            elapsed = time.time() - began
            kinds = collections.Counter(shape(e["path"], e.get("query")) for e in entries)
            self.result = {
                "calls": len(entries),
                "seconds": elapsed,
                "per_hour": len(entries) * 3600.0 / elapsed,
                "kinds": kinds,
                "errors": sum(1 for e in entries if int(e.get("status") or 0) >= 400),
                "events": len(self.events),
            }
        except Exception as e:  # noqa: BLE001 - reported in the table
            self.error = str(e)
        finally:
            self.stop()

    def stop(self):
        for child in (self.watch, self.sim):
            if child and child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cli")
    parser.add_argument("out")
    parser.add_argument("--window", type=float, default=900)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="watch-bench-")
    variants = [Variant(args.cli, mode, approver, root)
                for mode in ("demo", "tenant") for approver in (True, False)]
    started = datetime.datetime.now(datetime.timezone.utc)
    threads = [threading.Thread(target=v.measure, args=(args.warmup, args.window)) for v in variants]
    for t in threads:
        t.start()
        time.sleep(2)
    for t in threads:
        t.join()
    lines = [
        f"### {args.label or 'run'}: {started:%Y-%m-%d %H:%M} UTC, window {args.window / 60:.0f} min",
        "",
        "| mode | user | calls in window | calls per hour | HTTP errors | events |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for v in variants:
        if v.error:
            lines.append(f"| {v.mode} | {'approver' if v.approver else 'non-approver'} | failed: {v.error} | | | |")
            continue
        r = v.result
        lines.append(f"| {v.mode} | {'approver' if v.approver else 'non-approver'} | {r['calls']} | "
                     f"{r['per_hour']:.0f} | {r['errors']} | {r['events']} |")
    lines += ["", "Calls by kind (whole window):", ""]
    for v in variants:
        if v.result:
            lines.append(f"- {v.name}: " + ", ".join(f"`{k}` {n}" for k, n in
                                                   sorted(v.result["kinds"].items(), key=lambda kv: -kv[1])))
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines += ["", f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; "
              f"warm-up {args.warmup:.0f} s before the window; four variants at once.", ""]
    text = "\n".join(lines)
    print(text)
    with open(args.out, "a") as f:
        f.write(text + "\n")
    shutil.rmtree(root, ignore_errors=True)
    sys.exit(1 if any(v.error for v in variants) else 0)


if __name__ == "__main__":
    main()
