#!/usr/bin/env python3
# Aerie — benchmark helper: server start-up timing, collection setup, seeding, counts and the report
# SPDX-License-Identifier: MIT
"""Helper subcommands for run.sh. Standard library only; loopback only.

Every network call has a timeout, so no subcommand can hang run.sh.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"


def die(msg):
    print(f"bench.py: {msg}", file=sys.stderr)
    sys.exit(1)


def request(port, method, path, body=None, token=None, timeout=30.0, conn=None):
    """One HTTP request, on `conn` when given (keep-alive) or else on a fresh connection;
    returns (status, parsed JSON or raw text)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = token
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, raw.decode(errors="replace")
    finally:
        if own:
            conn.close()


# ---------------------------------------------------------------- freeport

def cmd_freeport(_args):
    # The kernel picks an unused loopback port; the tiny window before the server binds it is
    # acceptable for a benchmark (start fails loudly if someone steals it).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        print(s.getsockname()[1])


# ---------------------------------------------------------------- start

def health_ok(port):
    """True when GET /api/health answers 200. Raw socket keeps one probe well under a millisecond."""
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as s:
            s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            head = b""
            while b"\r\n" not in head:
                chunk = s.recv(256)
                if not chunk:
                    return False
                head += chunk
            return head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200")
    except OSError:
        return False


def cmd_start(args):
    """Spawns the server detached, polls /api/health every ~1 ms, prints 'PID STARTUP_MS'."""
    if health_ok(args.port):
        die(f"port {args.port} already answers /api/health; refusing to measure someone else's server")
    log = open(args.log, "ab")
    t0 = time.monotonic()
    proc = subprocess.Popen(args.command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            start_new_session=True, cwd=args.cwd)
    deadline = t0 + args.timeout
    while True:
        if health_ok(args.port):
            ms = (time.monotonic() - t0) * 1000.0
            print(f"{proc.pid} {ms:.1f}")
            return
        if proc.poll() is not None:
            die(f"server exited with status {proc.returncode} before becoming healthy; see {args.log}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            die(f"server not healthy after {args.timeout}s; see {args.log}")
        time.sleep(0.001)


# ---------------------------------------------------------------- login / collection

def cmd_login(args):
    status, body = request(args.port, "POST", "/api/collections/_superusers/auth-with-password",
                           {"identity": args.email, "password": args.password})
    if status != 200 or not isinstance(body, dict) or not body.get("token") or "record" not in body:
        die(f"superuser login failed: {status} {body}")
    print(body["token"])


def cmd_create_collection(args):
    """Creates `posts` on PocketBase from the same schema file Aerie reads.

    PocketBase's collections API does not add created/updated, so they are appended explicitly
    (Aerie adds them automatically), making both tables carry the same columns.
    """
    with open(args.schema) as f:
        schema = json.load(f)
    payloads = []
    for coll in schema["collections"]:
        c = dict(coll)
        names = {fld["name"] for fld in c.get("fields", [])}
        fields = list(c.get("fields", []))
        if "created" not in names:
            fields.append({"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False})
        if "updated" not in names:
            fields.append({"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True})
        c["fields"] = fields
        payloads.append(c)
    ids = {}
    for c in payloads:
        for fld in c["fields"]:
            if fld.get("type") == "relation" and "collection" in fld:
                # Relations name their target collection; PocketBase wants its id.
                fld["collectionId"] = ids[fld.pop("collection")]
        status, body = request(args.port, "POST", "/api/collections", c, token=args.token)
        if status != 200:
            die(f"creating collection {c['name']} failed: {status} {json.dumps(body)}")
        ids[c["name"]] = body["id"]


# ---------------------------------------------------------------- seed

AUTHORS = 50


def author_id(k):
    """The fixed id of author k (1-based): 15 characters, the same on both servers."""
    return f"author{k:09d}"


def author_for(k):
    return {"id": author_id(k), "name": f"Author {k}", "bio": f"Writes about topic {k % 7}. " * 4}


def record_for(n):
    """Deterministic record n (1-based); identical on both servers."""
    tags = [t for bit, t in ((1, "a"), (2, "b"), (4, "c")) if n % 8 & bit]
    return {
        "title": f"post {n}",
        "body": f"<p>Body of post {n}. " + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 3
                + f"</p><p>Section {n % 97}.</p>",
        "views": n * 37 % 10007,
        "published": n % 3 != 0,
        "tags": tags,
        "meta": {"n": n, "group": f"g{n % 10}", "score": (n * 7919) % 1000 / 10.0},
        "author": author_id(n % AUTHORS + 1),
    }


def cmd_seed(args):
    """Creates the authors, then records 1..count with `concurrency` keep-alive connections; writes the new ids."""
    for k in range(1, AUTHORS + 1):
        status, body = request(args.port, "POST", "/api/collections/authors/records", author_for(k))
        if status != 200:
            die(f"seeding author {k} failed: {status} {json.dumps(body)[:300]}")
    path = f"/api/collections/{args.collection}/records"
    ids = [None] * args.count
    errors = []
    next_n = iter(range(1, args.count + 1))
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(HOST, args.port, timeout=30)
        try:
            while True:
                with lock:
                    if errors:
                        return
                    n = next(next_n, None)
                if n is None:
                    return
                data = json.dumps(record_for(n)).encode()
                for attempt in range(3):
                    try:
                        conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
                        resp = conn.getresponse()
                        raw = resp.read()
                        break
                    except (OSError, http.client.HTTPException):
                        conn.close()
                        conn = http.client.HTTPConnection(HOST, args.port, timeout=30)
                        if attempt == 2:
                            raise
                if resp.status != 200:
                    with lock:
                        errors.append(f"record {n}: {resp.status} {raw[:300]!r}")
                    return
                ids[n - 1] = json.loads(raw)["id"]
        except Exception as e:  # noqa: BLE001 - any failure aborts seeding with a message
            with lock:
                errors.append(f"{type(e).__name__}: {e}")
        finally:
            conn.close()

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        for _ in range(args.concurrency):
            pool.submit(worker)
    if errors:
        die("seeding failed: " + errors[0])
    with open(args.ids_out, "w") as f:
        f.write("\n".join(ids) + "\n")
    print(f"seeded {args.count} records in {time.monotonic() - t0:.1f}s", file=sys.stderr)


def cmd_count(args):
    status, body = request(args.port, "GET", f"/api/collections/{args.collection}/records?perPage=1")
    if status != 200 or not isinstance(body, dict) or "totalItems" not in body:
        die(f"count failed: {status} {body}")
    for key in ("items", "page", "perPage", "totalItems", "totalPages"):
        if key not in body:
            die(f"list envelope lacks {key}: {body}")
    print(body["totalItems"])


# ---------------------------------------------------------------- rss

def read_status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cmd_rss(args):
    print(read_status_kb(args.pid, "VmRSS"))


def cmd_sample(args):
    """Polls VmRSS every interval until `stop_file` exists; prints the max in kB.

    VmHWM is reset first (writing 5 to clear_refs, allowed for our own processes) and read at the
    end too, so a spike shorter than the polling interval is not missed.
    """
    hwm_reset = False
    try:
        with open(f"/proc/{args.pid}/clear_refs", "w") as f:
            f.write("5")
        hwm_reset = True
    except OSError:
        pass
    peak = 0
    while not os.path.exists(args.stop_file):
        try:
            peak = max(peak, read_status_kb(args.pid, "VmRSS"))
        except OSError:
            break
        time.sleep(args.interval)
    if hwm_reset:
        try:
            peak = max(peak, read_status_kb(args.pid, "VmHWM"))
        except OSError:
            pass
    print(peak)


# ---------------------------------------------------------------- wrk output

def parse_wrk(path):
    """Reads the BENCH line printed by the lua done() hook; falls back to wrk's own text."""
    text = open(path, errors="replace").read()
    res = {}
    for line in text.splitlines():
        if line.startswith("BENCH "):
            for kv in line.split()[1:]:
                k, _, v = kv.partition("=")
                res[k] = float(v)
    if res:
        return res
    # Fallback: wrk --latency text ("Requests/sec:", "50%", "99%", "Non-2xx or 3xx responses:").
    def to_us(s):
        for unit, mul in (("us", 1), ("ms", 1000), ("s", 1_000_000)):
            if s.endswith(unit):
                return float(s[: -len(unit)]) * mul
        return float(s)
    for line in text.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            res["rps"] = float(parts[1])
        elif parts[:1] == ["50%"]:
            res["p50_us"] = to_us(parts[1])
        elif parts[:1] == ["99%"]:
            res["p99_us"] = to_us(parts[1])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            res["status_errors"] = float(parts[-1])
        elif "requests in" in line:
            res["requests"] = float(parts[0])
    return res


def cmd_wrk(args):
    """Prints 'requests rps p50_us p99_us status_errors socket_errors' for one wrk log."""
    r = parse_wrk(args.file)
    if "rps" not in r:
        die(f"cannot parse wrk output {args.file}")
    sock = sum(r.get(k, 0) for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    print(int(r.get("requests", 0)), f"{r['rps']:.1f}", int(r.get("p50_us", 0)), int(r.get("p99_us", 0)),
          int(r.get("status_errors", 0)), int(sock))


# ---------------------------------------------------------------- report

def fmt_ms(us):
    return f"{us / 1000:.2f}"


def fmt_mb(kb):
    return f"{kb / 1024:.1f} MiB"


def aggregate(rounds):
    """Medians over rounds for speed and latency; errors summed; valid only if every round was."""
    checks = [r["count_check"] for r in rounds if r.get("count_check")]
    agg = {
        "rps": statistics.median(r["rps"] for r in rounds),
        "p50_us": statistics.median(r["p50_us"] for r in rounds),
        "p99_us": statistics.median(r["p99_us"] for r in rounds),
        "status_errors": sum(r["status_errors"] for r in rounds),
        "socket_errors": sum(r["socket_errors"] for r in rounds),
        "peak_rss_kb": max(r["peak_rss_kb"] for r in rounds),
        "valid": all(r.get("valid", True) for r in rounds),
        "count_check": "; ".join(checks),
        "rounds": len(rounds),
        "rps_min": min(r["rps"] for r in rounds),
        "rps_max": max(r["rps"] for r in rounds),
    }
    return agg


def cmd_report(args):
    """Turns results.json (written by run.sh, one object per line) into the Markdown report."""
    meta, runs, servers = {}, {}, {}
    with open(args.results) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            o = json.loads(line)
            kind = o.pop("kind")
            if kind == "meta":
                meta.update(o)
            elif kind == "server":
                servers.setdefault(o["server"], {}).update(o)
            elif kind == "run":
                runs.setdefault(o["scenario"], {}).setdefault(o["server"], []).append(o)
    runs = {scen: {srv: aggregate(rs) for srv, rs in by.items()} for scen, by in runs.items()}
    have_aerie = "aerie" in servers
    out = []
    out.append(f"# Aerie vs PocketBase benchmark ({meta.get('date', '')})")
    out.append("")
    out.append(f"wrk {meta.get('threads')} threads, {meta.get('connections')} connections, "
               f"{meta.get('duration')} s per run (after a {meta.get('warmup')} s warm-up), "
               f"{meta.get('rounds', 1)} round(s) per scenario (median shown), "
               f"{meta.get('seed')} seeded records" + ("; server on CPU 0, wrk on CPU 1" if meta.get("pinned") else "")
               + f"; machine: {meta.get('machine', '')}.")
    pb = servers.get("pocketbase", {})
    out.append(f"PocketBase {pb.get('version', '?')}" +
               (f"; Aerie `{servers['aerie'].get('version', '?')}`" if have_aerie else "; Aerie not run") + ".")
    out.append("")
    out.append("| scenario | PocketBase req/s | Aerie req/s | ratio | PB p50/p99 ms | Aerie p50/p99 ms | notes |")
    out.append("|---|---:|---:|---:|---:|---:|---|")

    def cell(r):
        if r is None:
            return "—", "—"
        rps = f"{r['rps']:.0f}"
        if not r.get("valid", True):
            rps = f"~~{rps}~~ invalid"
        return rps, f"{fmt_ms(r['p50_us'])} / {fmt_ms(r['p99_us'])}"

    for scen in meta.get("scenarios", []):
        if scen not in runs:
            continue
        a, b = runs[scen].get("pocketbase"), runs[scen].get("aerie")
        ra, la = cell(a)
        rb, lb = cell(b)
        ratio = "—"
        if a and b and a["rps"] > 0 and a.get("valid", True) and b.get("valid", True):
            ratio = f"{b['rps'] / a['rps']:.2f}×"
        notes = []
        for name, r in (("PB", a), ("Aerie", b)):
            if r is None:
                continue
            if r.get("status_errors"):
                notes.append(f"{name}: {r['status_errors']} non-2xx")
            if r.get("socket_errors"):
                notes.append(f"{name}: {r['socket_errors']} socket errors")
            if r.get("count_check"):
                notes.append(f"{name}: {r['count_check']}")
            if r["rounds"] > 1:
                notes.append(f"{name} req/s range {r['rps_min']:.0f}–{r['rps_max']:.0f} over {r['rounds']} rounds")
        out.append(f"| {scen} | {ra} | {rb} | {ratio} | {la} | {lb} | {'; '.join(notes)} |")

    def srow(label, key, fmt, lower_better=True):
        va, vb = pb.get(key), servers.get("aerie", {}).get(key)
        ratio = "—"
        if va and vb:
            ratio = f"{vb / va:.2f}×"
        out.append(f"| {label} | {fmt(va) if va is not None else '—'} | {fmt(vb) if vb is not None else '—'} "
                   f"| {ratio} | | | |")

    srow("idle RSS after seeding", "idle_rss_kb", fmt_mb)
    srow("peak RSS during runs", "peak_rss_kb", fmt_mb)
    srow("start-up to first /api/health 200 (median)", "startup_ms", lambda v: f"{v:.1f} ms")
    out.append("")
    out.append("Ratios are Aerie / PocketBase (req/s: higher is better for Aerie; RSS and start-up: lower is better).")
    out.append("")
    out.append("Peak RSS per scenario (MiB): " + ", ".join(
        f"{scen} PB {runs[scen]['pocketbase']['peak_rss_kb'] / 1024:.0f}" +
        (f" / Aerie {runs[scen]['aerie']['peak_rss_kb'] / 1024:.0f}" if 'aerie' in runs[scen] else "")
        for scen in meta.get("scenarios", []) if scen in runs and "pocketbase" in runs[scen]) + ".")
    starts = "; ".join(f"{name} {', '.join(f'{x:.1f}' for x in s.get('startup_all_ms', []))} ms"
                       for name, s in servers.items())
    out.append(f"Start-up samples: {starts}.")
    text = "\n".join(out) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


def cmd_jsonl(args):
    """Appends one JSON object built from KEY=VALUE pairs (numbers, true/false, else strings)."""
    obj = {}
    for kv in args.pairs:
        k, _, v = kv.partition("=")
        if k in ("version", "date", "machine", "server", "scenario", "count_check"):
            obj[k] = v
        elif v in ("true", "false"):
            obj[k] = v == "true"
        elif k.endswith("_all_ms"):
            obj[k] = [float(x) for x in v.split(",") if x]
        elif k == "scenarios":
            obj[k] = [x for x in v.split(",") if x]
        else:
            try:
                obj[k] = int(v)
            except ValueError:
                try:
                    obj[k] = float(v)
                except ValueError:
                    obj[k] = v
    with open(args.file, "a") as f:
        f.write(json.dumps(obj) + "\n")


def cmd_median(args):
    print(f"{statistics.median(float(x) for x in args.values):.1f}")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="sub", required=True)
    sub.add_parser("freeport").set_defaults(fn=cmd_freeport)

    s = sub.add_parser("start")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--cwd", default=None)
    s.add_argument("--timeout", type=float, default=60)
    s.add_argument("command", nargs=argparse.REMAINDER)
    s.set_defaults(fn=cmd_start)

    s = sub.add_parser("login")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--email", required=True)
    s.add_argument("--password", required=True)
    s.set_defaults(fn=cmd_login)

    s = sub.add_parser("create-collection")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--token", required=True)
    s.add_argument("--schema", required=True)
    s.set_defaults(fn=cmd_create_collection)

    s = sub.add_parser("seed")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--count", type=int, default=10000)
    s.add_argument("--concurrency", type=int, default=8)
    s.add_argument("--collection", default="posts")
    s.add_argument("--ids-out", required=True)
    s.set_defaults(fn=cmd_seed)

    s = sub.add_parser("count")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--collection", default="posts")
    s.set_defaults(fn=cmd_count)

    s = sub.add_parser("rss")
    s.add_argument("--pid", type=int, required=True)
    s.set_defaults(fn=cmd_rss)

    s = sub.add_parser("sample")
    s.add_argument("--pid", type=int, required=True)
    s.add_argument("--stop-file", required=True)
    s.add_argument("--interval", type=float, default=0.1)
    s.set_defaults(fn=cmd_sample)

    s = sub.add_parser("wrk")
    s.add_argument("file")
    s.set_defaults(fn=cmd_wrk)

    s = sub.add_parser("report")
    s.add_argument("--results", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_report)

    s = sub.add_parser("jsonl")
    s.add_argument("file")
    s.add_argument("pairs", nargs="+")
    s.set_defaults(fn=cmd_jsonl)

    s = sub.add_parser("median")
    s.add_argument("values", nargs="+")
    s.set_defaults(fn=cmd_median)

    args = p.parse_args()
    if getattr(args, "command", None) and args.command[:1] == ["--"]:
        args.command = args.command[1:]
    args.fn(args)


if __name__ == "__main__":
    main()
