#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Port-pair mode through the Linux kernel as a router: synfin's client port and server port are
two taps whose kernel sides forward to each other in the test's namespace. A fixed rate for
SF_TEST_DEVICE_SECONDS (10) seconds: no connection fails, every response is byte-exact, the
server port accepted and answered every connection the client completed, the kernel forwarded
them (its counters), and the client resolved its gateway by ARP."""

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
        info = sf.cmd("show port info 0")
        h.check(re.search(rf"Neighbour: {re.escape(d.ROUTER_CLIENT_IP)} at {d.ROUTER_CLIENT_MAC}", info),
                f"the gateway resolved by ARP to the router's MAC {d.ROUTER_CLIENT_MAC}")
        # The kernel really forwarded: its server-side leg sent at least a SYN per connection.
        st = ns.run(["ip", "-s", "-j", "link", "show", stap]).stdout
        tx = int(re.search(r'"tx":\{"bytes":\d+,"packets":(\d+)', st).group(1))
        h.check(tx >= 3 * s["completed"], f"the router sent {tx} packets to the server port "
                f"(>= 3 per connection)")


if __name__ == "__main__":
    h.main(test)
