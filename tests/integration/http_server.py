#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The kernel as the server for client-mode tests: an asyncio (epoll) HTTP/1.1 server that
answers every request with a 200 whose body is synfin's pattern, header and body in one
write, keeping the connection until the client closes.

    http_server.py PORT BODY_BYTES        (listens on :: and 0.0.0.0; prints "ready")
"""

import asyncio
import signal
import sys

PATTERN = b"0123456789abcdefghijklmnopqrstuvwxyz"


def body(n):
    return (PATTERN * (n // len(PATTERN) + 1))[:n]


async def main(port, n):
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n" % n + body(n)
    served = 0

    async def handle(reader, writer):
        nonlocal served
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(response)
                served += 1
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, host, port, backlog=4096, reuse_address=True)
               for host in ("0.0.0.0", "::")]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    await stop.wait()
    for s in servers:
        s.close()
    print(f"served {served}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
