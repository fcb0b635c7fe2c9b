# SPDX-License-Identifier: BSD-3-Clause
"""What the server-mode tests share: configuring synfin as a server, driving the kernel's
clients (tcp_client.py) in a namespace, and reading `show tcp stats`."""

import json
import os
import time

import harness as h

BODY = 1000          # response body bytes: one segment with the headers
MSL_MS = 1000        # short MSL: TIME_WAIT lasts 2 s
PORT_CLIENT_CLOSES = 80
PORT_SERVER_CLOSES = 8080


def configure_server(sf):
    """Addresses, short MSL, HTTP responses; port 80: client closes, 8080: server closes."""
    sf.cmd(f"port 0 address {h.SYNFIN_IP4}/24")
    sf.cmd(f"port 0 address {h.SYNFIN_IP6}/64")
    sf.cmd(f"set tcp msl {MSL_MS}")
    sf.cmd(f"response http {BODY}")
    sf.cmd("close client")
    sf.cmd(f"listen 0.0.0.0 {PORT_CLIENT_CLOSES}")
    sf.cmd(f"listen :: {PORT_CLIENT_CLOSES}")
    sf.cmd("close server")
    sf.cmd(f"listen 0.0.0.0 {PORT_SERVER_CLOSES}")
    sf.cmd(f"listen :: {PORT_SERVER_CLOSES}")


tcp_stats = h.tcp_stats


def clients(ns, host, port, count, concurrency, close, timeout=120, conn_timeout=10):
    r = ns.run([h.PY, os.path.join(h.HERE, "tcp_client.py"), host, str(port), "--count", str(count),
                "--concurrency", str(concurrency), "--body", str(BODY), "--close", close,
                "--timeout", str(conn_timeout)], timeout=timeout)
    return json.loads(r.stdout)


def wait_drained(sf, timeout=10.0):
    """Wait until no TCB and no TIME_WAIT entry is left; return the last stats."""
    deadline = time.monotonic() + timeout
    while True:
        s = tcp_stats(sf)
        if s.get("table.tcbs", -1) == 0 and s.get("table.keys", -1) == 0:
            return s
        if time.monotonic() > deadline:
            return s
        time.sleep(0.2)
