#!/usr/bin/env python3
"""tests/e2e/httpload.py: the HTTP clients of tests/e2e.sh's load checks.

  httpload.py load PORT PLAN N C MAXTIME
      N requests, C at a time, to 127.0.0.1:PORT over HTTP/1.1 kept
      connections (a new one when the server closes one).  PLAN is a file
      of lines "METHOD HOST URI BODY STATUS ANSWER", taken in turn: BODY a
      file to send ("-" for none), STATUS the status wanted, ANSWER the
      file holding the exact body wanted.  Every answer must have that
      status and body, and come within MAXTIME seconds of its request
      (a request with no answer after MAXTIME + 5 s is given up).  Prints
      one summary line, and the first few wrong answers; exit 1 on any.
      After 10 wrong answers no more requests are sent.  As HTTP clients
      do, a request that finds its kept connection closed by the server
      (not a byte of an answer on it) is sent again once on a new one;
      the summary counts these.

  httpload.py slow PORT HOST URI BODY INTERVAL
      One POST of the file BODY, its headers at once (with its
      Content-Length), then the body one byte every INTERVAL seconds;
      prints the status line of the answer when one comes.  Runs until
      killed or answered.
"""
import asyncio
import sys
import time


def plan_of(path):
    plan = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            method, host, uri, body, status, answer = w
            data = b""
            if body != "-":
                with open(body, "rb") as b:
                    data = b.read()
            with open(answer, "rb") as a:
                want = a.read()
            head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, uri, host)
            if body != "-":
                head += ("Content-Type: text/xml; charset=utf-8\r\n"
                         "Content-Length: %d\r\n" % len(data))
            req = (head + "\r\n").encode("latin-1") + data
            plan.append((req, int(status), want, "%s %s %s" %
                         (method, host, uri)))
    return plan


class Bad(Exception):
    pass


class Closed(Bad):
    """The connection ended before a byte of the answer."""


async def read_answer(r):
    """Status, headers (lower-case names) and body of one answer."""
    try:
        line = await r.readline()
    except ConnectionResetError:
        line = b""
    if not line:
        raise Closed("connection closed before an answer")
    w = line.split(None, 2)
    if len(w) < 2 or not w[0].startswith(b"HTTP/"):
        raise Bad("not a status line: %r" % line[:80])
    status = int(w[1])
    hdr = {}
    while True:
        line = await r.readline()
        if not line:
            raise Bad("connection closed in the header")
        if line in (b"\r\n", b"\n"):
            break
        k, _, v = line.decode("latin-1").partition(":")
        hdr[k.strip().lower()] = v.strip()
    if "chunked" in hdr.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size = int((await r.readline()).split(b";")[0], 16)
            if size == 0:
                while (await r.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                break
            body += await r.readexactly(size)
            await r.readline()
    elif "content-length" in hdr:
        body = await r.readexactly(int(hdr["content-length"]))
    else:
        body = await r.read()
        hdr["connection"] = "close"
    return status, hdr, body


async def load(port, plan, n, c, maxtime):
    counts = {}
    wrong = []
    resent = [0]
    slowest = [0.0, ""]
    nxt = [0]

    def bad(what):
        wrong.append(what)
        counts["bad"] = counts.get("bad", 0) + 1

    async def client():
        r = w = None
        while nxt[0] < n and len(wrong) < 10:
            i = nxt[0]
            nxt[0] += 1
            req, want_status, want, name = plan[i % len(plan)]
            t0 = time.monotonic()
            try:
                kept = w is not None
                if w is None:
                    r, w = await asyncio.open_connection("127.0.0.1", port)
                try:
                    w.write(req)
                    status, hdr, body = await asyncio.wait_for(
                        read_answer(r), maxtime + 5)
                except (Closed, BrokenPipeError, ConnectionResetError):
                    if not kept:
                        raise
                    # The server closed the kept connection first.
                    resent[0] += 1
                    w.close()
                    r, w = await asyncio.open_connection("127.0.0.1", port)
                    w.write(req)
                    status, hdr, body = await asyncio.wait_for(
                        read_answer(r), maxtime + 5)
            except (Bad, OSError, ValueError, asyncio.IncompleteReadError,
                    asyncio.TimeoutError) as e:
                dt = time.monotonic() - t0
                bad("request %d (%s): no answer after %.3f s: %s" %
                    (i, name, dt, str(e) or type(e).__name__))
                if w is not None:
                    w.close()
                r = w = None
                continue
            dt = time.monotonic() - t0
            counts[status] = counts.get(status, 0) + 1
            if dt > slowest[0]:
                slowest[:] = [dt, name]
            if status != want_status:
                bad("request %d (%s): status %d, want %d (after %.3f s)" %
                    (i, name, status, want_status, dt))
            elif body != want:
                bad("request %d (%s): body of %d bytes differs from the "
                    "%d wanted" % (i, name, len(body), len(want)))
            elif dt > maxtime:
                bad("request %d (%s): answered after %.3f s (limit %g)" %
                    (i, name, dt, maxtime))
            if hdr.get("connection", "").lower() == "close":
                w.close()
                r = w = None
        if w is not None:
            w.close()

    t0 = time.monotonic()
    await asyncio.gather(*(client() for _ in range(c)))
    took = time.monotonic() - t0
    st = ", ".join("%s x %d" % (k, counts[k])
                   for k in sorted(counts, key=str))
    if nxt[0] < n:
        st += "; stopped after %d requests" % nxt[0]
    if resent[0]:
        st += "; %d sent again (kept connection closed by the server)" % \
            resent[0]
    print("%d requests, %d at a time, in %.1f s: %s; slowest %.3f s (%s)" %
          (n, c, took, st, slowest[0], slowest[1]))
    for what in wrong[:10]:
        print("  " + what)
    if len(wrong) > 10:
        print("  ... %d more" % (len(wrong) - 10))
    return 1 if wrong else 0


async def slow(port, host, uri, body, interval):
    with open(body, "rb") as f:
        data = f.read()
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(("POST %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
             "Content-Type: text/xml; charset=utf-8\r\n"
             "Content-Length: %d\r\n\r\n" % (uri, host, len(data)))
            .encode("latin-1"))
    await w.drain()
    answer = asyncio.ensure_future(r.readline())
    for i in range(len(data)):
        if answer.done():
            break
        w.write(data[i:i + 1])
        await w.drain()
        await asyncio.wait([answer], timeout=interval)
    line = await answer
    print("slow POST answered after %d of %d bytes: %s" %
          (i + 1, len(data), line.decode("latin-1").strip()))
    sys.stdout.flush()
    w.close()


def main():
    a = sys.argv[1:]
    if len(a) == 6 and a[0] == "load":
        plan = plan_of(a[2])
        return asyncio.run(load(int(a[1]), plan, int(a[3]), int(a[4]),
                                float(a[5])))
    if len(a) == 6 and a[0] == "slow":
        asyncio.run(slow(int(a[1]), a[2], a[3], a[4], float(a[5])))
        return 0
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main())
