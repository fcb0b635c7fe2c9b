#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Spoofed-SYN flood from inside the test's namespace, as fast as one Python thread sends.

    synflood.py IFACE DST_MAC SRC_MAC DST_IP DPORT SECONDS [--rate PPS] [--seed N]

Sources are drawn at random from 198.18.1.0 - 198.19.255.255 (inside 198.18.0.0/15, outside
the test's own 198.18.0.0/24, so nothing in the namespace ever owns one and the kernel drops
the SYN-ACKs that come back), with random source ports and ISNs. Frames are built once up
front (IPv4 and TCP checksums included) and written on an AF_PACKET socket bound to IFACE, so
the rate is the socket's, not the frame builder's. --rate caps it (0: as fast as possible).
Prints one JSON object: {"sent": n, "seconds": s, "pps": r}.
"""

import argparse
import json
import random
import socket
import struct
import time

POOL = 20000


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def syn_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, isn):
    # TCP: SYN with an MSS option (24 bytes), then the IPv4 header over it.
    tcp = struct.pack("!HHIIBBHHH", sport, dport, isn, 0, 6 << 4, 0x02, 65535, 0, 0) + struct.pack("!BBH", 2, 4, 1460)
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def main():
    ap = argparse.ArgumentParser()
    for a in ("iface", "dst_mac", "src_mac", "dst_ip"):
        ap.add_argument(a)
    ap.add_argument("dport", type=int)
    ap.add_argument("seconds", type=float)
    ap.add_argument("--rate", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    dmac, smac = bytes.fromhex(a.dst_mac.replace(":", "")), bytes.fromhex(a.src_mac.replace(":", ""))
    dip = socket.inet_aton(a.dst_ip)
    lo, hi = struct.unpack("!I", socket.inet_aton("198.18.1.0"))[0], struct.unpack("!I", socket.inet_aton("198.19.255.255"))[0]
    frames = [syn_frame(dmac, smac, struct.pack("!I", rnd.randint(lo, hi)), dip, rnd.randint(1024, 65535), a.dport,
                        rnd.getrandbits(32)) for _ in range(POOL)]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    sent, start = 0, time.monotonic()
    end = start + a.seconds
    send = s.send
    while True:
        now = time.monotonic()
        if now >= end:
            break
        # a batch between clock reads; the cap, when given, is kept per batch
        for f in frames[sent % POOL:sent % POOL + 256]:
            try:
                send(f)
            except OSError:  # a full tap queue: the kernel drops, we go on
                pass
            sent += 1
        if a.rate and sent > (now - start) * a.rate:
            time.sleep(256 / a.rate)
    secs = time.monotonic() - start
    print(json.dumps({"sent": sent, "seconds": round(secs, 2), "pps": round(sent / secs)}))


if __name__ == "__main__":
    main()
