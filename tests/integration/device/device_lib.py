# SPDX-License-Identifier: BSD-3-Clause
"""The Linux kernel as the device under test: one synfin process with two net_tap ports, port 0
the client port and port 1 the server port, whose kernel sides both live in one namespace of the
test's own that routes between them:

    synfin port 0 (client)            namespace "sf-dev<pid>"             synfin port 1 (server)
    198.18.1.2, sources .10-.19  <->  198.18.1.1 [router] 198.18.2.1  <->  198.18.2.2:80

The client reaches 198.18.2.2 through its gateway 198.18.1.1 (resolved by ARP); the router
reaches the client's sources on-link (synfin answers ARP for them). Addresses: 198.18.0.0/15
only. Everything is torn down on the way out, processes killed by PID."""

import contextlib
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import harness as h  # noqa: E402

CLIENT_NET = "198.18.1"
SERVER_NET = "198.18.2"
ROUTER_CLIENT_IP = f"{CLIENT_NET}.1"
ROUTER_SERVER_IP = f"{SERVER_NET}.1"
CLIENT_PORT_IP = f"{CLIENT_NET}.2"
SERVER_IP = f"{SERVER_NET}.2"
SOURCES = f"{CLIENT_NET}.10-{CLIENT_NET}.19"
# IPv6 beside it, from the benchmarking range 2001:2::/48 (RFC 5180).
CLIENT_NET6 = "2001:2:0:1"
SERVER_NET6 = "2001:2:0:2"
ROUTER_CLIENT_IP6 = f"{CLIENT_NET6}::1"
ROUTER_SERVER_IP6 = f"{SERVER_NET6}::1"
CLIENT_PORT_IP6 = f"{CLIENT_NET6}::2"
SERVER_IP6 = f"{SERVER_NET6}::2"
SOURCES6 = f"{CLIENT_NET6}::10-{CLIENT_NET6}::19"
ROUTER_CLIENT_MAC = "02:00:00:00:01:01"
ROUTER_SERVER_MAC = "02:00:00:00:02:01"
BODY = 256


counters, client_summary, tcp_stats = h.counters, h.client_summary, h.tcp_stats


def env_int(name, default):
    return int(os.environ.get(name, str(default)))


@contextlib.contextmanager
def router_pair(binary, tag, lcores="0", in_namespace=False):
    """synfin with two taps whose kernel sides route between each other in a fresh namespace.
    Yields (synfin, netns, client-side tap, server-side tap). With in_namespace the synfin process
    itself runs in the namespace (the taps are born there: link state and link events are read
    right, docs/PLATFORM.md), else it runs here and the taps are moved."""
    uid = f"{tag}{os.getpid() % 100000}"
    ns = h.Netns(f"sf-dev{uid}")
    ctap, stap = f"sfc{uid}"[:15], f"sfs{uid}"[:15]
    sf = None
    try:
        eal = ["-l", lcores, "--no-huge", "-m", "256", "--no-pci", f"--vdev=net_tap0,iface={ctap}",
               f"--vdev=net_tap1,iface={stap}", "--log-level=pmd.net.tap:error"]
        if in_namespace:
            sf = h.Synfin("ip", ["netns", "exec", ns.name, binary, *eal], prefix=f"sf-dev{uid}")
        else:
            sf = h.Synfin(binary, eal, prefix=f"sf-dev{uid}")
            for tap in (ctap, stap):
                h.wait_for_link(tap)
                h.run(["ip", "link", "set", tap, "netns", ns.name])
        for tap, mac, ip, ip6 in ((ctap, ROUTER_CLIENT_MAC, ROUTER_CLIENT_IP, ROUTER_CLIENT_IP6),
                                  (stap, ROUTER_SERVER_MAC, ROUTER_SERVER_IP, ROUTER_SERVER_IP6)):
            h.ns_leg(ns, tap, mac, ip, ip6)
        # A router: forwarding on, no reverse-path filter between its two legs.
        ns.run(["sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0", "net.ipv6.conf.all.forwarding=1"])
        yield sf, ns, ctap, stap
    finally:
        h.end_with_output(sf, ns)


PORT_PAIR_CMD = os.path.join(h.HERE, "..", "..", "config", "port-pair.cmd")


def configure_pair(sf, msl_ms=1000):
    """config/port-pair.cmd (port 0 the client port behind its gateway, port 1 the server port with
    its listener), then IPv6 beside it and the MSL asked for."""
    out = sf.cmd(f"load {PORT_PAIR_CMD}")
    h.check("failed" not in out and "role client" in out and "role server" in out and "gateway 198.18.1.1" in out,
            "config/port-pair.cmd loaded: port 0 the client port behind 198.18.1.1, port 1 the server port")
    sf.cmd(f"port 0 address {CLIENT_PORT_IP6}/64")
    h.check("gateway" in sf.cmd(f"port 0 gateway {ROUTER_CLIENT_IP6}"), f"port 0 reaches IPv6 via {ROUTER_CLIENT_IP6}")
    sf.cmd(f"port 1 address {SERVER_IP6}/64")
    sf.cmd(f"set tcp msl {msl_ms}")
    sf.cmd(f"listen {SERVER_IP6} 80")


def difference(sf):
    """The report's port-pair line: (attempted - accepted, served - completed)."""
    m = re.search(r"difference: attempted - accepted (-?\d+) .*served - completed (-?\d+)", sf.cmd("show stats"))
    return (int(m.group(1)), int(m.group(2))) if m else None


last_drain_s = 0.0  # how long the last run_client() waited after the opening time for nothing open


def run_client(sf, dports, rate, seconds, grace=30, sample=None, sources=SOURCES, dst=SERVER_IP):
    """One client run towards <dst>:<dports>; returns (client summary delta, samples): the
    summary once nothing is open (bounded by grace), sample() called about every 0.5 s."""
    sf.cmd(f"client {sources} {dst} {dports}")
    sf.cmd(f"set client rate {rate}")
    sf.cmd(f"set client duration {seconds}")
    sf.cmd("set client request http /")
    sf.cmd("set client close client")
    before = client_summary(sf)
    samples = []
    h.check("started" in sf.cmd("start"), f"client towards {dst} port {dports} started at {rate}/s for {seconds} s")
    # A second past the duration: the lcores' TSC clock and ours need not agree to the millisecond.
    end = time.monotonic() + seconds + 1
    while time.monotonic() < end:
        time.sleep(0.5)
        if sample:
            samples.append(sample())
    drain_start = time.monotonic()
    deadline = drain_start + grace
    s = client_summary(sf)
    while s.get("open", 1) > 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        if sample:
            samples.append(sample())
        s = client_summary(sf)
    global last_drain_s
    last_drain_s = time.monotonic() - drain_start
    sf.cmd("stop")
    return {k: v - before.get(k, 0) if k != "open" else v for k, v in s.items()}, samples


def server_seen(sf):
    """What the server port's side saw: connections accepted (passive opens) and responses queued."""
    t = tcp_stats(sf)
    return t.get("conn.opened_passive", 0), sf.counters().get("responses", 0)
