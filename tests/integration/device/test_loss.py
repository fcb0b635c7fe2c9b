#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Port-pair mode through a lossy router: nftables drops 5% of what the router sends on each leg
(numgen random on its egress; this kernel has no netem). Every connection completes or fails with
a counted reason within its retry budget, none is left open, and the server port accepted every
connection the client completed."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import device_lib as d  # noqa: E402
from device_lib import h  # noqa: E402

SECONDS = max(1, d.env_int("SF_TEST_DEVICE_SECONDS", 10) // 2)
RATE = d.env_int("SF_TEST_DEVICE_RATE", 1000) // 2
LOSS = 5
# set tcp rto 200 100 5: 200 ms doubling over 5 retries gives up after 0.2 * (2^6 - 1) = 12.6 s.
BUDGET_S = 0.2 * (2 ** 6 - 1)

RULES = """
table inet sf_loss {{
    chain egress {{
        type filter hook postrouting priority 0;
        oifname "{stap}" numgen random mod 100 < {loss} counter drop
        oifname "{ctap}" numgen random mod 100 < {loss} counter drop
    }}
}}
"""


def test(binary):
    with d.router_pair(binary, "ls") as (sf, ns, ctap, stap):
        ns.run(["nft", "-f", "-"], input=RULES.format(ctap=ctap, stap=stap, loss=LOSS))
        d.configure_pair(sf)
        # The gateway's MAC set statically here (the router test resolves it by ARP): a lost ARP
        # exchange cannot stall this run.
        sf.cmd(f"port 0 gateway {d.ROUTER_CLIENT_IP} {d.ROUTER_CLIENT_MAC}")
        info = sf.cmd("show port info 0")
        h.check(f"Neighbour: {d.ROUTER_CLIENT_IP} at {d.ROUTER_CLIENT_MAC} (static)" in info,
                "port 0 gateway <ip> <mac>: the gateway's MAC is static")
        # Retry budget: 200 ms doubling, 5 retries: a connection gives up within about 13 s.
        sf.cmd("set tcp rto 200 100 5")
        sf.cmd("set client timeout 15000")
        s, _ = d.run_client(sf, "80", RATE, SECONDS, grace=40)
        print(f"through {LOSS}% loss each way: {s}", flush=True)
        reasons = {k: v for k, v in s.items() if k not in ("attempted", "established", "completed", "failed",
                                                          "open", "requests", "responses")}
        h.check(s["attempted"] >= 0.9 * RATE * SECONDS, f"{s['attempted']} attempted at {RATE}/s")
        h.check(h.all_ended(s),
                f"every connection accounted for: {s['completed']} completed + {s['failed']} failed "
                f"= {s['attempted']} attempted, none left open")
        h.check(sum(reasons.values()) == s["failed"], f"every failure has a counted reason: {reasons}")
        h.check(d.last_drain_s <= BUDGET_S + 2, f"the last connections ended {d.last_drain_s:.1f} s after the "
                f"opening stopped, within the retry budget ({BUDGET_S:.1f} s)")
        h.check(s["responses"] >= s["completed"] and s["completed"] >= 0.95 * s["attempted"],
                f"{s['completed']} completed byte-exact despite the loss")
        accepted, served = d.server_seen(sf)
        h.check(accepted >= s["completed"] and served >= s["completed"],
                f"the server port accepted {accepted} and answered {served}")
        rules = ns.run(["nft", "list", "table", "inet", "sf_loss"]).stdout
        drops = [int(x) for x in re.findall(r"counter packets (\d+)", rules)]
        h.check(len(drops) == 2 and all(x > 0 for x in drops), f"the router dropped frames on both legs: {drops}")
        t = d.tcp_stats(sf)
        retrans = sum(v for k, v in t.items() if k.startswith("retrans."))
        h.check(retrans > 0, f"synfin retransmitted {retrans} segments")


if __name__ == "__main__":
    h.main(test)
