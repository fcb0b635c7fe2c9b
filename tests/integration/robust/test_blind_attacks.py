#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""RFC 5961 against a live synfin (issue 9): blind in-window RST and SYN get a challenge ACK and
reset nothing, out-of-window RSTs and too-old ACKs are dropped, a storm of in-window RSTs gets at
most the configured challenge ACKs per second and never more frames out than in (no
amplification), the connection keeps working, and only an exact RST resets it. The attacks
are scapy frames from the namespace (blind_probe.py) on a real kernel connection; synfin's
counters must agree with what the capture saw."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import harness as h  # noqa: E402
from server_lib import BODY, configure_server, tcp_stats  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = 50   # challenge ACKs per second
STORM = 500  # in-window RSTs in the storm


def test(binary):
    with h.tap_peer(binary, "rbl") as (sf, ns, tap):
        sf.cmd("requests 0")  # the probe asks twice on one connection
        configure_server(sf)
        sf.cmd(f"set tcp challenge-acks {LIMIT}")
        idle_mbufs = sf.mbufs_in_use()
        h.check("Packet processing started" in sf.cmd("start"), "server started")
        s0, c0 = tcp_stats(sf), sf.counters()
        r = ns.run([h.PY, os.path.join(HERE, "blind_probe.py"), tap, sf.mac(), h.SYNFIN_IP4, "80", str(BODY),
                    str(STORM)], timeout=120)
        res = json.loads(r.stdout.strip().splitlines()[-1])
        s1, c1 = tcp_stats(sf), sf.counters()
        print(f"probe: {res}", flush=True)
        d = {k: s1.get(k, 0) - s0.get(k, 0) for k in s1}
        print("tcp counters moved: " + json.dumps({k: v for k, v in d.items() if v}), flush=True)
        h.check(res["first_response"], "the kernel's connection got its response")
        h.check(res["rst_in_window"] == 1, f"in-window RST: one challenge ACK ({res['rst_in_window']})")
        h.check(res["rst_outside"] == 0, "out-of-window RST: no answer")
        h.check(res["syn_in_window"] == 1, f"SYN on an established connection: one challenge ACK "
                f"({res['syn_in_window']})")
        h.check(res["ack_too_old"] <= 1, f"data with a too-old ACK: at most an ACK ({res['ack_too_old']})")
        bound = LIMIT * (res["storm_seconds"] + 1.5) + 1
        h.check(0 < res["storm_answers"] <= min(bound, STORM),
                f"storm of {STORM} in-window RSTs in {res['storm_seconds']} s: {res['storm_answers']} answers, "
                f"within the limit of {LIMIT}/s ({bound:.0f})")
        h.check(d.get("challenge_ack.suppressed", 0) > 0 or STORM <= bound,
                f"challenge ACKs over the limit were suppressed ({d.get('challenge_ack.suppressed', 0)})")
        h.check(d.get("rst_rx.challenged", 0) >= STORM // 2 and d.get("rst_rx.out_of_window", 0) >= 1,
                f"counted: challenged {d.get('rst_rx.challenged', 0)}, out of window "
                f"{d.get('rst_rx.out_of_window', 0)}")
        h.check(res["alive"], "after all that the connection still works (nothing reset it)")
        h.check(d.get("rst_rx.reset", 0) == 1 and res["after_reset"] in ("reset", "closed"),
                f"an exact RST resets it (reset {d.get('rst_rx.reset', 0)}, kernel then saw {res['after_reset']})")
        tx, rx = c1["tx_pkts"] - c0["tx_pkts"], c1["rx_pkts"] - c0["rx_pkts"]
        h.check(tx <= rx, f"no amplification: synfin sent {tx} frames for {rx} received")
        sf.cmd("stop")
        h.check(sf.mbufs_in_use() == idle_mbufs, f"mbufs in use back to {idle_mbufs}")


if __name__ == "__main__":
    h.main(test)
