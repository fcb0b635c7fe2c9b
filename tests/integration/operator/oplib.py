# SPDX-License-Identifier: BSD-3-Clause
"""What the operator tests share: two synfin processes joined over net_memif, and their end.

The end is ordered. Both stop polling first (`stop now`), then the client quits and is waited
for, then the server. Quitting both at once (as tests/integration/test_memif.py does) lets each
process's EAL interrupt thread handle the peer's disconnect while its own dev_close runs: the
sanitized build crashed there (SEGV at 0x68 in librte_eal under librte_net_memif's handler) in
2 of 5 runs. With neither side polling and one side closing at a time, nothing races."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness as h  # noqa: E402

MEMIF_EAL = ["--no-pci", "--log-level=pmd.net.memif:error"]


def pair(binary, tag, srv_args=(), cli_args=(), srv_mem=("--no-huge", "-m", "512"), sock_dir="/tmp"):
    """A server (core 1) and a client (core 0) synfin at the prompt, joined by a memif socket
    file of the test's own. Returns (server, client, socket path)."""
    sock = os.path.join(sock_dir, f"sf-op-{tag}-{os.getpid()}.sock")
    vdev = f"net_memif0,socket={sock},socket-abstract=no,rsize=12"
    srv = h.Synfin(binary, ["--lcores", "0@1", *srv_mem, *MEMIF_EAL, f"--vdev={vdev},role=server"], list(srv_args),
                   prefix=f"sf-op-s{tag}{os.getpid()}")
    try:
        cli = h.Synfin(binary, ["--lcores", "0@0", "--no-huge", "-m", "512", *MEMIF_EAL, f"--vdev={vdev},role=client"],
                       list(cli_args), prefix=f"sf-op-c{tag}{os.getpid()}")
    except Exception:
        stop_pair(srv, None, sock)
        raise
    return srv, cli, sock


def stop_pair(srv, cli, sock):
    """End both in order (see above); return their whole outputs (server, client)."""
    procs = [sf for sf in (srv, cli) if sf is not None]
    for sf in procs:
        if sf.proc.poll() is None:
            try:
                sf.cmd("stop now", timeout=30)
            except (h.TestFailure, OSError):
                pass
    outs = {}
    for sf in reversed(procs):  # the client first
        outs[id(sf)] = sf.quit(timeout=30)
    if os.path.exists(sock):
        os.unlink(sock)
    for o in outs.values():
        h.check("Segmentation fault" not in o, "clean exit")
    return tuple(outs.get(id(sf)) if sf is not None else None for sf in (srv, cli))
