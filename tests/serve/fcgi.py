#!/usr/bin/env python3
"""tests/serve/fcgi.py: a small FastCGI client for tests/serve.sh.

It speaks the responder side of FastCGI 1 from the web server's seat:
BEGIN_REQUEST (role RESPONDER, optionally FCGI_KEEP_CONN), the PARAMS
name-value pairs and an empty PARAMS record, the body as STDIN and an
empty STDIN record; then it reads records until END_REQUEST and keeps
what came on STDOUT and STDERR.  Besides well-behaved requests it can
play the peers a server must survive: one that connects and says
nothing, one that sends a request a byte at a time, one that stops in
the middle of a body, one that speaks HTTP instead of FastCGI.

Usage: fcgi.py [-t SECS] COMMAND ADDR ARGS...
ADDR is HOST:PORT, [IPV6]:PORT or unix:PATH.  -t is how long one
answer may take (default 5 s); past it the command fails.

  keep ADDR N [URI HOST]       N requests on one kept connection; each
                               answer complete with Status 200
  get ADDR [URI HOST] [-o FILE] [-m METHOD] [-d BODYFILE]
                               one request on a new connection: prints
                               "STATUS MILLISECONDS"; -o keeps the
                               STDOUT stream (headers and body)
  silent ADDR SECS             connect, send nothing, wait for the
                               server to close
  trickle ADDR INTERVAL [SECS] send a request one byte per INTERVAL s;
                               exit 4 if it is answered instead of
                               dropped
  stall ADDR [SECS]            a POST saying CONTENT_LENGTH 100 that
                               sends 10 body bytes and waits
  garbage ADDR SECS            send "GET / HTTP/1.0" and wait for the
                               close
  hold ADDR N [SECS]           N connections, one kept request each,
                               then idle until killed, stdin (a pipe)
                               ends, SECS pass, or the server closes
                               them all
  stale PATH                   leave a Unix socket at PATH that nobody
                               listens on
  race PATH TARGET STOPFILE [SECS]
                               whenever a socket appears at PATH,
                               rename a symbolic link to TARGET over it
                               (removed again a moment later), until
                               STOPFILE exists

The waiting commands print "connected" (or "stalled", "ready") once
their connection is set up, flushed, so a shell can start something
else against the server meanwhile; their last line is "closed after X
s" (exit 0) or "still open after X s" (exit 3).  Any failure prints
"fcgi.py: COMMAND: reason" on stderr and exits 1.
"""

import os
import select
import socket
import stat
import struct
import sys
import time

VERSION = 1
BEGIN_REQUEST = 1
ABORT_REQUEST = 2
END_REQUEST = 3
PARAMS = 4
STDIN = 5
STDOUT = 6
STDERR = 7
GET_VALUES_RESULT = 10
UNKNOWN_TYPE = 11
RESPONDER = 1
KEEP_CONN = 1

DEFAULT_URI = "/mail/config-v1.1.xml"
DEFAULT_HOST = "autoconfig.example.com"

STILL_OPEN = 3


class Fail(Exception):
    pass


def out(*words):
    print(*words, flush=True)


# ---- records ----

def record(rtype, content=b"", reqid=1):
    """One or more records of rtype carrying content; an empty content
    gives one empty record (the end of a stream)."""
    recs = []
    pos = 0
    while True:
        chunk = content[pos:pos + 65535]
        pad = -len(chunk) % 8
        recs.append(struct.pack("!BBHHBx", VERSION, rtype, reqid,
                                len(chunk), pad) + chunk + b"\0" * pad)
        pos += len(chunk)
        if pos >= len(content):
            break
    return b"".join(recs)


def nv_len(n):
    return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)


def nv_pairs(params):
    b = b""
    for k, v in params:
        k = k.encode()
        v = v.encode()
        b += nv_len(len(k)) + nv_len(len(v)) + k + v
    return b


def cgi_params(uri, host, method="GET", clen=None):
    path, _, query = uri.partition("?")
    p = [("GATEWAY_INTERFACE", "CGI/1.1"),
         ("SERVER_PROTOCOL", "HTTP/1.1"),
         ("SERVER_NAME", "localhost"),
         ("SERVER_PORT", "80"),
         ("REMOTE_ADDR", "127.0.0.1"),
         ("REQUEST_METHOD", method),
         ("REQUEST_URI", uri),
         ("SCRIPT_NAME", path),
         ("QUERY_STRING", query),
         ("HTTP_HOST", host)]
    if clen is not None:
        p.append(("CONTENT_LENGTH", str(clen)))
    return p


def request_bytes(params, body=b"", keep=False, end_stdin=True, reqid=1):
    flags = KEEP_CONN if keep else 0
    b = record(BEGIN_REQUEST, struct.pack("!HB5x", RESPONDER, flags), reqid)
    b += record(PARAMS, nv_pairs(params), reqid) + record(PARAMS, b"", reqid)
    if body:
        b += record(STDIN, body, reqid)
    if end_stdin:
        b += record(STDIN, b"", reqid)
    return b


# ---- connections ----

def connect(addr, timeout):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = addr[5:]
    else:
        host, sep, port = addr.rpartition(":")
        if not sep or not port.isdigit():
            raise Fail("bad address %r (HOST:PORT or unix:PATH)" % addr)
        host = host.strip("[]")
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        target = (host, int(port))
    s.settimeout(timeout)
    try:
        s.connect(target)
    except OSError as e:
        s.close()
        raise Fail("cannot connect to %s: %s" % (addr, e))
    return s


class Answer:
    def __init__(self):
        self.stdout = b""
        self.stderr = b""
        self.app_status = None
        self.proto_status = None
        self.head = {}
        self.status = None
        self.body = b""

    def parse(self):
        """Split STDOUT into header fields and body; the status is the
        number of the Status field."""
        sep = self.stdout.find(b"\r\n\r\n")
        skip = 4
        if sep < 0:
            sep = self.stdout.find(b"\n\n")
            skip = 2
        if sep < 0:
            raise Fail("no end of the header in the answer: %r"
                       % self.stdout[:200])
        for line in self.stdout[:sep].decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            self.head[name.strip().lower()] = value.strip()
        self.body = self.stdout[sep + skip:]
        st = self.head.get("status")
        if st is None:
            raise Fail("no Status header line in: %r" % self.stdout[:200])
        self.status = st.split()[0] if st.split() else ""
        cl = self.head.get("content-length")
        if cl is not None and cl.isdigit() and int(cl) != len(self.body):
            raise Fail("Content-Length %s but %d body bytes"
                       % (cl, len(self.body)))


def recv_exact(s, n, deadline, what):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Fail("no complete answer within the time limit (%s; "
                       "%d of %d bytes of a record)" % (what, len(buf), n))
        s.settimeout(left)
        try:
            got = s.recv(n - len(buf))
        except socket.timeout:
            continue
        except OSError as e:
            raise Fail("reading %s: %s" % (what, e))
        if not got:
            return buf
        buf += got
    return buf


def read_answer(s, timeout, reqid=1):
    """Records until END_REQUEST for reqid, within timeout seconds."""
    deadline = time.monotonic() + timeout
    a = Answer()
    while True:
        h = recv_exact(s, 8, deadline, "a record header")
        if len(h) == 0:
            raise Fail("the server closed the connection before "
                       "END_REQUEST (%d bytes of STDOUT so far)"
                       % len(a.stdout))
        if len(h) < 8:
            raise Fail("the connection ended inside a record header")
        ver, rtype, rid, clen, pad = struct.unpack("!BBHHBx", h)
        if ver != VERSION:
            raise Fail("record of version %d" % ver)
        body = recv_exact(s, clen + pad, deadline, "a record")
        if len(body) < clen + pad:
            raise Fail("the connection ended inside a record of type %d"
                       % rtype)
        content = body[:clen]
        if rtype in (STDOUT, STDERR, END_REQUEST) and rid != reqid:
            raise Fail("record of type %d for request %d, not %d"
                       % (rtype, rid, reqid))
        if rtype == STDOUT:
            a.stdout += content
        elif rtype == STDERR:
            a.stderr += content
        elif rtype == END_REQUEST:
            if clen < 8:
                raise Fail("short END_REQUEST")
            a.app_status, a.proto_status = struct.unpack("!IB3x", content)
            if a.proto_status != 0:
                raise Fail("END_REQUEST with protocol status %d"
                           % a.proto_status)
            a.parse()
            return a
        elif rtype in (GET_VALUES_RESULT, UNKNOWN_TYPE):
            continue
        else:
            raise Fail("unexpected record type %d" % rtype)


def wait_close(s, secs, start):
    """Wait up to secs (from now) for EOF or a reset.  Returns the
    seconds since start when it came (None if it did not) and the bytes
    the server sent meanwhile."""
    deadline = time.monotonic() + secs
    got_all = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, got_all
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        try:
            got = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start, got_all
        except OSError as e:
            raise Fail("reading: %s" % e)
        if not got:
            return time.monotonic() - start, got_all
        got_all += got


def report_close(tg, secs):
    t, got = tg
    extra = " (after %d bytes from the server)" % len(got) if got else ""
    if t is None:
        out("still open after %.3f s%s" % (secs, extra))
        return STILL_OPEN
    out("closed after %.3f s%s" % (t, extra))
    return 0


def uri_host(args, i):
    uri = args[i] if len(args) > i else DEFAULT_URI
    host = args[i + 1] if len(args) > i + 1 else DEFAULT_HOST
    return uri, host


def num(word, what):
    try:
        v = float(word)
    except ValueError:
        raise Fail("%s must be a number, not %r" % (what, word))
    if v < 0:
        raise Fail("%s must not be negative" % what)
    return v


# ---- commands ----

def cmd_keep(args, timeout):
    if len(args) not in (2, 4):
        raise Fail("usage: keep ADDR N [URI HOST]")
    n = int(num(args[1], "N"))
    uri, host = uri_host(args, 2)
    req = request_bytes(cgi_params(uri, host), keep=True)
    start = time.monotonic()
    s = connect(args[0], timeout)
    for i in range(1, n + 1):
        try:
            s.sendall(req)
            a = read_answer(s, timeout)
        except Fail as e:
            raise Fail("request %d of %d on one kept connection: %s"
                       % (i, n, e))
        except OSError as e:
            raise Fail("request %d of %d on one kept connection: "
                       "sending: %s" % (i, n, e))
        if a.status != "200":
            raise Fail("request %d of %d: Status %s, not 200"
                       % (i, n, a.status))
    s.close()
    out("%d answers in %.3f s" % (n, time.monotonic() - start))
    return 0


def cmd_get(args, timeout):
    pos = []
    ofile = None
    method = "GET"
    body = b""
    i = 0
    while i < len(args):
        if args[i] in ("-o", "-m", "-d") and i + 1 < len(args):
            if args[i] == "-o":
                ofile = args[i + 1]
            elif args[i] == "-m":
                method = args[i + 1]
            else:
                with open(args[i + 1], "rb") as f:
                    body = f.read()
            i += 2
        else:
            pos.append(args[i])
            i += 1
    if len(pos) not in (1, 3):
        raise Fail("usage: get ADDR [URI HOST] [-o FILE] [-m METHOD] "
                   "[-d BODYFILE]")
    uri, host = uri_host(pos, 1)
    clen = len(body) if body or method == "POST" else None
    req = request_bytes(cgi_params(uri, host, method, clen), body)
    start = time.monotonic()
    s = connect(pos[0], timeout)
    try:
        s.sendall(req)
    except OSError as e:
        raise Fail("sending: %s" % e)
    a = read_answer(s, timeout)
    ms = (time.monotonic() - start) * 1000
    s.close()
    if ofile is not None:
        with open(ofile, "wb") as f:
            f.write(a.stdout)
    out("%s %.1f" % (a.status, ms))
    return 0


def cmd_silent(args, timeout):
    if len(args) != 2:
        raise Fail("usage: silent ADDR SECS")
    secs = num(args[1], "SECS")
    start = time.monotonic()
    s = connect(args[0], timeout)
    out("connected")
    return report_close(wait_close(s, secs, start), secs)


def cmd_trickle(args, timeout):
    if len(args) not in (2, 3):
        raise Fail("usage: trickle ADDR INTERVAL [SECS]")
    interval = num(args[1], "INTERVAL")
    secs = num(args[2], "SECS") if len(args) == 3 else 30.0
    req = request_bytes(cgi_params(DEFAULT_URI, DEFAULT_HOST))
    start = time.monotonic()
    s = connect(args[0], timeout)
    out("connected")
    sent = 0
    t, got = None, b""
    while sent < len(req):
        if time.monotonic() - start > secs:
            return report_close((None, b""), secs)
        try:
            s.send(req[sent:sent + 1])
            sent += 1
        except (BrokenPipeError, ConnectionResetError):
            t = time.monotonic() - start
            break
        t, got = wait_close(s, interval, start)
        if t is not None or got:
            break
    if t is None and not got:
        # All sent: the answer, then the close (no FCGI_KEEP_CONN).
        t, got = wait_close(s, timeout, start)
    if got:
        # A server that answers as soon as the parameters are in does
        # so before the last record: that is an answer, not a drop.
        status = got.split(b"Status:", 1)[-1].split()[:1] \
            if b"Status:" in got else [b"?"]
        out("answered (Status %s) after %.3f s, %d of %d bytes sent"
            % (status[0].decode("latin-1"), t if t is not None else
               time.monotonic() - start, sent, len(req)))
        return 4
    if t is None:
        return report_close((None, b""), secs)
    out("closed after %.3f s (%d of %d bytes sent)" % (t, sent, len(req)))
    return 0


def cmd_stall(args, timeout):
    if len(args) not in (1, 2):
        raise Fail("usage: stall ADDR [SECS]")
    secs = num(args[1], "SECS") if len(args) == 2 else 30.0
    params = cgi_params("/autodiscover/autodiscover.xml",
                        "autodiscover.example.com", "POST", 100)
    req = request_bytes(params, b"<Autodisco", end_stdin=False)
    start = time.monotonic()
    s = connect(args[0], timeout)
    try:
        s.sendall(req)		# 10 of the 100 body bytes
    except OSError as e:
        raise Fail("sending: %s" % e)
    out("stalled")
    return report_close(wait_close(s, secs, start), secs)


def cmd_garbage(args, timeout):
    if len(args) != 2:
        raise Fail("usage: garbage ADDR SECS")
    secs = num(args[1], "SECS")
    start = time.monotonic()
    s = connect(args[0], timeout)
    try:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        return report_close((time.monotonic() - start, b""), secs)
    except OSError as e:
        raise Fail("sending: %s" % e)
    out("connected")
    return report_close(wait_close(s, secs, start), secs)


def cmd_hold(args, timeout):
    if len(args) not in (2, 3):
        raise Fail("usage: hold ADDR N [SECS]")
    n = int(num(args[1], "N"))
    secs = num(args[2], "SECS") if len(args) == 3 else 120.0
    req = request_bytes(cgi_params(DEFAULT_URI, DEFAULT_HOST), keep=True)
    conns = []
    for i in range(n):
        s = connect(args[0], timeout)
        try:
            s.sendall(req)
            a = read_answer(s, timeout)
        except Fail as e:
            raise Fail("connection %d of %d: %s" % (i + 1, n, e))
        if a.status != "200":
            raise Fail("connection %d of %d: Status %s, not 200"
                       % (i + 1, n, a.status))
        conns.append(s)
    out("ready")
    start = time.monotonic()
    # stdin ends the hold only when it is a pipe or a socket: a shell
    # gives a background job /dev/null.
    watch_in = False
    try:
        m = os.fstat(0).st_mode
        watch_in = stat.S_ISFIFO(m) or stat.S_ISSOCK(m)
    except OSError:
        pass
    open_ = {s: i + 1 for i, s in enumerate(conns)}
    while open_:
        left = start + secs - time.monotonic()
        if left <= 0:
            out("still open after %.3f s: %d of %d" % (secs, len(open_), n))
            return STILL_OPEN
        fds = list(open_) + ([0] if watch_in else [])
        r, _, _ = select.select(fds, [], [], left)
        for s in r:
            if s == 0:
                if not os.read(0, 4096):
                    out("stdin ended; %d of %d still open"
                        % (len(open_), n))
                    return 0
                continue
            try:
                got = s.recv(65536)
            except OSError:
                got = b""
            if not got:
                out("closed %d after %.3f s"
                    % (open_.pop(s), time.monotonic() - start))
    out("closed after %.3f s (all %d)" % (time.monotonic() - start, n))
    return 0


def cmd_stale(args, timeout):
    if len(args) != 1:
        raise Fail("usage: stale PATH")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(args[0])
        s.listen(1)
    except OSError as e:
        raise Fail("cannot bind %s: %s" % (args[0], e))
    s.close()		# the file stays, with nothing behind it
    return 0


def cmd_race(args, timeout):
    if len(args) not in (3, 4):
        raise Fail("usage: race PATH TARGET STOPFILE [SECS]")
    path, target, stopfile = args[:3]
    secs = num(args[3], "SECS") if len(args) == 4 else 60.0
    tmp = path + ".race"
    start = time.monotonic()
    swaps = 0
    swapped_at = None
    i = 0
    while True:
        i += 1
        if i % 256 == 0:
            if os.path.exists(stopfile) or \
                    time.monotonic() - start > secs:
                break
        try:
            m = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISSOCK(m):
            try:
                os.symlink(target, tmp)
            except FileExistsError:
                pass
            try:
                os.rename(tmp, path)
                swaps += 1
                swapped_at = time.monotonic()
            except OSError:
                pass
        elif stat.S_ISLNK(m):
            # Leave the link a few milliseconds for a chown or chmod
            # by name to follow it, then clear the path for the next
            # start.
            if swapped_at is None or \
                    time.monotonic() - swapped_at > 0.005:
                try:
                    os.unlink(path)
                except OSError:
                    pass
                swapped_at = None
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            os.unlink(path)
    except OSError:
        pass
    out("%d swaps in %.1f s" % (swaps, time.monotonic() - start))
    return 0


COMMANDS = {
    "keep": cmd_keep,
    "get": cmd_get,
    "silent": cmd_silent,
    "trickle": cmd_trickle,
    "stall": cmd_stall,
    "garbage": cmd_garbage,
    "hold": cmd_hold,
    "stale": cmd_stale,
    "race": cmd_race,
}


def main(argv):
    timeout = 5.0
    args = argv[1:]
    if len(args) >= 2 and args[0] == "-t":
        try:
            timeout = num(args[1], "-t")
        except Fail as e:
            print("fcgi.py: %s" % e, file=sys.stderr)
            return 64
        args = args[2:]
    if not args or args[0] not in COMMANDS:
        print("usage: fcgi.py [-t SECS] {%s} ADDR ..."
              % "|".join(COMMANDS), file=sys.stderr)
        return 64
    try:
        return COMMANDS[args[0]](args[1:], timeout)
    except Fail as e:
        print("fcgi.py: %s: %s" % (args[0], e), file=sys.stderr)
        return 1
    except OSError as e:
        print("fcgi.py: %s: %s" % (args[0], e), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv))
