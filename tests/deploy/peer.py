#!/usr/bin/env python3
"""tests/deploy/peer.py: the fake and hostile servers of tests/deploy.sh
(python3's standard library only).

  peer.py READYFILE CERT KEY SPEC...

Each SPEC is MODE:PROTO:PORT or MODE:PROTO:PORT:tls, one listener on
127.0.0.1:PORT.  PROTO is imap, pop3, smtp or http; ":tls" wraps every
connection in TLS (CERT and KEY) before anything else, as an SSL mail
port or an HTTPS front end does.  Once every listener is bound, READYFILE
is written.  Each connection is served in a thread of its own; the
process runs until it is killed.  MODE:

  silent      accept and never send anything
  close       close right after accept (after the TLS handshake with tls)
  drip        the start of a greeting or response, then one byte a second
              forever
  longline    the start of a greeting or response, then 1 MiB without a
              newline; then nothing
  nocrlf      a plausible dialogue whose lines end in LF only (no CR)
  cronly      the same with lines ending in CR only
  hugecaps    a plausible dialogue whose IMAP CAPABILITY, POP3 CAPA or
              SMTP EHLO answer lists 10,000 items (STARTTLS among them
              outside TLS: the upgrade works and the list comes again)
  garbage     read the client's first bytes (a TLS client hello), answer
              64 KiB of random bytes; then nothing
  stgarbage   (mail) offer STARTTLS, say yes, answer the client hello with
              random bytes
  hugeheader  (http) a 1 MiB header field, then 10,000 more fields
  chunked     (http) a chunked body that never ends
  clenlie     (http) Content-Length: 1000000 and 100 bytes of body; then
              nothing
  clenhuge    (http) a Content-Length of 21 digits, a few bytes of body

No dialogue ever offers a password mechanism (AUTH=PLAIN, SASL PLAIN,
AUTH LOGIN, USER) and IMAP ones say LOGINDISABLED, so a checker that
gets through one still has something to fail.
"""
import os
import socket
import ssl
import sys
import threading
import time

MIB = 1 << 20
NCAPS = 10000
GREETING = {"imap": b"* OK ", "pop3": b"+OK ", "smtp": b"220 ",
            "http": b"HTTP/1.1 200 "}


def hold(conn):
    """Read and drop whatever comes until the client closes."""
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


class Lines:
    """Client commands, split at LF."""

    def __init__(self, conn):
        self.conn = conn
        self.buf = b""

    def get(self):
        while b"\n" not in self.buf:
            d = self.conn.recv(65536)
            if not d:
                return None
            self.buf += d
            if len(self.buf) > MIB:
                return None
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.rstrip(b"\r").decode("latin-1")


def caps_list(n, offer_tls, proto):
    items = ["X-CAP-%05d" % i for i in range(1, n + 1)]
    if offer_tls:
        items.insert(n // 2, {"imap": "STARTTLS", "pop3": "STLS",
                              "smtp": "STARTTLS"}[proto])
    if proto == "imap":
        # Without it the IMAP LOGIN command counts as offered; last, so
        # that a checker that reads only part of the list misses it.
        items.append("LOGINDISABLED")
    return items


def dialogue(conn, proto, is_tls, ctx, eol, ncaps, garbage_tls=False):
    """A minimal IMAP/POP3/SMTP server: greeting, capabilities,
    STARTTLS (real TLS with ctx, or random bytes with garbage_tls),
    logout.  Every other command is refused."""

    def send(text):
        conn.sendall(text.encode("latin-1") + eol)

    def starttls():
        nonlocal conn, is_tls, rd
        if garbage_tls:
            conn.recv(4096)
            conn.sendall(os.urandom(65536))
            hold(conn)
            return False
        conn = ctx.wrap_socket(conn, server_side=True)
        is_tls = True
        rd = Lines(conn)
        return True

    rd = Lines(conn)
    send({"imap": "* OK peer ready", "pop3": "+OK peer ready",
          "smtp": "220 peer.hostile.test ESMTP peer"}[proto])
    while True:
        ln = rd.get()
        if ln is None:
            return
        words = ln.split()
        if proto == "imap":
            if len(words) < 2:
                send("* BAD what")
                continue
            tag, cmd = words[0], words[1].upper()
            if cmd == "CAPABILITY":
                send("* CAPABILITY IMAP4rev1 " +
                     " ".join(caps_list(ncaps, not is_tls, proto)))
                send(tag + " OK CAPABILITY done")
            elif cmd == "STARTTLS" and not is_tls:
                send(tag + " OK begin TLS")
                if not starttls():
                    return
            elif cmd == "LOGOUT":
                send("* BYE")
                send(tag + " OK LOGOUT done")
                return
            else:
                send(tag + " NO not here")
        elif proto == "pop3":
            cmd = words[0].upper() if words else ""
            if cmd == "CAPA":
                send("+OK")
                for c in caps_list(ncaps, not is_tls, proto):
                    send(c)
                send(".")
            elif cmd == "STLS" and not is_tls:
                send("+OK begin TLS")
                if not starttls():
                    return
            elif cmd == "QUIT":
                send("+OK bye")
                return
            else:
                send("-ERR not here")
        else:
            cmd = words[0].upper() if words else ""
            if cmd in ("EHLO", "HELO"):
                send("250-peer.hostile.test")
                items = caps_list(ncaps, not is_tls, proto)
                for c in items[:-1]:
                    send("250-" + c)
                send("250 " + items[-1])
            elif cmd == "STARTTLS" and not is_tls:
                send("220 begin TLS")
                if not starttls():
                    return
            elif cmd == "QUIT":
                send("221 bye")
                return
            else:
                send("502 not here")


def read_request(conn):
    """The request head (up to 64 KiB) and what of the body came along."""
    buf = b""
    while b"\r\n\r\n" not in buf and len(buf) < 65536:
        d = conn.recv(65536)
        if not d:
            break
        buf += d
    return buf


def http(conn, mode):
    read_request(conn)
    if mode == "hugeheader":
        head = [b"HTTP/1.1 200 OK", b"Content-Type: text/xml",
                b"X-Huge: " + b"a" * MIB]
        head += [b"X-Field-%05d: v" % i for i in range(NCAPS)]
        head += [b"Content-Length: 2", b"", b"ok"]
        conn.sendall(b"\r\n".join(head))
    elif mode == "chunked":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; "
                     b"charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"1000\r\n" + b"<x/>" * 1024 + b"\r\n"
        while True:
            conn.sendall(chunk)
    elif mode == "clenlie":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; "
                     b"charset=utf-8\r\nContent-Length: 1000000\r\n\r\n" +
                     b"<?xml version=\"1.0\"?>" + b" " * 79)
    elif mode == "clenhuge":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; "
                     b"charset=utf-8\r\nContent-Length: "
                     b"184467440737095516160\r\n\r\n<?xml")
    hold(conn)


def serve(conn, mode, proto, use_tls, ctx):
    try:
        conn.settimeout(None)
        if use_tls and mode != "garbage":
            conn = ctx.wrap_socket(conn, server_side=True)
        if mode == "silent":
            hold(conn)
        elif mode == "close":
            pass
        elif mode == "drip":
            conn.sendall(GREETING[proto])
            while True:
                time.sleep(1)
                conn.sendall(b"a")
        elif mode == "longline":
            conn.sendall(GREETING[proto] + b"x" * MIB)
            hold(conn)
        elif mode == "garbage":
            conn.recv(4096)
            conn.sendall(os.urandom(65536))
            hold(conn)
        elif proto == "http":
            http(conn, mode)
        elif mode in ("nocrlf", "cronly"):
            dialogue(conn, proto, use_tls, ctx,
                     b"\n" if mode == "nocrlf" else b"\r", 3)
        elif mode == "hugecaps":
            dialogue(conn, proto, use_tls, ctx, b"\r\n", NCAPS)
        elif mode == "stgarbage":
            dialogue(conn, proto, use_tls, ctx, b"\r\n", 3, True)
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def listener(sock, mode, proto, use_tls, ctx):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve, args=(conn, mode, proto, use_tls,
                                             ctx), daemon=True).start()


MODES = {"silent", "close", "drip", "longline", "nocrlf", "cronly",
         "hugecaps", "garbage", "stgarbage", "hugeheader", "chunked",
         "clenlie", "clenhuge"}


def main(argv):
    if len(argv) < 5:
        sys.stderr.write(__doc__)
        return 64
    ready, cert, key = argv[1:4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    socks = []
    for spec in argv[4:]:
        f = spec.split(":")
        if len(f) not in (3, 4) or f[0] not in MODES or \
                f[1] not in GREETING or (len(f) == 4 and f[3] != "tls"):
            sys.stderr.write("peer.py: bad SPEC %s\n" % spec)
            return 64
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", int(f[2])))
        s.listen(64)
        socks.append((s, f[0], f[1], len(f) == 4))
    for s, mode, proto, use_tls in socks:
        threading.Thread(target=listener, args=(s, mode, proto, use_tls, ctx),
                         daemon=True).start()
    with open(ready, "w") as fh:
        fh.write("%d\n" % os.getpid())
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
