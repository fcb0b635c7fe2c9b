#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The CLI shell and process life cycle: command files, --duration, SIGTERM/SIGINT, help,
malformed commands. Uses a net_null port: no kernel interface, nothing to clean up but the
DPDK runtime directory."""

import os
import shutil
import signal
import subprocess
import time

import harness as h

ROOT = os.path.dirname(os.path.dirname(h.HERE))


def eal(tag):
    prefix = f"sf-cli-{tag}{os.getpid()}"
    return prefix, ["-l", "0", "--no-huge", "-m", "128", "--no-pci", "--vdev=net_null0",
                    "--file-prefix", prefix]


def run_synfin(binary, tag, app_args, timeout=30, stdin=subprocess.DEVNULL, sig=None):
    prefix, args = eal(tag)
    p = subprocess.Popen([binary, *args, "--", *app_args], stdin=stdin, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        if sig is not None:
            time.sleep(2)
            p.send_signal(sig)
        out, _ = p.communicate(timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    return p.returncode, out


def test(binary):
    cmdfile = os.path.join(ROOT, "config", "tap-ping.cmd")
    t0 = time.monotonic()
    rc, out = run_synfin(binary, "dur", ["--cmdline-file", cmdfile, "--duration", "2"])
    took = time.monotonic() - t0
    h.check(rc == 0, f"--duration 2 exits 0 (rc {rc})")
    h.check(took < 20, f"--duration 2 ends by itself ({took:.1f} s)")
    h.check("port 0: address 198.18.0.1/24 added" in out, "command file applied its addresses")
    h.check("Address: 2001:2::1/64" in out, "command file's show port info printed")
    h.check("lcore stats (all workers):" in out, "final report printed")

    for sig in (signal.SIGTERM, signal.SIGINT):
        rc, out = run_synfin(binary, f"s{int(sig)}", ["--cmdline-file", cmdfile], sig=sig)
        h.check(rc == 0 and "lcore stats (all workers):" in out,
                f"{signal.Signals(sig).name} stops cleanly with a final report (rc {rc})")

    script = "help\nfrobnicate\nshow port info 7\nshow port stats all\nclear port stats 0\n" \
             "port 0 address 198.18.0.1/40\nport 0 address 198.18.0.1\nstop\nstart\nstart\nstop\nquit\n"
    prefix, args = eal("i")
    try:
        r = subprocess.run([binary, *args, "--", "-i"], input=script, capture_output=True, text=True, timeout=30)
    finally:
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    out = r.stdout
    h.check(r.returncode == 0, f"quit at the prompt exits 0 (rc {r.returncode})")
    h.check("Running:" in out and "port <id> address <ip>/<len>" in out, "help lists topics and grammar")
    h.check("Command not found" in out, "unknown command reported")
    h.check("bad port '7'" in out, "bad port id reported")
    h.check("NIC statistics for port 0" in out, "show port stats all printed")
    h.check("NIC statistics cleared" in out, "clear port stats acknowledged")
    h.check(out.count("Bad arguments") >= 2, "IPv4 prefix over 32 and a missing prefix refused")
    h.check("Packet processing not started" in out, "stop when stopped says so")
    h.check("Packet processing already started" in out, "start when started says so")

    rc, out = run_synfin(binary, "bad", ["--duration", "x"])
    h.check(rc != 0 and "--duration" in out, "bad option refused with a message")


if __name__ == "__main__":
    h.main(test)
