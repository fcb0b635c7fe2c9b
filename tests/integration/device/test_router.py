#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Port-pair mode through the Linux kernel as a router: synfin's client port and server port are
two taps whose kernel sides forward to each other in the test's namespace. A fixed rate for
SF_TEST_DEVICE_SECONDS (10) seconds: no connection fails, every response is byte-exact, the
server port accepted and answered every connection the client completed, the kernel forwarded
them (its counters), and the client resolved its gateway by ARP. The same over IPv6 for a third
of the time, the gateway resolved by ND. Then the router corrupts two body
bytes of every response in a way its TCP checksum cannot see (one byte up, the byte two further
down: the one's-complement sum is unchanged), and the client counts every connection failed with
response_mismatch."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import device_lib as d  # noqa: E402
from device_lib import h  # noqa: E402

SECONDS = d.env_int("SF_TEST_DEVICE_SECONDS", 10)
RATE = d.env_int("SF_TEST_DEVICE_RATE", 1000)


def test(binary):
    with d.router_pair(binary, "rt") as (sf, ns, ctap, stap):
        d.configure_pair(sf)
        info = sf.cmd("show port info all")
        h.check(re.search(r"Role: client", info) and re.search(r"Role: server", info) and
                f"Gateway: {d.ROUTER_CLIENT_IP}" in info, "show port info: roles and gateway")
        s, _ = d.run_client(sf, "80", RATE, SECONDS)
        print(f"through the router: {s}", flush=True)
        h.check(s["attempted"] >= 0.9 * RATE * SECONDS,
                f"{s['attempted']} attempted in {SECONDS} s at {RATE}/s (within 10%)")
        h.check(s["failed"] == 0 and s["open"] == 0 and s["completed"] == s["attempted"],
                f"all {s['completed']} completed, none failed ({s['failed']}), none left open")
        h.check(s["responses"] == s["completed"], "every response byte-exact (one per connection)")
        accepted, served = d.server_seen(sf)
        h.check(accepted == s["attempted"] and served == s["completed"],
                f"the server port accepted {accepted} and answered {served}: every connection the client "
                f"completed crossed the device")
        diff = d.difference(sf)
        h.check(diff == (0, 0), f"the report's port-pair difference: attempted - accepted, served - completed {diff}")
        info = sf.cmd("show port info 0")
        h.check(re.search(rf"Neighbour: {re.escape(d.ROUTER_CLIENT_IP)} at {d.ROUTER_CLIENT_MAC}", info),
                f"the gateway resolved by ARP to the router's MAC {d.ROUTER_CLIENT_MAC}")
        xs = sf.cmd("show port xstats 1")
        m = re.search(r"^\s+rx_good_packets\s+(\d+)$", xs, re.M)
        h.check(m and int(m.group(1)) >= 3 * s["completed"], f"show port xstats 1: rx_good_packets "
                f"{m.group(1) if m else None}")
        # The kernel really forwarded: its server-side leg sent at least a SYN per connection.
        st = ns.run(["ip", "-s", "-j", "link", "show", stap]).stdout
        tx = int(re.search(r'"tx":\{"bytes":\d+,"packets":(\d+)', st).group(1))
        h.check(tx >= 3 * s["completed"], f"the router sent {tx} packets to the server port "
                f"(>= 3 per connection)")

        # IPv6 through the same router: the gateway resolved by ND.
        n6 = max(1, SECONDS // 3)
        s6, _ = d.run_client(sf, "80", RATE, n6, sources=d.SOURCES6, dst=d.SERVER_IP6)
        print(f"IPv6 through the router: {s6}", flush=True)
        h.check(s6["attempted"] >= 0.9 * RATE * n6 and s6["failed"] == 0 and s6["open"] == 0 and
                s6["completed"] == s6["attempted"] == s6["responses"],
                f"IPv6: all {s6['completed']} completed byte-exact, none failed")
        info = sf.cmd("show port info 0")
        h.check(re.search(rf"Neighbour: {re.escape(d.ROUTER_CLIENT_IP6)} at {d.ROUTER_CLIENT_MAC}", info),
                "the IPv6 gateway resolved by ND")

        # A corrupting device. The response: TCP header 32 bytes (timestamps on), HTTP header 66
        # bytes, then the body pattern; body bytes 100 and 102 are 's' and 'u' (pattern index 28
        # and 30): both become 't', +256 and -256 in the same half of their 16-bit words.
        hdr = 32 + 66
        bit = lambda off: 8 * (hdr + off)  # noqa: E731
        ns.run(["nft", "-f", "-"], input=f"""table ip sf_corrupt {{
    chain forward {{
        type filter hook forward priority 0;
        ip saddr {d.SERVER_IP} tcp sport 80 meta length > {20 + hdr + 110} counter @th,{bit(100)},8 set 0x74 @th,{bit(102)},8 set 0x74
    }}
}}
""")
        sf.cmd("set tcp rto 200 100 3")
        s, _ = d.run_client(sf, "80", 50, 2)
        print(f"through a corrupting router: {s}", flush=True)
        h.check(s["attempted"] >= 90 and s.get("response_mismatch", 0) == s["failed"] == s["attempted"] and
                s["responses"] == 0 and s["open"] == 0,
                f"every corrupted response caught: {s.get('response_mismatch')} of {s['attempted']} failed with "
                f"response_mismatch")
        drops = sf.counters()
        h.check(drops.get("drop_tcp_csum", 0) == 0, "the corruption kept the TCP checksums valid")


if __name__ == "__main__":
    h.main(test)
