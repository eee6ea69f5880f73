#!/usr/bin/env python3
# Aerie — a real SMTP server on loopback for the mail tests (aiosmtpd from PyPI)
# SPDX-License-Identifier: MIT
#
# Listens on 127.0.0.1 (or --host) on a free port, prints "READY <port> <ca-file>" and, for every message it
# accepts, writes it to --out and prints "RECEIVED <file> <login>". --tls none|starttls|implicit
# picks the transport (a throw-away self-signed certificate for localhost/127.0.0.1 is made with
# the openssl command); --auth USER:PASS makes AUTH required with those credentials.
import argparse
import asyncio
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def make_certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert


class Handler:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.out, f"{self.count}.eml")
        with open(path, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else "-"
        print(f"RECEIVED {path} {login} {' '.join(envelope.rcpt_tos)}", flush=True)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    parser.add_argument("--auth", default="")
    parser.add_argument("--out", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    # The test process may ignore SIGTERM, and children inherit that: restore the default.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    warnings.simplefilter("ignore")
    user, _, password = args.auth.partition(":")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    workdir = tempfile.mkdtemp(prefix="aerie-smtp-")
    context, ca = (None, "-")
    if args.tls != "none":
        context, ca = make_certificate(workdir)
    handler = Handler(args.out)

    def factory():
        return SMTP(handler, hostname="localhost",
                    tls_context=context if args.tls == "starttls" else None,
                    require_starttls=args.tls == "starttls",
                    authenticator=authenticator if args.auth else None,
                    auth_required=bool(args.auth),
                    auth_require_tls=False)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        factory, args.host, 0, ssl=context if args.tls == "implicit" else None))
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port} {ca}", flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
