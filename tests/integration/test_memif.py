#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""synfin client against synfin server over net_memif, two processes on separate cores:
a fixed rate for a while with every connection accounted for and none failed, then as fast as
possible (the CPS reached is reported, not judged), then two worker lcores per side over a
two-queue memif where no segment may land on an lcore that does not own its connection."""

import os
import re
import time

import harness as h

RATE = int(os.environ.get("SF_TEST_MEMIF_RATE", "100000"))
SECONDS = int(os.environ.get("SF_TEST_MEMIF_SECONDS", "30"))
# The max-rate step's cap on open connections: a sanitized build is several times slower, and
# without a cap its server falls behind a client that is not slowed as much.
MAX_CONCURRENCY = int(os.environ.get("SF_TEST_MEMIF_MAX_CONCURRENCY", "20000"))


counters, client_summary = h.counters, h.client_summary


def pair(binary, tag, lcores_srv, lcores_cli):
    """Server and client synfin processes joined by a memif socket file of the test's own."""
    return h.memif_pair(binary, f"memif-{tag}", lcores_srv, lcores_cli)


def stop_pair(srv, cli, sock):
    h.stop_memif_pair(srv, cli, sock)


def configure(srv, cli, rate, seconds, concurrency=0):
    srv.cmd("port 0 address 198.18.0.1/24")
    srv.cmd("response http 128")
    srv.cmd("close client")
    srv.cmd("listen 198.18.0.1 80")
    cli.cmd("port 0 address 198.18.0.100/24")
    cli.cmd("client 198.18.0.100-198.18.0.199 198.18.0.1 80")
    cli.cmd(f"set client rate {rate}")
    cli.cmd(f"set client duration {seconds}")
    cli.cmd(f"set client concurrency {concurrency}")
    cli.cmd("set client request http /")
    h.check("started" in srv.cmd("start"), "server started")
    h.check("started" in cli.cmd("start"), "client started")


def wait_done(cli, seconds, grace=15):
    """Wait out the opening time, then until nothing is open (bounded)."""
    time.sleep(seconds)
    deadline = time.monotonic() + grace
    while True:
        s = client_summary(cli)
        if s.get("open", 1) == 0 or time.monotonic() > deadline:
            return s
        time.sleep(0.5)


def test(binary):
    # 1. A fixed rate on one core each.
    srv, cli, sock = pair(binary, "fix", "0@1", "0@0")
    try:
        # A cap far above what a healthy run holds open (hundreds): if the machine stalls one
        # side, the other does not pile up SYNs until the TCB pool runs dry.
        configure(srv, cli, RATE, SECONDS, concurrency=50000)
        s = wait_done(cli, SECONDS)
        print(f"fixed rate: {s}", flush=True)
        # The pacer makes up 10 ms of a stall: time the machine took from the client (polls
        # over 1 ms) is left out of what the rate allowed.
        c = cli.counters()
        had = SECONDS * (1 - c["stall_cycles"] / max(1, c["busy_cycles"] + c["idle_cycles"]))
        h.check(s["attempted"] >= 0.9 * RATE * had,
                f"{s['attempted']} attempted in {SECONDS} s at {RATE}/s (within 10% of the {had:.1f} s "
                f"the client was not descheduled)")
        h.check(s["completed"] == s["attempted"] - s["open"],
                f"completed {s['completed']} = attempted {s['attempted']} - in flight {s['open']}")
        h.check(s["failed"] == 0, f"no connection failed ({s['failed']})")
        h.check(s["responses"] == s["completed"], "every response checked byte for byte")
    finally:
        stop_pair(srv, cli, sock)

    # 2. As fast as possible: report the CPS reached.
    srv, cli, sock = pair(binary, "max", "0@1", "0@0")
    try:
        configure(srv, cli, 0, 10, concurrency=MAX_CONCURRENCY)
        t0 = time.monotonic()
        s = wait_done(cli, 10)
        took = time.monotonic() - t0
        print(f"max rate: {s['completed']} connections completed in about {took:.0f} s "
              f"= {s['completed'] / 10:.0f} CPS over the 10 s of opening", flush=True)
        # As fast as possible means overload by design: a handful of connections may run out of
        # retries while queues are full; they are counted by reason, and must stay rare.
        reasons = {k: v for k, v in s.items() if k not in ("attempted", "established", "completed", "failed",
                                                          "open", "requests", "responses")}
        h.check(s["completed"] > 0 and s["failed"] <= s["completed"] // 1000,
                f"max rate: {s['failed']} failed of {s['attempted']} (at most 0.1%), by reason {reasons}")
    finally:
        stop_pair(srv, cli, sock)

    # 3. Two worker lcores per side over two queues: every segment on its connection's lcore.
    srv, cli, sock = pair(binary, "two", "0@1,1@1,2@1", "0@0,1@0,2@0")
    try:
        configure(srv, cli, 2000, 5)
        s = wait_done(cli, 5)
        h.check(s["failed"] == 0 and s["completed"] == s["attempted"] > 5000,
                f"two lcores each: {s['completed']} of {s['attempted']} completed, none failed")
        for name, sf in (("server", srv), ("client", cli)):
            text = sf.cmd("show lcore stats")
            per_lcore = re.findall(r"^lcore (\d+) \(queue (\d+)\): rx (\d+)", text, re.M)
            h.check(len(per_lcore) == 2 and all(int(rx) > 0 for _, _, rx in per_lcore),
                    f"{name}: both workers carried traffic {per_lcore}")
            h.check(sf.counters().get("tcp_no_conn", -1) == 0, f"{name}: no segment met a stranger lcore")
    finally:
        stop_pair(srv, cli, sock)


if __name__ == "__main__":
    h.main(test)
