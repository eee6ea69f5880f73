#!/usr/bin/env python3
# Aerie — the unmodified `pocketbase` Python SDK (PyPI) against a real Aerie server
# SPDX-License-Identifier: MIT
"""Starts `aerie serve` on a free loopback port with the built-in starter schema, then drives it
with the PocketBase Python SDK: sign-up, login, refresh of the auth store, CRUD under rules,
filters, sorting, getFirstListItem (skipTotal), getFullList, file upload, download and file token,
realtime subscribe, and the verification and password-reset flows with tokens read from the .eml
outbox. Exits non-zero on any failure.

Usage: python3 Tests/Compat/sdk_smoke.py [--aerie .build/debug/aerie]
"""
import argparse, os, re, shutil, signal, subprocess, sys, tempfile, time

import urllib.request

from pocketbase import PocketBase  # pip install pocketbase
from pocketbase.client import FileUpload

results = []

def check(name, condition):
    results.append((name, bool(condition)))
    print(("ok   " if condition else "FAIL ") + name)

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--aerie", default=".build/debug/aerie")
    args = parser.parse_args()
    aerie = os.path.abspath(args.aerie)
    work = tempfile.mkdtemp(prefix="aerie-sdk-")
    server = subprocess.Popen([aerie, "serve", "--http", "127.0.0.1:0", "--dir", os.path.join(work, "data"), "--quiet"],
                              cwd=work, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        deadline = time.time() + 20
        while time.time() < deadline:
            line = server.stderr.readline()
            if not line:
                break
            m = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            print("FAIL server did not start")
            return 1
        subprocess.run([aerie, "superuser", "create", "admin@example.com", "admin-password-1", "--dir", os.path.join(work, "data")],
                       check=True, capture_output=True)
        pb = PocketBase(f"http://127.0.0.1:{port}")

        user = pb.collection("users").create({"email": "sdk@example.com", "password": "password-123",
                                              "passwordConfirm": "password-123", "name": "SDK"})
        check("sign-up returns a 15-char id", len(user.id) == 15)
        auth = pb.collection("users").auth_with_password("sdk@example.com", "password-123")
        check("login returns a token and the record", bool(auth.token) and auth.record.id == user.id)
        check("auth store holds the token", pb.auth_store.token == auth.token)
        me = pb.collection("users").get_one(user.id)
        check("own record shows its email", getattr(me, "email", None) == "sdk@example.com")

        post = pb.collection("posts").create({"title": "from sdk", "views": 3, "tags": ["news"], "author": user.id})
        check("create post", post.title == "from sdk" and post.views == 3)
        page = pb.collection("posts").get_list(1, 10, {"filter": 'title ~ "sdk"', "sort": "-created"})
        check("filtered list", page.total_items == 1 and page.items[0].id == post.id)
        first = pb.collection("posts").get_first_list_item("views > 1")
        check("getFirstListItem (skipTotal)", first.id == post.id)
        check("getFullList", len(pb.collection("posts").get_full_list()) == 1)
        updated = pb.collection("posts").update(post.id, {"views+": 2})
        check("update with a modifier", updated.views == 5)

        # Files: the SDK uploads with multipart (values in @jsonPayload), builds file URLs itself.
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
        with_avatar = pb.collection("users").update(user.id, {"name": "SDK", "avatar": FileUpload(("my-face.png", png))})
        check("upload an avatar", re.fullmatch(r"my_face_[a-z0-9]{10}\.png", getattr(with_avatar, "avatar", "") or "") and with_avatar.name == "SDK")
        url = pb.files.get_url(with_avatar, with_avatar.avatar)
        with urllib.request.urlopen(url) as r:
            check("download it through the SDK's file URL", r.read() == png and r.headers["Content-Type"] == "image/png")
        check("file token", pb.files.get_token().count(".") == 2)
        cleared = pb.collection("users").update(user.id, {"avatar": None})
        check("clear the avatar", not getattr(cleared, "avatar", ""))

        pb.auth_store.clear()
        try:
            pb.collection("users").get_one(user.id)
            check("guest cannot view a user (viewRule id = @request.auth.id)", False)
        except Exception as e:
            check("guest cannot view a user (viewRule id = @request.auth.id)", getattr(e, "status", None) == 404)
        try:
            pb.collection("users").auth_with_password("sdk@example.com", "wrong-password")
            check("wrong password is refused", False)
        except Exception as e:
            check("wrong password is refused", getattr(e, "status", None) == 400)

        # Mail flows: with SMTP off, Aerie writes each mail to <dir>/mail/*.eml.
        outbox = os.path.join(work, "data", "mail")
        def next_token(seen):
            deadline = time.time() + 10
            while time.time() < deadline:
                files = sorted(f for f in (os.listdir(outbox) if os.path.isdir(outbox) else []) if f.endswith(".eml"))
                if len(files) > seen:
                    with open(os.path.join(outbox, files[-1])) as f:
                        m = re.search(r"#/auth/[a-z-]+/([A-Za-z0-9_.-]+)", f.read())
                    return m.group(1) if m else None
                time.sleep(0.05)
            return None
        check("request_verification", pb.collection("users").request_verification("sdk@example.com"))
        token = next_token(0)
        check("confirm_verification with the mailed token", bool(token) and pb.collection("users").confirm_verification(token))
        check("record is verified", pb.collection("_superusers").auth_with_password("admin@example.com", "admin-password-1")
              and pb.collection("users").get_one(user.id).verified)
        pb.auth_store.clear()
        check("request_password_reset", pb.collection("users").request_password_reset("sdk@example.com"))
        token = next_token(1)
        check("confirm_password_reset with the mailed token",
              bool(token) and pb.collection("users").confirm_password_reset(token, "new-password-456", "new-password-456"))
        check("login with the new password", bool(pb.collection("users").auth_with_password("sdk@example.com", "new-password-456").token))
        pb.auth_store.clear()

        su = pb.collection("_superusers").auth_with_password("admin@example.com", "admin-password-1")
        check("superuser login through _superusers", bool(su.token))
        pb.collection("posts").delete(post.id)
        try:
            pb.collection("posts").get_one(post.id)
            check("delete as superuser", False)
        except Exception as e:
            check("delete as superuser", getattr(e, "status", None) == 404)
        realtime_checks(pb, port)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1

def realtime_checks(pb, port):
    """The SDK's subscribe over SSE: a guest client hears creates, updates and deletes of posts."""
    import queue
    events = queue.Queue()
    rt = PocketBase(f"http://127.0.0.1:{port}")
    rt.collection("posts").subscribe(lambda e: events.put((e.action, e.record.id, getattr(e.record, "title", None))))
    # The SDK subscribes from its SSE thread after PB_CONNECT: write until the first event arrives.
    first = None
    deadline = time.time() + 10
    while first is None and time.time() < deadline:
        probe = pb.collection("posts").create({"title": "probe"})
        try:
            first = events.get(timeout=0.5)
        except queue.Empty:
            pb.collection("posts").delete(probe.id)
    check("realtime: the SDK receives PB_CONNECT and its subscription works", first is not None)
    if first is None:
        return

    def next_for(record_id):
        # Probe events may still trail in; skip anything about other records.
        while True:
            got = events.get(timeout=5)
            if got[1] == record_id:
                return got

    post = pb.collection("posts").create({"title": "live"})
    check("realtime: create event with the record", next_for(post.id) == ("create", post.id, "live"))
    pb.collection("posts").update(post.id, {"title": "live 2"})
    check("realtime: update event", next_for(post.id) == ("update", post.id, "live 2"))
    pb.collection("posts").delete(post.id)
    got = next_for(post.id)
    check("realtime: delete event", got[0] == "delete" and got[1] == post.id)
    one = queue.Queue()
    other = pb.collection("posts").create({"title": "single"})
    rt.collection("posts").subscribe_one(other.id, lambda e: one.put((e.action, e.record.id)))
    deadline = time.time() + 10
    received = None
    while received is None and time.time() < deadline:
        pb.collection("posts").update(other.id, {"views": 1})
        try:
            received = one.get(timeout=0.5)
        except queue.Empty:
            pass
    check("realtime: subscribe_one gets its record's events", received == ("update", other.id))
    rt.realtime.unsubscribe()
    check("realtime: unsubscribe closes the SDK's connection", rt.realtime.event_source is None)

if __name__ == "__main__":
    sys.exit(main())
