#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write fuzz_rx's seed corpus: valid frames of every kind, built with scapy.

    /usr/bin/python3 tests/fuzz/make_corpus.py --build <builddir> [--out tests/fuzz/corpus/fuzz_rx]

It asks the fuzz target for its fixture (FUZZ_RX_DESCRIBE=1: addresses, MACs, every live
connection with its state and ports) and writes, per connection, the segments each state has
to answer (in-window ACK, data, FIN, exact and inexact RST, SYN, old and unsent ACK, out of
window), plus frames for no connection (ARP, ICMP and ICMPv6 echo, ND, SYNs to each listener
and to a closed port, IPv4 options and fragments, VLAN, IPv6 extension headers, bad checksums),
a few multi-frame inputs (handshake, a SYN burst that empties the TCB pool, timers running a
connection to its end). The record format is fuzz_rx.c's: op byte, 16-bit little-endian length,
frame. Sequence and acknowledgment numbers of segments to connections are relative (op mode 2):
0 is what the connection expects, so seeds stay valid when ISNs change. The directory is
emptied first, so the corpus is exactly what this script makes.
"""

import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys

from scapy.all import ARP, Ether, ICMP, IP, IPv6, IPv6ExtHdrHopByHop, Dot1Q, TCP, Raw  # noqa: E402
from scapy.layers.inet6 import ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr  # noqa: E402

RAW, FIX, REL = 0, 1, 2
ADV = {0: 0, "1ms": 1, "10ms": 2, "200ms": 3, "1s": 4, "3s": 5, "30s": 6, "2min": 7}
TIMERS, NOFRAME = 0x20, 0x40


def rec(frame, mode=REL, adv=0, timers=False):
    """One record: op, length, frame bytes."""
    b = bytes(frame)
    op = mode | (ADV[adv] << 2) | (TIMERS if timers else 0)
    return bytes([op]) + struct.pack("<H", len(b)) + b


def tick(adv, timers=True):
    """A record with no frame: advance the clock (and run the timers)."""
    return bytes([NOFRAME | (ADV[adv] << 2) | (TIMERS if timers else 0)])


def describe(build):
    exe = os.path.join(build, "tests", "fuzz", "fuzz_rx")
    out = subprocess.run([exe, "-runs=0"], env=dict(os.environ, FUZZ_RX_DESCRIBE="1"), capture_output=True,
                         text=True, timeout=60, check=True).stdout
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    return lines[0], lines[1:]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True, help="meson build directory holding tests/fuzz/fuzz_rx")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_rx"))
    args = ap.parse_args()
    fx, conns = describe(args.build)
    seeds = {}

    def eth():
        return Ether(src=fx["peer_mac"], dst=fx["our_mac"])

    def ip(family):
        return IP(src=fx["peer_ip4"], dst=fx["our_ip4"]) if family == 4 else \
            IPv6(src=fx["peer_ip6"], dst=fx["our_ip6"])

    def seg(c, flags, seq=0, ack=0, payload=b"", ts=None, **kw):
        # ts: None = as the connection negotiated, False = none, a number = that TSval
        opts = []
        if c.get("timestamps", True) if ts is None else ts is not False:
            tsval = 1000777 if ts is None or ts is True else ts
            opts = [("NOP", None), ("NOP", None), ("Timestamp", (tsval, 0))]
        t = TCP(sport=c["peer_port"], dport=c["our_port"], flags=flags, seq=seq % 2**32, ack=ack % 2**32,
                options=opts, **dict({"window": 65535}, **kw))
        return eth() / ip(c["family"]) / t / Raw(payload) if payload else eth() / ip(c["family"]) / t

    # Per connection: what every state must answer.
    for c in conns:
        n = f"{c['name']}-{c['peer_port']}"
        seeds[f"{n}-ack"] = rec(seg(c, "A"))
        seeds[f"{n}-data"] = rec(seg(c, "PA", payload=b"GET / HTTP/1.1\r\nHost: f\r\n\r\n"))
        seeds[f"{n}-fin"] = rec(seg(c, "FA"))
        seeds[f"{n}-data-fin"] = rec(seg(c, "FPA", payload=b"x" * 64))
        seeds[f"{n}-rst-exact"] = rec(seg(c, "R"))
        seeds[f"{n}-rst-in-window"] = rec(seg(c, "R", seq=100))
        seeds[f"{n}-rst-out-of-window"] = rec(seg(c, "R", seq=2**31))
        seeds[f"{n}-syn"] = rec(seg(c, "S"))
        seeds[f"{n}-syn-ack"] = rec(seg(c, "SA", ack=1))
        seeds[f"{n}-ack-unsent"] = rec(seg(c, "A", ack=100000))
        seeds[f"{n}-ack-old"] = rec(seg(c, "A", ack=-2**30))
        seeds[f"{n}-out-of-window"] = rec(seg(c, "PA", seq=2**30, payload=b"y" * 10))
        seeds[f"{n}-out-of-order"] = rec(seg(c, "PA", seq=500, payload=b"z" * 10))
        seeds[f"{n}-zero-window"] = rec(seg(c, "A", window=0))
        seeds[f"{n}-old-timestamp"] = rec(seg(c, "PA", ts=5, payload=b"old"))
        seeds[f"{n}-retransmit-then-timers"] = rec(seg(c, "A")) + tick("3s") + tick("30s") + tick("2min")
        seeds[f"{n}-ack-storm"] = b"".join(rec(seg(c, "A", ack=100000 + i)) for i in range(16))
    # New connections, and segments for no connection.
    l4, l6 = {"peer_port": 41000, "our_port": 80, "family": 4}, {"peer_port": 41000, "our_port": 80, "family": 6}
    for port in fx["listen"]:
        c = dict(l4, our_port=port)
        synopts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (5, 0)), ("NOP", None), ("WScale", 7)]
        seeds[f"listen-{port}-syn"] = rec(eth() / ip(4) / TCP(sport=41000, dport=port, flags="S", seq=1,
                                                              options=synopts), mode=FIX)
        # SYN, then the handshake's ACK and a request, all relative to the new TCB.
        seeds[f"listen-{port}-handshake-request-close"] = (
            rec(eth() / ip(4) / TCP(sport=41001, dport=port, flags="S", seq=1, options=synopts), mode=FIX)
            + rec(seg(dict(c, peer_port=41001), "A", ack=1))
            + rec(seg(dict(c, peer_port=41001), "PA", ack=1, payload=b"GET / HTTP/1.1\r\n\r\n"))
            + rec(seg(dict(c, peer_port=41001), "A", ack=200))
            + rec(seg(dict(c, peer_port=41001), "FA", ack=200))
            + tick("1s") + tick("2min"))
    seeds["listen-syn-ip6"] = rec(eth() / ip(6) / TCP(sport=41000, dport=80, flags="S", seq=1,
                                                      options=[("MSS", 1440)]), mode=FIX)
    seeds["listen-syn-flood"] = b"".join(
        rec(eth() / ip(4) / TCP(sport=42000 + i, dport=80, flags="S", seq=i * 7919), mode=FIX) for i in range(40))
    seeds["listen-ack-no-cookie"] = rec(seg(l4, "A", seq=5, ack=12345, ts=False), mode=FIX)
    seeds["listen-rst"] = rec(seg(l4, "R", seq=5, ts=False), mode=FIX)
    seeds["listen-fin-only"] = rec(seg(l4, "F", seq=5, ts=False), mode=FIX)
    seeds["closed-port-syn"] = rec(seg(dict(l4, our_port=9), "S", seq=5, ts=False), mode=FIX)
    seeds["closed-port-ack"] = rec(seg(dict(l4, our_port=9), "A", seq=5, ack=9, ts=False), mode=FIX)
    seeds["not-our-address"] = rec(Ether() / IP(src="198.18.0.2", dst="198.18.0.9") / TCP(dport=80, flags="S"), mode=FIX)
    seeds["tcp-bad-checksum"] = rec(eth() / ip(4) / TCP(sport=41000, dport=80, flags="S", chksum=0x1234), mode=RAW)
    seeds["tcp-options-odd"] = rec(eth() / ip(4) / TCP(sport=41000, dport=80, flags="S",
                                                       options=[("NOP", None), (99, b"ab"), ("EOL", None)]), mode=FIX)
    seeds["vlan-syn"] = rec(eth() / Dot1Q(vlan=7) / ip(4) / TCP(sport=41000, dport=80, flags="S"), mode=FIX)
    seeds["ip4-options"] = rec(eth() / IP(src=fx["peer_ip4"], dst=fx["our_ip4"], options=b"\x01\x01\x01\x00")
                               / TCP(sport=41000, dport=80, flags="S"), mode=FIX)
    seeds["ip4-fragment"] = rec(eth() / IP(src=fx["peer_ip4"], dst=fx["our_ip4"], flags="MF")
                                / TCP(sport=41000, dport=80, flags="S"), mode=FIX)
    seeds["ip6-hop-by-hop"] = rec(eth() / ip(6) / IPv6ExtHdrHopByHop() / TCP(sport=41000, dport=80, flags="S"),
                                  mode=FIX)
    seeds["arp-request"] = rec(Ether(src=fx["peer_mac"], dst="ff:ff:ff:ff:ff:ff")
                               / ARP(op=1, hwsrc=fx["peer_mac"], psrc=fx["peer_ip4"], pdst=fx["our_ip4"]), mode=RAW)
    seeds["arp-reply"] = rec(eth() / ARP(op=2, hwsrc=fx["peer_mac"], psrc=fx["peer_ip4"], pdst=fx["our_ip4"],
                                         hwdst=fx["our_mac"]), mode=RAW)
    seeds["icmp-echo"] = rec(eth() / ip(4) / ICMP(id=7, seq=1) / Raw(b"ping" * 8), mode=RAW)
    seeds["icmp6-echo"] = rec(eth() / ip(6) / ICMPv6EchoRequest(id=7, seq=1, data=b"ping" * 8), mode=RAW)
    seeds["nd-ns"] = rec(Ether(src=fx["peer_mac"], dst="33:33:ff:00:00:01")
                         / IPv6(src=fx["peer_ip6"], dst="ff02::1:ff00:1", hlim=255)
                         / ICMPv6ND_NS(tgt=fx["our_ip6"]) / ICMPv6NDOptSrcLLAddr(lladdr=fx["peer_mac"]), mode=RAW)
    seeds["nd-na"] = rec(eth() / IPv6(src=fx["peer_ip6"], dst=fx["our_ip6"], hlim=255)
                         / ICMPv6ND_NA(tgt=fx["peer_ip6"], S=1, O=1), mode=RAW)
    seeds["timers-only"] = tick("200ms") + tick("3s") + tick("30s") + tick("2min") + tick("2min")

    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):
        os.unlink(os.path.join(args.out, f))
    for name, data in sorted(seeds.items()):
        # A short hash keeps names unique should two seeds share a name prefix.
        with open(os.path.join(args.out, f"{name}-{hashlib.sha1(data).hexdigest()[:8]}"), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds in {args.out} ({sum(len(d) for d in seeds.values())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
