#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Server mode against the Linux kernel as the client: sequential and concurrent HTTP
connections over IPv4 and IPv6 with byte-exact bodies, curl, both close policies (TIME_WAIT on
synfin rises and drains after 2MSL), a capture that tshark finds clean, and nothing leaked."""

import os
import re
import subprocess
import time

import harness as h
from server_lib import (BODY, MSL_MS, PORT_CLIENT_CLOSES, PORT_SERVER_CLOSES, clients, configure_server, tcp_stats,
                        wait_drained)

SEQUENTIAL = int(os.environ.get("SF_TEST_SEQUENTIAL", "10000"))
CONCURRENT = int(os.environ.get("SF_TEST_CONCURRENT", "1000"))


def test(binary):
    with h.tap_peer(binary, "srv") as (sf, ns, tap):
        configure_server(sf)
        idle_mbufs = sf.mbufs_in_use()
        h.check("Packet processing started" in sf.cmd("start"), "server started")

        cap = ns.popen(["tshark", "-i", tap, "-w", "/tmp/sf-srv-%d.pcapng" % os.getpid(), "-a", "duration:600"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # tshark needs a moment before it captures (docs/PLATFORM.md)
        deadline = time.monotonic() + 15
        line = ""
        while "Capturing on" not in line and time.monotonic() < deadline:
            line = cap.stderr.readline()
        try:
            r = ns.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                        f"http://{h.SYNFIN_IP4}:{PORT_CLIENT_CLOSES}/"], timeout=20)
            h.check(r.stdout == f"200 {BODY}", f"curl over IPv4: {r.stdout}")
            r = ns.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                        f"http://[{h.SYNFIN_IP6}]:{PORT_CLIENT_CLOSES}/"], timeout=20)
            h.check(r.stdout == f"200 {BODY}", f"curl over IPv6: {r.stdout}")

            for host in (h.SYNFIN_IP4, h.SYNFIN_IP6):
                res = clients(ns, host, PORT_CLIENT_CLOSES, SEQUENTIAL, 1, "client")
                h.check(res["ok"] == SEQUENTIAL and res["failed"] == 0,
                        f"{SEQUENTIAL} sequential connections to {host}, client closes: {res}")
                res = clients(ns, host, PORT_CLIENT_CLOSES, CONCURRENT, CONCURRENT, "client")
                h.check(res["ok"] == CONCURRENT and res["failed"] == 0,
                        f"{CONCURRENT} concurrent connections to {host}, client closes: {res}")
            s = wait_drained(sf)
            h.check(s.get("table.tcbs") == 0 and s.get("table.keys") == 0,
                    "client closes first: every TCB freed, no TIME_WAIT on synfin")

            n = 2000
            for host in (h.SYNFIN_IP4, h.SYNFIN_IP6):
                res = clients(ns, host, PORT_SERVER_CLOSES, n, 100, "server")
                h.check(res["ok"] == n and res["failed"] == 0, f"{n} connections to {host}, server closes: {res}")
            s = tcp_stats(sf)
            tw = s.get("state.time_wait_compact", 0)
            h.check(tw > 0 and s.get("table.keys", 0) >= tw, f"server closes first: TIME_WAIT held on synfin "
                    f"(gauge {tw}, table keys {s.get('table.keys')})")
            time.sleep(2 * MSL_MS / 1000)
            s = wait_drained(sf, timeout=5)
            h.check(s.get("table.keys") == 0 and s.get("state.time_wait_compact") == 0,
                    f"TIME_WAIT drained 2MSL later (expired {s.get('table.tw_expired')})")
        finally:
            time.sleep(0.5)
            cap.terminate()
            cap.wait(10)
        pcap = "/tmp/sf-srv-%d.pcapng" % os.getpid()
        try:
            # synfin's frames: the kernel's own may carry 0xffff for a TCP sum of zero (Linux's
            # checksum help writes UDP's "mangled zero"), valid but flagged by tshark.
            ours = f"ip.src == {h.SYNFIN_IP4} || ipv6.src == {h.SYNFIN_IP6}"
            r = h.run(["tshark", "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                       "-z", f"expert,error,{ours}", "-q"], timeout=120)
            errors = [l for l in r.stdout.splitlines() if re.match(r"^\s*\d+\s+\w", l)]
            h.check(not errors, f"synfin's frames raise no tshark expert errors: {r.stdout.strip()[:500]}")
            # checksum.status: 0 bad, 1 good, 2 unverified
            r = h.run(["tshark", "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                       "-Y", f"_ws.malformed || ip.checksum.status == 0 || (tcp.checksum.status == 0 && "
                             f"({ours} || tcp.checksum != 0xffff))"], timeout=120)
            h.check(r.stdout.strip() == "", f"capture: no malformed frame, no bad checksum {r.stdout[:2000]}")
            r = h.run(["tshark", "-r", pcap, "-Y", "tcp", "-T", "fields", "-e", "frame.number"], timeout=120)
            h.check(len(r.stdout.split()) > 1000, f"capture holds the TCP traffic ({len(r.stdout.split())} frames)")
        finally:
            if not os.environ.get("SF_KEEP_PCAP"):
                os.unlink(pcap)
        sf.cmd("stop")
        h.check(sf.mbufs_in_use() == idle_mbufs, f"mbufs in use back to {idle_mbufs} (nothing leaked)")


if __name__ == "__main__":
    h.main(test)
