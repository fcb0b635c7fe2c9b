#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fuzz a libFuzzer target for a bounded time, starting from its committed corpus.

    run_fuzz.py <fuzz binary> <corpus dir> [--seconds N] [--keep DIR]

New inputs go to a scratch directory (the committed corpus is only read); a crash, leak,
sanitizer report or timeout leaves its input in ./fuzz-artifacts/ (the meson build directory
when run by meson test) and fails. The time is --seconds, else $SF_FUZZ_SECONDS, else 30.
Prints libFuzzer's final figures and one summary line:
"fuzz_rx: N runs in S s (R exec/s), coverage C edges, F features, corpus K inputs, 0 crashes".
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("corpus")
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("SF_FUZZ_SECONDS", "30")))
    ap.add_argument("--keep", help="keep the inputs found in DIR (default: thrown away)")
    args = ap.parse_args()
    name = os.path.basename(args.binary)
    artifacts = os.path.abspath("fuzz-artifacts") + "/"
    os.makedirs(artifacts, exist_ok=True)
    scratch = args.keep or tempfile.mkdtemp(prefix=f"{name}-")
    os.makedirs(scratch, exist_ok=True)
    cmd = [args.binary, f"-max_total_time={args.seconds}", "-print_final_stats=1", "-timeout=10",
           "-rss_limit_mb=2048", "-max_len=4096", f"-artifact_prefix={artifacts}", scratch, args.corpus]
    print(" ".join(cmd), flush=True)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.seconds + 120)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    out = r.stderr
    # libFuzzer's progress lines are many: keep the start, the end and anything that went wrong.
    lines = out.splitlines()
    # (and the recommended dictionary, which is noise here)
    shown = lines if r.returncode != 0 else [x for x in lines if not re.match(r'#\d+\s+(NEW|REDUCE|pulse)|"|###', x)]
    print("\n".join(shown[-60:]))
    stat = dict(re.findall(r"^stat::(\w+):\s+(\d+)", out, re.M))
    cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", out)
    runs, secs = int(stat.get("number_of_executed_units", 0)), max(int(stat.get("average_exec_per_sec", 0)), 1)
    if cov:
        c, ft, corp = cov[-1]
        print(f"{name}: {runs} runs in about {runs // secs} s ({secs} exec/s), coverage {c} edges, {ft} features, "
              f"corpus {corp} inputs, {'0 crashes' if r.returncode == 0 else 'FAILED'}")
    if r.returncode != 0:
        print(f"{name}: libFuzzer exited {r.returncode}; the input is in {artifacts}", file=sys.stderr)
        return 1
    if runs == 0:
        print(f"{name}: no input ran", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
