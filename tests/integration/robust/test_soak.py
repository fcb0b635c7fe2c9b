#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Soak (issue 9): synfin client against synfin server over memif at 80% of the pair's maximum
CPS (measured first, in the same build, for 5 s), for SF_TEST_SOAK_SECONDS (default 20; the long
form is 600). Every second the client's completed count and the server's resident memory are
sampled, with each lcore's stall cycles (polls over 1 ms: time the machine gave to someone else).
Must hold: each 5-second window's CPS within 5% of the median CPS of the first minute (of the
first third, when the run is shorter than three minutes), where windows in which an lcore was
descheduled for over 3 % of the time are shown and left out (at most half of them may be);
resident memory flat after start-up; at most 1 in 10,000 connections failed, each with a counted
reason; and at the end the client holds nothing open, both tables are empty once TIME_WAIT has
passed and both sides' mbufs in use are back to their idle counts.

Long form (10 minutes, hold the machine lock):
  SF_TEST_SOAK_SECONDS=600 flock /tmp/synfin-cpu.lock /usr/bin/python3 \\
      tests/integration/robust/test_soak.py <builddir>/app/synfin
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import harness as h  # noqa: E402
import test_memif as mm  # noqa: E402
from server_lib import tcp_stats  # noqa: E402

SECONDS = int(os.environ.get("SF_TEST_SOAK_SECONDS", "20"))
WINDOW = 5


LOST_MAX = 0.03

rss_kib = h.rss_kib


def poll_cycles(sf):
    """(cycles in polls that took over 1 ms, cycles in all polls) of one synfin's lcores."""
    c = sf.counters()
    return c["stall_cycles"], c["busy_cycles"] + c["idle_cycles"]


def test(binary):
    # 1. The pair's maximum, as fast as the client goes (concurrency capped as test_memif does).
    srv, cli, sock = mm.pair(binary, "rsm", "0@1", "0@0")
    try:
        mm.configure(srv, cli, 0, 5, concurrency=mm.MAX_CONCURRENCY)
        s = mm.wait_done(cli, 5)
        max_cps = s["completed"] / 5
    finally:
        mm.stop_pair(srv, cli, sock)
    rate = int(0.8 * max_cps)
    h.check(rate > 1000, f"maximum {max_cps:.0f} CPS; the soak runs at 80%: {rate}/s for {SECONDS} s")

    # 2. The soak.
    srv, cli, sock = mm.pair(binary, "rsk", "0@1", "0@0")
    try:
        cli.cmd("set tcp msl 1000")
        idle = (srv.mbufs_in_use(), cli.mbufs_in_use())
        # The client opens 3 s past the sampled span, so no window sees it stop opening. Its
        # concurrency is the one the maximum was measured at: when a neighbour slows the pair
        # below the offered rate, open connections then stay bounded instead of queueing up to
        # tens of thousands deep until responses time out (a CI run: 6,781 of 192,173 failed
        # with the cap at 50,000 while the pair ran at 11.8K of its measured 28K CPS).
        mm.configure(srv, cli, rate, SECONDS + 3, concurrency=mm.MAX_CONCURRENCY)
        samples = []  # (t, completed, server rss KiB, (stall, polled) cycles of each side)
        t0 = time.monotonic()
        while time.monotonic() - t0 < SECONDS:
            time.sleep(1 - (time.monotonic() - t0) % 1)
            samples.append((time.monotonic() - t0, mm.client_summary(cli)["completed"], rss_kib(srv.proc.pid),
                            [poll_cycles(sf) for sf in (srv, cli)]))
            if len(samples) % 60 == 0:  # the machine is shared: say how busy it was
                print(f"{len(samples)} s: load average {os.getloadavg()[0]:.2f}", flush=True)
        s = mm.wait_done(cli, 0, grace=20)
        # CPS per window, from the second window on (the first holds the start).
        cps, lost = [], []
        for i in range(WINDOW, len(samples) - WINDOW + 1, WINDOW):
            (ta, ca, _, pa), (tb, cb, _, pb) = samples[i - 1], samples[i + WINDOW - 1]
            cps.append((cb - ca) / (tb - ta))
            # The share of the window either lcore spent descheduled (polls over 1 ms).
            lost.append(max((b[0] - a[0]) / max(1, b[1] - a[1]) for a, b in zip(pa, pb)))
        ref_n = max(1, len(cps) // 3) if SECONDS < 180 else max(1, 60 // WINDOW - 1)
        # A window in which the machine took more than 3 % of a core from synfin says how busy the
        # machine was, not how steady synfin is: it is shown, and left out of the reference and
        # the verdict (a quiet run loses about 1 %: ticks, the harness's own prompts).
        judged = [c for c, f in zip(cps, lost) if f <= LOST_MAX]
        # The reference is the first minute's (the first third's) judged windows; when the machine
        # took most of that span, the first ref_n windows it left alone.
        first = [c for c, f in zip(cps[:ref_n], lost) if f <= LOST_MAX]
        ref = statistics.median(first if len(first) > ref_n // 2 else (judged[:ref_n] or cps[:ref_n]))
        worst = max((abs(c - ref) / ref for c in judged), default=1.0)
        print(f"CPS per {WINDOW} s: {[round(c) for c in cps]}; reference median {ref:.0f}", flush=True)
        print(f"share of each window an lcore was descheduled: {[f'{f:.1%}' for f in lost]}", flush=True)
        rss_start, rss_end = samples[min(4, len(samples) - 1)][2], samples[-1][2]
        h.check(rss_end - rss_start <= max(2048, rss_start // 100),
                f"server resident memory flat after start-up: {rss_start} KiB at 5 s, {rss_end} KiB at the end")
        # Issue 9 asks the soak for steady CPS, flat memory and everything back to baseline; a
        # shared machine that stalls one side for longer than an RTO budget can fail a handful
        # of the millions: each is counted by reason, and more than 1 in 10,000 fails the test.
        reasons = {k: v for k, v in s.items() if k not in ("attempted", "established", "completed", "failed", "open",
                                                          "requests", "responses") and v}
        print(f"soak: {s}", flush=True)
        h.check(h.all_ended(s),
                f"all {s['attempted']} connections ended, completed or failed with a counted reason, none open")
        h.check(s["failed"] <= s["attempted"] // 10000,
                f"at most 1 in 10,000 failed: {s['failed']} of {s['attempted']} ({reasons})")
        time.sleep(2.5)  # the client's TIME_WAIT (2 x 1 s)
        for name, sf in (("server", srv), ("client", cli)):
            t = tcp_stats(sf)
            h.check(t.get("table.tcbs") == 0 and t.get("table.keys") == 0,
                    f"{name}: table back to empty (tcbs {t.get('table.tcbs')}, keys {t.get('table.keys')})")
        srv.cmd("stop")
        cli.cmd("stop")
        h.check((srv.mbufs_in_use(), cli.mbufs_in_use()) == idle, f"mbufs in use back to {idle}")
        # Timing is judged in the long form only (a benchmark, run by hand on a quiet machine):
        # the CI form's 20 s on a shared 2-vCPU machine swing by 10 % between windows.
        steady = f"every window the machine left alone ({len(judged)} of {len(cps)}) within 5% of the first " \
                 f"{'minute' if SECONDS >= 180 else 'third'}'s median {ref:.0f} (worst {worst:.1%}); " \
                 f"the pair kept the asked rate {rate}/s ({ref:.0f})"
        if SECONDS >= 180:
            h.check(len(judged) >= len(cps) // 2, f"the machine left at least half the windows alone ({len(judged)} "
                                                  f"of {len(cps)}): otherwise there is nothing to judge")
            h.check(worst <= 0.05 and abs(ref - rate) <= 0.05 * rate, steady)
        else:
            print(f"reported, not judged in a short run: {steady}", flush=True)
    finally:
        mm.stop_pair(srv, cli, sock)


if __name__ == "__main__":
    h.main(test)
