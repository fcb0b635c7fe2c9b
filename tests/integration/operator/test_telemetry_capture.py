#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""DPDK's own tools on a running synfin: dpdk-telemetry.py reads /synfin/stats, /synfin/tcp,
/synfin/client and /synfin/latency from a server and a client joined over net_memif, and
dpdk-dumpcap (a secondary process) captures the server's port into a pcapng that tshark reads:
SYNs in, SYN-ACKs out, HTTP requests in, responses out.

dpdk-dumpcap attaches to the primary's shared memory, so the server runs on hugepages with
its own --file-prefix (docs/PLATFORM.md: --no-huge, --in-memory and --huge-unlink primaries cannot
be attached to); the client needs no capture and runs with --no-huge."""

import glob
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness as h  # noqa: E402

TELEMETRY = shutil.which("dpdk-telemetry.py") or "/usr/bin/dpdk-telemetry.py"
# dpdk-dumpcap maps the primary's memory at the primary's addresses. Left to EAL, they are
# wherever the primary's mmap put them, which in the sanitized build (ASan shapes the address
# space) a CI run found taken in dumpcap ("Cannot reserve ... at [0x7f41ae000000]"). A base far
# from mmap's and the binaries' regions, and outside ASan's shadow, is free in both processes.
BASE_VIRTADDR = "0x600000000000"
DUMPCAP = shutil.which("dpdk-dumpcap") or "/usr/bin/dpdk-dumpcap"
RATE = 300


def telemetry(prefix, cmds):
    """Ask a running synfin; return {command: reply} (dpdk-telemetry.py prints one JSON per line)."""
    r = h.run([h.PY, TELEMETRY, "-f", prefix], input="\n".join(cmds) + "\n", timeout=30)
    replies = {}
    for line in r.stdout.splitlines():
        obj = json.loads(line)
        replies.update(obj)
    missing = [c for c in cmds if c not in replies]
    if missing:
        raise h.TestFailure(f"no telemetry reply for {missing}: {r.stdout}{r.stderr}")
    return replies


def hugepages_free():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("HugePages_Free:"):
                return int(line.split()[1])
    return 0


def test(binary):
    free = hugepages_free()
    h.check(free >= 64, f"{free} free 2 MB hugepages for the captured primary (.ci/setup reserves them)")
    tmp = tempfile.mkdtemp(prefix="sf-op-cap-")
    # The captured server on hugepages; its runtime files are named after its prefix.
    srv, cli, sock = h.memif_pair(binary, "cap", srv_mem=("-m", "128", f"--base-virtaddr={BASE_VIRTADDR}"), sock_dir=tmp)
    spfx, cpfx = srv.prefix, cli.prefix
    try:
        h.check("dpdk-dumpcap) unavailable" not in srv.out, "the server initialised pdump")
        for line in ("port 0 address 198.18.0.1/24", "response http 128", "listen 198.18.0.1 80", "start"):
            srv.cmd(line)
        for line in ("port 0 address 198.18.0.100/24", "client 198.18.0.100-198.18.0.109 198.18.0.1 80",
                     f"set client rate {RATE}", "set client request http /", "start"):
            cli.cmd(line)

        pcap = os.path.join(tmp, "server.pcapng")
        # A secondary must map the primary's memory where the primary has it; if its own random
        # layout (ASLR) already holds that range, EAL gives up ("Cannot reserve ... at [...]", a
        # sanitized CI run even with the base above). Without ASLR (setarch -R, DPDK's advice for
        # secondaries) its libraries sit at the top of the space; a collision left is retried.
        for attempt in range(3):
            r = h.run(["setarch", "-R", DUMPCAP, f"--file-prefix={spfx}", "-i", "0", "-a", "duration:3", "-q",
                       "-w", pcap], timeout=60, check_rc=False)
            print(r.stdout + r.stderr, flush=True)
            if r.returncode == 0 or "Cannot reserve" not in r.stdout + r.stderr:
                break
        h.check(r.returncode == 0 and os.path.getsize(pcap) > 0, f"dpdk-dumpcap captured port 0 (rc {r.returncode})")

        t = telemetry(spfx, ["/", "/synfin/stats", "/synfin/tcp"])
        h.check(all(c in t["/"] for c in ("/synfin/stats", "/synfin/tcp", "/synfin/client", "/synfin/latency")),
                "the four /synfin commands are registered")
        s = t["/synfin/stats"]
        h.check(s["running"] == 1 and s["server_active"] == 1 and s["client_active"] == 0 and s["accepted"] > 0
                and s["served"] > 0, f"server /synfin/stats: accepted {s['accepted']}, served {s['served']}")
        h.check(t["/synfin/tcp"]["conn"]["established"] >= s["accepted"] and "state" in t["/synfin/tcp"],
                "/synfin/tcp has the counters by group")
        time.sleep(1.1)
        t2 = telemetry(spfx, ["/synfin/stats"])["/synfin/stats"]
        h.check(t2["accepted"] > s["accepted"], "read again a second later: the figures moved")

        c = telemetry(cpfx, ["/synfin/client", "/synfin/latency", "/synfin/stats"])
        cl = c["/synfin/client"]
        h.check(cl["enabled"] == 1 and cl["rate"] == RATE and cl["completed"] > 0 and cl["failed"] == 0 and
                set(cl["failed_by"]) >= {"rst", "syn_timeout"}, f"client /synfin/client: {cl}")
        lat = c["/synfin/latency"]
        h.check(all(lat[k]["count"] > 0 and lat[k]["p50"] <= lat[k]["p99"] <= lat[k]["max"]
                    for k in ("connect", "response", "total")), f"/synfin/latency: {lat}")

        # What the capture holds: both directions of synfin's server.
        def count(flt):
            r = h.run(["tshark", "-r", pcap, "-Y", flt, "-T", "fields", "-e", "frame.number"], timeout=120)
            return len(r.stdout.split())

        syn, synack = count("tcp.flags.syn==1 && tcp.flags.ack==0"), count("tcp.flags.syn==1 && tcp.flags.ack==1")
        req, resp = count("http.request"), count("http.response.code == 200")
        print(f"capture: {syn} SYN, {synack} SYN-ACK, {req} requests, {resp} responses", flush=True)
        h.check(syn >= RATE and synack >= RATE and req >= RATE and resp >= RATE,
                "the capture has SYNs and requests received, SYN-ACKs and responses sent (3 s at "
                f"{RATE}/s)")
        h.check(count("_ws.malformed || _ws.expert.severity == error") == 0, "tshark finds nothing malformed")
    finally:
        h.stop_memif_pair(srv, cli, sock)
        for f in glob.glob(f"/dev/hugepages/{spfx}map_*"):
            os.unlink(f)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    h.main(test)
