#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Server mode through an impaired link (the netem stand-in, impair_relay): 5% loss, 1%
duplication and 25% reordering both ways. Every connection of the kernel's clients still
completes with a byte-exact body, both close policies, IPv4 and IPv6: retransmission works in
both directions. Afterwards every TCB and TIME_WAIT entry is gone and no mbuf leaked."""

import os
import sys

import harness as h
import impair
from server_lib import PORT_CLIENT_CLOSES, PORT_SERVER_CLOSES, clients, configure_server, tcp_stats, wait_drained

COUNT = 500
CONCURRENCY = 20


def test(binary, relay_binary):
    with impair.impaired_tap_peer(binary, "srvimp", relay_binary, loss=5, dup=1, reorder=25, seed=2026,
                                  ip_only=True) as (sf, peer, relay):
        configure_server(sf)
        sf.cmd("set tcp rto 200 100 8")  # quick recovery; the budget covers a 5% loss burst
        idle_mbufs = sf.mbufs_in_use()
        sf.cmd("start")
        for host in (h.SYNFIN_IP4, h.SYNFIN_IP6):
            for port, close in ((PORT_CLIENT_CLOSES, "client"), (PORT_SERVER_CLOSES, "server")):
                res = clients(peer, host, port, COUNT, CONCURRENCY, close, timeout=300, conn_timeout=60)
                h.check(res["ok"] == COUNT and res["failed"] == 0,
                        f"{COUNT} connections to {host}:{port} ({close} closes) through 5% loss, 1% dup, "
                        f"25% reorder: {res}")
        c = relay.snapshot()
        lost = c[impair.TO_SYNFIN]["lost"] + c[impair.TO_PEER]["lost"]
        h.check(lost > 100, f"the relay really dropped frames ({lost})")
        s = tcp_stats(sf)
        h.check(sum(v for k, v in s.items() if k.startswith("retrans.")) > 0,
                f"synfin retransmitted ({ {k: v for k, v in s.items() if k.startswith('retrans.')} })")
        s = wait_drained(sf, timeout=30)
        h.check(s.get("table.tcbs") == 0 and s.get("table.keys") == 0, "every TCB and TIME_WAIT entry gone")
        sf.cmd("stop")
        h.check(sf.mbufs_in_use() == idle_mbufs, f"mbufs in use back to {idle_mbufs} (nothing leaked)")


if __name__ == "__main__":
    relay = os.path.abspath(sys.argv[2])
    h.main(lambda binary: test(binary, relay))
