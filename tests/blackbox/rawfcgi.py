#!/usr/bin/env python3
"""rawfcgi: send one hand-made FastCGI request and say what came back.

    rawfcgi.py ADDR KIND

ADDR is HOST:PORT or unix:PATH.  KIND is
    lengths  a parameter announcing a 1 GiB name and a 1 GiB value in a
             record of eight bytes (libfcgi adds them up in an int and
             aborts when the allocation fails);
    big      a GET whose parameters make 70,000 bytes of records, over
             the 64 KiB limit of one request;
    good     a GET of the Thunderbird answer for example.com.
Prints "closed" when the responder closed the connection without an
answer, "answered STATUS" when it answered, "hung" when neither came
within 10 seconds.  Exit 0 always, 64 on bad usage.
"""
import socket
import struct
import sys


def record(rtype, content):
    return struct.pack(">BBHHBB", 1, rtype, 1, len(content), 0, 0) + content


def pair(name, value):
    return bytes([len(name)]) + struct.pack(">I", len(value) | 0x80000000) \
        + name + value


def request(params):
    out = record(1, struct.pack(">HB5x", 1, 0))
    while params:
        out += record(4, params[:65535])
        params = params[65535:]
    return out + record(4, b"") + record(5, b"")


def good_params(extra=b""):
    return (pair(b"REQUEST_METHOD", b"GET")
            + pair(b"REQUEST_URI", b"/mail/config-v1.1.xml" + extra)
            + pair(b"HTTP_HOST", b"autoconfig.example.com"))


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("lengths", "big", "good"):
        sys.stderr.write(__doc__)
        return 64
    addr, kind = sys.argv[1], sys.argv[2]
    if kind == "lengths":
        req = request(bytes([0xbf, 0xff, 0xff, 0xff] * 2))
    elif kind == "big":
        req = request(good_params(b"?" + b"x" * 70000))
    else:
        req = request(good_params())
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr[5:])
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
    s.settimeout(10)
    try:
        s.sendall(req)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        print("hung")
        return 0
    except OSError:
        got = b""
    # The first STDOUT record's content starts with the Status line.
    if len(got) >= 8 and got[1] == 6:
        line = got[8:8 + 40].split(b"\r\n")[0].decode("ascii", "replace")
        print("answered " + line.replace("Status: ", "").split(" ")[0])
    else:
        print("closed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
