# SPDX-License-Identifier: BSD-3-Clause
"""Impaired links for integration tests: impair_relay (loss, duplication, reordering, delay,
corruption) between synfin's tap and the Linux kernel, in namespaces of the test's own. It stands
in for netem, which this kernel lacks (docs/PLATFORM.md, "Impairment").

    synfin (net_tap) --tap--> [ns relay: tap + veth-r, impair_relay] <-veth-> [ns peer: veth-p]

    with impaired_tap_peer(synfin_binary, "tag", relay_binary, loss=5, seed=42) as (sf, peer, relay):
        ... peer.run(["ping", ...]) ...
        relay.restart(dup=50)        # new impairments; the old run's counters are returned
    relay.final["b_to_a"]["lost"]    # counters of the last run, after the block

Impairments are impair_relay's options as keywords: loss=5 is --loss 5, reorder_gap=1 is
--reorder-gap 1, loss_ab=5 impairs A to B only, ip_only=True is --ip-only. In impaired_tap_peer,
A is synfin's side: counters["a_to_b"] (TO_PEER) are synfin's frames on their way to the kernel,
counters["b_to_a"] (TO_SYNFIN) the kernel's on their way to synfin.

impaired_veth_pair() builds the same relay between two kernels (no synfin): the relay's own
tests and its throughput benchmark use it. `python3 impair.py bench RELAY [SECONDS]` runs that
benchmark. Everything is torn down on the way out, on failure too; processes are killed by PID
only; every wait is bounded.
"""

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time

import harness as h

TO_PEER = "a_to_b"    # in impaired_tap_peer: synfin -> kernel
TO_SYNFIN = "b_to_a"  # in impaired_tap_peer: kernel -> synfin

RELAY_VETH = "veth-r"
PEER_VETH = "veth-p"
# impaired_veth_pair: the two kernels, on a /24 of their own inside 198.18.0.0/15
PAIR_IP4 = ("198.18.1.1", "198.18.1.2")
PAIR_IP6 = ("2001:2:0:1::1", "2001:2:0:1::2")
PAIR_MAC = ("02:00:00:00:01:01", "02:00:00:00:01:02")

SIOCETHTOOL = 0x8946
ETHTOOL_STXCSUM = 0x17


def relay_args(impairments):
    """impair_relay options from keywords: loss=5 -> --loss 5, ip_only=True -> --ip-only."""
    args = []
    for key, value in impairments.items():
        opt = "--" + key.replace("_", "-")
        if value is True:
            args.append(opt)
        elif value is not None and value is not False:
            args += [opt, str(value)]
    return args


class Relay:
    """An impair_relay process inside a namespace, bridging interfaces a and b. Its stdout is
    JSON lines: "ready" once both sockets are bound, "snapshot" on SIGUSR1, "final" at the end."""

    def __init__(self, binary, ns, a, b, duration=120, **impairments):
        self.binary, self.ns, self.a, self.b, self.duration = binary, ns, a, b, duration
        self.final = None   # counters of the last run that stopped
        self.proc = None
        self._start(impairments)

    def _start(self, impairments):
        self.impairments = dict(impairments)
        duration = self.impairments.pop("duration", self.duration)
        self.argv = [self.binary, *relay_args(self.impairments), "--duration", str(duration),
                     self.a, self.b]
        print("$ ip netns exec " + self.ns.name + " " + " ".join(self.argv), flush=True)
        self._err = tempfile.TemporaryFile(mode="w+")
        self._buf = b""
        # `ip netns exec` execs the command: the PID is the relay's own
        self.proc = self.ns.popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=self._err, bufsize=0)
        try:
            self.ready = self._line("ready", timeout=5)
        except BaseException:
            proc, self.proc = self.proc, None
            if proc.poll() is None:
                proc.kill()
            proc.wait(5)
            proc.stdout.close()
            self._err.close()
            raise

    def _line(self, event, timeout):
        """The next JSON line of the given event, within timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self._buf:
                line, self._buf = self._buf.split(b"\n", 1)
                obj = json.loads(line)
                if obj.get("impair_relay") == event:
                    return obj
            left = deadline - time.monotonic()
            if left <= 0:
                raise h.TestFailure(f"impair_relay: no {event} line within {timeout}s{self._stderr()}")
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise h.TestFailure(f"impair_relay exited (rc {self.proc.wait(5)}) before its "
                                        f"{event} line{self._stderr()}")
                self._buf += chunk

    def _stderr(self):
        self._err.seek(0)
        text = self._err.read().strip()
        return f": {text}" if text else ""

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def snapshot(self, timeout=5):
        """The counters so far, without stopping the relay."""
        self.proc.send_signal(signal.SIGUSR1)
        return self._line("snapshot", timeout)

    def wait(self, timeout):
        """Wait for the relay to stop by itself (end of its duration, an interface gone);
        return its final counters."""
        return self._finish(timeout, terminate=False)

    def stop(self, timeout=5):
        """Stop the relay (SIGTERM, then SIGKILL) and return its final counters."""
        return self._finish(timeout, terminate=True)

    def _finish(self, timeout, terminate):
        proc = self.proc
        if proc is None:
            return self.final
        try:
            if terminate and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            self.final = self._line("final", timeout)
        finally:
            self.proc = None
            if proc.poll() is None:
                try:
                    proc.wait(timeout if terminate else 1)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            proc.stdout.close()
            self._err.close()
        return self.final

    def restart(self, **impairments):
        """Stop, and start again on the same interfaces with new impairments (a few ms without
        forwarding); duration=S overrides the duration for this run only. Returns the counters
        of the run that ended."""
        final = self.stop()
        self._start(impairments)
        return final


def unaccounted(d):
    """Frames of one direction's counters that are neither sent nor counted as dropped or
    still in flight: zero when the relay's books balance."""
    return (d["rx"] + d["duplicated"]) - (d["tx"] + d["tx_errors"] + d["lost"] + d["queue_full"]
                                          + d["in_flight"] + d["truncated"])


FAULTS = ("queue_full", "hold_full", "bypassed", "csum_completed", "truncated", "tx_errors",
          "rx_errors", "sock_drops")


def faults(counters):
    """The counters, in either direction, of things a test on a quiet link should never see:
    {"b_to_a.tx_errors": 2, ...}; empty when there are none."""
    return {f"{d}.{k}": counters[d][k] for d in (TO_PEER, TO_SYNFIN) for k in FAULTS
            if counters[d][k]}


def tx_csum_off(ifname):
    """Turn off transmit checksum offload on ifname (in the current namespace), which also turns
    off TSO: the kernel then sends complete, MTU-sized frames that the relay can impair one by
    one, instead of 64 KiB GSO frames with checksums left to finish (legacy ETHTOOL_STXCSUM, so
    that no ethtool binary is needed)."""
    import ctypes
    import fcntl
    import socket
    import struct

    val = ctypes.create_string_buffer(struct.pack("II", ETHTOOL_STXCSUM, 0))
    ifr = struct.pack("16sP", ifname.encode(), ctypes.addressof(val)).ljust(40, b"\0")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, SIOCETHTOOL, ifr)


def _disable_ipv6(ns):
    ns.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1"])


def _kernel_end(ns, ifname, mac, ip4, ip6, offloads=False):
    """Address a kernel end of the link and make it send frames the relay can impair."""
    ns.run(["ip", "link", "set", ifname, "address", mac])
    ns.run(["ip", "addr", "add", f"{ip4}/24", "dev", ifname])
    if ip6:
        ns.run(["ip", "addr", "add", f"{ip6}/64", "dev", ifname, "nodad"])
    if not offloads:
        ns.run([h.PY, os.path.abspath(__file__), "tx-csum-off", ifname])
    # ping over ICMP datagram sockets: the kernel checks a reply's checksum before ping sees
    # it. Over a raw socket iputils counts a corrupted reply as received, and a corrupted
    # timestamp in it can make ping linger for minutes.
    ns.run(["sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647"])
    ns.run(["ip", "link", "set", ifname, "up"])


def _quiet_relay_ns(ns):
    """The relay's namespace gets IPv6 off and no addresses: its own kernel sends nothing onto
    the link (no router solicitations, MLD reports or DAD probes), so the peers see only each
    other's frames."""
    _disable_ipv6(ns)


def _stop_all(relay, others=()):
    """Teardown that keeps going: every step runs even if an earlier one fails."""
    errors = []
    for step in ([relay.stop] if relay is not None else []) + list(others):
        try:
            step()
        except Exception as e:  # noqa: BLE001 - report, and go on tearing down
            errors.append(f"{getattr(step, '__qualname__', step)}: {e}")
    for e in errors:
        print(f"teardown: {e}", flush=True)


@contextlib.contextmanager
def impaired_tap_peer(synfin_binary, tag, relay_binary, lcores="0", app_args=(), duration=120,
                      **impairments):
    """synfin on net_tap; its tap in a relay namespace bridged by impair_relay to a veth whose
    other end is the kernel in a peer namespace (198.18.0.2/24, 2001:2::2/64, 02:00:00:00:00:02).
    Yields (synfin, peer_netns, relay); relay.final holds the last counters afterwards."""
    uid = f"{tag}{os.getpid() % 100000}"
    peer = h.Netns(f"sfp-{uid}")
    rns = None
    sf = relay = None
    tap = f"sfi{uid}"[:15]
    try:
        rns = h.Netns(f"sfr-{uid}")
        _quiet_relay_ns(rns)
        rns.run(["ip", "link", "add", RELAY_VETH, "type", "veth", "peer", "name", PEER_VETH,
                 "netns", peer.name])
        _kernel_end(peer, PEER_VETH, h.PEER_MAC, h.PEER_IP4, h.PEER_IP6)
        rns.run(["ip", "link", "set", RELAY_VETH, "up"])
        sf = h.Synfin(synfin_binary,
                      ["-l", lcores, "--no-huge", "-m", "256", "--no-pci",
                       f"--vdev=net_tap0,iface={tap}", "--log-level=pmd.net.tap:error"],
                      app_args, prefix=f"sf-{uid}")
        h.wait_for_link(tap)
        h.run(["ip", "link", "set", tap, "netns", rns.name])
        rns.run(["ip", "link", "set", tap, "up"])
        relay = Relay(relay_binary, rns, tap, RELAY_VETH, duration=duration, **impairments)
        yield sf, peer, relay
    finally:
        def quit_synfin():
            if sf is not None:
                print("---- synfin output (tail) ----\n" + sf.quit()[-3000:], flush=True)
        _stop_all(relay, [quit_synfin, peer.delete] + ([rns.delete] if rns else []))
        if relay is not None and relay.final is not None:
            print("relay: " + json.dumps(relay.final), flush=True)


@contextlib.contextmanager
def impaired_veth_pair(tag, relay_binary, duration=120, ipv6=True, offloads=False, **impairments):
    """Two kernels joined through impair_relay: [ns a: veth-p 198.18.1.1] <-> [ns relay:
    veth-a, veth-b] <-> [ns b: veth-p 198.18.1.2]. Yields (ns_a, ns_b, relay); A is ns a's side.
    ipv6=False turns IPv6 off in both kernels: then they send no frame of their own accord
    (router solicitations, MLD reports), and a test can account for every frame. offloads=True
    leaves the kernels' checksum offload and TSO on (the relay then finishes checksums and
    passes GSO frames whole, unimpaired; its counters say how many)."""
    uid = f"{tag}{os.getpid() % 100000}"
    ends = []
    rns = relay = None
    try:
        rns = h.Netns(f"sfr-{uid}")
        _quiet_relay_ns(rns)
        for i, side in enumerate("ab"):
            ns = h.Netns(f"sf{side}-{uid}")
            ends.append(ns)
            if not ipv6:
                _disable_ipv6(ns)
            rns.run(["ip", "link", "add", f"veth-{side}", "type", "veth", "peer", "name", PEER_VETH,
                     "netns", ns.name])
            _kernel_end(ns, PEER_VETH, PAIR_MAC[i], PAIR_IP4[i], PAIR_IP6[i] if ipv6 else None,
                        offloads)
            rns.run(["ip", "link", "set", f"veth-{side}", "up"])
        relay = Relay(relay_binary, rns, "veth-a", "veth-b", duration=duration, **impairments)
        yield ends[0], ends[1], relay
    finally:
        _stop_all(relay, [ns.delete for ns in ends] + ([rns.delete] if rns else []))


# --- throughput benchmark ---------------------------------------------------------------------

BLASTER = r"""
import socket, sys, time
# A sender of raw frames: IPv4 to a MAC nobody owns, so the far kernel drops it at once and the
# relay's own cost is what is measured
ifname, seconds, size, dst = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
frame = bytes.fromhex(dst.replace(":", "") + "020000000198" + "0800") + bytes(size - 14)
n, end, send = 0, time.monotonic() + seconds, s.send
while time.monotonic() < end:
    for _ in range(1000):
        try:
            send(frame)
        except OSError:
            pass
    n += 1000
print(n)
"""


def bench(relay_binary, seconds=3.0, size=60):
    """Offer frames both ways at once, as fast as one Python sender per side can, and report
    what the relay forwarded per direction: frames/s of wall time, and frames per CPU second of
    the relay (the machine is shared, so the second figure is the steadier one)."""
    with impaired_veth_pair("bench", relay_binary, ipv6=False) as (ns_a, ns_b, relay):
        procs = [ns.popen([h.PY, "-c", BLASTER, PEER_VETH, str(seconds), str(size),
                           "02:00:00:00:01:99"], stdout=subprocess.PIPE, text=True)
                 for ns in (ns_a, ns_b)]
        offered = [int(p.communicate(timeout=seconds + 30)[0]) for p in procs]
        time.sleep(0.2)
        c = relay.stop()
    out = {"size": size, "seconds": seconds, "cpu_s": c["cpu_s"]}
    for i, d in enumerate(("a_to_b", "b_to_a")):
        out[d] = {"offered": offered[i], "forwarded": c[d]["tx"], "sock_drops": c[d]["sock_drops"],
                  "frames_per_s": round(c[d]["tx"] / seconds)}
    total = c["a_to_b"]["tx"] + c["b_to_a"]["tx"]
    out["frames_per_cpu_s"] = round(total / c["cpu_s"]) if c["cpu_s"] else None
    return out


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "tx-csum-off":
        tx_csum_off(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "bench":
        seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
        for size in (60, 1514):
            runs = [bench(os.path.abspath(sys.argv[2]), seconds, size) for _ in range(3)]
            for r in runs:
                print(json.dumps(r))
            med = {d: sorted(r[d]["frames_per_s"] for r in runs)[1] for d in ("a_to_b", "b_to_a")}
            medc = sorted(r["frames_per_cpu_s"] for r in runs)[1]
            print(f"{size}-byte frames, both ways at once: median {med['a_to_b']} frames/s A to B, "
                  f"{med['b_to_a']} B to A; median {medc} frames per relay CPU second", flush=True)
    else:
        print("usage: impair.py bench RELAY_BINARY [SECONDS] | impair.py tx-csum-off IFNAME",
              file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
