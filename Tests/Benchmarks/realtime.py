#!/usr/bin/env python3
# Aerie — realtime (SSE) load test: many subscribers, steady writes, delivery latency and server RSS
# SPDX-License-Identifier: MIT
"""Realtime load test of Aerie and PocketBase, side by side (loopback only, standard library only).

For each server: fresh temporary data directory, collection `rt_posts` (list/view rule
`published = true || @request.auth.id != ''`, so every event costs a rule check that reads the auth), `--records` seeded records, `--users` users of auth collection `rt_users`
(subscribers use their tokens round-robin; 0 = all guests). Then
`--subscribers` SSE clients connect (`--wildcard` of them subscribe to `rt_posts/*`, the rest to
one record each, spread evenly over the seeded records), and a writer updates records at
`--rate` writes/s for `--duration` s (record `seq % records`, title `w<seq>`). Every event
received is matched to its write:

  expected   = for each write: wildcard subscribers + subscribers of that record
  delivered  = events received (duplicates counted apart)
  latency    = arrival time - time the write request was sent (same monotonic clock)
  writer late = how far the last write finished behind schedule (the server could not keep
               the rate: writes wait for its realtime work)
  RSS        = server VmRSS before the clients connect (base, after seeding and user logins),
               after all clients subscribed (idle) and the peak during the writes

Usage:
  Tests/Benchmarks/realtime.py --aerie .build/release/aerie                 # both servers
  Tests/Benchmarks/realtime.py --aerie .build/release/aerie --only aerie --subscribers 200 --duration 5
  Tests/Benchmarks/realtime.py --aerie .build/release/aerie --subscribers 10000 --wildcard 1000 --rate 50 --duration 30

10,000 clients need 10,000+ descriptors in this process: the script raises its soft
RLIMIT_NOFILE to the hard limit and refuses to start when that is too low (`ulimit -Hn`).
Both servers raise their own limit at start.
"""

import argparse
import array
import http.client
import json
import multiprocessing
import os
import re
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
COLLECTION = "rt_posts"
HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "realtime-schema.json")
EMAIL = "bench@example.com"
PASSWORD = "bench-password-123"
TITLE = re.compile(rb'"title":"w(\d+)"')


def die(msg):
    print(f"realtime.py: {msg}", file=sys.stderr)
    sys.exit(1)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# One HTTP request, optionally on a keep-alive connection: the side-by-side harness's helper.
from bench import request  # noqa: E402  (bench.py sits next to this script)


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# ---------------------------------------------------------------- servers

class Server:
    """A server in a fresh temporary directory on a free port."""

    def __init__(self, kind, binary, keep):
        self.kind, self.binary, self.keep = kind, os.path.abspath(binary), keep
        self.dir = tempfile.mkdtemp(prefix=f"rt-{kind}-")
        self.port = free_port()
        self.proc = None
        self.token = None

    def start(self):
        logf = open(os.path.join(self.dir, "server.log"), "ab")
        if self.kind == "aerie":
            cmd = [self.binary, "serve", "--http", f"{HOST}:{self.port}", "--dir", os.path.join(self.dir, "data"),
                   "--schema", SCHEMA, "--quiet"]
        else:
            data = os.path.join(self.dir, "pb_data")
            subprocess.run([self.binary, "superuser", "upsert", EMAIL, PASSWORD, "--dir", data],
                           check=True, capture_output=True, timeout=60)
            cmd = [self.binary, "serve", "--http", f"{HOST}:{self.port}", "--dir", data,
                   "--hooksDir", os.path.join(self.dir, "pb_hooks")]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, cwd=self.dir,
                                     start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if request(self.port, "GET", "/api/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None:
                die(f"{self.kind} exited early; see {self.dir}/server.log")
            time.sleep(0.02)
        else:
            die(f"{self.kind} not healthy after 30 s")
        if self.kind == "pocketbase":
            status, body = request(self.port, "POST", "/api/collections/_superusers/auth-with-password",
                                   {"identity": EMAIL, "password": PASSWORD})
            if status != 200:
                die(f"pocketbase login failed: {status} {body}")
            self.token = body["token"]
            with open(SCHEMA) as f:
                for c in json.load(f)["collections"]:
                    status, body = request(self.port, "POST", "/api/collections", c, token=self.token)
                    if status != 200:
                        die(f"creating {c['name']} on pocketbase failed: {status} {body}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def seed(port, count):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    ids = []
    for n in range(count):
        status, body = request(port, "POST", f"/api/collections/{COLLECTION}/records",
                               {"title": f"seed {n}", "body": "x" * 200, "published": True}, conn=conn)
        if status != 200:
            die(f"seeding failed: {status} {body}")
        ids.append(body["id"])
    conn.close()
    return ids


def users(port, count):
    """Signs up and logs in `count` users of rt_users; returns their tokens."""
    tokens = []
    for n in range(count):
        email = f"user{n}@example.com"
        status, body = request(port, "POST", "/api/collections/rt_users/records",
                               {"email": email, "password": PASSWORD, "passwordConfirm": PASSWORD})
        if status != 200:
            die(f"creating user {n} failed: {status} {body}")
        status, body = request(port, "POST", "/api/collections/rt_users/auth-with-password", {"identity": email, "password": PASSWORD})
        if status != 200:
            die(f"login of user {n} failed: {status} {body}")
        tokens.append(body["token"])
    return tokens


# ---------------------------------------------------------------- subscriber processes

class Stream:
    """One SSE connection: de-chunks the body and cuts it into events."""
    __slots__ = ("sock", "raw", "body", "head_done", "client_id", "topic")

    def __init__(self, sock, topic):
        self.sock, self.topic = sock, topic
        self.raw = b""
        self.body = b""
        self.head_done = False
        self.client_id = None

    def feed(self, data):
        """Returns the complete events (as bytes) now available."""
        self.raw += data
        if not self.head_done:
            end = self.raw.find(b"\r\n\r\n")
            if end < 0:
                return []
            if not self.raw.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(self.raw[:200])
            self.raw = self.raw[end + 4:]
            self.head_done = True
        while True:  # chunked coding
            line = self.raw.find(b"\r\n")
            if line < 0:
                break
            size = int(self.raw[:line], 16)
            if size == 0:
                raise EOFError
            if len(self.raw) < line + 2 + size + 2:
                break
            self.body += self.raw[line + 2:line + 2 + size]
            self.raw = self.raw[line + 2 + size + 2:]
        events = []
        while True:
            end = self.body.find(b"\n\n")
            if end < 0:
                break
            events.append(self.body[:end])
            self.body = self.body[end + 2:]
        return events


def subscriber(index, port, topics, tokens, ready, go, done, results):
    """Connects one share of the clients, subscribes them, then records (seq, arrival) per event."""
    sel = selectors.DefaultSelector()
    streams = []
    pending = list(topics)
    connected = 0
    errors = 0
    # Connect in waves so the listen backlog never overflows.
    while pending or connected < len(streams):
        while pending and len(streams) - connected < 256:
            topic = pending.pop()
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((HOST, port))
            st = Stream(s, topic)
            streams.append(st)
            sel.register(s, selectors.EVENT_WRITE, st)
        for key, mask in sel.select(timeout=10):
            st = key.data
            if mask & selectors.EVENT_WRITE:
                st.sock.send(b"GET /api/realtime HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                sel.modify(st.sock, selectors.EVENT_READ, st)
                continue
            data = st.sock.recv(65536)
            if not data:
                errors += 1
                sel.unregister(st.sock)
                connected += 1
                continue
            for ev in st.feed(data):
                if b"event:PB_CONNECT" in ev:
                    st.client_id = ev.split(b"\n", 1)[0][3:].decode()
                    connected += 1
    # Subscribe over a few keep-alive connections.
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    for i, st in enumerate(streams):
        if st.client_id is None:
            continue
        token = tokens[i % len(tokens)] if tokens else None
        status, body = request(port, "POST", "/api/realtime", {"clientId": st.client_id, "subscriptions": [st.topic]},
                               token=token, conn=conn)
        if status != 204:
            errors += 1
    conn.close()
    live = sum(1 for st in streams if st.client_id)
    ready.put((index, live, errors))
    go.wait()
    seqs = array.array("q")
    arrivals = array.array("d")
    closed = 0
    while not done.is_set():
        for key, _ in sel.select(timeout=0.2):
            st = key.data
            try:
                data = st.sock.recv(262144)
            except OSError:
                data = b""
            now = time.monotonic()
            if not data:
                closed += 1
                sel.unregister(st.sock)
                continue
            try:
                events = st.feed(data)
            except EOFError:
                closed += 1
                sel.unregister(st.sock)
                continue
            for ev in events:
                m = TITLE.search(ev)
                if m:
                    seqs.append(int(m.group(1)))
                    arrivals.append(now)
    results.put((index, seqs.tobytes(), arrivals.tobytes(), closed))
    for st in streams:
        st.sock.close()


# ---------------------------------------------------------------- one run

def run(server, args):
    log(f"{server.kind}: starting")
    server.start()
    ids = seed(server.port, args.records)
    tokens = users(server.port, args.users)
    time.sleep(0.5)
    base_rss = rss_kb(server.proc.pid)
    singles = args.subscribers - args.wildcard
    topics = [f"{COLLECTION}/*"] * args.wildcard + [f"{COLLECTION}/{ids[i % len(ids)]}" for i in range(singles)]
    per_record = [0] * len(ids)
    for i in range(singles):
        per_record[i % len(ids)] += 1
    ctx = multiprocessing.get_context("fork")
    ready, results = ctx.Queue(), ctx.Queue()
    go, done = ctx.Event(), ctx.Event()
    shares = [topics[i::args.procs] for i in range(args.procs)]
    t0 = time.monotonic()
    procs = [ctx.Process(target=subscriber, args=(i, server.port, shares[i], tokens[i::args.procs] if len(tokens) >= args.procs else tokens,
                                                   ready, go, done, results), daemon=True)
             for i in range(args.procs)]
    for p in procs:
        p.start()
    live = errors = 0
    for _ in procs:
        _, n, e = ready.get(timeout=600)
        live += n
        errors += e
    connect_s = time.monotonic() - t0
    log(f"{server.kind}: {live} subscribers connected and subscribed in {connect_s:.1f} s ({errors} errors)")
    time.sleep(1)
    idle_rss = rss_kb(server.proc.pid)
    peak = [idle_rss]
    sampling = threading.Event()

    def sample():
        while not sampling.is_set():
            peak[0] = max(peak[0], rss_kb(server.proc.pid))
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    go.set()
    total = int(args.rate * args.duration)
    sent_at = [0.0] * total
    write_errors = []
    start = time.monotonic() + 0.2
    lock = threading.Lock()
    counter = iter(range(total))

    def writer():
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        while True:
            with lock:
                seq = next(counter, None)
            if seq is None:
                break
            due = start + seq / args.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent_at[seq] = time.monotonic()
            try:
                status, body = request(server.port, "PATCH", f"/api/collections/{COLLECTION}/records/{ids[seq % len(ids)]}",
                                       {"title": f"w{seq}"}, conn=conn)
            except (OSError, http.client.HTTPException) as e:
                status, body = 0, str(e)
                conn.close()
                conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
            if status != 200:
                write_errors.append(f"{status} {body}")
        conn.close()

    writers = [threading.Thread(target=writer) for _ in range(args.writers)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    late = time.monotonic() - (start + total / args.rate)
    time.sleep(args.drain)
    done.set()
    sampling.set()
    seqs, arrivals, closed = array.array("q"), array.array("d"), 0
    for _ in procs:
        _, s, a, c = results.get(timeout=120)
        seqs.frombytes(s)
        arrivals.frombytes(a)
        closed += c
    for p in procs:
        p.join(timeout=30)
    expected = sum(args.wildcard + per_record[seq % len(ids)] for seq in range(total))
    latencies = sorted((a - sent_at[s]) * 1000.0 for s, a in zip(seqs, arrivals) if 0 <= s < total and sent_at[s] > 0)
    server.stop()

    def pct(p):
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p / 100.0 * len(latencies)))]

    out = {
        "server": server.kind, "subscribers": args.subscribers, "live": live, "wildcard": args.wildcard,
        "records": args.records, "users": args.users, "rate": args.rate, "duration": args.duration, "writes": total,
        "write_errors": len(write_errors), "writer_late_s": round(max(0.0, late), 2),
        "expected": expected, "delivered": len(seqs), "closed_by_server": closed,
        "p50_ms": round(pct(50), 2), "p99_ms": round(pct(99), 2), "max_ms": round(latencies[-1], 2) if latencies else None,
        "base_rss_mb": round(base_rss / 1024, 1), "idle_rss_mb": round(idle_rss / 1024, 1), "peak_rss_mb": round(peak[0] / 1024, 1), "connect_s": round(connect_s, 1),
    }
    if write_errors:
        log(f"{server.kind}: first write error: {write_errors[0]}")
    log(f"{server.kind}: " + json.dumps(out))
    return out


def report(rows):
    cols = [("server", "server", "{}"), ("subscribers", "live", "{}"), ("writes", "writes", "{}"),
            ("expected", "expected", "{}"), ("delivered", "delivered", "{}"), ("p50 ms", "p50_ms", "{:.1f}"),
            ("p99 ms", "p99_ms", "{:.1f}"), ("base RSS MB", "base_rss_mb", "{:.1f}"), ("idle RSS MB", "idle_rss_mb", "{:.1f}"), ("peak RSS MB", "peak_rss_mb", "{:.1f}"),
            ("write errors", "write_errors", "{}"), ("writer late s", "writer_late_s", "{:.1f}"),
            ("dropped conns", "closed_by_server", "{}")]
    print("| " + " | ".join(c[0] for c in cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(fmt.format(r[key]) for _, key, fmt in cols) + " |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--aerie", help="Aerie binary (build with swift build -c release)")
    p.add_argument("--pocketbase", default=shutil.which("pocketbase"), help="PocketBase binary (default: from PATH)")
    p.add_argument("--only", choices=["aerie", "pocketbase"], help="run one server only")
    p.add_argument("--subscribers", type=int, default=200)
    p.add_argument("--wildcard", type=int, default=None, help="subscribers on rt_posts/* (default: 10%% of --subscribers)")
    p.add_argument("--records", type=int, default=100, help="seeded records the single-record subscribers spread over")
    p.add_argument("--users", type=int, default=0, help="distinct authenticated subscribers (0 = guests)")
    p.add_argument("--rate", type=float, default=10.0, help="writes per second")
    p.add_argument("--duration", type=float, default=5.0, help="seconds of writes")
    p.add_argument("--drain", type=float, default=3.0, help="seconds to wait for late events after the last write")
    p.add_argument("--procs", type=int, default=2, help="subscriber processes")
    p.add_argument("--writers", type=int, default=4, help="writer threads (keep-alive connections)")
    p.add_argument("--json", help="append one JSON line per server to this file")
    p.add_argument("--keep", action="store_true", help="keep the temporary data directories")
    args = p.parse_args()
    if args.wildcard is None:
        args.wildcard = args.subscribers // 10
    if not (0 <= args.wildcard <= args.subscribers) or args.records < 1 or args.rate <= 0 or args.procs < 1:
        die("check --subscribers/--wildcard/--records/--rate/--procs")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.subscribers + 256
    if soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            die(f"need {need} file descriptors but the hard limit is {hard} (raise it: ulimit -Hn / limits.conf)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need if hard == resource.RLIM_INFINITY else hard, hard))
    kinds = [k for k in ("pocketbase", "aerie") if args.only in (None, k)]
    if "aerie" in kinds and not args.aerie:
        if args.only == "aerie":
            die("--aerie PATH is required")
        kinds.remove("aerie")
    if "pocketbase" in kinds and not args.pocketbase:
        die("pocketbase binary not found (--pocketbase PATH)")
    rows = []
    for kind in kinds:
        server = Server(kind, args.aerie if kind == "aerie" else args.pocketbase, args.keep)
        try:
            rows.append(run(server, args))
        finally:
            server.stop()
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps(rows[-1]) + "\n")
    report(rows)
    if len(rows) == 2 and rows[0]["peak_rss_mb"] and rows[1]["peak_rss_mb"]:
        print(f"\nAerie peak RSS / PocketBase peak RSS = {rows[1]['peak_rss_mb'] / rows[0]['peak_rss_mb']:.2f}")
    return 0 if all(r["delivered"] == r["expected"] for r in rows) else 2


if __name__ == "__main__":
    sys.exit(main())
