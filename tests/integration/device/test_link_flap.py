#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Link down and up during a port-pair run through the kernel router: synfin runs inside the
router's namespace (so its taps are born there and the tap PMD reads their link state and hears
its changes), the router's client-side leg is set down for 1.5 s mid-run and up again. synfin
counts both changes, no crash, traffic resumes after the link is back, and every connection
completes or fails with a counted reason."""

import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import device_lib as d  # noqa: E402
from device_lib import h  # noqa: E402

SECONDS = max(4, d.env_int("SF_TEST_DEVICE_SECONDS", 10) // 2 + 2)
RATE = d.env_int("SF_TEST_DEVICE_RATE", 1000) // 2
DOWN_AT, DOWN_FOR = 1.5, 1.5


def link_changes(sf):
    return int(re.search(r"Link changes: (\d+)", sf.cmd("show port info 0")).group(1))


def test(binary):
    with d.router_pair(binary, "lf", in_namespace=True) as (sf, ns, ctap, stap):
        d.configure_pair(sf)
        m = re.search(r"Link: up, (\d+) Mbps, (full|half) duplex", sf.cmd("show port info 0"))
        h.check(m, f"port 0 reads its link up with speed and duplex: {m.group(0) if m else None}")
        before = link_changes(sf)
        marks = {}

        def flap():
            time.sleep(DOWN_AT)
            ns.run(["ip", "link", "set", ctap, "down"])
            marks["down"] = time.monotonic()
            time.sleep(DOWN_FOR)
            ns.run(["ip", "link", "set", ctap, "up"])
            marks["up"] = time.monotonic()

        t = threading.Thread(target=flap)
        t0 = time.monotonic()
        t.start()
        s, samples = d.run_client(sf, "80", RATE, SECONDS, grace=40,
                                  sample=lambda: (time.monotonic(), d.client_summary(sf)["completed"]))
        t.join()
        print(f"link flap at {marks['down'] - t0:.1f} s for {marks['up'] - marks['down']:.1f} s: {s}", flush=True)
        changes = link_changes(sf) - before
        h.check(changes >= 2, f"synfin counted {changes} link changes (down and up)")
        h.check(re.search(r"Link: up", sf.cmd("show port info 0")), "the link reads up again")
        at_up = max((c for ts, c in samples if ts <= marks["up"]), default=0)
        after = [c for ts, c in samples if ts > marks["up"] + 1.0]
        h.check(after and max(after) > at_up + RATE // 2,
                f"traffic resumed: {at_up} completed when the link came back, {max(after) if after else 0} later")
        reasons = {k: v for k, v in s.items() if k not in ("attempted", "established", "completed", "failed",
                                                          "open", "requests", "responses")}
        h.check(h.all_ended(s) and
                sum(reasons.values()) == s["failed"],
                f"every connection accounted for: {s['completed']} completed, {s['failed']} failed by reason "
                f"{reasons}, of {s['attempted']}")
        h.check(s["responses"] == s["completed"], "every completed connection's response byte-exact")


if __name__ == "__main__":
    h.main(test)
