#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Faults (issue 9): the Linux-peer server test again through the impairment relay at the
issue's netem figures, 10% loss, 5% duplication, 25% reordering and 1% corrupted bits, both
ways. Every connection either completes byte-exact or fails with a reason the client counts,
none outlives its retry budget: once the clients are done, synfin holds no TCB and no table key
within the budget of its own retransmissions (set tcp rto 200 100 8: at most ~30 s), every
corrupted frame that reached synfin was dropped and counted (checksum drops), and no mbuf
leaked. SF_TEST_FAULT_COUNT (default 150) connections per address family and close policy."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import harness as h  # noqa: E402
import impair  # noqa: E402
from server_lib import (PORT_CLIENT_CLOSES, PORT_SERVER_CLOSES, clients, configure_server, tcp_stats,  # noqa: E402
                        wait_drained)

COUNT = int(os.environ.get("SF_TEST_FAULT_COUNT", "150"))
CONCURRENCY = 20
# A connection's worst case: RTO 200 ms min, backing off to rto-max, 8 retries.
BUDGET_S = 40


def test(binary, relay_binary):
    with impair.impaired_tap_peer(binary, "rflt", relay_binary, loss=10, dup=5, reorder=25, corrupt=1, seed=9,
                                  ip_only=True) as (sf, peer, relay):
        configure_server(sf)
        sf.cmd("set tcp rto 200 100 8")
        sf.cmd("set tcp rto-max 3000")
        idle_mbufs = sf.mbufs_in_use()
        sf.cmd("start")
        total = {"ok": 0, "failed": 0, "errors": {}}
        for host in (h.SYNFIN_IP4, h.SYNFIN_IP6):
            for port, close in ((PORT_CLIENT_CLOSES, "client"), (PORT_SERVER_CLOSES, "server")):
                res = clients(peer, host, port, COUNT, CONCURRENCY, close, timeout=600, conn_timeout=60)
                print(f"{host}:{port} ({close} closes): {res}", flush=True)
                h.check(res["ok"] + res["failed"] == COUNT, f"every connection to {host}:{port} accounted for")
                total["ok"] += res["ok"]
                total["failed"] += res["failed"]
                for k, v in res["errors"].items():
                    total["errors"][k] = total["errors"].get(k, 0) + v
        n = 4 * COUNT
        h.check(total["ok"] >= 0.95 * n, f"{total['ok']} of {n} completed byte-exact through 10% loss, 5% dup, "
                f"25% reorder, 1% corruption; failures by reason {total['errors']}")
        c = relay.snapshot()
        corrupted = c[impair.TO_SYNFIN]["corrupted"]
        h.check(corrupted > 0 and c[impair.TO_SYNFIN]["lost"] > 0 and c[impair.TO_SYNFIN]["duplicated"] > 0,
                f"the relay impaired the kernel's frames (lost {c[impair.TO_SYNFIN]['lost']}, duplicated "
                f"{c[impair.TO_SYNFIN]['duplicated']}, reordered {c[impair.TO_SYNFIN]['reordered']}, corrupted "
                f"{corrupted})")
        drops = {k: v for k, v in sf.counters().items() if k.startswith("drop_")}
        h.check(sum(drops.values()) > 0, f"corrupted frames that reached synfin were dropped and counted: {drops}")
        s = wait_drained(sf, timeout=BUDGET_S)
        h.check(s.get("table.tcbs") == 0 and s.get("table.keys") == 0,
                f"within the retry budget ({BUDGET_S} s) every connection ended on synfin too: tcbs "
                f"{s.get('table.tcbs')}, keys {s.get('table.keys')}, given up "
                f"{ {k: v for k, v in tcp_stats(sf).items() if k.startswith('give_up.')} }")
        sf.cmd("stop")
        h.check(sf.mbufs_in_use() == idle_mbufs, f"mbufs in use back to {idle_mbufs} (nothing leaked)")


if __name__ == "__main__":
    relay = os.path.abspath(sys.argv[2])
    h.main(lambda binary: test(binary, relay))
