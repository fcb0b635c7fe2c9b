# SPDX-License-Identifier: BSD-3-Clause
"""Step 4 of the CPS harness: instructions per connection of the server path.

Runs tests/perf/cps/inproc (a synfin client lcore and a synfin server lcore over ring ports,
one thread) under callgrind with --toggle-collect=inproc_server_poll: only the server's polls
(rx burst, classify, lookup, lib/tcp, reply in place, tx burst, timers) are counted, the client
and the frame copy between the two are not. A second run toggles on inproc_client_poll for the
client's side of the same connections (its generator included). Figure = collected instructions / connections the
server completed while collecting. Callgrind counts instructions, so the figure does not move
with the machine's load. Then the same program runs natively, and its own TSC timing of each
side's counted polls gives synfin's cycles per connection on one core (that one does move).
"""

import os
import re
import subprocess

CASES = (("a", "client"), ("a", "server"), ("b", "client"), ("b", "server"))


def top_functions(outfile, n=12, inclusive=True):
    """callgrind_annotate's top functions by inclusive (or self) cost, as (instructions, name)."""
    r = subprocess.run(["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}", outfile],
                       capture_output=True, text=True, timeout=120)
    rows = []
    for line in r.stdout.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(?:\*\s+)?(\S.*)$", line)
        if m and ":" in m.group(2):
            name = m.group(2).split(" [")[0].split(":", 1)[1]
            # the callers above the counted function carry the same total: leave them out
            if name not in ("main", "(below main)") and not name.startswith(("0x", "__libc_start")):
                rows.append((int(m.group(1).replace(",", "")), name))
        if len(rows) >= n:
            break
    return rows


# The counted connections run in the memif run's steady state: its concurrency, and a TIME_WAIT
# store the warm-up has filled, so each counted connection also pays for ending one TIME_WAIT
# entry (recycled early, as at any rate past store size / 2MSL). Once the store is full the count
# does not depend on its size: 8192 keeps the uncounted warm-up short.
TIMEWAIT = 8192
WARMUP = TIMEWAIT + 4000


def count(exe, tmp, side, wl, close, conns, concurrency, extra=()):
    """Instructions per connection of one side's polls (callgrind toggled on inproc_<side>_poll)."""
    cg = os.path.join(tmp, f"callgrind.{side}.{wl}{close}.out")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}",
           f"--toggle-collect=inproc_{side}_poll", exe, "--workload", wl, "--close", close,
           "--conns", str(conns), "--warmup", str(WARMUP), "--concurrency", str(concurrency),
           "--timewait", str(TIMEWAIT), *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    m = re.search(r"server_conns_counted (\d+) .*client_failed (\d+) server_retrans (\d+)", r.stdout)
    ir = re.search(r"Collected\s*:\s*(\d+)", r.stderr)
    if r.returncode != 0 or not m or not ir:
        return {"error": (r.stdout + r.stderr)[-2000:]}
    counted = int(m.group(1))
    return {"instr_per_conn": int(ir.group(1)) / counted, "collected": int(ir.group(1)), "server_conns": counted,
            "client_failed": int(m.group(2)), "server_retrans": int(m.group(3)),
            "top_inclusive": top_functions(cg), "top_self": top_functions(cg, inclusive=False)}


def cycles(exe, wl, close, conns, concurrency):
    """TSC cycles per connection of each side's polls, run natively (not under valgrind): what
    synfin's own code costs on one core, without memif or a second core's cache lines."""
    cmd = [exe, "--workload", wl, "--close", close, "--conns", str(conns), "--warmup", str(WARMUP),
           "--concurrency", str(concurrency), "--timewait", str(TIMEWAIT)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    m = re.search(r"tsc cycles per connection: server (\d+) client (\d+)", r.stdout)
    if r.returncode != 0 or not m:
        return {"error": (r.stdout + r.stderr)[-2000:]}
    return {"server": int(m.group(1)), "client": int(m.group(2))}


def measure_cycles(args, exe, log):
    """Median over args.runs native inproc runs per case (TSC cycles: they move with the machine)."""
    conns = 100000 if args.quick else 500000
    out = {"conns": conns, "runs": args.runs}
    for wl, close in CASES:
        log(f"inproc cycles: workload {wl}, {close} closes, {args.runs} native runs of {conns} connections")
        runs = [cycles(exe, wl, close, conns, args.concurrency) for _ in range(args.runs)]
        bad = [r for r in runs if "error" in r]
        if bad:
            out[f"{wl}_{close}"] = bad[0]
            log(f"  failed: {bad[0]['error'][-600:]}")
            continue
        med = {side: sorted(r[side] for r in runs)[len(runs) // 2] for side in ("server", "client")}
        out[f"{wl}_{close}"] = {**med, "runs": runs}
        log(f"  server {med['server']}, client {med['client']} TSC cycles per connection")
    return out


def measure(args, build, tmp, log):
    exe = os.path.join(build, "tests", "perf", "cps", "inproc")
    conns = 2000 if args.quick else 20000
    out = {"conns": conns, "concurrency": args.concurrency, "timewait": TIMEWAIT, "warmup": WARMUP,
           "tool": "valgrind --tool=callgrind --toggle-collect=inproc_server_poll (client: inproc_client_poll)"}
    for wl, close in CASES:
        for side in ("server", "client"):
            log(f"inproc: {side}, workload {wl}, {close} closes, {conns} connections under callgrind")
            r = count(exe, tmp, side, wl, close, conns, args.concurrency)
            key = f"{wl}_{close}" if side == "server" else f"client_{wl}_{close}"
            out[key] = r
            if "error" in r:
                log(f"  failed: {r['error'][-600:]}")
                continue
            log(f"  {r['instr_per_conn']:.0f} instructions per connection")
            if side == "server" and close == "client":
                out[f"instr_per_conn_{wl}"] = r["instr_per_conn"]
    # What the client's byte-exact check of every response body costs: workload b without it.
    log(f"inproc: client, workload b, client closes, response bodies not checked, {conns} connections under callgrind")
    r = count(exe, tmp, "client", "b", "client", conns, args.concurrency, extra=("--body-check", "off"))
    with_check = out.get("client_b_client", {}).get("instr_per_conn")
    if "error" not in r and with_check:
        out["body_check_instr_per_conn"] = with_check - r["instr_per_conn"]
        log(f"  {r['instr_per_conn']:.0f} instructions per connection: the body check costs "
            f"{out['body_check_instr_per_conn']:.0f} per connection (128-byte body)")
    out["cycles"] = measure_cycles(args, exe, log)
    return out
