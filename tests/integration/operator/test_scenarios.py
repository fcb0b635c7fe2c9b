#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every ready-made scenario in config/ runs: a synfin server and a synfin client joined over
net_memif, each loading its command file (which ends with `start`). After a couple of seconds
the client is stopped gracefully; then nothing it opened may be left open or have failed, and
the server's side of the books must match the client's.

SF_TEST_OP_SECONDS sets how long each scenario runs (default 2, 1 in the sanitized pass). The
sanitized pass also caps the client's open connections (the command files leave concurrency
alone, so a cap set before `load` holds), because a slowed server cannot keep up with 50,000
connections per second."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness as h  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(h.HERE))
CONFIG = os.path.join(ROOT, "config")
SANITIZED = "ASAN_OPTIONS" in os.environ
SECONDS = float(os.environ.get("SF_TEST_OP_SECONDS", "1" if SANITIZED else "2"))

# server file, client file, what else to check
SCENARIOS = [
    ("server-http.cmd", "client-http.cmd", "http"),
    ("server-handshake.cmd", "client-handshake.cmd", "handshake"),
    ("server-close-server.cmd", "client-close-server.cmd", "server-closes"),
    ("server-http.cmd", "client-http6.cmd", "http"),
]


def counters(text):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\w+):?\s+(\d+)\s*$", text, re.M)}


def pair(binary, tag):
    sock = f"/tmp/sf-op-{tag}-{os.getpid()}.sock"
    vdev = f"net_memif0,socket={sock},socket-abstract=no,rsize=12"
    common = ["--no-huge", "-m", "512", "--no-pci", "--log-level=pmd.net.memif:error"]
    srv = h.Synfin(binary, ["--lcores", "0@1", *common, f"--vdev={vdev},role=server"],
                   prefix=f"sf-op-s{tag}{os.getpid()}")
    try:
        cli = h.Synfin(binary, ["--lcores", "0@0", *common, f"--vdev={vdev},role=client"],
                       prefix=f"sf-op-c{tag}{os.getpid()}")
    except Exception:
        srv.quit()
        raise
    return srv, cli, sock


def stop_pair(srv, cli, sock):
    """memif: both ends stop polling at once, then close (PLATFORM.md: no exit order is safe)."""
    for sf in (srv, cli):
        try:
            sf.proc.stdin.write(b"quit\n")
            sf.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
    out = [sf.quit() for sf in (srv, cli)]
    if os.path.exists(sock):
        os.unlink(sock)
    for o in out:
        h.check("Segmentation fault" not in o, "clean exit")
    return out


def run(binary, tag, srv_file, cli_file, kind):
    srv, cli, sock = pair(binary, tag)
    try:
        out = srv.cmd(f"load {os.path.join(CONFIG, srv_file)}", timeout=20)
        h.check("Packet processing started" in out and "failed" not in out, f"{srv_file} loads and starts"
                + ("" if "Packet processing started" in out and "failed" not in out else f":\n{out}"))
        cli.cmd("set stop grace 8000")
        if SANITIZED:
            cli.cmd("set client concurrency 1000")
        out = cli.cmd(f"load {os.path.join(CONFIG, cli_file)}", timeout=20)
        h.check("Packet processing started" in out and "failed" not in out, f"{cli_file} loads and starts"
                + ("" if "Packet processing started" in out and "failed" not in out else f":\n{out}"))
        time.sleep(SECONDS)
        out = cli.cmd("stop", timeout=30)
        h.check("Packet processing stopped" in out and "still open" not in out,
                f"{cli_file}: graceful stop, every open connection finished")
        c = counters(out.split("client summary:", 1)[1])
        print(f"{cli_file}: {c}", flush=True)
        h.check(c["attempted"] > 0 and c["open"] == 0 and c["failed"] == 0 and
                c["completed"] == c["attempted"], f"{cli_file}: {c['completed']} of {c['attempted']} completed, "
                f"none failed, none open")
        # The server's books: every connection the client opened was accepted there.
        time.sleep(0.2)
        s = counters(srv.cmd("show stats").split("server summary:", 1)[1])
        h.check(s["accepted"] == c["established"], f"server accepted {s['accepted']} = client established "
                f"{c['established']}")
        if kind in ("http", "server-closes"):
            h.check(c["responses"] == c["completed"] and s["served"] == c["responses"],
                    f"one response per connection: served {s['served']}, received {c['responses']}")
        if kind == "handshake":
            h.check(c["requests"] == 0 and s["served"] == 0, "handshake only: no request, no response")
        if kind == "server-closes":
            tcp = counters(srv.cmd("show tcp stats"))
            h.check(tcp.get("time_wait_compact", 0) + tcp.get("time_wait", 0) > 0,
                    "the server closed first: TIME_WAIT is on the server")
    finally:
        stop_pair(srv, cli, sock)


def test(binary):
    for i, (srv_file, cli_file, kind) in enumerate(SCENARIOS):
        run(binary, f"{i}", srv_file, cli_file, kind)


if __name__ == "__main__":
    h.main(test)
