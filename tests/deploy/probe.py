#!/usr/bin/env python3
"""tests/deploy/probe.py: the client side of tests/deploy.sh's set-up
checks, independent of the program under test (python3's standard
library only).

  probe.py dns PORT NAME TYPE
      Ask the DNS server on 127.0.0.1:PORT (UDP) for NAME's TYPE records
      (A, AAAA, SRV, TXT, SOA); print each answer on a line ("127.0.0.1",
      "0 1 993 imap.good.test."), or "NXDOMAIN" / "NODATA".  Exit 0 when
      the server answered, 1 otherwise.

  probe.py mail PROTO SOCKET PORT HOST CAFILE
      Talk to the mail server on 127.0.0.1:PORT as a client of PROTO
      (imap, pop3, smtp) with SOCKET (SSL, STARTTLS, plain): greeting,
      capabilities, STARTTLS when the socket asks for it and the server
      offers it, capabilities again inside TLS, then logout.  TLS is
      verified against CAFILE for HOST (sent as SNI).  Prints the dialogue
      ("S: ..." / "C: ..." lines, long lines cut) and then
          caps-before: TOKEN ...   (outside TLS; none for SSL)
          caps-after: TOKEN ...    (inside TLS; absent without TLS)
          tls: VERSION, certificate verified for HOST
      Exit 0 when the dialogue ended normally, 1 otherwise (a refused
      or unverified certificate, a timeout, a server that does not
      follow the protocol).  Credentials are never sent.
"""
import random
import socket
import ssl
import struct
import sys

TIMEOUT = 5


def dns_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def read_name(msg, off):
    labels = []
    jumped = False
    end = off
    for _ in range(128):
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumped = True
            continue
        off += 1
        if n == 0:
            break
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n
    if not jumped:
        end = off
    return ".".join(labels) + ".", end


TYPES = {"A": 1, "NS": 2, "SOA": 6, "TXT": 16, "AAAA": 28, "SRV": 33}


def dns(port, name, qtype):
    t = TYPES[qtype.upper()]
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q += dns_name(name) + struct.pack(">HH", t, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    msg = None
    for _ in range(3):
        s.sendto(q, ("127.0.0.1", port))
        try:
            msg, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        if struct.unpack(">H", msg[:2])[0] == qid:
            break
        msg = None
    if msg is None:
        print("no answer from 127.0.0.1:%d" % port)
        return 1
    _, flags, qd, an, _, _ = struct.unpack(">HHHHHH", msg[:12])
    rcode = flags & 0xF
    if rcode == 3:
        print("NXDOMAIN")
        return 0
    if rcode != 0:
        print("RCODE %d" % rcode)
        return 1
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    found = 0
    for _ in range(an):
        _, off = read_name(msg, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        rd = msg[off:off + rdlen]
        if rtype == t:
            found += 1
            if rtype == 1:
                print(socket.inet_ntop(socket.AF_INET, rd))
            elif rtype == 28:
                print(socket.inet_ntop(socket.AF_INET6, rd))
            elif rtype == 33:
                pr, w, p = struct.unpack(">HHH", rd[:6])
                print("%d %d %d %s" % (pr, w, p, read_name(msg, off + 6)[0]))
            elif rtype == 16:
                i, parts = 0, []
                while i < len(rd):
                    parts.append(rd[i + 1:i + 1 + rd[i]].decode())
                    i += 1 + rd[i]
                print(" ".join('"%s"' % x for x in parts))
            else:
                print(read_name(msg, off)[0])
        off += rdlen
    if not found:
        print("NODATA")
    return 0


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), TIMEOUT)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError("connection closed by the server")
            self.buf += d
            if len(self.buf) > 1 << 20:
                raise ValueError("line over 1 MiB")
        ln, self.buf = self.buf.split(b"\n", 1)
        s = ln.rstrip(b"\r").decode("utf-8", "replace")
        print("S: " + (s if len(s) <= 300 else s[:300] + "..."))
        return s

    def send(self, text):
        print("C: " + text)
        self.sock.sendall(text.encode() + b"\r\n")

    def tls(self, host, cafile):
        if self.buf:
            raise ValueError("data after the TLS go-ahead, before TLS")
        ctx = ssl.create_default_context(cafile=cafile)
        self.sock = ctx.wrap_socket(self.sock, server_hostname=host)
        print("--- tls: %s, certificate verified for %s" %
              (self.sock.version(), host))
        return "%s, certificate verified for %s" % (self.sock.version(), host)


def imap(c, sock, host, cafile):
    caps = {}
    tag = [0]

    def cmd(text):
        tag[0] += 1
        t = "a%d" % tag[0]
        c.send("%s %s" % (t, text))
        got = []
        while True:
            s = c.line()
            if s.startswith(t + " "):
                return s[len(t) + 1:], got
            got.append(s)

    def capability(where):
        st, got = cmd("CAPABILITY")
        if not st.startswith("OK"):
            raise ValueError("CAPABILITY: " + st)
        for g in got:
            if g.upper().startswith("* CAPABILITY "):
                caps[where] = g[13:].split()

    info = None
    if sock == "SSL":
        info = c.tls(host, cafile)
    c.line()
    capability("after" if info else "before")
    if sock == "STARTTLS" and "STARTTLS" in [x.upper() for x in
                                            caps["before"]]:
        st, _ = cmd("STARTTLS")
        if not st.startswith("OK"):
            raise ValueError("STARTTLS: " + st)
        info = c.tls(host, cafile)
        capability("after")
    cmd("LOGOUT")
    return caps, info


def pop3(c, sock, host, cafile):
    caps = {}

    def capa(where):
        c.send("CAPA")
        s = c.line()
        if not s.startswith("+OK"):
            raise ValueError("CAPA: " + s)
        caps[where] = []
        while True:
            s = c.line()
            if s == ".":
                break
            caps[where].append(s.replace(" ", "="))

    info = None
    if sock == "SSL":
        info = c.tls(host, cafile)
    c.line()
    capa("after" if info else "before")
    if sock == "STARTTLS" and "STLS" in caps["before"]:
        c.send("STLS")
        s = c.line()
        if not s.startswith("+OK"):
            raise ValueError("STLS: " + s)
        info = c.tls(host, cafile)
        capa("after")
    c.send("QUIT")
    c.line()
    return caps, info


def smtp(c, sock, host, cafile):
    caps = {}

    def reply():
        lines = []
        while True:
            s = c.line()
            lines.append(s)
            if len(s) < 4 or s[3] != "-":
                return lines

    def ehlo(where):
        c.send("EHLO probe.test")
        r = reply()
        if not r[-1].startswith("250"):
            raise ValueError("EHLO: " + r[-1])
        caps[where] = [x[4:].replace(" ", "=") for x in r[1:]]

    info = None
    if sock == "SSL":
        info = c.tls(host, cafile)
    if not reply()[-1].startswith("220"):
        raise ValueError("no 220 greeting")
    ehlo("after" if info else "before")
    if sock == "STARTTLS" and "STARTTLS" in caps["before"]:
        c.send("STARTTLS")
        if not reply()[-1].startswith("220"):
            raise ValueError("STARTTLS refused")
        info = c.tls(host, cafile)
        ehlo("after")
    c.send("QUIT")
    reply()
    return caps, info


def mail(proto, sock, port, host, cafile):
    try:
        c = Conn(port)
        caps, info = {"imap": imap, "pop3": pop3, "smtp": smtp}[proto](
            c, sock, host, cafile)
    except (OSError, ValueError, EOFError, ssl.SSLError) as e:
        print("error: %s" % e)
        return 1
    for where in ("before", "after"):
        if where in caps:
            print("caps-%s: %s" % (where, " ".join(caps[where])))
    if info:
        print("tls: " + info)
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "dns":
        return dns(int(argv[2]), argv[3], argv[4])
    if len(argv) == 7 and argv[1] == "mail":
        return mail(argv[2], argv[3], int(argv[4]), argv[5], argv[6])
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
