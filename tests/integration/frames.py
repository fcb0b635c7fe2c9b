# SPDX-License-Identifier: BSD-3-Clause
"""Build Ethernet frames by hand (valid ones, and each kind of malformed one synfin must drop)
and send them from inside a namespace with an AF_PACKET socket.

    ip netns exec NS python3 frames.py IFACE DST_MAC KIND[*N] ...

Standalone on purpose: no scapy, so it starts in milliseconds.
"""

import socket
import struct
import sys

SRC_MAC = bytes.fromhex("020000000002")
SRC4, DST4 = socket.inet_aton("198.18.0.2"), socket.inet_aton("198.18.0.1")
SRC6, DST6 = socket.inet_pton(socket.AF_INET6, "2001:2::2"), socket.inet_pton(socket.AF_INET6, "2001:2::1")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, ethertype, payload, vlans=()):
    tags = b"".join(struct.pack("!HH", 0x8100, v) for v in vlans)
    return dst + SRC_MAC + tags + struct.pack("!H", ethertype) + payload


def ip4(proto, payload, ihl=5, tot_delta=0, frag=0, bad_csum=False, ttl=64, version=4):
    opts = b"\x01" * ((ihl - 5) * 4) if ihl > 5 else b""
    tot = 20 + len(opts) + len(payload) + tot_delta
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, tot, 0x1234, frag, ttl, proto, 0, SRC4, DST4) + opts
    c = csum(hdr)
    if bad_csum:
        c ^= 0x5555
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def ip6(nh, payload, plen_delta=0):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload) + plen_delta, nh, 64, SRC6, DST6) + payload


def tcp(src4=True, flags=0x02, doff=None, opts=b"", bad_csum=False, sport=40000, dport=80):
    doff = doff if doff is not None else 5 + (len(opts) + 3) // 4
    opts = opts + b"\0" * (-len(opts) % 4)
    seg = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, doff << 4, flags, 65535, 0, 0) + opts
    if src4:
        pseudo = SRC4 + DST4 + struct.pack("!BBH", 0, 6, len(seg))
    else:
        pseudo = SRC6 + DST6 + struct.pack("!IxxxB", len(seg), 6)
    c = csum(pseudo + seg)
    if bad_csum:
        c ^= 0x1111
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def icmp_echo(bad_csum=False, typ=8):
    msg = struct.pack("!BBHHH", typ, 0, 0, 0x42, 1) + b"synfin-test-payload"
    c = csum(msg) ^ (0x2222 if bad_csum else 0)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def arp(op=1, hlen=6):
    return struct.pack("!HHBBH", 1, 0x0800, hlen, 4, op) + SRC_MAC + SRC4 + b"\0" * 6 + DST4


# kind -> (builder(dst_mac) -> frame, the drop reason synfin must count)
MALFORMED = {
    "vlan_stacked": (lambda d: eth(d, 0x0800, ip4(1, icmp_echo()), vlans=(0x0001, 0x8100)), "vlan_stacked"),
    "ethertype": (lambda d: eth(d, 0x88B5, b"\0" * 46), "ethertype"),
    "arp_format": (lambda d: eth(d, 0x0806, arp(hlen=8)), "arp_format"),
    "arp_op": (lambda d: eth(d, 0x0806, arp(op=9)), "arp_op"),
    "ip4_version": (lambda d: eth(d, 0x0800, ip4(1, icmp_echo(), version=5)), "ip4_version"),
    "ip4_ihl": (lambda d: eth(d, 0x0800, ip4(1, icmp_echo(), ihl=4)), "ip4_ihl"),
    "ip4_totlen": (lambda d: eth(d, 0x0800, ip4(1, icmp_echo(), tot_delta=200)), "ip4_totlen"),
    "ip4_csum": (lambda d: eth(d, 0x0800, ip4(1, icmp_echo(), bad_csum=True)), "ip4_csum"),
    "ip4_fragment": (lambda d: eth(d, 0x0800, ip4(1, icmp_echo(), frag=0x2000)), "ip4_fragment"),
    "ip4_options": (lambda d: eth(d, 0x0800, ip4(1, icmp_echo(), ihl=6)), "ip4_options"),
    "ip4_proto": (lambda d: eth(d, 0x0800, ip4(17, b"\0" * 16)), "ip4_proto"),
    "ip6_paylen": (lambda d: eth(d, 0x86DD, ip6(58, icmp_echo(typ=128), plen_delta=300)), "ip6_paylen"),
    "ip6_exthdr": (lambda d: eth(d, 0x86DD, ip6(60, b"\x3a\0" + b"\0" * 6)), "ip6_exthdr"),
    "icmp_csum": (lambda d: eth(d, 0x0800, ip4(1, icmp_echo(bad_csum=True))), "icmp_csum"),
    "icmp_type": (lambda d: eth(d, 0x0800, ip4(1, icmp_echo(typ=13))), "icmp_type"),
    "tcp_doff": (lambda d: eth(d, 0x0800, ip4(6, tcp(doff=3))), "tcp_doff"),
    "tcp_csum": (lambda d: eth(d, 0x0800, ip4(6, tcp(bad_csum=True))), "tcp_csum"),
    "tcp_opt_len": (lambda d: eth(d, 0x0800, ip4(6, tcp(opts=b"\x02\x01\x05\xb4"))), "tcp_opt_len"),
    "tcp6_csum": (lambda d: eth(d, 0x86DD, ip6(6, tcp(src4=False, bad_csum=True))), "tcp_csum"),
}


def send(iface, dst_mac, kinds):
    dst = bytes.fromhex(dst_mac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    n = 0
    for spec in kinds:
        kind, _, count = spec.partition("*")
        frame = MALFORMED[kind][0](dst)
        for _ in range(int(count or 1)):
            s.send(frame)
            n += 1
    s.close()
    return n


if __name__ == "__main__":
    print(send(sys.argv[1], sys.argv[2], sys.argv[3:]))
