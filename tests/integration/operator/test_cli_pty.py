#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The prompt as an operator meets it, through a pseudo-terminal (pexpect): TAB completion,
`?` help, `help`, one-line errors that name the grammar and apply nothing, start and graceful
stop, the live line, show config / save config / load reproducing a configuration in a fresh
process, show latency, show lcore stats, and Ctrl-C ending the process with its report.
Uses a net_null port: no kernel interface, nothing to clean up but the DPDK runtime files."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema
import pexpect

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness as h  # noqa: E402

PROMPT = "synfin> "


class Pty:
    def __init__(self, binary, tag, app_args=()):
        self.prefix = f"sf-op-pty-{tag}{os.getpid()}"
        args = ["-l", "0", "--no-huge", "-m", "128", "--no-pci", "--vdev=net_null0", "--file-prefix", self.prefix,
                "--", "-i", *app_args]
        print("$ " + binary + " " + " ".join(args), flush=True)
        self.p = pexpect.spawn(binary, args, encoding="utf-8", timeout=20, dimensions=(50, 250))
        self.p.expect_exact(PROMPT)

    def cmd(self, line, timeout=20):
        """Type a line, return what came before the next prompt (the echoed line removed)."""
        self.p.sendline(line)
        self.p.expect_exact(PROMPT, timeout=timeout)
        text = self.p.before.replace("\r\n", "\n")
        return text.split("\n", 1)[1] if "\n" in text else ""

    def close(self):
        if self.p.isalive():
            self.p.terminate(force=True)
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)
        out = self.p.before or ""
        for mark in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if mark in out:
                raise h.TestFailure(f"sanitizer report:\n{out[out.index(mark) - 200:][:3000]}")


def batch_run(binary, tmp):
    """No prompt: a command file, --duration, --json. The main lcore is the only lcore, so the
    file's `stop` must poll the port itself while it waits."""
    cmds = os.path.join(tmp, "run.cmd")
    with open(cmds, "w") as f:
        f.write("port 0 address 198.18.0.1/24\nlisten 198.18.0.1 80\nstart\nstop\nstart\n")
    js = os.path.join(tmp, "run.json")
    prefix = f"sf-op-pty-batch{os.getpid()}"
    try:
        r = subprocess.run([binary, "-l", "0", "--no-huge", "-m", "128", "--no-pci", "--vdev=net_null0",
                            "--file-prefix", prefix, "--", "--cmdline-file", cmds, "--duration", "3", "--json", js],
                           capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    h.check(r.returncode == 0 and "Packet processing stopped" in r.stdout and "totals over" in r.stdout,
            f"--cmdline-file with start, stop, start then --duration 3: rc {r.returncode}")
    with open(os.path.join(h.HERE, "..", "..", "docs", "synfin-stats.schema.json")) as f:
        validator = jsonschema.Draft7Validator(json.load(f))
    with open(js) as f:
        recs = [json.loads(ln) for ln in f if ln.strip()]
    bad = [e.message for r in recs for e in validator.iter_errors(r)]
    h.check(len(recs) >= 3 and recs[-1]["type"] == "summary" and "server" in recs[0] and not bad,
            f"--json without a prompt: {len(recs) - 1} periods and a summary, all valid {bad[:1]}")


def keys(sf, steps, what):
    """Send each step's keys and expect its patterns in order; then the prompt comes back."""
    for send, patterns in steps:
        sf.p.send(send)
        for pat in patterns:
            sf.p.expect(pat)
    sf.p.expect_exact(PROMPT)
    h.check(True, what)


def config_lines(text):
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def test(binary):
    tmp = tempfile.mkdtemp(prefix="sf-op-pty-")
    batch_run(binary, tmp)
    sf = Pty(binary, "a")
    try:
        # Keys typed, then what the screen must show, in order (regular expressions).
        keys(sf, [("sho\tlis\t\r", ["no listeners"])],
             "TAB completed 'sho' and 'lis' into `show listeners`, which ran")
        keys(sf, [("set tcp ms\t\t", [r"msl \[Fixed STRING\]: set tcp msl <ms>", r"mss \[Mul-choice STRING\]"]),
                  ("s 1400\r", ["TCP MSS advertised and sent, bytes: 1400"])],
             "TAB TAB listed msl and mss; the line completed by hand ran")
        keys(sf, [("set client ?", [r"sport \[Fixed STRING\]: set client sport"]),
                  ("\r", [re.escape("Bad arguments, expected: set client rate|duration")])],
             "? listed the next words with their help; the incomplete line was refused")

        out = sf.cmd("help")
        for topic in ("Running:", "Ports:", "Server:", "TCP:", "Client:"):
            h.check(topic in out, f"help has the topic {topic}")
        for grammar in ("stop now", "show config", "save config <file>", "load <file>", "show latency",
                        "set stats period <s>", "set client sport"):
            h.check(grammar in out, f"help lists `{grammar}`")

        # Errors: one line each, naming the grammar; nothing applied.
        before = sf.cmd("show config")
        out = sf.cmd("frobnicate now")
        h.check(out.strip() == "Command not found: 'frobnicate' (help lists every command with its grammar)",
                f"unknown command: one line ({out.strip()!r})")
        out = sf.cmd("set client rate fast")
        h.check(len(out.strip().splitlines()) == 1 and out.startswith("Bad arguments, expected: ") and
                "set client rate|duration|concurrency|requests|ramp|timeout <n>" in out,
                f"malformed command: one line naming its grammar ({out.strip()!r})")
        out = sf.cmd("set tcp mss 10")
        h.check("refused" in out, f"an inconsistent TCP setting is refused ({out.strip()!r})")
        out = sf.cmd("show configuration")
        h.check(out.startswith("Bad arguments, expected: ") and "show config" in out and "show latency" in out,
                "a bad `show` lists the show commands")
        h.check(sf.cmd("show config") == before, "nothing was applied by the failed commands")

        # A configuration: show config, save it, load it in a fresh process: the same.
        for line in ("port 0 address 198.18.0.1/24", "port 0 address 2001:2::1/64", "set tcp msl 1500",
                     "set tcp mss 1400", "set tcp delack 20", "set tcp options ts off", "set tcp cookies always",
                     "response raw 300", "requests 2", "close server", "listen 198.18.0.1 8080-8089",
                     "response http 64", "close rst", "listen :: 80", "response none",
                     "client 198.18.0.100-198.18.0.109 198.18.0.2,198.18.0.3 80-81", "set client rate 1234",
                     "set client concurrency 77", "set client request raw 10 20", "set client sport 2000-3000",
                     "set client close server", "set stop grace 1500", "port 0 gateway 198.18.0.254",
                     "port 0 gateway 2001:2::fe 02:00:00:00:00:fe", "port 0 role both"):
            out = sf.cmd(line)
            h.check("Bad arguments" not in out and "Command not found" not in out and "refused" not in out,
                    f"`{line}` applied")
        shown = sf.cmd("show config")
        for want in ("set tcp msl 1500", "set tcp mss 1400", "set tcp delack 20", "set tcp options ts off",
                     "listen 198.18.0.1 8080-8089", "listen :: 80", "response raw 300",
                     "client 198.18.0.100-198.18.0.109 198.18.0.2,198.18.0.3 80-81", "set client sport 2000-3000",
                     "port 0 role both", "port 0 gateway 198.18.0.254\n", "port 0 gateway 2001:2::fe 02:00:00:00:00:fe"):
            h.check(want in shown, f"show config has `{want}`")
        saved = os.path.join(tmp, "saved.cmd")
        h.check("saved" in sf.cmd(f"save config {saved}"), "save config wrote the file")
        with open(saved) as f:
            h.check(config_lines(f.read()) == config_lines(shown), "the saved file is what show config printed")

        # Start, the live line, show lcore stats, graceful stop with its report, stop now.
        out = sf.cmd("set stats period 1")
        out = sf.cmd("start")
        h.check("Packet processing started" in out, "start")
        sf.p.expect(r"\s+sec\s+attempt/s\s+estab/s\s+done/s\s+fail/s\s+accept/s\s+served/s\s+open\s+timewait"
                    r"\s+retx/s\s+err/s\s+rx_pps\s+tx_pps\s+rx_Gbps\s+tx_Gbps\s+p50_us\s+p99_us\s*\r\n", timeout=10)
        sf.p.expect(r"\s+1\s+\S+(\s+\S+){15}\s*\r\n", timeout=10)
        h.check(True, "a header and a live line of 17 columns (both sides active) within the period")
        out = sf.cmd("set stats period 0")
        out = sf.cmd("show lcore stats")
        h.check(re.search(r"cycles/pkt", out) and re.search(r"cycles/connection", out) and "idle polls" in out and "stalled" in out,
                "show lcore stats: cycles per packet and per connection, idle polls, stalled time")
        out = sf.cmd("stop", timeout=30)
        h.check("Stopping: no new connections" in out and "Packet processing stopped" in out and
                "client: attempted" in out and "server: accepted" in out,
                "graceful stop reports both sides")
        out = sf.cmd("start")
        out = sf.cmd("stop now")
        h.check("Stopping" not in out and "Packet processing stopped" in out, "stop now does not wait")
        out = sf.cmd("show latency")
        h.check(re.search(r"latency connect \(SYN\.\.SYN-ACK\), us: \d+ samples", out), "show latency has a table per kind")
        # Ctrl-C: SIGINT ends synfin with its final report.
        sf.p.sendcontrol("c")
        sf.p.expect(pexpect.EOF, timeout=20)
        h.check("lcore stats (all workers):" in sf.p.before, "Ctrl-C ends the process with the final report")
    finally:
        sf.close()

    sf = Pty(binary, "b")
    try:
        out = sf.cmd(f"load {saved}")
        h.check("Running commands of" in out and "failed" not in out, "the saved configuration loads without error")
        again = sf.cmd("show config")
        h.check(config_lines(again) == config_lines(shown),
                "show config in a fresh process that loaded it is the same")
        bad = os.path.join(tmp, "bad.cmd")
        with open(bad, "w") as f:
            f.write("set client rate 5\nset client rate five\nset client rate 7\n")
        out = sf.cmd(f"load {bad}")
        h.check(f"{bad}:2: the command above failed; the rest of the file is not run" in out,
                "a command file stops at its first failing line, saying where")
        h.check("set client rate 5\n" in sf.cmd("show config"), "the lines before it applied, none after")
        # A command that parses but refuses its value fails its line the same way, naming its grammar.
        with open(bad, "w") as f:
            f.write("set tcp msl 500\nset tcp msl 0\nset tcp msl 700\n")
        out = sf.cmd(f"load {bad}")
        h.check("MSL in 1..600000 ms; expected: set tcp msl <ms>" in out,
                f"a refused value is one line with the grammar ({out.strip()!r})")
        h.check(f"{bad}:2: the command above failed; the rest of the file is not run" in out and
                "set tcp msl 500\n" in sf.cmd("show config"), "and the file stops there, the line before applied")
        out = sf.cmd(f"load {os.path.join(tmp, 'missing.cmd')}")
        h.check("cannot open command file" in out, "load of a missing file says so")
        sf.p.sendline("quit")
        sf.p.expect(pexpect.EOF, timeout=20)
    finally:
        sf.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    h.main(test)
