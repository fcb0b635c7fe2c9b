#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""synfin's CPS harness (issue 7): one command, one table, one JSON file.

  tests/perf/cps/run.py --build build-perf            # about 8 minutes
  tests/perf/cps/run.py --build build-perf --quick    # 1 run x 5 s per figure, about 2 minutes

Figures, each the median of --runs runs (the machine is shared: medians, not means):
  1. synfin client vs synfin server over net_memif, one worker lcore each on its own core
     (server on CPU 1, client on CPU 0), driven through their prompts (tests/integration's
     Synfin class): server CPS, client CPS, packets per connection, retransmissions, failures,
     for workload a (handshake + close) and b (64-byte request, 128-byte raw response), with the
     client closing first and the server closing first.
  2. the Linux kernel on loopback (kcps_server / kcps_client, epoll, one core each), workload b.
  3. the link ceiling: two dpdk-testpmd over the same kind of memif, txonly -> rxonly and a
     macswap round trip, in packets per second; ceiling CPS = pps / packets per connection.
  4. instructions per connection of each side's path (inproc under callgrind), and the TSC
     cycles the same path takes run natively on one core (inproc's own timing), against the
     memif run's busy cycles per connection: what synfin's code costs and what the link does.
  5. bytes per established connection and per TIME_WAIT entry (tests/perf/bench_conn_timer).
Everything it starts is killed by PID and every file it makes is removed, on failure too.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness as h  # noqa: E402  (the Synfin prompt driver: reused, not copied)
from procs import Prompted  # noqa: E402

SRV_CPU, CLI_CPU = 1, 0
# Workload b: raw bytes, not HTTP, so the sizes on the wire are exactly the 64 and 128
# bytes and neither side spends instructions on HTTP parsing that the kernel baseline lacks.
FAIL_REASONS = ("syn_timeout", "rst", "timeout", "response_timeout", "response_mismatch", "no_tuple", "no_tcb")
WORKLOADS = {
    "a": {"desc": "handshake + close, no data", "requests": 0},
    "b": {"desc": "64-byte request, 128-byte response", "requests": 1, "req": 64, "resp": 128},
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


counters = h.counters


def port_packets(text):
    rx = re.search(r"RX-packets:\s+(\d+)", text)
    tx = re.search(r"TX-packets:\s+(\d+)", text)
    return int(rx.group(1)) + int(tx.group(1)) if rx and tx else 0


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------------------------------------
# 1. synfin vs synfin over memif


class Memif:
    """A server and a client synfin joined by a memif socket of our own; stop() ends both."""

    # EAL memory of each side: 4 KB pages unless told (hugepages need the reservation .ci/setup
    # makes; the connection tables take transparent hugepages either way, lib/conn).
    MEM = ("--no-huge", "-m", "512")
    LINK = h.MEMIF_LINK

    def __init__(self, binary, tag, tmp):
        self.srv, self.cli, self.sock = h.memif_pair(binary, f"cps-{tag}", f"0@{SRV_CPU}", f"0@{CLI_CPU}",
                                                     srv_mem=self.MEM, cli_mem=self.MEM, sock_dir=tmp,
                                                     cls=Prompted, link=self.LINK)

    def stop(self):
        h.stop_memif_pair(self.srv, self.cli, self.sock)


def server_done(tcp):
    """Connections fully closed on the server: CLOSED, plus those resting in TIME_WAIT."""
    return tcp.get("closed", 0) + tcp.get("time_wait", 0) + tcp.get("time_wait_compact", 0)


def retrans_kinds(tcp_text):
    """The retrans group of `show tcp stats` (syn, syn_ack, data, fin, ...) as a dict."""
    sect = re.search(r"^retrans:\n((?:  .*\n)*)", tcp_text, re.M)
    return counters(sect.group(1)) if sect else {}


def retrans(tcp_text):
    return sum(retrans_kinds(tcp_text).values())


def busy_share(before, after):
    """The lcore's load between two `show lcore stats` readings: cycles in polls that received
    frames over cycles in all polls."""
    idle = after.get("idle_cycles", 0) - before.get("idle_cycles", 0)
    busy = after.get("busy_cycles", 0) - before.get("busy_cycles", 0)
    return busy / (idle + busy) if idle + busy else None


def busy_per(before, after, conns):
    """Busy cycles (polls that received frames) between two `show lcore stats` readings, per
    connection completed in between."""
    busy = after.get("busy_cycles", 0) - before.get("busy_cycles", 0)
    return busy / conns if conns else None


def frames_per_poll(before, after):
    """Frames received per poll that received any, between two `show lcore stats` readings: how
    full the rx bursts ran (SF_BURST at most)."""
    polls = after.get("busy_polls", 0) - before.get("busy_polls", 0)
    return (after.get("rx_pkts", 0) - before.get("rx_pkts", 0)) / polls if polls else None


# The client's connections open at once over memif. 256 keeps every burst full (64 frames) with
# the fewest frames, mbufs and TCBs in flight: against 1000, interleaved 5 s pairs gave x1.04-1.12
# for workload a and x1.04-1.25 for b (docs/PERFORMANCE.md, session 7); 512 lies between.
DEFAULT_CONCURRENCY = 256

# Each side's connection table as the run needs it (`set conn tcbs N timewait N`): TCBs for 32x
# the concurrency, and a TIME_WAIT store that, like synfin's default 1M one, fills within a second
# at these rates and recycles its oldest entries from then on (tw_recycled). The defaults (256K
# TCBs, 1M TIME_WAIT) spread each new connection's bucket over a 20 MB table: a cache and TLB
# miss per SYN, 12-22 % of the CPS in interleaved pairs (docs/PERFORMANCE.md, session 7).
# --tables default runs with synfin's defaults.
DEFAULT_TABLES = (8192, 65536)


def checked_cmd(sf, command):
    """Send @command to a synfin prompt; a refusal (bad arguments, unknown command) fails the run."""
    reply = sf.cmd(command)
    if "expected:" in reply or "not found" in reply.lower() or "error" in reply.lower():
        raise h.TestFailure(f"{command!r} refused: {reply.strip()}")
    return reply


def parse_tables(text):
    """`TCBS,TIMEWAIT` as a pair of ints, or `default` as None (synfin's own sizes)."""
    if text == "default":
        return None
    tcbs, tw = (int(x) for x in text.split(","))
    return tcbs, tw


def memif_run(binary, tmp, wl, close, seconds, concurrency, tag, tables=DEFAULT_TABLES):
    w = WORKLOADS[wl]
    pair = Memif(binary, tag, tmp)
    srv, cli = pair.srv, pair.cli
    try:
        if tables is not None:
            for sf in (srv, cli):
                checked_cmd(sf, f"set conn tcbs {tables[0]} timewait {tables[1]}")
        srv.cmd("port 0 address 198.18.0.1/24")
        if w["requests"]:
            srv.cmd(f"response raw {w['resp']}")
            srv.cmd("requests 1")
        else:
            srv.cmd("response none")
            srv.cmd("requests 0")
        srv.cmd(f"close {close}")
        srv.cmd("listen 198.18.0.1 80")
        cli.cmd("port 0 address 198.18.0.100/24")
        cli.cmd("client 198.18.0.100-198.18.0.199 198.18.0.1 80")
        cli.cmd("set client rate 0")
        # The window measured is [1 s, 1 s + seconds]; the client opens a little longer so the
        # window never sees the tail.
        cli.cmd(f"set client duration {seconds + 2}")
        cli.cmd(f"set client concurrency {concurrency}")
        cli.cmd(f"set client requests {w['requests']}")
        if w["requests"]:
            cli.cmd(f"set client request raw {w['req']} {w['resp']}")
        cli.cmd(f"set client close {close}")
        if "started" not in srv.cmd("start") or "started" not in cli.cmd("start"):
            raise h.TestFailure("synfin did not start")
        time.sleep(1)
        t0 = time.monotonic()
        s0 = server_done(counters(srv.cmd("show tcp stats")))
        c0 = counters(cli.cmd("show client stats"))["completed"]
        polls0 = [sf.counters() for sf in (srv, cli)]
        time.sleep(max(0.0, seconds - (time.monotonic() - t0)))
        s1 = server_done(counters(srv.cmd("show tcp stats")))
        t1 = time.monotonic()
        c1 = counters(cli.cmd("show client stats"))["completed"]
        t2 = time.monotonic()
        polls1 = [sf.counters() for sf in (srv, cli)]
        # Drain: the opening ends, then everything in flight closes (bounded).
        deadline = time.monotonic() + 3 + 15
        while True:
            cs = counters(cli.cmd("show client stats"))
            if (cs["open"] == 0 and cs["attempted"] > c1) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(0.5)
        srv_tcp_text = srv.cmd("show tcp stats")
        cli_tcp_text = cli.cmd("show tcp stats")
        srv_tcp = counters(srv_tcp_text)
        # Frames dropped because a tx ring was full: the usual cause of retransmissions here.
        tx_full = sum(sf.counters().get("tx_full", 0) for sf in (srv, cli))
        fail_reasons = {k: v for k, v in cs.items() if k in FAIL_REASONS and v}
        pkts = port_packets(srv.cmd("show port stats 0"))
        done = server_done(srv_tcp)
        r = {
            "server_cps": (s1 - s0) / (t1 - t0),
            "client_cps": (c1 - c0) / (t2 - t0),
            "pkts_per_conn": pkts / done if done else None,
            "retrans": retrans(srv_tcp_text) + retrans(cli_tcp_text),
            "failed": cs["failed"],
            "fail_reasons": fail_reasons,
            "retrans_server": retrans_kinds(srv_tcp_text),
            "retrans_client": retrans_kinds(cli_tcp_text),
            "tx_full": tx_full,
            "attempted": cs["attempted"],
            "completed": cs["completed"],
            "open_at_end": cs["open"],
            # Which side is the bottleneck: each lcore's load in the window (the saturated
            # side sits near 100 %).
            "server_load": busy_share(polls0[0], polls1[0]),
            "client_load": busy_share(polls0[1], polls1[1]),
            # What each lcore spent on a connection in the window, in TSC cycles of polls that
            # received frames: the two sides' costs side by side.
            "server_cycles_per_conn": busy_per(polls0[0], polls1[0], s1 - s0),
            "client_cycles_per_conn": busy_per(polls0[1], polls1[1], s1 - s0),
            "server_rx_per_poll": frames_per_poll(polls0[0], polls1[0]),
            "client_rx_per_poll": frames_per_poll(polls0[1], polls1[1]),
        }
        return r
    finally:
        pair.stop()


def section_memif(args, binary, tmp, results):
    for wl in ("a", "b"):
        for close in ("client", "server"):
            key = f"synfin_{wl}_{close}"
            runs = []
            for i in range(args.runs):
                log(f"memif: workload {wl}, {close} closes, run {i + 1}/{args.runs}")
                try:
                    runs.append(memif_run(binary, tmp, wl, close, args.seconds, args.concurrency,
                                          f"{wl}{close[0]}{i}", args.tables))
                    log(f"  {runs[-1]}")
                except (h.TestFailure, subprocess.TimeoutExpired, KeyError) as e:
                    log(f"  run failed: {e}")
            results[key] = summarize(runs)


def table_sizes(results):
    """How the run sized each side's connection table, for the table's footnote."""
    t = results.get("tables", "default")  # runs before session 7 kept synfin's defaults
    return "synfin's defaults" if t in (None, "default") else f"{t[0]} TCBs / {t[1]} TIME_WAIT a side"


def summarize(runs):
    if not runs:
        return {"error": "no run completed"}
    out = {"runs": runs}
    for k in runs[0]:
        if isinstance(runs[0][k], (int, float)):
            out[k] = median([r.get(k) for r in runs])  # each column's own median
    return out


# ---------------------------------------------------------------------------------------------
# 5. memory (lib/conn's benchmark prints it)


def section_memory(args, build, results):
    exe = os.path.join(build, "tests", "perf", "bench_conn_timer")
    try:
        # Only the TIME_WAIT rows, one run, 1M entries: the memory lines come from the real
        # allocations (sf_conn_memory()) and do not depend on timing.
        out = subprocess.run([exe, "--sizes", "1000000", "--runs", "1", "--only", "tw"],
                             capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        results["memory"] = {"error": str(e)}
        return
    mem = {}
    for key, pat in (("bytes_per_established", r"bytes per established connection:\s*([\d.]+)"),
                     ("bytes_per_time_wait", r"bytes per TIME_WAIT entry: IPv4\s*([\d.]+)"),
                     ("bytes_per_time_wait6", r"bytes per TIME_WAIT entry: IPv4 [\d.]+, IPv6\s*([\d.]+)")):
        m = re.search(pat, out, re.I)
        mem[key] = float(m.group(1)) if m else None
    mem["source"] = [ln.strip() for ln in out.splitlines() if re.search(r"bytes per", ln)]
    results["memory"] = mem


# ---------------------------------------------------------------------------------------------
# The table


def fmt(v, digits=0):
    if v is None:
        return "-"
    if isinstance(v, float) and digits:
        return f"{v:,.{digits}f}"
    return f"{v:,.0f}"


def pct(v):
    return "-" if v is None else f"{100 * v:.0f}%"


def ratio(a, b):
    return a / b if a and b else None


def table(results):
    rows, notes = [], []
    kern = results.get("kernel_b", {}).get("cps")
    ceil = results.get("ceiling", {})
    for wl in ("a", "b"):
        for close in ("client", "server"):
            r = results.get(f"synfin_{wl}_{close}", {})
            label = f"synfin {wl} ({WORKLOADS[wl]['desc']}), {close} closes"
            if "skipped" in r or "error" in r:
                rows.append((label, "n/a", "", "", "", "", "", "", "", ""))
                notes.append(f"{label}: {r.get('skipped', r.get('error'))}")
                continue
            ppc = r.get("pkts_per_conn")
            ceil_cps = ceil.get("macswap_pps") / ppc if ppc and ceil.get("macswap_pps") else None
            r["ceiling_cps"] = ceil_cps
            # The kernel runs workload b with the client closing; workload a is set against the
            # same figure, as the first target does.
            r["vs_kernel"] = ratio(r.get("server_cps"), kern)
            r["vs_ceiling"] = ratio(r.get("server_cps"), ceil_cps)
            reasons = {}
            for run in r.get("runs", []):
                for why, n in run.get("fail_reasons", {}).items():
                    reasons[why] = reasons.get(why, 0) + n
            if reasons:
                notes.append(f"{label}: failures over all runs by reason: {reasons}")
            spread = [x["server_cps"] for x in r.get("runs", [])]
            rows.append((label, fmt(r.get("server_cps")),
                         f"{fmt(min(spread))}-{fmt(max(spread))}" if spread else "-", fmt(r.get("client_cps")), fmt(ppc, 2),
                         f"{fmt(r.get('retrans'))}/{fmt(r.get('failed'))}", fmt(r.get("tx_full")),
                         fmt(r["vs_kernel"], 2) if r["vs_kernel"] else "-",
                         fmt(r["vs_ceiling"], 2) if r["vs_ceiling"] else "-",
                         f"{pct(r.get('server_load'))}/{pct(r.get('client_load'))}"))
    lines = []
    hdr = ("figure", "server CPS", "(runs: min-max)", "client CPS", "pkts/conn", "retrans/failed", "tx_full", "x kernel",
           "x ceiling", "load srv/cli")
    w = [max(len(str(x[i])) for x in [hdr, *rows]) for i in range(len(hdr))]
    for row in [hdr, *rows]:
        lines.append("  ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i]) for i, c in enumerate(row)))
    lines.extend(notes)
    lines.append("")
    k = results.get("kernel_b", {})
    if k:
        kr = [r["cps"] for r in k.get("runs", [])]
        lines.append(f"Linux kernel loopback, workload b (epoll, 1 core each): {fmt(k.get('cps'))} CPS "
                     f"(median of {len(kr)}, runs {', '.join(fmt(x) for x in kr)}; failed {fmt(k.get('failed'))})")
    if ceil:
        lines.append(f"link ceiling (2x dpdk-testpmd over memif, 1 core each): txonly->rxonly "
                     f"{fmt(ceil.get('txonly_pps'))} pps, macswap round trip {fmt(ceil.get('macswap_pps'))} pps "
                     f"(ceiling CPS = macswap pps / pkts per connection)")
    ip = results.get("inproc", {})
    if ip:
        # JSON from before session 8 counted at concurrency 32 with an unfilled TIME_WAIT store
        steady = (f" at concurrency {ip['concurrency']}, TIME_WAIT store full" if "timewait" in ip else "")
        for wl, close in (("a", "client"), ("a", "server"), ("b", "client"), ("b", "server")):
            v = ip.get(f"{wl}_{close}", {}).get("instr_per_conn")
            c = ip.get(f"client_{wl}_{close}", {}).get("instr_per_conn")
            lines.append(f"instructions per connection, workload {wl}, {close} closes (callgrind, inproc, "
                         f"{fmt(ip.get('conns'))} connections{steady}): server {fmt(v)}, client {fmt(c)}")
        cyc = ip.get("cycles", {})
        for wl, close in (("a", "client"), ("a", "server"), ("b", "client"), ("b", "server")):
            c, m = cyc.get(f"{wl}_{close}", {}), results.get(f"synfin_{wl}_{close}", {})
            if "server" in c:
                # the memif run's busy cycles hold these plus memif's copies and the other core's lines
                lines.append(f"TSC cycles per connection, workload {wl}, {close} closes: synfin's own code "
                             f"(inproc, one core, median of {len(c['runs'])} x {fmt(cyc.get('conns'))} connections) "
                             f"server {fmt(c['server'])}, client {fmt(c['client'])}; memif run's busy polls "
                             f"server {fmt(m.get('server_cycles_per_conn'))}, client {fmt(m.get('client_cycles_per_conn'))}")
        if ip.get("body_check_instr_per_conn") is not None:
            lines.append(f"the client's byte-exact check of each 128-byte response body: "
                         f"{fmt(ip['body_check_instr_per_conn'])} instructions per connection (workload b, with - without)")
    mem = results.get("memory", {})
    if mem:
        lines.append(f"memory: {fmt(mem.get('bytes_per_established'), 1)} bytes per established connection, "
                     f"{fmt(mem.get('bytes_per_time_wait'), 1)} bytes per IPv4 TIME_WAIT entry "
                     f"({fmt(mem.get('bytes_per_time_wait6'), 1)} IPv6), 1M-entry table (bench_conn_timer)")
    for name, e in results.get("errors", {}).items():
        lines.append(f"section {name} failed: {e}")
    lines.append(f"medians of {results['runs']} run(s) of {results['seconds']} s, client concurrency "
                 f"{results['concurrency']}, tables {table_sizes(results)}; x kernel = server CPS / kernel CPS (workload b, client closes); "
                 f"x ceiling = server CPS / (macswap pps / pkts per connection); load = cycles in polls "
                 f"that received frames / cycles in all polls, per side (the bottleneck sits near 100%)")
    lines.append(f"load average at start / end: {results.get('load_start')} / {results.get('load_end')}")
    return "\n".join(lines)


def on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="meson build directory (default: build)")
    ap.add_argument("--quick", action="store_true", help="1 run x 5 s per figure: a smoke test of the harness")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=15)
    # 20000 overflows the client's memif tx ring at start (tx_full, then retransmissions and
    # SYN timeouts: see docs/PERFORMANCE.md); DEFAULT_CONCURRENCY says why 256.
    ap.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY,
                    help=f"client connections open at most ({DEFAULT_CONCURRENCY})")
    ap.add_argument("--tables", type=parse_tables, default=DEFAULT_TABLES, metavar="TCBS,TIMEWAIT|default",
                    help="each side's connection table (%d,%d; default: synfin's own sizes)" % DEFAULT_TABLES)
    ap.add_argument("--only", default="memif,kernel,ceiling,inproc,memory",
                    help="comma-separated sections to run")
    ap.add_argument("--json", default=None, help="where to write the JSON (default: <build>/cps.json)")
    ap.add_argument("--table-from", default=None, metavar="JSON", help="print the table of an earlier run and exit")
    args = ap.parse_args()
    if args.table_from:
        with open(args.table_from) as f:
            print(table(json.load(f)))
        return
    if args.quick:
        args.runs, args.seconds = 1, 5
    if os.geteuid() != 0:
        sys.exit("run.py needs root (memif sockets, EAL)")
    build = os.path.abspath(args.build)
    binary = os.path.join(build, "app", "synfin")
    only = set(args.only.split(","))
    results = {"runs": args.runs, "seconds": args.seconds, "concurrency": args.concurrency, "tables": args.tables,
               "load_start": open("/proc/loadavg").read().split()[:3]}
    tmp = tempfile.mkdtemp(prefix="sf-cps-")
    # SIGTERM ends like ^C: the finally blocks kill what was started and remove tmp.
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        # One section failing (a missing tool, a peer that would not start) leaves the others.
        for name in ("ceiling", "memif", "kernel", "inproc", "memory"):
            if name not in only:
                continue
            try:
                if name == "ceiling":
                    import ceiling
                    results["ceiling"] = ceiling.measure(args, tmp, log)
                elif name == "memif":
                    section_memif(args, binary, tmp, results)
                elif name == "kernel":
                    import kernel
                    results["kernel_b"] = kernel.measure(args, build, log)
                elif name == "inproc":
                    import inproc
                    results["inproc"] = inproc.measure(args, build, tmp, log)
                else:
                    section_memory(args, build, results)
            except Exception as e:  # noqa: BLE001  (reported in the table and the JSON)
                log(f"{name}: failed: {e!r}")
                results.setdefault("errors", {})[name] = repr(e)
    finally:
        Prompted.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    results["load_end"] = open("/proc/loadavg").read().split()[:3]
    text = table(results)
    print(text)
    path = args.json or os.path.join(build, "cps.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print(f"JSON: {path}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: every process started was stopped and its files removed")
