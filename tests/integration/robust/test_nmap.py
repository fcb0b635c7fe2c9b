#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Scans from a real tool (issue 9): nmap -sS -sV -O from the namespace against synfin, while a
kernel client keeps connecting. synfin answers sensibly: the ports it listens on show open
(SYN-ACK), the others closed (RST) (seven ports, the one open one closing
first: -sV waits seconds for the end of every answer on a port where the client must close), -sV's probes on the open ports get HTTP answers, -O's odd
probes (bare FIN, NULL, Xmas, ACK to closed ports, ECN SYNs, UDP) get an answer or a counted
drop, never a crash; and afterwards synfin serves as before, with no TCB, table key or mbuf
left behind."""

import os
import re
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import harness as h  # noqa: E402
from server_lib import PORT_CLIENT_CLOSES, PORT_SERVER_CLOSES, clients, configure_server, wait_drained  # noqa: E402


def test(binary):
    with h.tap_peer(binary, "rnm") as (sf, ns, tap):
        configure_server(sf)
        sf.cmd("set tcp msl 200")
        idle_mbufs = sf.mbufs_in_use()
        h.check("Packet processing started" in sf.cmd("start"), "server started")
        during = {}

        def background():
            during.update(clients(ns, h.SYNFIN_IP4, PORT_CLIENT_CLOSES, 2000, 4, "client", timeout=300))

        t = threading.Thread(target=background)
        t.start()
        r = ns.run(["nmap", "-n", "-Pn", "-T4", "-sS", "-sV", "--version-light", "-O", "--max-os-tries", "1", "--max-retries", "2", "--host-timeout", "240s",
                    "-p", f"21-23,79,81,443,{PORT_SERVER_CLOSES}", h.SYNFIN_IP4], timeout=300, check_rc=False)
        t.join(300)
        print(r.stdout, flush=True)
        h.check(r.returncode == 0, f"nmap ran (rc {r.returncode}) {r.stderr[-500:]}")
        open_ports = set(int(p) for p in re.findall(r"^(\d+)/tcp\s+open\s", r.stdout, re.M))
        h.check(open_ports == {PORT_SERVER_CLOSES},
                f"nmap sees exactly the listening ports open: {sorted(open_ports)}")
        closed = len(re.findall(r"^\d+/tcp\s+closed\s", r.stdout, re.M))
        h.check((closed == 6 or re.search(r"Not shown: 6 closed", r.stdout)) and "filtered" not in r.stdout,
                "the 6 other ports answer closed (RST), none filtered")
        # nmap names 8080 http-proxy and, not knowing synfin, prints the answer it got
        h.check(re.search(r"^8080/tcp\s+open\s+http", r.stdout, re.M) is not None and "HTTP/1\\.1\\x20200" in r.stdout,
                "-sV: port 8080 answered its probes in HTTP")
        h.check(during.get("ok") == 2000, f"a kernel client connecting during the scan: {during}")
        res = clients(ns, h.SYNFIN_IP4, PORT_CLIENT_CLOSES, 300, 10, "client")
        h.check(res["ok"] == 300, f"after the scan synfin serves as before: {res}")
        s = wait_drained(sf, timeout=70)  # a half-open probe lives out its SYN-ACK retries (63 s)
        h.check(s.get("table.tcbs") == 0 and s.get("table.keys") == 0,
                f"nothing left of the scan: tcbs {s.get('table.tcbs')}, keys {s.get('table.keys')} "
                f"{ {k: v for k, v in s.items() if k.startswith('state.') and v} }")
        sf.cmd("stop")
        h.check(sf.mbufs_in_use() == idle_mbufs, f"mbufs in use back to {idle_mbufs}")


if __name__ == "__main__":
    h.main(test)
