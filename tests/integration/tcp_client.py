#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A kernel TCP client for the integration tests: N connections, C at a time, each sending one
HTTP/1.1 request and checking the response body byte for byte against synfin's pattern.

    tcp_client.py HOST PORT --count N --concurrency C --body BYTES [--close client|server|rst]

With --close rst the connections run one at a time on blocking sockets, and each must see its
whole response and then the server's reset.

Prints one JSON object: {"ok": n, "failed": n, "errors": {reason: n}, "seconds": s}.
Runs inside the test's namespace (ip netns exec).
"""

import argparse
import asyncio
import json
import sys
import time

# synfin's response body pattern (lib/engine): byte i of the body is PATTERN[i % len(PATTERN)].
PATTERN = b"0123456789abcdefghijklmnopqrstuvwxyz"


def expected_body(n):
    reps = n // len(PATTERN) + 1
    return (PATTERN * reps)[:n]


async def one(host, port, body_len, close, errors, timeout):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, asyncio.TimeoutError) as e:
        errors[f"connect:{type(e).__name__}"] = errors.get(f"connect:{type(e).__name__}", 0) + 1
        return False
    ok = False
    try:
        if close == "handshake":
            # The server closes right after the handshake: no request, the next thing is its FIN.
            rest = await asyncio.wait_for(reader.read(), timeout)
            if rest:
                errors["extra-bytes"] = errors.get("extra-bytes", 0) + 1
                return False
            ok = True
            return True
        writer.write(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        lines = head.decode(errors="replace").split("\r\n")
        length = None
        for line in lines[1:]:
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        if not lines[0].startswith("HTTP/1.1 200") or length != body_len:
            reason = "bad-status-or-length"
        else:
            body = await asyncio.wait_for(reader.readexactly(length), timeout)
            if body != expected_body(body_len):
                reason = "body-mismatch"
            elif close == "server":
                rest = await asyncio.wait_for(reader.read(), timeout)  # wait for the server's FIN
                reason = "extra-bytes" if rest else None
            else:
                reason = None
        if reason:
            errors[reason] = errors.get(reason, 0) + 1
        else:
            ok = True
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
        errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
    finally:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), timeout)
        except (OSError, asyncio.TimeoutError):
            pass
    return ok


async def main_async(a):
    errors = {}
    sem = asyncio.Semaphore(a.concurrency)
    results = []

    async def guarded():
        async with sem:
            results.append(await one(a.host, a.port, a.body, a.close, errors, a.timeout))

    t0 = time.monotonic()
    await asyncio.gather(*(guarded() for _ in range(a.count)))
    ok = sum(results)
    return {"ok": ok, "failed": len(results) - ok, "errors": errors, "seconds": round(time.monotonic() - t0, 3)}


def one_rst(host, port, body_len, timeout):
    """Blocking socket: asyncio's StreamReader raises a reset before handing over the bytes it
    already holds, while the kernel hands them over first, as a real client sees them."""
    import socket
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return "fin-instead-of-reset"
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep and len(body) >= body_len:
                if not head.startswith(b"HTTP/1.1 200") or body[:body_len] != expected_body(body_len):
                    return "body-mismatch"
                break
        try:
            if s.recv(65536):
                return "extra-bytes"
            return "fin-instead-of-reset"
        except ConnectionResetError:
            return None
    except ConnectionResetError:
        return "reset-before-response"
    except OSError as e:
        return type(e).__name__
    finally:
        s.close()


def main_rst(a):
    errors = {}
    t0 = time.monotonic()
    ok = 0
    for _ in range(a.count):
        reason = one_rst(a.host, a.port, a.body, a.timeout)
        if reason:
            errors[reason] = errors.get(reason, 0) + 1
        else:
            ok += 1
    return {"ok": ok, "failed": a.count - ok, "errors": errors, "seconds": round(time.monotonic() - t0, 3)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--body", type=int, default=128)
    # handshake: no request; the server closes first, right after the handshake
    p.add_argument("--close", choices=("client", "server", "rst", "handshake"), default="client")
    p.add_argument("--timeout", type=float, default=10.0)
    a = p.parse_args()
    print(json.dumps(main_rst(a) if a.close == "rst" else asyncio.run(main_async(a))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
