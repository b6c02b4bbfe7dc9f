#!/usr/bin/env python3
"""tests/e2e/export-compare.py: the requests of tests/e2e-export.sh, sent
to two web servers on 127.0.0.1: one serving "mailautoconf --export"
files with the rest handed to the responder (contrib/*/mailautoconf-
export.conf), one handing everything to the responder.  For each, the
status, the Content-Type and the body must be the same; the answers the
export should serve from files must be files (a static file carries
Last-Modified, which the responder never sends); and a HEAD has the
GET's headers and no body.

  export-compare.py EXPORT_PORT RESPONDER_PORT REQUESTS

REQUESTS has one request per line: METHOD HOST PATH FILE BODY, FILE "f"
when the export must answer from a file, "r" when the responder must,
"-" when either may; BODY a file name or "-".  Prints one line per
difference and a last line "N requests, N differences"; exit 1 when any.
"""
import http.client
import sys


def ask(port, method, host, path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    headers = {"Host": host, "User-Agent": "export-compare"}
    data = None
    if body != "-":
        with open(body, "rb") as f:
            data = f.read()
        headers["Content-Type"] = "text/xml"
    c.request(method, path, body=data, headers=headers)
    r = c.getresponse()
    got = (r.status, r.getheader("Content-Type"), r.read(),
           r.getheader("Last-Modified"), r.getheader("Content-Length"))
    c.close()
    return got


def main():
    exp, resp, reqs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    n = bad = files = 0
    with open(reqs) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            method, host, path, want, body = line.split()
            n += 1
            a = ask(exp, method, host, path, body)
            b = ask(resp, method, host, path, body)
            what = "%s %s %s" % (method, host, path)
            if a[:3] != b[:3]:
                bad += 1
                print("differs: %s: export %d %s %d bytes, responder %d %s"
                      " %d bytes" % (what, a[0], a[1], len(a[2]), b[0],
                                     b[1], len(b[2])))
                continue
            if method == "HEAD" and (a[2] or a[4] != b[4]):
                bad += 1
                print("HEAD: %s: a body or another length" % what)
            if want == "f" and a[3] is None:
                bad += 1
                print("not a file: %s" % what)
            elif want == "r" and a[3] is not None:
                bad += 1
                print("a file, should be the responder's: %s" % what)
            files += a[3] is not None
    print("%d requests (%d from files), %d differences" % (n, files, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
