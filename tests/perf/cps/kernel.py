# SPDX-License-Identifier: BSD-3-Clause
"""Step 2 of the CPS harness: the Linux kernel on loopback, workload b, one core per side.

kcps_server on CPU 1 (synfin's server core), kcps_client on CPU 0 (synfin's client core), both
epoll, one thread each. The client closes first (workload b's "client closes" column) with an
ordinary close(); TIME_WAIT lands on the client. Source addresses rotate over 127.0.1.1-254 and
the port is chosen at connect() (IP_BIND_ADDRESS_NO_PORT), so the 4-tuple space (254 x 28k) is
never exhausted and no socket option shortens TIME_WAIT. The sysctls are left as the machine has
them (they are reported in the JSON).
"""

import os
import re
import signal
import subprocess
import time

SYSCTLS = ("net.ipv4.tcp_max_tw_buckets", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_tw_reuse",
           "net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog", "net.ipv4.tcp_syncookies")


def sysctls():
    out = {}
    for name in SYSCTLS:
        try:
            with open("/proc/sys/" + name.replace(".", "/")) as f:
                out[name] = f.read().split()
        except OSError:
            pass
    return out


def one_run(build, seconds, port, concurrency, log):
    d = os.path.join(build, "tests", "perf", "cps")
    srv = subprocess.Popen([os.path.join(d, "kcps_server"), "--addr", "127.0.0.1", "--port", str(port),
                            "--cpu", "1", "--req", "64", "--resp", "128", "--close", "client"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 5
        line = srv.stdout.readline()
        if "listening" not in line or time.monotonic() > deadline:
            raise RuntimeError(f"kcps_server: {line}")
        cli = subprocess.run([os.path.join(d, "kcps_client"), "--dst", "127.0.0.1", "--port", str(port),
                              "--cpu", "0", "--seconds", str(seconds), "--warmup", "1",
                              "--concurrency", str(concurrency), "--req", "64", "--resp", "128"],
                             capture_output=True, text=True, timeout=seconds + 30)
        m = re.search(r"completed (\d+) seconds ([\d.]+) cps (\d+) failed (\d+)", cli.stdout)
        if not m:
            raise RuntimeError(f"kcps_client: {cli.stdout}{cli.stderr}")
        return {"cps": float(m.group(3)), "completed": int(m.group(1)), "failed": int(m.group(4))}
    finally:
        if srv.poll() is None:
            srv.send_signal(signal.SIGTERM)
            try:
                srv.wait(5)
            except subprocess.TimeoutExpired:
                srv.kill()
                srv.wait(5)


def measure(args, build, log):
    runs = []
    for i in range(args.runs):
        log(f"kernel: workload b on loopback, run {i + 1}/{args.runs}")
        # A fresh port per run: the previous run's TIME_WAIT entries stay with its port.
        try:
            runs.append(one_run(build, args.seconds, 18080 + i + (os.getpid() % 1000) * 8, 1000, log))
            log(f"  {runs[-1]}")
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            log(f"  run failed: {e}")
        time.sleep(1)
    if not runs:
        return {"error": "no run completed"}
    cps = sorted(r["cps"] for r in runs)
    return {"cps": cps[len(cps) // 2] if len(cps) % 2 else sum(cps[len(cps) // 2 - 1:len(cps) // 2 + 1]) / 2,
            "failed": sorted(r["failed"] for r in runs)[len(runs) // 2],
            "runs": runs, "sysctls": sysctls(), "concurrency": 1000}
