"""mitmproxy addon for the corporate-network test (tests/cli/cli_login.rs).

mitmproxy plays a TLS-inspecting corporate proxy: the client sends CONNECT azure.elevate.test:443,
mitmproxy answers the TLS handshake with a certificate from its own private CA, reads the request,
and this addon forwards it to the simulator on loopback (ELEVATE_TEST_FORWARD="name=host:port").
Every CONNECT and request is appended to ELEVATE_TEST_FLOWS, so the test can see what went through.
"""

import os

from mitmproxy import http

NAME, _, DESTINATION = os.environ["ELEVATE_TEST_FORWARD"].partition("=")
HOST, _, PORT = DESTINATION.rpartition(":")
FLOWS = os.environ["ELEVATE_TEST_FLOWS"]


def _note(line: str) -> None:
    with open(FLOWS, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def http_connect(flow: http.HTTPFlow) -> None:
    _note(f"CONNECT {flow.request.host}:{flow.request.port}")


def request(flow: http.HTTPFlow) -> None:
    if flow.request.host != NAME:
        flow.response = http.Response.make(502, b"unknown host", {"content-type": "text/plain"})
        _note(f"REFUSED {flow.request.host}")
        return
    _note(f"{flow.request.scheme} {flow.request.method} {flow.request.path.split('?')[0]}")
    flow.request.scheme = "http"
    flow.request.host = HOST
    flow.request.port = int(PORT)
