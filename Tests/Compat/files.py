#!/usr/bin/env python3
# Aerie — differential check of file uploads and downloads: Aerie against PocketBase
# SPDX-License-Identifier: MIT
"""Sends the same file requests (multipart creates and updates with modifiers, validation
failures, downloads with ranges and conditionals, protected files and file tokens) to PocketBase
and to Aerie, and compares status, error codes and messages, the shape of file field values and
the download headers and bytes. Stored names are random on both sides, so their 10-character
random parts are masked before comparing (`my_photo_1_j8f4jbqwbh.PNG` → `my_photo_1_R.PNG`).

  python3 Tests/Compat/files.py [--aerie .build/debug/aerie] [--verbose]
"""
import argparse
import json
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compat  # noqa: E402  (shared HTTP and process helpers)

SCHEMA_PATH = os.path.join(HERE, "files-schema.json")
DOCS = "/api/collections/docs/records"
TEXT = b"hello world\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"0123456789"
PDF = b"%PDF-1.4 minimal"
COMPARED_HEADERS = ["content-type", "content-length", "content-disposition", "content-range", "cache-control",
                    "content-security-policy", "accept-ranges", "x-frame-options"]


def mask(value):
    """Masks the random parts of stored names inside any JSON value or string."""
    if isinstance(value, str):
        return re.sub(r"[a-z0-9]{10}(?=[._\"]|$)", "R", value)
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    return value


def multipart(parts):
    """parts: (name, value) text parts or (name, filename, bytes) file parts."""
    boundary = "filescompatboundary42"
    out = b""
    for p in parts:
        if len(p) == 2:
            out += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{p[0]}\"\r\n\r\n{p[1]}\r\n".encode()
        else:
            out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{p[0]}\"; filename=\"{p[1]}\"\r\n"
                    f"Content-Type: application/octet-stream\r\n\r\n").encode() + p[2] + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Side:
    """One server plus what the steps learned on it (record ids, stored names, tokens)."""

    def __init__(self, server):
        self.server = server
        self.vars = {}

    def fill(self, text):
        return re.sub(r"\{(\w+)\}", lambda m: self.vars.get(m.group(1), "missing"), text)

    def send(self, step):
        headers = {self.fill(k): self.fill(v) for k, v in step.get("headers", {}).items()}
        body = None
        if "parts" in step:
            parts = [tuple(self.fill(x) if isinstance(x, str) else x for x in p) for p in step["parts"]]
            body, headers["Content-Type"] = multipart(parts)
        elif "json" in step:
            body = self.fill(json.dumps(step["json"])).encode()
            headers["Content-Type"] = "application/json"
        if step.get("auth") == "superuser":
            headers["Authorization"] = self.server.token
        r = compat.http_request(self.server.port, step["method"], self.fill(step["path"]), body, headers)
        for var, path in step.get("save", {}).items():
            value = r.body
            for key in path:
                value = value[key] if isinstance(value, (dict, list)) and value is not None else None
            if isinstance(value, str):
                self.vars[var] = value
        return r


def steps():
    s = []
    def add(name, method, path, **kw):
        s.append(dict(name=name, method=method, path=path, **kw))
    add("create with files", "POST", DOCS, parts=[("title", "hi"), ("one", "a.txt", TEXT), ("many", "p.png", PNG),
                                                   ("many", "My Photo (1).PNG", TEXT)],
        save={"id": ["id"], "one": ["one"], "png": ["many", 0], "photo": ["many", 1]})
    add("too large", "POST", DOCS, parts=[("one", "big.bin", b"x" * 101)])
    add("wrong type", "POST", DOCS, parts=[("many", "d.pdf", PDF)])
    add("too many", "POST", DOCS, parts=[("many", f"f{i}.txt", TEXT) for i in range(4)])
    add("unknown name (json)", "POST", DOCS, json={"one": "zzz.txt"})
    add("unknown name (multipart)", "POST", DOCS, parts=[("one", "zzz.txt")])
    add("single field keeps the last upload", "POST", DOCS, parts=[("one", "a.txt", TEXT), ("one", "b.png", PNG)])
    add("upload under a text field is ignored", "POST", DOCS, parts=[("title", "kept"), ("title", "a.txt", TEXT)])
    add("jsonPayload", "POST", DOCS, parts=[("@jsonPayload", '{"title":"from json"}'), ("one", "a.txt", TEXT)])
    add("no extension: sniffed", "POST", DOCS, parts=[("req", "noext", PNG)])
    add("append", "PATCH", DOCS + "/{id}", parts=[("many+", "added.txt", TEXT)], save={"added": ["many", 2]})
    add("prepend over maxSelect", "PATCH", DOCS + "/{id}", parts=[("+many", "pre.txt", TEXT)])
    add("replace keeping a listed name", "PATCH", DOCS + "/{id}", parts=[("many", "{png}"), ("many", "rep.txt", TEXT)])
    add("remove", "PATCH", DOCS + "/{id}", json={"many-": "{png}"})
    add("clear", "PATCH", DOCS + "/{id}", json={"one": ""})
    add("replace all", "PATCH", DOCS + "/{id}", parts=[("many", "solo.txt", TEXT), ("one", "one.txt", TEXT)],
        save={"solo": ["many", 0], "one2": ["one"]})
    add("download", "GET", "/api/files/docs/{id}/{solo}")
    add("download by collection id", "GET", "/api/files/docs/{id}/{one2}")
    add("download range", "GET", "/api/files/docs/{id}/{solo}", headers={"Range": "bytes=2-5"})
    add("download suffix range", "GET", "/api/files/docs/{id}/{solo}", headers={"Range": "bytes=-3"})
    add("download range outside", "GET", "/api/files/docs/{id}/{solo}", headers={"Range": "bytes=50-60"})
    add("download if-modified-since", "GET", "/api/files/docs/{id}/{solo}",
        headers={"If-Modified-Since": "Sun, 06 Nov 2050 08:49:37 GMT"})
    add("download old if-modified-since", "GET", "/api/files/docs/{id}/{solo}",
        headers={"If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"})
    add("download=1", "GET", "/api/files/docs/{id}/{solo}?download=1")
    add("removed file is gone", "GET", "/api/files/docs/{id}/{png}")
    add("unknown file", "GET", "/api/files/docs/{id}/nope.txt")
    add("unknown record", "GET", "/api/files/docs/aaaaaaaaaaaaaaa/{solo}")
    add("unknown collection", "GET", "/api/files/nope/{id}/{solo}")
    add("image inline", "POST", DOCS, parts=[("req", "img.png", PNG)], save={"img_id": ["id"], "img": ["req"]})
    add("image download inline", "GET", "/api/files/docs/{img_id}/{img}")
    add("image thumb", "GET", "/api/files/docs/{img_id}/{img}?thumb=100x100")
    add("protected create", "POST", "/api/collections/private/records", parts=[("doc", "s.txt", TEXT)],
        save={"pid": ["id"], "pdoc": ["doc"]})
    add("protected without token", "GET", "/api/files/private/{pid}/{pdoc}")
    add("protected with an auth header", "GET", "/api/files/private/{pid}/{pdoc}", auth="superuser")
    add("file token as guest", "POST", "/api/files/token")
    add("file token", "POST", "/api/files/token", auth="superuser", save={"ft": ["token"]})
    add("protected with token", "GET", "/api/files/private/{pid}/{pdoc}?token={ft}")
    add("protected with a bad token", "GET", "/api/files/private/{pid}/{pdoc}?token=garbage")
    add("delete record", "DELETE", DOCS + "/{id}")
    add("files of a deleted record", "GET", "/api/files/docs/{id}/{solo}")
    return s


def compare(step, pb, ae):
    problems = []
    if pb.status != ae.status:
        problems.append(f"status: pocketbase {pb.status} != aerie {ae.status}")
    if pb.is_json and ae.is_json:
        a, b = mask(pb.body), mask(ae.body)
        if isinstance(a, dict) and "status" in a and "message" in a:
            if a != b:
                problems.append(f"envelope: pocketbase {json.dumps(a)} != aerie {json.dumps(b)}")
        elif isinstance(a, dict):
            for key in ["title", "one", "many", "req", "doc"]:
                if key in a and a.get(key) != b.get(key):
                    problems.append(f"{key}: pocketbase {a.get(key)!r} != aerie {b.get(key)!r}")
            if "token" in a and (not isinstance(b.get("token"), str) or b["token"].count(".") != 2):
                problems.append("token: aerie did not answer a JWT")
    elif step["method"] == "GET" and pb.status in (200, 206):
        if pb.raw != ae.raw:
            problems.append(f"body: {len(pb.raw)} bytes from pocketbase, {len(ae.raw)} from aerie")
    if step["method"] == "GET" and "/api/files/" in step["path"] and pb.status != 404:
        for h in COMPARED_HEADERS:
            x, y = mask(pb.headers.get(h)), mask(ae.headers.get(h))
            if x != y:
                problems.append(f"header {h}: pocketbase {x!r} != aerie {y!r}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aerie", default=os.path.join(HERE, "..", "..", ".build", "debug", "aerie"))
    ap.add_argument("--pocketbase", default=shutil.which("pocketbase") or "pocketbase")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    with open(SCHEMA_PATH) as f:
        schema = json.load(f)

    pb_server = compat.Server(args.pocketbase, args.verbose)
    pb_server.kind = "pocketbase"
    ae_server = compat.Server(os.path.abspath(args.aerie), args.verbose)
    ae_server.kind = "aerie"
    try:
        compat.launch_pocketbase(pb_server)
        for c in schema["collections"]:
            body = {"type": "base", **c}
            r = pb_server.call("POST", "/api/collections", body, auth=True)
            if r.status != 200:
                raise RuntimeError(f"pocketbase: creating {c['name']} failed: {r.status} {r.raw[:400]!r}")
        ae_server.run_cli(["superuser", "create", compat.SU_EMAIL, compat.SU_PASSWORD, "--dir", ae_server.dir])
        ae_server.spawn(["serve", "--http", f"127.0.0.1:{ae_server.port}", "--dir", ae_server.dir, "--schema", SCHEMA_PATH, "--quiet"])
        ae_server.login()

        pb, ae = Side(pb_server), Side(ae_server)
        passed = failed = 0
        for step in steps():
            a, b = pb.send(step), ae.send(step)
            problems = compare(step, a, b)
            if problems:
                failed += 1
                print(f"FAIL {step['name']}: {step['method']} {step['path']}")
                for p in problems:
                    print("   ", p)
            else:
                passed += 1
                if args.verbose:
                    print(f"ok   {step['name']}: {a.status}")
        print(f"{passed} passed, {failed} failed")
        return 0
    finally:
        pb_server.stop(args.keep)
        ae_server.stop(args.keep)


if __name__ == "__main__":
    sys.exit(main())
