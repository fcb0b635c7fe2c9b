# SPDX-License-Identifier: BSD-3-Clause
"""Integration harness: synfin on a net_tap port whose kernel side lives in a network namespace
that the test creates, so the Linux kernel's stack is a real peer.

Addresses come from the benchmarking ranges only: 198.18.0.0/15 (RFC 2544) and 2001:2::/48
(RFC 5180). Everything made here (namespace, processes, DPDK runtime files) is torn down on
exit, on failure too; processes are killed by PID only. Every wait is bounded.
"""

import contextlib
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

PY = "/usr/bin/python3"  # Debian's python: scapy and the frame builder live here
HERE = os.path.dirname(os.path.abspath(__file__))

SYNFIN_IP4 = "198.18.0.1"
PEER_IP4 = "198.18.0.2"
SYNFIN_IP6 = "2001:2::1"
PEER_IP6 = "2001:2::2"
PEER_MAC = "02:00:00:00:00:02"


class TestFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise TestFailure(what)
    print(f"ok: {what}", flush=True)


def run(cmd, timeout=30, check_rc=True, **kw):
    """Run a command (list), bounded in time; return CompletedProcess with text output."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check_rc and r.returncode != 0:
        raise TestFailure(f"{' '.join(cmd)} -> rc {r.returncode}: {r.stdout}{r.stderr}")
    return r


# What synfin prints on its own, from another thread, at any moment (app/ports.c's link watcher).
ASYNC_LINE = re.compile(r"port \d+: link (?:up|down)[^\n]*\n")


class Synfin:
    """A synfin process driven through its prompt on a pipe: each command's output is what
    it printed before the next prompt."""

    PROMPT = "synfin> "

    def __init__(self, binary, eal_args, app_args=(), prefix="sf"):
        self.prefix = prefix
        argv = [binary, *eal_args, "--file-prefix", prefix, "--", "-i", *app_args]
        print("$ " + " ".join(argv), flush=True)
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.out = ""
        self.async_lines = []
        self.wait_prompts(1, timeout=30)

    def _read(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            return False
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        if not chunk:
            raise TestFailure(f"synfin exited (rc {self.proc.poll()}); output:\n{self.out[-4000:]}")
        self.out += chunk.decode(errors="replace")
        # Link changes are printed by a watcher thread whenever they happen, even in the middle
        # of the prompt being written ("s" + "port 0: link up, ...\n" + "ynfin> "): take those
        # lines out so that prompts are counted whole; they are kept in self.async_lines.
        for m in ASYNC_LINE.finditer(self.out):
            self.async_lines.append(m.group(0).strip())
        self.out = ASYNC_LINE.sub("", self.out)
        return True

    def wait_prompts(self, n, timeout=10):
        deadline = time.monotonic() + timeout
        while self.out.count(self.PROMPT) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure(f"no prompt from synfin within {timeout}s; output:\n{self.out[-4000:]}")
            self._read(left)

    def cmd(self, line, timeout=10):
        """Send one command, return what it printed."""
        before = self.out.count(self.PROMPT)
        start = len(self.out)
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        self.wait_prompts(before + 1, timeout)
        text = self.out[start:self.out.rindex(self.PROMPT)]
        # drop the echoed command line
        return text.split("\n", 1)[1] if "\n" in text else ""

    def counters(self):
        """`show lcore stats` as a dict name -> int (summed over workers)."""
        text = self.cmd("show lcore stats")
        text = text.split("all lcores:", 1)[1]
        return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\w+):?\s+(\d+)\s*$", text, re.M)}

    def mbufs_in_use(self):
        m = re.search(r"^mbufs in use: (\d+)", self.cmd("show lcore stats"), re.M)
        if not m:
            raise TestFailure("no mbuf gauge in show lcore stats")
        return int(m.group(1))

    def mac(self):
        m = re.search(r"MAC address: ([0-9A-Fa-f:]{17})", self.cmd("show port info 0"))
        if not m:
            raise TestFailure("no MAC in show port info")
        return m.group(1).lower()

    def quit(self, timeout=15):
        """Quit through the prompt; return the final output."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None and time.monotonic() < deadline:
                try:
                    self._read(0.2)
                except TestFailure:
                    break
        self.kill()
        # A sanitized build reports at exit (leaks) or dies at the first error.
        for mark in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if mark in self.out:
                raise TestFailure(f"sanitizer report from synfin:\n{self.out[self.out.index(mark) - 200:][:3000]}")
        return self.out

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        with contextlib.suppress(OSError, TestFailure):  # TestFailure: end of output
            while self._read(0):
                pass
        for d in (f"/var/run/dpdk/{self.prefix}",):
            shutil.rmtree(d, ignore_errors=True)


class Netns:
    """A network namespace of the test's own."""

    def __init__(self, name):
        self.name = name
        run(["ip", "netns", "del", name], check_rc=False)
        run(["ip", "netns", "add", name])
        run(["ip", "-n", name, "link", "set", "lo", "up"])

    def run(self, cmd, timeout=30, check_rc=True, **kw):
        return run(["ip", "netns", "exec", self.name, *cmd], timeout=timeout, check_rc=check_rc, **kw)

    def popen(self, cmd, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.name, *cmd], **kw)

    def delete(self):
        run(["ip", "netns", "del", self.name], check_rc=False)


def counters(text):
    """'  name: 123' or '  name 123' lines of a prompt command's output as a dict (later names win)."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\w+):?\s+(\d+)\s*$", text, re.M)}


def client_summary(sf):
    """`show client stats` as a dict."""
    return counters(sf.cmd("show client stats"))


def all_ended(s):
    """Every connection a client summary @s attempted ended, completed or failed, none open. The
    failures before a SYN (no_tuple, no_tcb: the pacer's token found no port or no TCB) were never
    attempted, so they are left out of the sum."""
    before_syn = s.get("no_tuple", 0) + s.get("no_tcb", 0)
    return s["open"] == 0 and s["completed"] + s["failed"] - before_syn == s["attempted"]


def tcp_stats(sf):
    """`show tcp stats` as {"group.name": value}."""
    out, group = {}, ""
    for line in sf.cmd("show tcp stats").splitlines():
        m = re.match(r"^(\w+):$", line)
        if m:
            group = m.group(1)
            continue
        m = re.match(r"^\s+(\w+)\s+(\d+)$", line)
        if m:
            out[f"{group}.{m.group(1)}"] = int(m.group(2))
    return out


def rss_kib(pid):
    """Resident memory of process @pid in KiB (VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise TestFailure("no VmRSS")


def ns_leg(ns, tap, mac, ip4, ip6):
    """Give the kernel side @tap of a namespace its MAC, a /24 and a /64 (no DAD), and bring it up."""
    ns.run(["ip", "link", "set", tap, "address", mac])
    ns.run(["ip", "addr", "add", f"{ip4}/24", "dev", tap])
    ns.run(["ip", "addr", "add", f"{ip6}/64", "dev", tap, "nodad"])
    ns.run(["ip", "link", "set", tap, "up"])


def end_with_output(sf, ns):
    """Quit synfin (when it started), print the tail of its output, then delete the namespace."""
    try:
        if sf is not None:
            out = sf.quit()
            print("---- synfin output (tail) ----\n" + out[-3000:], flush=True)
    finally:
        ns.delete()


MEMIF_EAL = ["--no-pci", "--log-level=pmd.net.memif:error"]


# The memif link's own devargs: 4,096-slot rings, 2 KB buffers (memif's default size).
MEMIF_LINK = "rsize=12"


def memif_pair(binary, tag, srv_lcores="0@1", cli_lcores="0@0", srv_args=(), cli_args=(),
               srv_mem=("--no-huge", "-m", "512"), cli_mem=("--no-huge", "-m", "512"), sock_dir="/tmp",
               cls=None, link=MEMIF_LINK):
    """A server and a client synfin at the prompt (class @cls, Synfin by default), joined by a
    memif socket file of the caller's own, with devargs @link. Returns (server, client, socket
    path); end it with stop_memif_pair()."""
    cls = cls or Synfin
    sock = os.path.join(sock_dir, f"sf-{tag}-{os.getpid()}.sock")
    vdev = f"net_memif0,socket={sock},socket-abstract=no,{link}"
    srv = cls(binary, ["--lcores", srv_lcores, *srv_mem, *MEMIF_EAL, f"--vdev={vdev},role=server"], list(srv_args),
              prefix=f"sf-s{tag}{os.getpid()}")
    try:
        cli = cls(binary, ["--lcores", cli_lcores, *cli_mem, *MEMIF_EAL, f"--vdev={vdev},role=client"],
                  list(cli_args), prefix=f"sf-c{tag}{os.getpid()}")
    except Exception:
        stop_memif_pair(srv, None, sock)
        raise
    return srv, cli, sock


def stop_memif_pair(srv, cli, sock):
    """End a memif pair in order and return the outputs (server, client). Both stop polling
    first (`stop now`), then the client quits and is waited for, then the server. Quitting both
    at once lets each EAL interrupt thread handle the peer's disconnect while its own dev_close
    runs; the sanitized build crashed there (librte_net_memif's handler) in 2 of 5 runs."""
    procs = [sf for sf in (srv, cli) if sf is not None]
    for sf in procs:
        if sf.proc.poll() is None:
            try:
                sf.cmd("stop now", timeout=30)
            except (TestFailure, OSError):
                pass
    outs = {}
    for sf in reversed(procs):  # the client first
        outs[id(sf)] = sf.quit(timeout=30)
    if os.path.exists(sock):
        os.unlink(sock)
    for o in outs.values():
        check("Segmentation fault" not in o, "clean exit")
    return tuple(outs.get(id(sf)) if sf is not None else None for sf in (srv, cli))


def wait_for_link(name, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run(["ip", "link", "show", name], check_rc=False).returncode == 0:
            return
        time.sleep(0.05)
    raise TestFailure(f"interface {name} did not appear")


@contextlib.contextmanager
def tap_peer(synfin_binary, tag, lcores="0", app_args=()):
    """synfin on net_tap with the kernel side moved into a fresh namespace, addressed and up.
    Yields (synfin, netns, tap name). Tears everything down on the way out."""
    uid = f"{tag}{os.getpid() % 100000}"
    ns = Netns(f"sf-{uid}")
    tap = f"sft{uid}"[:15]
    sf = None
    try:
        sf = Synfin(synfin_binary,
                    ["-l", lcores, "--no-huge", "-m", "256", "--no-pci",
                     f"--vdev=net_tap0,iface={tap}", "--log-level=pmd.net.tap:error"],
                    app_args, prefix=f"sf-{uid}")
        wait_for_link(tap)
        run(["ip", "link", "set", tap, "netns", ns.name])
        ns_leg(ns, tap, PEER_MAC, PEER_IP4, PEER_IP6)
        yield sf, ns, tap
    finally:
        end_with_output(sf, ns)


def main(test):
    """Run a test function taking the synfin binary path; exit 0 on success, 1 on failure."""
    if os.geteuid() != 0:
        print("integration tests need root (namespaces, tap)", file=sys.stderr)
        sys.exit(1)
    binary = os.path.abspath(sys.argv[1])
    try:
        test(binary)
    except (TestFailure, subprocess.TimeoutExpired) as e:
        print(f"FAIL: {e}", flush=True)
        sys.exit(1)
    print("PASS", flush=True)
