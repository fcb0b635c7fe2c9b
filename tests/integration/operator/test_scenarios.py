#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every ready-made scenario in config/ runs: a synfin server and a synfin client joined over
net_memif, each loading its command file (which ends with `start`). After a couple of seconds
the client is stopped gracefully; then nothing it opened may be left open or have failed, and
the server's side of the books must match the client's. One pair of processes runs every
scenario in turn (`clear listeners` between server files).

SF_TEST_OP_SECONDS sets how long each scenario runs (default 2, 1 in the sanitized pass). The
sanitized pass also caps the client's open connections (the command files leave concurrency
alone, so a cap set before `load` holds), because a slowed server cannot keep up with 50,000
connections per second."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness as h  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(h.HERE))
CONFIG = os.path.join(ROOT, "config")
SANITIZED = "ASAN_OPTIONS" in os.environ
SECONDS = float(os.environ.get("SF_TEST_OP_SECONDS", "1" if SANITIZED else "2"))

# server file, client file, what else to check
SCENARIOS = [
    ("server-http.cmd", "client-http.cmd", "http"),
    ("server-handshake.cmd", "client-handshake.cmd", "handshake"),
    ("server-close-server.cmd", "client-close-server.cmd", "server-closes"),
    ("server-handshake-close-server.cmd", "client-handshake-close-server.cmd", "handshake-server-closes"),
    ("server-http.cmd", "client-http6.cmd", "http"),
]


counters = h.counters


def run(srv, cli, srv_file, cli_file, kind):
    out = srv.cmd(f"load {os.path.join(CONFIG, srv_file)}", timeout=20)
    ok = "Packet processing started" in out and "failed" not in out
    h.check(ok, f"{srv_file} loads and starts" + ("" if ok else f":\n{out}"))
    out = cli.cmd(f"load {os.path.join(CONFIG, cli_file)}", timeout=20)
    ok = "Packet processing started" in out and "failed" not in out
    h.check(ok, f"{cli_file} loads and starts" + ("" if ok else f":\n{out}"))
    time.sleep(SECONDS)
    out = cli.cmd("stop", timeout=30)
    h.check("Packet processing stopped" in out and "still open" not in out,
            f"{cli_file}: graceful stop, every open connection finished")
    c = counters(out.split("client summary:", 1)[1])
    # Counters are the process's totals: this scenario's are the difference.
    d = {k: c[k] - run.last.get(k, 0) for k in ("attempted", "established", "completed", "failed", "requests",
                                                   "responses")}
    reasons = {k: v for k, v in c.items() if k not in d and k not in ("open",)}
    run.last = c
    print(f"{cli_file}: {d}; the process's failure reasons so far: {reasons}", flush=True)
    if "source tuples:" in out:
        print(out[out.index("source tuples:"):].split("\n", 1)[0], flush=True)
    h.check(d["attempted"] > 0 and c["open"] == 0 and d["failed"] == 0 and d["completed"] == d["attempted"],
            f"{cli_file}: {d['completed']} of {d['attempted']} completed, none failed, none open")
    # The server's books: every connection the client opened was accepted there.
    out = srv.cmd("stop", timeout=30)
    s = counters(out.split("server summary:", 1)[1])
    ds = {k: s[k] - run.last_srv.get(k, 0) for k in ("accepted", "served")}
    run.last_srv = s
    h.check(ds["accepted"] == d["established"], f"server accepted {ds['accepted']} = client established "
            f"{d['established']}")
    if kind in ("http", "server-closes"):
        h.check(d["responses"] == d["completed"] and ds["served"] == d["responses"],
                f"one response per connection: served {ds['served']}, received {d['responses']}")
    if kind.startswith("handshake"):
        h.check(d["requests"] == 0 and ds["served"] == 0, "handshake only: no request, no response")
    if kind.endswith("server-closes"):
        tcp = counters(srv.cmd("show tcp stats"))
        h.check(tcp.get("time_wait_compact", 0) + tcp.get("time_wait", 0) > 0,
                "the server closed first: TIME_WAIT is on the server")
    h.check("no listeners" in srv.cmd("clear listeners"), "the server's listeners cleared for the next file")


run.last, run.last_srv = {}, {}


def test(binary):
    # One pair for every scenario: each file sets what it needs, `clear listeners` undoes a
    # server file's listeners, and a single ordered end keeps the memif teardown safe.
    srv, cli, sock = h.memif_pair(binary, "scn")
    try:
        cli.cmd("set stop grace 8000")
        # The client closes first in most scenarios, so its tuples rest in TIME_WAIT; each
        # scenario starts the tuple space over, and 2 x 30 s would make it skip (and, after 64
        # in a row, fail: no_tuple) the ones the previous scenario used.
        cli.cmd("set tcp msl 100")
        if SANITIZED:
            cli.cmd("set client concurrency 1000")
        for srv_file, cli_file, kind in SCENARIOS:
            run(srv, cli, srv_file, cli_file, kind)
    finally:
        h.stop_memif_pair(srv, cli, sock)


if __name__ == "__main__":
    h.main(test)
