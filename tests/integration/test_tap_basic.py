#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Linux kernel in a namespace resolves synfin by ARP and IPv6 neighbour discovery, pings it
over IPv4 and IPv6 and gets answers written in place; malformed frames injected from the
namespace are counted by reason, and the next ping still works."""

import os
import re
import time

import harness as h
from frames import MALFORMED

PINGS = 5


def ping(ns, addr, count=PINGS, v6=False):
    r = ns.run(["ping", "-6" if v6 else "-4", "-c", str(count), "-i", "0.05", "-W", "2", addr],
               timeout=30, check_rc=False)
    m = re.search(r"(\d+) received", r.stdout)
    return int(m.group(1)) if m else 0


def neighbour(ns, tap, addr):
    r = ns.run(["ip", "neigh", "show", "dev", tap, "to", addr])
    m = re.search(r"lladdr ([0-9a-f:]{17}) (\w+)", r.stdout)
    return (m.group(1), m.group(2)) if m else (None, None)


def test(binary):
    with h.tap_peer(binary, "basic") as (sf, ns, tap):
        sf.cmd(f"port 0 address {h.SYNFIN_IP4}/24")
        out = sf.cmd(f"port 0 address {h.SYNFIN_IP6}/64")
        h.check("added" in out, "IPv6 address accepted")
        h.check("already" in sf.cmd(f"port 0 address {h.SYNFIN_IP4}/24"), "duplicate address refused")
        h.check("Command not found" in sf.cmd("port 0 adress 198.18.0.9/24") or "Bad arguments" in
                sf.out[-200:], "misspelt command rejected")
        idle_mbufs = sf.mbufs_in_use()  # stopped: rx rings filled, nothing in flight
        sf.cmd("start")
        mac = sf.mac()

        h.check(ping(ns, h.SYNFIN_IP4) == PINGS, f"{PINGS}/{PINGS} IPv4 pings answered")
        lladdr, _ = neighbour(ns, tap, h.SYNFIN_IP4)
        h.check(lladdr == mac, f"kernel resolved {h.SYNFIN_IP4} by ARP to synfin's MAC {mac}")
        h.check(ping(ns, h.SYNFIN_IP6, v6=True) == PINGS, f"{PINGS}/{PINGS} IPv6 pings answered")
        lladdr, _ = neighbour(ns, tap, h.SYNFIN_IP6)
        h.check(lladdr == mac, f"kernel resolved {h.SYNFIN_IP6} by neighbour discovery to {mac}")
        c = sf.counters()
        h.check(c["arp_replies"] >= 1 and c["nd_replies"] >= 1, "ARP and NA replies counted")
        h.check(c["icmp4_replies"] >= PINGS and c["icmp6_replies"] >= PINGS, "echo replies counted")
        h.check(ping(ns, "198.18.0.77", count=1) == 0, "an address synfin does not own gets no answer")

        before = sf.counters()
        copies = 3
        sent = ns.run([h.PY, os.path.join(h.HERE, "frames.py"), tap, mac,
                       *[f"{k}*{copies}" for k in MALFORMED]])
        h.check(int(sent.stdout) == copies * len(MALFORMED), f"injected {sent.stdout.strip()} malformed frames")
        want = {}
        for kind, (_, reason) in MALFORMED.items():
            want[reason] = want.get(reason, 0) + copies
        # the frames are in flight until synfin polls them: wait (bounded) for the counts
        deadline = time.monotonic() + 10
        while True:
            after = sf.counters()
            if all(after.get(f"drop_{r}", 0) - before.get(f"drop_{r}", 0) >= n for r, n in want.items()) \
                    or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        for reason, n in want.items():
            got = after.get(f"drop_{reason}", 0) - before.get(f"drop_{reason}", 0)
            h.check(got >= n, f"drop_{reason} counted {got} >= {n}")
        replies = sum(after[k] - before[k] for k in ("arp_replies", "icmp4_replies", "icmp6_replies"))
        h.check(replies == 0, "no malformed frame was answered")

        h.check(ping(ns, h.SYNFIN_IP4) == PINGS, "IPv4 ping still answered after the malformed frames")
        h.check(ping(ns, h.SYNFIN_IP6, v6=True) == PINGS, "IPv6 ping still answered after the malformed frames")
        sf.cmd("stop")
        h.check(sf.mbufs_in_use() == idle_mbufs, f"mbufs in use back to {idle_mbufs} once stopped (nothing leaked)")


if __name__ == "__main__":
    h.main(test)
