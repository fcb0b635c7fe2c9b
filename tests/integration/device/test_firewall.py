#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Port-pair mode through the Linux kernel as a stateful firewall: nftables with conntrack in the
router namespace accepts established traffic and new connections to the server's port 80 only,
resets port 81 and drops the rest. A fixed-rate run to port 80 (half of SF_TEST_DEVICE_SECONDS) completes every connection while
the conntrack table's count rises and then falls back; then connections to port 81 fail with the
reason rst and to port 82 with syn_timeout, counted, no crash, no hang."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import device_lib as d  # noqa: E402
from device_lib import h  # noqa: E402

SECONDS = max(1, d.env_int("SF_TEST_DEVICE_SECONDS", 10) // 2)
RATE = d.env_int("SF_TEST_DEVICE_RATE", 1000)

RULES = """
table inet sf_fw {{
    chain forward {{
        type filter hook forward priority 0; policy drop;
        ct state established,related accept
        ct state new iifname "{ctap}" ip daddr {server} tcp dport 80 counter accept
        iifname "{ctap}" tcp dport 81 counter reject with tcp reset
        counter comment "dropped"
    }}
}}
"""


def conntrack_count(ns):
    # The namespace's own table: nf_conntrack_count is per network namespace (no conntrack tool here).
    return int(ns.run(["cat", "/proc/sys/net/netfilter/nf_conntrack_count"]).stdout)


def test(binary):
    with d.router_pair(binary, "fw") as (sf, ns, ctap, stap):
        ns.run(["nft", "-f", "-"], input=RULES.format(ctap=ctap, server=d.SERVER_IP))
        # Closed connections leave conntrack quickly, so the count can be seen to fall.
        ns.run(["sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_timeout_time_wait=1",
                "net.netfilter.nf_conntrack_tcp_timeout_close=1", "net.netfilter.nf_conntrack_tcp_timeout_fin_wait=1",
                "net.netfilter.nf_conntrack_tcp_timeout_last_ack=1"])
        d.configure_pair(sf)
        idle = conntrack_count(ns)
        s, samples = d.run_client(sf, "80", RATE, SECONDS, sample=lambda: conntrack_count(ns))
        print(f"through the firewall: {s}; conntrack count every 0.5 s: {samples}", flush=True)
        h.check(s["attempted"] >= 0.9 * RATE * SECONDS, f"{s['attempted']} attempted at {RATE}/s")
        h.check(s["failed"] == 0 and s["open"] == 0 and s["completed"] == s["attempted"] == s["responses"],
                f"all {s['completed']} completed through the firewall, byte-exact, none failed")
        peak = max(samples)
        h.check(peak >= RATE // 4, f"conntrack count rose from {idle} to {peak} during the run")
        # Expired entries leave when conntrack's garbage collector passes (tens of seconds here) or
        # when a dump of the table meets them: list it, as `conntrack -L` would.
        t0 = time.monotonic()
        deadline = t0 + 30
        count = conntrack_count(ns)
        while count > idle + 5 and time.monotonic() < deadline:
            time.sleep(0.5)
            ns.run(["cat", "/proc/net/nf_conntrack"])
            count = conntrack_count(ns)
        h.check(count <= idle + 5, f"and fell back to {count} {time.monotonic() - t0:.1f} s after the connections closed")

        # Blocked ports: 81 reset by the firewall, 82 dropped. A short retry budget bounds it.
        sf.cmd("set tcp rto 200 100 3")
        n_rate, n_sec = 20, 2
        s, _ = d.run_client(sf, "81-82", n_rate, n_sec, grace=20)
        print(f"to blocked ports: {s}", flush=True)
        h.check(s["attempted"] >= n_rate * n_sec * 0.9 and s["completed"] == 0 and s["open"] == 0,
                f"{s['attempted']} attempted to blocked ports, none completed, none left open")
        h.check(s.get("rst", 0) > 0 and s.get("syn_timeout", 0) > 0 and
                s["rst"] + s["syn_timeout"] == s["failed"] == s["attempted"],
                f"each failed with its reason: rst {s.get('rst')} (port 81), syn_timeout {s.get('syn_timeout')} (port 82)")
        diff = d.difference(sf)
        h.check(diff is not None and diff[0] == s["attempted"] and diff[1] == 0,
                f"the report's port-pair difference counts them: attempted - accepted, served - completed {diff}")
        rules = ns.run(["nft", "list", "table", "inet", "sf_fw"]).stdout
        dropped = int(re.search(r"counter packets (\d+) bytes \d+ comment \"dropped\"", rules).group(1))
        h.check(dropped >= s["syn_timeout"], f"the firewall dropped {dropped} packets")


if __name__ == "__main__":
    h.main(test)
