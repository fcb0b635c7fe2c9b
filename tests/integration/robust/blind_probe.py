#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Blind in-window attacks (RFC 5961) on a live kernel connection to synfin, from the namespace.

    blind_probe.py IFACE SYNFIN_MAC SYNFIN_IP PORT BODY STORM

Opens a kernel TCP connection, gets one HTTP response, and learns the connection's sequence
numbers from a capture (an attacker would guess them; the test needs them to aim inside the
window). Then, with scapy, as the peer's address and port:
  rst_in_window   RST, seq inside the window but not rcv_nxt -> a challenge ACK, no reset
  rst_outside     RST, seq far outside the window -> nothing
  syn_in_window   SYN on the established connection -> a challenge ACK (RFC 5961 4.2)
  ack_too_old     data whose ACK is older than the window allows -> dropped (RFC 5961 5.2)
  storm           STORM in-window RSTs as fast as scapy sends -> replies bounded by the
                  challenge-ACK limit, never more frames out than in
  alive           the kernel's connection still gets a whole response afterwards
  rst_exact       RST at exactly rcv_nxt -> synfin resets; the kernel's next request is refused
Prints one JSON object with, per step, the frames synfin sent on the connection in answer.
"""

import json
import socket
import sys
import time

from scapy.all import Ether, IP, TCP, Raw, AsyncSniffer, conf  # noqa: E402

PEER_MAC = "02:00:00:00:00:02"
PATTERN = b"0123456789abcdefghijklmnopqrstuvwxyz"


def http_get(s, host, body):
    s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    want, data = None, b""
    s.settimeout(5)
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return False
        data += chunk
        if want is None and b"\r\n\r\n" in data:
            want = data.index(b"\r\n\r\n") + 4 + body
        if want is not None and len(data) >= want:
            return data[want - body:want] == (PATTERN * (body // len(PATTERN) + 1))[:body]


def main():
    iface, smac, sip, port, body, storm = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), \
        int(sys.argv[6])
    s = socket.create_connection((sip, port), timeout=5)
    lport = s.getsockname()[1]
    seen = []  # AsyncSniffer.results exists only once stopped: collect as frames come
    sniff = AsyncSniffer(iface=iface, store=False, prn=seen.append,
                         lfilter=lambda p: TCP in p and port in (p[TCP].sport, p[TCP].dport) and
                         lport in (p[TCP].sport, p[TCP].dport))
    sniff.start()
    time.sleep(0.5)
    res = {"first_response": http_get(s, sip, body)}
    time.sleep(0.3)

    def theirs():  # frames synfin sent on the connection so far
        return [p for p in seen if p[TCP].sport == port]

    ours = [p for p in seen if p[TCP].dport == port]
    if not ours:
        print(json.dumps({"error": "nothing captured"}))
        return 1
    last = ours[-1][TCP]
    rcv_nxt = (last.seq + len(last.payload)) % 2**32  # what synfin expects next from us
    snd_nxt = last.ack                                # what synfin sends next
    l2 = conf.L2socket(iface=iface)

    def inject(flags, seq, ack=snd_nxt, payload=b""):
        f = Ether(src=PEER_MAC, dst=smac) / IP(src=s.getsockname()[0], dst=sip) / \
            TCP(sport=lport, dport=port, flags=flags, seq=seq % 2**32, ack=ack % 2**32, window=502)
        l2.send(f / Raw(payload) if payload else f)

    def step(name, *args, **kw):
        before = len(theirs())
        inject(*args, **kw)
        time.sleep(0.3)
        res[name] = len(theirs()) - before

    step("rst_in_window", "R", rcv_nxt + 1000)
    step("rst_outside", "R", rcv_nxt + 2**30)
    step("syn_in_window", "S", rcv_nxt + 10)
    step("ack_too_old", "PA", rcv_nxt, ack=snd_nxt - 2**30, payload=b"x" * 10)
    before = len(theirs())
    t0 = time.monotonic()
    for i in range(storm):
        inject("R", rcv_nxt + 1000 + i)
    res["storm_seconds"] = round(time.monotonic() - t0, 2)
    time.sleep(0.5)
    res["storm_sent"] = storm
    res["storm_answers"] = len(theirs()) - before
    res["alive"] = http_get(s, sip, body)
    time.sleep(0.3)
    ours = [p for p in seen if p[TCP].dport == port]
    last = ours[-1][TCP]
    before = len(theirs())
    inject("R", (last.seq + len(last.payload)), ack=last.ack)
    time.sleep(0.3)
    res["rst_exact"] = len(theirs()) - before
    try:
        s.sendall(b"GET / HTTP/1.1\r\n\r\n")
        s.settimeout(3)
        res["after_reset"] = "data" if s.recv(100) else "closed"
    except (ConnectionResetError, BrokenPipeError):
        res["after_reset"] = "reset"
    except socket.timeout:
        res["after_reset"] = "timeout"
    sniff.stop()
    s.close()
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
