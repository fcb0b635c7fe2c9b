#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interleaved before/after of synfin builds (or settings) over memif: the figure a hot-path change
reports when the machine's speed moves between minutes.

  tests/perf/cps/ab.py --variant old=/path/to/old/build-perf --variant new=build-perf
  tests/perf/cps/ab.py --variant base=build-perf \\
        --variant nocookie=build-perf --server-cmd nocookie='set tcp cookies never'
  tests/perf/cps/ab.py --variant here=build-perf --variant swapped=build-perf --cpus swapped=0,1
  tests/perf/cps/ab.py --variant c256=build-perf --variant c1000=build-perf --concurrency c1000=1000
  tests/perf/cps/ab.py --variant sized=build-perf --variant default=build-perf --tables default=default
  tests/perf/cps/ab.py --variant r12=build-perf --variant r10=build-perf --link r10=rsize=10

Each pair runs every variant once, in turn, with run.py's memif_run() (one workload, one close
policy, --seconds per run); the table gives each run's server CPS and both sides' load, and the
ratio of each variant to the first within every pair, with their median. Each run also gives
both sides' busy cycles per connection; --cpus runs a variant's server and client on other CPUs
(1 and 0 by default), so that a cost that follows a process is told from one that follows a CPU
(the two vCPUs of this VM do not always run at the same speed).
"""
import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (run.py puts tests/integration on the path)


BASE_MEMIF = run.Memif


def pair_with_commands(server_cmds, client_cmds, huge=False, link=BASE_MEMIF.LINK):
    """run.Memif as run.py has it (not the previous variant's), plus commands sent to each side
    before memif_run() configures it; @huge: EAL memory on hugepages; @link: the memif devargs."""
    class Configured(BASE_MEMIF):
        MEM = ("-m", "256", "--huge-unlink") if huge else BASE_MEMIF.MEM
        LINK = link

        def __init__(self, binary, tag, tmp):
            super().__init__(binary, tag, tmp)
            for sf, cmds in ((self.srv, server_cmds), (self.cli, client_cmds)):
                for c in cmds:
                    run.checked_cmd(sf, c)
    return Configured


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", action="append", required=True, metavar="NAME=BUILD",
                    help="a meson build directory to run, under a name (repeat; the first is the base)")
    ap.add_argument("--server-cmd", action="append", default=[], metavar="NAME=COMMAND",
                    help="a command for the server of variant NAME before the run (repeat)")
    ap.add_argument("--client-cmd", action="append", default=[], metavar="NAME=COMMAND",
                    help="a command for the client of variant NAME before the run (repeat)")
    ap.add_argument("--cpus", action="append", default=[], metavar="NAME=SERVER,CLIENT",
                    help="the CPUs of variant NAME's server and client (default 1,0)")
    ap.add_argument("--tables", action="append", default=[], metavar="[NAME=]TCBS,TIMEWAIT|default",
                    help="each side's connection table, for all variants or for variant NAME (default %d,%d)"
                         % run.DEFAULT_TABLES)
    ap.add_argument("--hugepages", action="append", default=[], metavar="NAME",
                    help="variant NAME's EAL memory on hugepages (256 MB a side), not 4 KB pages")
    ap.add_argument("--link", action="append", default=[], metavar="NAME=DEVARGS",
                    help=f"variant NAME's memif devargs (default {BASE_MEMIF.LINK})")
    ap.add_argument("--workload", choices=sorted(run.WORKLOADS), default="a")
    ap.add_argument("--close", choices=("client", "server"), default="client")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--concurrency", action="append", default=[], metavar="[NAME=]N",
                    help="the client's concurrency, for all variants or for variant NAME "
                         f"(default {run.DEFAULT_CONCURRENCY})")
    args = ap.parse_args()

    def named(items):
        out = {}
        for it in items:
            name, _, val = it.partition("=")
            out.setdefault(name, []).append(val)
        return out

    variants = [(n, v[-1]) for n, v in named(args.variant).items()]
    srv_cmds, cli_cmds = named(args.server_cmd), named(args.client_cmd)
    cpus = {n: tuple(int(x) for x in v[-1].split(",")) for n, v in named(args.cpus).items()}
    def per_variant(items, parse, default):
        """NAME -> value from `[NAME=]VALUE` items: a bare VALUE is every variant's (the last wins)."""
        bare = [parse(x) for x in items if "=" not in x]
        given = {n: parse(v[-1]) for n, v in named(x for x in items if "=" in x).items()}
        return lambda name: given.get(name, bare[-1] if bare else default)

    conc = per_variant(args.concurrency, int, run.DEFAULT_CONCURRENCY)
    tables = per_variant(args.tables, run.parse_tables, run.DEFAULT_TABLES)
    link = per_variant(args.link, str, BASE_MEMIF.LINK)
    res = {n: [] for n, _ in variants}
    base_memif, base_cpus = run.Memif, (run.SRV_CPU, run.CLI_CPU)
    try:
        for i in range(args.pairs):
            for name, build in variants:
                run.Memif = pair_with_commands(srv_cmds.get(name, []), cli_cmds.get(name, []),
                                               huge=name in args.hugepages, link=link(name))
                run.SRV_CPU, run.CLI_CPU = cpus.get(name, base_cpus)
                with tempfile.TemporaryDirectory(prefix="sf-ab-") as tmp:
                    r = run.memif_run(os.path.join(build, "app", "synfin"), tmp, args.workload, args.close,
                                      args.seconds, conc(name), f"ab{name[:4]}{i}", tables(name))
                res[name].append(r)
                run.log(f"pair {i + 1} {name}: server CPS {r['server_cps']:,.0f}, load srv/cli "
                        f"{r['server_load']:.0%}/{r['client_load']:.0%}, busy cycles per connection srv/cli "
                        f"{r['server_cycles_per_conn']:,.0f}/{r['client_cycles_per_conn']:,.0f}, rx frames per busy poll "
                        f"srv/cli {r['server_rx_per_poll']:.1f}/{r['client_rx_per_poll']:.1f}, "
                        f"retrans {r['retrans']}, failed {r['failed']}")
    finally:
        run.Memif = base_memif
        run.SRV_CPU, run.CLI_CPU = base_cpus
    base = variants[0][0]
    print(f"workload {args.workload}, {args.close} closes, {args.pairs} pair(s) of {args.seconds} s, server CPS:")
    for name, _ in variants:
        cps = [r["server_cps"] for r in res[name]]
        ratios = [r["server_cps"] / b["server_cps"] for r, b in zip(res[name], res[base])]
        cli_srv = [r["client_cycles_per_conn"] / r["server_cycles_per_conn"] for r in res[name]]
        print(f"  {name:12} runs {' / '.join(f'{c:,.0f}' for c in cps)}; ratio to {base} per pair "
              f"{' / '.join(f'{x:.2f}' for x in ratios)}, median {statistics.median(ratios):.2f}; "
              f"client/server busy cycles per connection {' / '.join(f'{x:.2f}' for x in cli_srv)}, "
              f"median {statistics.median(cli_srv):.2f}")


if __name__ == "__main__":
    main()
