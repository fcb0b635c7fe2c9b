#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Server policies against the kernel's clients: a TCB pool far smaller than the load, so SYN
cookies carry the overflow and every connection still succeeds; the RST close policy, where the
client reads its whole response and then meets the reset; and a handshake-only listener
(`requests 0`, `close server`) that closes as soon as a connection is established, so TIME_WAIT
lands on synfin."""

import harness as h
from server_lib import BODY, clients, tcp_stats, wait_drained

TCBS = 128
CONCURRENT = 300


def test(binary):
    with h.tap_peer(binary, "pol") as (sf, ns, tap):
        sf.cmd(f"port 0 address {h.SYNFIN_IP4}/24")
        sf.cmd(f"set conn tcbs {TCBS} timewait 4096")
        sf.cmd("set tcp msl 1000")
        sf.cmd(f"response http {BODY}")
        sf.cmd("close client")
        sf.cmd("listen 0.0.0.0 80")
        sf.cmd("close rst")
        sf.cmd("listen 0.0.0.0 81")
        sf.cmd("response none")
        sf.cmd("requests 0")
        sf.cmd("close server")
        sf.cmd("listen 0.0.0.0 82")
        idle_mbufs = sf.mbufs_in_use()
        sf.cmd("start")

        res = clients(ns, h.SYNFIN_IP4, 80, 2000, CONCURRENT, "client", conn_timeout=30)
        s = tcp_stats(sf)
        h.check(res["ok"] == 2000 and res["failed"] == 0,
                f"2000 connections, {CONCURRENT} at a time, on a pool of {TCBS} TCBs: {res}")
        h.check(s.get("cookie.sent", 0) > 0 and s.get("cookie.validated", 0) > 0,
                f"SYN cookies carried the overflow (sent {s.get('cookie.sent')}, "
                f"validated {s.get('cookie.validated')}, pool empty {s.get('table.tcb_pool_empty')})")

        res = clients(ns, h.SYNFIN_IP4, 81, 200, 10, "rst")
        h.check(res["ok"] == 200 and res["failed"] == 0, f"close rst: whole response, then the reset: {res}")
        s = tcp_stats(sf)
        h.check(s.get("rst_tx.abort", 0) >= 200, f"{s.get('rst_tx.abort')} resets sent by the abort policy")

        tw0 = s.get("table.tw_expired", 0)
        res = clients(ns, h.SYNFIN_IP4, 82, 200, 10, "handshake")
        h.check(res["ok"] == 200 and res["failed"] == 0, f"requests 0, close server: FIN right after the handshake: {res}")

        s = wait_drained(sf)
        # Only port 82's connections leave TIME_WAIT on synfin (the others close from the client
        # or by reset): each spent its 2MSL in the store and expired from it.
        h.check(s.get("table.tw_expired", 0) - tw0 == 200,
                f"TIME_WAIT on synfin for each handshake-only connection: {s.get('table.tw_expired', 0) - tw0}")
        h.check(s.get("table.tcbs") == 0 and s.get("table.keys") == 0, "every TCB freed")
        sf.cmd("stop")
        h.check(sf.mbufs_in_use() == idle_mbufs, f"mbufs in use back to {idle_mbufs} (nothing leaked)")


if __name__ == "__main__":
    h.main(test)
