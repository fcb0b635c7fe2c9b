#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""impair_relay, the netem stand-in, does what it is asked and counts what it did.

First between two kernels, where every frame is the test's own: the same seed loses the same
pings, another seed others, and the relay's loss counters are exactly ping's losses; a delay
raises every round trip. Then between the kernel and synfin (ARP, ND and echo are what synfin
answers today), one synfin and one relay restarted with new impairments: a clean relay loses
nothing; loss, duplication and corruption show up in ping's figures, in synfin's drop counters
and in the peer kernel's, and agree with the relay's counters; reordering and delay keep every
ping answered, late and out of order.

The peer kernel may send a few frames of its own accord (router solicitations, MLD reports),
which the relay impairs too: where those could blur a count, the check is a bound that allows
exactly the IP frames the relay saw beyond the pings.
"""

import os
import re
import subprocess
import sys

import harness as h
import impair as im

INTERVAL = "0.002"  # 500 pings a second: root may go below ping's 0.2 s floor


def ping(ns, addr, count, v6=False, wait=1):
    """Ping from the namespace; returns a dict: sent, received, dups, seqs (reply order),
    rtt_min and rtt_avg in ms."""
    r = ns.run(["ping", "-6" if v6 else "-4", "-n", "-c", str(count), "-i", INTERVAL,
                "-W", str(wait), addr], timeout=30, check_rc=False)
    m = re.search(r"(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?", r.stdout)
    if not m:
        raise h.TestFailure(f"no ping summary: {r.stdout[-500:]}{r.stderr}")
    rtt = re.search(r"= ([\d.]+)/([\d.]+)/", r.stdout)
    seqs = [int(s) for s in re.findall(r"icmp_seq=(\d+)", r.stdout)]
    return {"sent": int(m.group(1)), "received": int(m.group(2)), "dups": int(m.group(3) or 0),
            "seqs": seqs, "lost_seqs": set(range(1, count + 1)) - set(seqs),
            "rtt_min": float(rtt.group(1)) if rtt else None,
            "rtt_avg": float(rtt.group(2)) if rtt else None}


def late_replies(seqs):
    """Replies that came after a reply to a later request: reordering seen by the receiver."""
    late, highest = 0, 0
    for s in seqs:
        if s < highest:
            late += 1
        highest = max(highest, s)
    return late


def balanced(c, what):
    for d in (im.TO_PEER, im.TO_SYNFIN):
        h.check(im.unaccounted(c[d]) == 0, f"{what}: relay's {d} books balance ({c[d]['rx']} in)")
    h.check(not im.faults(c), f"{what}: no queue overflow, bypass, send error or socket drop "
                              f"{im.faults(c) or ''}")


def snmp(ns):
    """The namespace's /proc/net/snmp as {"Ip": {...}, "Icmp": {...}, ...}."""
    lines = ns.run(["cat", "/proc/net/snmp"]).stdout.splitlines()
    out = {}
    for head, vals in zip(lines[::2], lines[1::2]):
        proto, names = head.split(":", 1)
        out[proto] = dict(zip(names.split(), (int(v) for v in vals.split(":", 1)[1].split())))
    return out


def test_between_kernels(relay_binary):
    count = 200
    with im.impaired_veth_pair("impk", relay_binary, ipv6=False,
                               loss=30, seed=7, ip_only=True) as (a, _b, relay):
        ip_b = im.PAIR_IP4[1]
        first = ping(a, ip_b, count)
        c = relay.restart(loss=30, seed=7, ip_only=True)
        h.check(c[im.TO_PEER]["rx"] - c[im.TO_PEER]["spared"] == count,
                f"only the {count} echo requests crossed A to B as IP frames")
        lost = c[im.TO_PEER]["lost"] + c[im.TO_SYNFIN]["lost"]
        h.check(count - first["received"] == lost,
                f"ping lost {count - first['received']} = relay's loss counters ({lost})")
        h.check(0.3 * count < lost < 0.7 * count, f"30 % loss each way lost {lost}/{count} round trips")
        balanced(c, "loss 30")

        again = ping(a, ip_b, count)
        relay.restart(loss=30, seed=8, ip_only=True)
        h.check(again["lost_seqs"] == first["lost_seqs"],
                f"seed 7 again loses the same {len(first['lost_seqs'])} pings")
        other = ping(a, ip_b, count)
        h.check(other["lost_seqs"] != first["lost_seqs"], "seed 8 loses other pings")

        # jitter up to 3 ms on pings 2 ms apart: would reorder if jitter could
        n = 100
        relay.restart(delay_us=3000, jitter_us=3000)
        delayed = ping(a, ip_b, n)
        c = relay.snapshot()
        h.check(delayed["received"] == n, "delay and jitter lose nothing")
        h.check(delayed["rtt_min"] >= 6.0, f"3 ms each way: shortest round trip {delayed['rtt_min']} ms >= 6 ms")
        h.check(c[im.TO_PEER]["delayed"] >= n and c[im.TO_SYNFIN]["delayed"] >= n,
                "every ping went through both delay queues")
        h.check(late_replies(delayed["seqs"]) == 0, "jitter alone never reorders")
        balanced(c, "delay")

        relay.restart(duration=0.5)
        c = relay.wait(5)
        h.check(c["stop"] == "duration", "the relay stops by itself at the end of --duration")
        relay.restart()
        relay.ns.run(["ip", "link", "del", "veth-b"])
        c = relay.wait(5)
        h.check(c["stop"] == "interface gone", "the relay stops when one of its interfaces is deleted")


TCP_SINK = """
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 5001))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(20)
n = 0
while True:
    b = c.recv(65536)
    if not b:
        break
    n += len(b)
print(n)
"""

TCP_SEND = """
import socket, sys, time
for _ in range(100):
    try:
        s = socket.create_connection((sys.argv[1], 5001), timeout=5)
        break
    except ConnectionRefusedError:
        time.sleep(0.05)
s.sendall(bytes(int(sys.argv[2])))
s.close()
"""


def test_offloaded_frames(relay_binary):
    """A kernel that leaves checksums to offload and segments late (veth's defaults) still talks
    TCP through the relay: it finishes the checksums and passes GSO frames whole."""
    size = 2_000_000
    with im.impaired_veth_pair("impo", relay_binary, ipv6=False, offloads=True) as (a, b, relay):
        sink = b.popen([h.PY, "-c", TCP_SINK, im.PAIR_IP4[1]], stdout=subprocess.PIPE, text=True)
        try:
            a.run([h.PY, "-c", TCP_SEND, im.PAIR_IP4[1], str(size)], timeout=30)
            got = sink.communicate(timeout=30)[0].strip()
        finally:
            if sink.poll() is None:
                sink.kill()
                sink.wait(5)
        c = relay.stop()
        h.check(got == str(size), f"TCP with offloads on: {got} of {size} bytes arrived")
        h.check(c[im.TO_SYNFIN]["csum_completed"] > 0,
                f"relay finished {c[im.TO_SYNFIN]['csum_completed']} checksums left to offload")
        h.check(c[im.TO_PEER]["bypassed"] > 0,
                f"relay passed {c[im.TO_PEER]['bypassed']} GSO frames whole")


def test_with_synfin(binary, relay_binary):
    with im.impaired_tap_peer(binary, "imp", relay_binary, ip_only=True) as (sf, peer, relay):
        sf.cmd(f"port 0 address {h.SYNFIN_IP4}/24")
        sf.cmd(f"port 0 address {h.SYNFIN_IP6}/64")
        sf.cmd("start")

        # (a) a clean relay
        p = ping(peer, h.SYNFIN_IP4, 200)
        h.check(p["received"] == 200 and p["dups"] == 0, f"clean relay: {p['received']}/200 IPv4 pings answered")
        p6 = ping(peer, h.SYNFIN_IP6, 20, v6=True)
        h.check(p6["received"] == 20, f"clean relay: {p6['received']}/20 IPv6 pings answered (ND through it)")
        c = relay.restart(loss=20, seed=42, ip_only=True)
        h.check(c[im.TO_PEER]["lost"] + c[im.TO_SYNFIN]["lost"] == 0, "clean relay dropped nothing")
        balanced(c, "clean")

        # (b) 20 % loss each way: a round trip survives with 0.8 * 0.8
        n = 500
        p = ping(peer, h.SYNFIN_IP4, n)
        c = relay.restart(dup=50, seed=42, ip_only=True)
        lost = n - p["received"]
        rate = 100.0 * lost / n
        h.check(20 <= rate <= 50, f"20 % loss each way: {rate:.1f} % of {n} pings lost (expect about 36)")
        relay_lost = c[im.TO_PEER]["lost"] + c[im.TO_SYNFIN]["lost"]
        extra = c[im.TO_SYNFIN]["rx"] - c[im.TO_SYNFIN]["spared"] - n  # the kernel's own IP frames
        h.check(lost <= relay_lost <= lost + extra,
                f"relay lost {relay_lost} frames: ping's {lost} plus at most the kernel's {extra} own frames")
        balanced(c, "loss 20")

        # (c) 50 % duplication each way: duplicate requests are answered twice, replies arrive twice
        n = 200
        p = ping(peer, h.SYNFIN_IP4, n)
        c = relay.restart(corrupt=50, seed=42, ip_only=True)
        made = c[im.TO_PEER]["duplicated"] + c[im.TO_SYNFIN]["duplicated"]
        extra = c[im.TO_SYNFIN]["rx"] - c[im.TO_SYNFIN]["spared"] - n
        h.check(p["received"] == n and p["dups"] > 0, f"50 % duplication: ping saw {p['dups']} duplicates")
        # ping stops at its last reply: copies of the last few may come after it left
        h.check(made - 2 * extra - 4 <= p["dups"] <= made,
                f"ping's {p['dups']} duplicates match the relay's {made} copies (kernel's own frames: {extra})")
        balanced(c, "dup 50")

        # (d) 50 % corruption each way: synfin and the kernel drop what a checksum catches
        n = 500
        before, kbefore = sf.counters(), snmp(peer)
        p = ping(peer, h.SYNFIN_IP4, n)
        after, kafter = sf.counters(), snmp(peer)
        c = relay.restart(reorder=25, reorder_gap=1, reorder_us=50000, delay_us=2000, jitter_us=500,
                          seed=42, ip_only=True)
        to_sf, to_peer = c[im.TO_SYNFIN]["corrupted"], c[im.TO_PEER]["corrupted"]
        grew = {k: after[k] - before.get(k, 0) for k in after
                if k.startswith("drop_") and after[k] != before.get(k, 0)}
        ip4_drops = sum(v for k, v in grew.items() if k.startswith(("drop_ip4_", "drop_icmp_")))
        extra = c[im.TO_SYNFIN]["rx"] - c[im.TO_SYNFIN]["spared"] - n
        h.check(to_sf > 0 and to_peer > 0, f"relay corrupted {to_sf} frames to synfin, {to_peer} to the kernel")
        h.check(grew.get("drop_ip4_csum", 0) > 0 and grew.get("drop_icmp_csum", 0) > 0,
                f"synfin's IPv4 and ICMP checksum drops rose: {grew}")
        h.check(to_sf - extra <= ip4_drops <= to_sf,
                f"synfin dropped {ip4_drops} IPv4 frames for {to_sf} corrupted (kernel's own frames: {extra})")
        kdrops = (kafter["Ip"]["InHdrErrors"] - kbefore["Ip"]["InHdrErrors"] +
                  kafter["Icmp"]["InCsumErrors"] - kbefore["Icmp"]["InCsumErrors"])
        h.check(0 < kdrops <= to_peer, f"the kernel dropped {kdrops} bad replies of {to_peer} corrupted")
        want = n - ip4_drops - kdrops
        h.check(abs(p["received"] - want) <= extra,
                f"{p['received']} of {n} pings answered: all but the {ip4_drops} + {kdrops} dropped")
        balanced(c, "corrupt 50")

        # (e) reordering and 2 ms (+ up to 0.5 ms) delay each way
        n = 200
        p = ping(peer, h.SYNFIN_IP4, n)
        c = relay.stop()
        late = late_replies(p["seqs"])
        h.check(p["received"] == n, f"reorder 25 % + delay: {p['received']}/{n} pings answered")
        h.check(c[im.TO_PEER]["reordered"] > 0 and c[im.TO_SYNFIN]["reordered"] > 0,
                f"relay held back {c[im.TO_PEER]['reordered']} + {c[im.TO_SYNFIN]['reordered']} frames")
        h.check(late > 0, f"{late} replies arrived after a later one")
        h.check(p["rtt_min"] >= 4.0 and p["rtt_avg"] >= 4.0,
                f"2 ms each way: round trips min {p['rtt_min']} ms, avg {p['rtt_avg']} ms >= 4 ms")
        balanced(c, "reorder + delay")


def test(binary):
    relay_binary = os.path.abspath(sys.argv[2])
    test_between_kernels(relay_binary)
    test_offloaded_frames(relay_binary)
    test_with_synfin(binary, relay_binary)


if __name__ == "__main__":
    h.main(test)
