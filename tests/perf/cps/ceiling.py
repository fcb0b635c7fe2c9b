# SPDX-License-Identifier: BSD-3-Clause
"""Step 3 of the CPS harness: the link ceiling of net_memif on this machine.

Two dpdk-testpmd processes joined by the same kind of memif synfin uses (rsize=12, --no-huge),
each with its main and forwarding lcore on one CPU (server side CPU 1, client side CPU 0), driven
through testpmd's prompt with tests/integration's Synfin class (testpmd has the same command
line shape and a `quit`).
  - txonly -> rxonly: 64-byte frames one way; the figure is the receiver's rx packets per second.
  - macswap round trip: both sides macswap, the client side primes the ring with
    `start tx_first 128` (4,096 frames in flight); the figure is the server side's rx + tx
    packets per second, which is the same count a synfin server's port makes (its packets per
    connection are rx + tx), so ceiling CPS = that figure / packets per connection.
"""

import contextlib
import os
import re
import statistics
import time

import harness as h
from procs import Prompted

EAL = ["--no-huge", "-m", "512", "--no-pci", "--log-level=pmd.net.memif:error"]
APP = ["--nb-cores", "1", "--total-num-mbufs", "16384"]


class TestPmd(Prompted):
    """testpmd at its prompt; stdbuf because testpmd does not flush its answers into a pipe."""

    PROMPT = "testpmd> "

    def __init__(self, eal_args, app_args, prefix):
        super().__init__("stdbuf", ["-oL", "dpdk-testpmd", *eal_args], app_args, prefix=prefix)


def pps(text):
    rx = re.search(r"Rx-pps:\s+(\d+)", text)
    tx = re.search(r"Tx-pps:\s+(\d+)", text)
    return (int(rx.group(1)) if rx else 0), (int(tx.group(1)) if tx else 0)


def one_run(tmp, mode, seconds, tag):
    sock = os.path.join(tmp, f"tp-{tag}.sock")
    vdev = f"net_memif0,socket={sock},socket-abstract=no,{h.MEMIF_LINK}"
    pid = os.getpid()
    srv = TestPmd(["--lcores", "0@1,1@1", *EAL, f"--vdev={vdev},role=server"], APP,
                  prefix=f"sf-tp-s{tag}{pid}")
    cli = None
    try:
        cli = TestPmd(["--lcores", "0@0,1@0", *EAL, f"--vdev={vdev},role=client"], APP,
                      prefix=f"sf-tp-c{tag}{pid}")
        # memif's link comes up when the two ends have met: frames sent before are lost, and
        # in a closed loop a lost frame never comes back.
        deadline = time.monotonic() + 10
        while "Link status: up" not in cli.cmd("show port info 0") and time.monotonic() < deadline:
            time.sleep(0.2)
        if mode == "txonly":
            srv.cmd("set fwd rxonly")
            cli.cmd("set fwd txonly")
            srv.cmd("start")
            cli.cmd("start")
        else:
            srv.cmd("set fwd macswap")
            cli.cmd("set fwd macswap")
            srv.cmd("start")
            cli.cmd("start tx_first 128")
        time.sleep(1)
        srv.cmd("show port stats 0")  # testpmd's pps is over the time since the last call
        time.sleep(seconds)
        rx, tx = pps(srv.cmd("show port stats 0"))
        return rx if mode == "txonly" else rx + tx
    finally:
        # memif: both ends stop polling at once, then close.
        for t in (srv, cli):
            if t is not None:
                with contextlib.suppress(BrokenPipeError, OSError):
                    t.proc.stdin.write(b"stop\nquit\n")
                    t.proc.stdin.flush()
        for t in (srv, cli):
            if t is not None:
                t.quit()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(sock)


def measure(args, tmp, log):
    out = {"frame_bytes": 64}
    secs = max(3, min(args.seconds, 5))  # pps settles in a second; the ceiling is not the run length
    for mode, key in (("txonly", "txonly_pps"), ("macswap", "macswap_pps")):
        runs = []
        for i in range(args.runs):
            log(f"ceiling: testpmd {mode}, run {i + 1}/{args.runs}")
            try:
                runs.append(one_run(tmp, mode, secs, f"{mode[0]}{i}"))
                log(f"  {runs[-1]} pps")
            except (h.TestFailure, OSError) as e:
                log(f"  run failed: {e}")
        out[key] = statistics.median(runs) if runs else None
        out[key + "_runs"] = runs
    return out
