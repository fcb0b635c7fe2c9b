#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""SYN flood (issue 9): spoofed SYNs from random sources inside 198.18.0.0/15 (synflood.py, raw
frames on the namespace's side of the tap) while the kernel keeps opening real connections.
synfin's TCB pool is small, so the flood fills it within milliseconds and every later SYN is
answered with a SYN cookie: at least 99% of the legitimate connections must still complete,
byte-exact; the pool-empty and cookie counters show the road they took; and the memory stays
at its preallocated size: mbufs in use back to their idle count, resident memory flat.

Sizes: SF_TEST_FLOOD_SECONDS (default 20) of flood, SF_TEST_FLOOD_LEGIT (default 300)
legitimate connections, 10 at a time, during it.
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import harness as h  # noqa: E402
from server_lib import clients, configure_server, tcp_stats  # noqa: E402

FLOOD_SECONDS = float(os.environ.get("SF_TEST_FLOOD_SECONDS", "20"))
LEGIT = int(os.environ.get("SF_TEST_FLOOD_LEGIT", "300"))
TCBS = 256  # a reserve of 1/8 (32) above the legitimate connections open at once (10)
HERE = os.path.dirname(os.path.abspath(__file__))


rss_kib = h.rss_kib


def test(binary):
    with h.tap_peer(binary, "rfl") as (sf, ns, tap):
        h.check(f"{TCBS} TCBs" in sf.cmd(f"set conn tcbs {TCBS} timewait 4096"), f"TCB pool of {TCBS} per lcore")
        configure_server(sf)
        idle_mbufs = sf.mbufs_in_use()
        h.check("Packet processing started" in sf.cmd("start"), "server started")
        our_mac = sf.mac()
        # Warm up: every pool touched, every page that will ever be resident made so.
        res = clients(ns, h.SYNFIN_IP4, 80, 500, 50, "client")
        h.check(res["ok"] == 500, f"500 connections before the flood: {res}")
        rss0 = rss_kib(sf.proc.pid)
        s0 = tcp_stats(sf)

        flood = ns.popen([h.PY, os.path.join(HERE, "synflood.py"), tap, our_mac, h.PEER_MAC, h.SYNFIN_IP4, "80",
                          str(FLOOD_SECONDS)], stdout=subprocess.PIPE, text=True)
        try:
            time.sleep(min(2.0, FLOOD_SECONDS / 4))
            mid = tcp_stats(sf)
            t0 = time.monotonic()
            # A legitimate SYN the tap's full queue drops is retried by the kernel at 1, 3, 7, 15
            # and 31 s: the timeout lets the fifth try, after the flood, decide (20 s cut it: 9 of
            # 300 timed out in one loaded sanitized CI run, none in four reruns).
            res = clients(ns, h.SYNFIN_IP4, 80, LEGIT, 10, "client", timeout=FLOOD_SECONDS + 120, conn_timeout=45)
            legit_s = time.monotonic() - t0
            flood_ran_through = flood.poll() is None  # still flooding when the last one ended
            during = tcp_stats(sf)
            out, _ = flood.communicate(timeout=FLOOD_SECONDS + 60)
        finally:
            if flood.poll() is None:
                flood.kill()
                flood.wait(5)
        fl = json.loads(out)
        print(f"flood: {fl}; legitimate: {res} in {legit_s:.1f} s", flush=True)
        print("tcp stats during the flood: " + json.dumps({k: v for k, v in during.items() if v}), flush=True)
        h.check(fl["sent"] > 10 * LEGIT, f"flood sent {fl['sent']} SYNs ({fl['pps']}/s)")
        h.check(mid.get("table.tcbs", 0) >= TCBS * 3 // 4, f"the flood filled the TCB pool ({mid.get('table.tcbs')} "
                f"of {TCBS} TCBs in use, pool found empty {during.get('table.tcb_pool_empty', 0)} times)")
        cookies = during.get("cookie.sent", 0) - s0.get("cookie.sent", 0)
        h.check(cookies > 0, f"SYNs answered with cookies once it was full ({cookies})")
        ok = res["ok"] / LEGIT
        h.check(ok >= 0.99, f"{ok:.1%} of {LEGIT} legitimate connections succeeded during the flood "
                f"(errors {res['errors']}, dropped for want of a TCB {during.get('drop.no_tcb', 0)})")
        # The flood overflows the tap's queue too, so legitimate SYNs are lost and retried (1 s):
        # slower, not failed. Said, not judged.
        print(f"legitimate connections took {legit_s:.1f} s; the flood "
              f"{'outlasted them' if flood_ran_through else 'ended first'}", flush=True)
        validated = during.get("cookie.validated", 0) - s0.get("cookie.validated", 0)
        h.check(validated > 0, f"legitimate connections completed through cookies ({validated})")

        # After the flood: synfin serves as before, and nothing grew.
        res = clients(ns, h.SYNFIN_IP4, 80, 200, 20, "client")
        h.check(res["ok"] == 200, f"200 connections after the flood: {res}")
        rss1 = rss_kib(sf.proc.pid)
        h.check(rss1 - rss0 < 4096, f"resident memory flat: {rss0} KiB before the flood, {rss1} KiB after")
        sf.cmd("stop")
        h.check(sf.mbufs_in_use() == idle_mbufs, f"mbufs in use back to {idle_mbufs}")


if __name__ == "__main__":
    h.main(test)
