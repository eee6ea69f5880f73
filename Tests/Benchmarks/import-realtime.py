#!/usr/bin/env python3
# Aerie — realtime events for `aerie records import` beside a running server: delivered vs expected, time
# SPDX-License-Identifier: MIT
"""Starts `aerie serve` on a fresh temporary directory (collection `posts`, public list/view
rules), connects `--subscribers` SSE clients subscribed to `posts/*`, then runs
`aerie records import posts` with `--records` rows as a separate process. Each imported record
must reach every subscriber once as a `create` event (through the server's `_events` outbox).

Reports:
  import      seconds the import process ran (its commit is done when it exits)
  delivered   create events received, over expected = records × subscribers
  duplicates  events for a record a subscriber had already received
  closed      subscribers the server disconnected (a client more than 1 MiB behind is cut off)
  first/last  seconds from the import's exit to the first and the last event received
  RSS         server VmRSS before the import and its peak while delivering

Usage:
  Tests/Benchmarks/import-realtime.py --aerie .build/release/aerie                     # 100,000 × 100
  Tests/Benchmarks/import-realtime.py --aerie .build/debug/aerie --records 2000 --subscribers 10
Exit status 0 when every event arrived exactly once, 2 otherwise.
"""

import argparse
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import request  # noqa: E402  (bench.py sits next to this script)

HOST = "127.0.0.1"
SCHEMA = '{"collections":[{"name":"posts","fields":[{"name":"title","type":"text","required":true},' \
         '{"name":"n","type":"number"}],"listRule":"","viewRule":""}]}'
TITLE = re.compile(rb'"title":"i(\d+)"')


# Shared with the realtime load script next to this one.
from realtime import free_port, log, rss_kb  # noqa: E402


def subscriber(index, port, count, records, ready, go, results):
    """Connects `count` clients, subscribes them to posts/*, then counts events per client.
    Only titles are parsed (C-speed regex over each received block), so Python keeps up."""
    import selectors
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(count):
        s = socket.create_connection((HOST, port))
        s.sendall(b"GET /api/realtime HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        buf = b""
        while b"event:PB_CONNECT" not in buf or b"}\n\n" not in buf:
            buf += s.recv(65536)
        client_id = re.search(rb"id:(\w+)\nevent:PB_CONNECT", buf).group(1).decode()
        status, body = request(port, "POST", "/api/realtime", {"clientId": client_id, "subscriptions": ["posts/*"]})
        if status != 204:
            raise RuntimeError(f"subscribe failed: {status} {body}")
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, len(socks) - 1)
    seen = [bytearray(records) for _ in socks]
    tails = [b"" for _ in socks]
    received = duplicates = closed = 0
    first = last = 0.0
    ready.put(index)
    go.wait()
    open_count = len(socks)
    deadline = None
    while open_count and received + duplicates < records * len(socks):
        events = sel.select(timeout=1.0)
        if not events:
            if deadline is None:
                deadline = time.monotonic() + 60  # give up after a minute of silence
            elif time.monotonic() > deadline:
                break
            continue
        deadline = None
        now = time.monotonic()
        for key, _ in events:
            i = key.data
            try:
                data = key.fileobj.recv(1 << 20)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                closed += 1
                open_count -= 1
                sel.unregister(key.fileobj)
                continue
            block = tails[i] + data
            cut = block.rfind(b"\n\n")
            tails[i] = block[cut + 2:] if cut >= 0 else block
            if cut < 0:
                continue
            for m in TITLE.findall(block[:cut]):
                n = int(m)
                if 0 <= n < records:
                    if seen[i][n]:
                        duplicates += 1
                    else:
                        seen[i][n] = 1
                        received += 1
                    if not first:
                        first = now
                    last = now
    results.put((index, received, duplicates, closed, first, last))
    for s in socks:
        s.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--aerie", default=".build/release/aerie")
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--subscribers", type=int, default=100)
    p.add_argument("--processes", type=int, default=4, help="subscriber processes")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    binary = os.path.abspath(args.aerie)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no aerie binary at {binary}")
    work = tempfile.mkdtemp(prefix="aerie-import-rt-")
    server = None
    try:
        with open(os.path.join(work, "schema.json"), "w") as f:
            f.write(SCHEMA)
        with open(os.path.join(work, "posts.ndjson"), "w") as f:
            for n in range(args.records):
                f.write(f'{{"title":"i{n}","n":{n}}}\n')
        port = free_port()
        logf = open(os.path.join(work, "server.log"), "ab")
        server = subprocess.Popen([binary, "serve", "--http", f"{HOST}:{port}", "--dir", "data", "--schema", "schema.json", "--quiet"],
                                  cwd=work, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True)
        deadline = time.time() + 30
        while True:
            try:
                if request(port, "GET", "/api/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.time() > deadline:
                sys.exit(f"aerie serve did not start; see {work}/server.log")
            time.sleep(0.05)
        ctx = multiprocessing.get_context("fork")
        ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        shares = [args.subscribers // args.processes + (1 if i < args.subscribers % args.processes else 0) for i in range(args.processes)]
        procs = [ctx.Process(target=subscriber, args=(i, port, n, args.records, ready, go, results))
                 for i, n in enumerate(shares) if n]
        for pr in procs:
            pr.start()
        for _ in procs:
            ready.get(timeout=120)
        log(f"{args.subscribers} subscribers on posts/*; importing {args.records} records")
        go.set()
        base_rss = rss_kb(server.pid)
        started = time.monotonic()
        imp = subprocess.run([binary, "records", "import", "posts", "posts.ndjson", "--dir", "data"], cwd=work,
                             capture_output=True, text=True)
        committed = time.monotonic()
        if imp.returncode != 0:
            sys.exit(f"import failed: {imp.stderr}")
        peak = base_rss
        rows = []
        while len(rows) < len(procs):
            peak = max(peak, rss_kb(server.pid))
            try:
                rows.append(results.get(timeout=0.2))
            except Exception:
                pass
        for pr in procs:
            pr.join()
        received = sum(r[1] for r in rows)
        duplicates = sum(r[2] for r in rows)
        closed = sum(r[3] for r in rows)
        firsts = [r[4] for r in rows if r[4]]
        lasts = [r[5] for r in rows if r[5]]
        expected = args.records * args.subscribers
        print(f"records {args.records}, subscribers {args.subscribers}")
        print(f"import      {committed - started:.2f} s")
        print(f"delivered   {received} / {expected} ({100.0 * received / expected:.2f} %)")
        print(f"duplicates  {duplicates}")
        print(f"closed      {closed}")
        if firsts:
            print(f"first/last  {min(firsts) - committed:.2f} s / {max(lasts) - committed:.2f} s after the import exited")
        print(f"RSS         {base_rss // 1024} MiB before, {peak // 1024} MiB peak")
        return 0 if received == expected and duplicates == 0 else 2
    finally:
        if server and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
