#!/usr/bin/env python3
# Aerie — side-by-side upload/download throughput of Aerie and PocketBase (wrk, loopback only)
# SPDX-License-Identifier: MIT
"""Upload and download throughput, Aerie beside PocketBase.

For each server: a fresh data directory, collection `blobs` (text `title`, file `data` with a
1 GiB maxSize; Aerie reads files-schema.json, PocketBase gets it through POST /api/collections),
then two wrk runs:

  download  GET /api/files/blobs/{id}/{name} of one stored file of --size bytes
  upload    POST /api/collections/blobs/records, multipart with one --size byte file (a new record
            and a new stored file per request)

Reported: requests/s, MB/s of file payload, p50/p99 latency, and the server's peak RSS (VmHWM).
Results go to results/files.jsonl and a markdown table on stdout.

  python3 Tests/Benchmarks/files.py --aerie .build/release/aerie --size 1048576 --duration 10
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (shared helpers: free ports, start/health, login, collection creation, wrk parsing)

EMAIL = "bench@example.com"
PASSWORD = "bench-password-123"
SCHEMA = os.path.join(HERE, "files-schema.json")


def upload_one(port, size):
    boundary = "files-py-boundary"
    data = bytes((i * 31) & 0xFF for i in range(size))
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"one.bin\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection(bench.HOST, port, timeout=120)
    conn.request("POST", "/api/collections/blobs/records", body=body,
                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    if resp.status != 200:
        bench.die(f"seed upload failed: {resp.status} {raw[:300]!r}")
    rec = json.loads(raw)
    # Check the round trip once before measuring.
    conn = http.client.HTTPConnection(bench.HOST, port, timeout=120)
    path = f"/api/files/blobs/{rec['id']}/{rec['data']}"
    conn.request("GET", path)
    got = conn.getresponse().read()
    conn.close()
    if got != data:
        bench.die(f"download of {path} does not match the upload ({len(got)} bytes back)")
    return path


def peak_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_wrk(args, port, script, extra, log):
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
           "--timeout", "30s", "-s", os.path.join(HERE, script), f"http://{bench.HOST}:{port}", "--", *extra]
    with open(log, "w") as out:
        subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
    r = bench.parse_wrk(log)
    if "rps" not in r:
        bench.die(f"cannot parse wrk output {log}")
    return r


def measure(name, command, args, work):
    base = os.path.join(work, name)
    os.makedirs(base)
    port = int(subprocess.check_output([sys.executable, os.path.join(HERE, "bench.py"), "freeport"]).decode())
    if name == "pocketbase":
        subprocess.run([args.pocketbase, "superuser", "upsert", EMAIL, PASSWORD, "--dir", f"{base}/pb_data"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cmd = [args.pocketbase, "serve", "--http", f"127.0.0.1:{port}", "--dir", f"{base}/pb_data",
               "--hooksDir", f"{base}/pb_hooks", "--migrationsDir", f"{base}/pb_migrations", "--publicDir", f"{base}/pb_public"]
    else:
        cmd = [command, "serve", "--http", f"127.0.0.1:{port}", "--dir", f"{base}/data", "--schema", SCHEMA, "--quiet"]
    out = subprocess.check_output([sys.executable, os.path.join(HERE, "bench.py"), "start", "--port", str(port),
                                   "--log", f"{base}/server.log", "--cwd", base, "--", *cmd]).decode().split()
    pid = int(out[0])
    try:
        if name == "pocketbase":
            status, body = bench.request(port, "POST", "/api/collections/_superusers/auth-with-password",
                                         {"identity": EMAIL, "password": PASSWORD})
            if status != 200:
                bench.die(f"pocketbase login failed: {status} {body}")
            with open(SCHEMA) as f:
                for c in json.load(f)["collections"]:
                    status, body = bench.request(port, "POST", "/api/collections", c, token=body["token"])
                    if status != 200:
                        bench.die(f"creating blobs on pocketbase failed: {status} {body}")
        path = upload_one(port, args.size)
        results = {}
        for scenario, script, extra in (("download", "download.lua", [path]), ("upload", "upload.lua", [str(args.size)])):
            r = run_wrk(args, port, script, extra, f"{base}/{scenario}.wrk.txt")
            mbps = r["rps"] * args.size / 1e6
            results[scenario] = {"rps": r["rps"], "mb_s": mbps, "p50_us": r.get("p50_us", 0), "p99_us": r.get("p99_us", 0),
                                 "errors": r.get("status_errors", 0) + r.get("connect_errors", 0) + r.get("read_errors", 0)
                                 + r.get("write_errors", 0) + r.get("timeouts", 0)}
        results["peak_rss_mb"] = peak_rss_kb(pid) / 1024
        return results
    finally:
        try:
            os.kill(pid, 15)
            for _ in range(100):
                if subprocess.run(["kill", "-0", str(pid)], stderr=subprocess.DEVNULL).returncode != 0:
                    break
                time.sleep(0.1)
        except ProcessLookupError:
            pass


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--aerie", help="Aerie binary (release build); without it only PocketBase runs")
    p.add_argument("--pocketbase", default=shutil.which("pocketbase"), help="PocketBase binary")
    p.add_argument("--size", type=int, default=1 << 20, help="file size in bytes (default 1 MiB)")
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--keep", action="store_true", help="keep the temporary data directories")
    args = p.parse_args()
    if not args.pocketbase:
        bench.die("pocketbase binary not found (pass --pocketbase)")
    if not shutil.which("wrk"):
        bench.die("wrk not found (apt-get install wrk)")
    work = tempfile.mkdtemp(prefix="aerie-files-bench.")
    servers = [("pocketbase", args.pocketbase)] + ([("aerie", os.path.abspath(args.aerie))] if args.aerie else [])
    rows = {}
    try:
        for name, command in servers:
            print(f"[files] {name}: {args.size} B files, {args.duration}s per run, {args.connections} connections", file=sys.stderr)
            rows[name] = measure(name, command, args, work)
    finally:
        if args.keep:
            print(f"[files] kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "files.jsonl"), "w") as f:
        for name, r in rows.items():
            f.write(json.dumps({"server": name, "size": args.size, "duration": args.duration,
                                "connections": args.connections, **r}) + "\n")
    print(f"| server | scenario | req/s | MB/s | p50 ms | p99 ms | errors | peak RSS MiB |")
    print(f"|---|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        for scenario in ("upload", "download"):
            s = r[scenario]
            print(f"| {name} | {scenario} {args.size} B | {s['rps']:.0f} | {s['mb_s']:.1f} | {s['p50_us'] / 1000:.2f} | "
                  f"{s['p99_us'] / 1000:.2f} | {int(s['errors'])} | {r['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
