#!/usr/bin/env python3
"""tests/browser/drive.py: the setup page (mailautoconf(8), "The setup
page") in a real browser, for tests/browser.sh.

Drives Debian's headless Chromium through chromedriver with the W3C
WebDriver HTTP protocol, from python3's standard library only (urllib,
json).  tests/browser.sh starts lighttpd (scripts/run.sh) and
chromedriver; this script waits for both, opens one session and runs
the cases listed in CASES on http://autoconfig.example.com:PORT/ (the
name mapped to 127.0.0.1 inside Chromium).  What the page must show is
taken from the configuration file and from "BINARY --dns"; the profile
the form downloads must be byte for byte the body "BINARY -r" answers.

Chromium must not reach anything but the page: its background services
are turned off by flags (the two no flag turns off are pointed at
127.0.0.1), it resolves no other name, and every request not for the
page or loopback goes to a proxy this script runs, which answers none
and records what was asked (a case checks it saw nothing, and a control
that it does see a request for another host).

Output, for tests/browser.sh: "ok - NAME" and "not ok - NAME" lines,
"#   ..." lines under a failure saying why.  --list prints the case
names only (for the skip lines).  Exit status 0 when the script ran to
its end, whatever the cases said; 2 on a usage error.
"""

import argparse
import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

HOST = "autoconfig.example.com"
DOMAIN = "example.com"
ADDRESS = "alice@example.com"
PROFILE_PATH = "/email.mobileconfig?emailaddress=alice%40example.com"
# The button's background in the page's style sheet (#0b57a4).
BUTTON_BG = "rgb(11, 87, 164)"
PHONE = (360, 800)
DESKTOP = (1280, 900)
# body{max-width:40rem} at the default 16 px font size.
COLUMN_MAX = 640
DOWNLOAD_SECS = 10

CASES = [
    "session: chromedriver starts headless Chromium",
    "page: loads from lighttpd as http://autoconfig.example.com/",
    "title: names the provider's display name",
    "text: heading, every server with port and security, user name",
    "text: every mail server of --dns example.com",
    "script: WebDriver's script runs under the page's CSP",
    "style: the inline style sheet is applied (button colour)",
    "phone: no sideways scrolling at 360x800, screenshot",
    "desktop: text column centred at 1280x900, screenshot",
    "form: an empty address is not submitted (required)",
    "form: the button downloads example.com.mobileconfig",
    "form: the download is byte for byte the answer of -r",
    "form: the page stays where it is after the download",
    "log: no CSP violation, error or warning in the browser log",
    "log: control: a blocked image shows up as a CSP violation",
    "network: no request for anything but the page",
    "network: control: the sink proxy records a request elsewhere",
]


# Straight to 127.0.0.1, whatever http_proxy the environment sets.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Results:
    def __init__(self):
        self.done = set()

    def ok(self, name):
        self.done.add(name)
        print("ok - " + name, flush=True)

    def notok(self, name, why):
        self.done.add(name)
        print("not ok - " + name)
        for line in str(why).rstrip("\n").split("\n")[:40]:
            print("#   " + line)
        sys.stdout.flush()

    def check(self, name, fn):
        """Run fn(); it returns None (pass) or a string (why it failed)."""
        try:
            why = fn()
        except Exception as e:  # a failed step is that case's failure
            why = "%s: %s" % (type(e).__name__, e)
        if why:
            self.notok(name, why)
            return False
        self.ok(name)
        return True


class WebDriverError(Exception):
    pass


class Driver:
    """The W3C WebDriver HTTP protocol, as far as these cases use it."""

    def __init__(self, base):
        self.base = base
        self.sid = None

    def call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with OPENER.open(req, timeout=timeout) as r:
                return json.loads(r.read().decode())["value"]
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")
            try:
                v = json.loads(text)["value"]
                text = "%s: %s" % (v.get("error"), v.get("message"))
            except (ValueError, KeyError, AttributeError):
                pass
            raise WebDriverError("%s %s: HTTP %d: %s" % (
                method, path, e.code, text[:2000])) from None

    def s(self, method, path, body=None, timeout=60):
        return self.call(method, "/session/%s%s" % (self.sid, path), body,
                         timeout)

    def script(self, src, *args):
        return self.s("POST", "/execute/sync",
                      {"script": src, "args": list(args)})

    def find(self, css):
        v = self.s("POST", "/element", {"using": "css selector",
                                        "value": css})
        # The W3C element reference.
        return {"element-6066-11e4-a52e-4f735466cecf":
                v["element-6066-11e4-a52e-4f735466cecf"]}

    @staticmethod
    def eid(el):
        return el["element-6066-11e4-a52e-4f735466cecf"]

    def cdp(self, cmd, params):
        return self.s("POST", "/goog/cdp/execute",
                      {"cmd": cmd, "params": params})


class SinkProxy:
    """An HTTP proxy on 127.0.0.1 that forwards nothing: it records the
    request line of every connection and answers 403.  A request for
    another host comes as "CONNECT host:443" or "GET http://host/...";
    one for a path ("POST /gaia/...") was sent to the sink itself."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        self.lock = threading.Lock()
        t = threading.Thread(target=self.serve, daemon=True)
        t.start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    def one(self, c):
        line = b""
        try:
            c.settimeout(2)
            while b"\n" not in line and len(line) < 4096:
                b = c.recv(4096)
                if not b:
                    break
                line += b
            c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                      b"Connection: close\r\n\r\n")
        except OSError:
            pass
        finally:
            c.close()
        with self.lock:
            self.seen.append(line.split(b"\r\n")[0].decode(errors="replace")
                             or "(a connection without a request)")

    def requests(self):
        with self.lock:
            return list(self.seen)

    def elsewhere(self):
        """The requests for another host."""
        return [x for x in self.requests()
                if not re.match(r"^[A-Z]+ /", x)]

    def here(self):
        """The requests sent to the sink itself."""
        return [x for x in self.requests() if re.match(r"^[A-Z]+ /", x)]


def wait_for(what, fn, secs):
    """Poll fn() every 0.1 s until it returns a true value, at most secs."""
    end = time.monotonic() + secs
    last = None
    while True:
        try:
            v = fn()
            if v:
                return v
        except Exception as e:  # not there yet
            last = e
        if time.monotonic() >= end:
            raise TimeoutError("%s: not within %g s%s" % (
                what, secs, "" if last is None else " (%s)" % last))
        time.sleep(0.1)


def cgi(binary, conf, *args):
    """BINARY's answer as a CGI: (header lines, body bytes)."""
    out = subprocess.run([binary, "-c", conf] + list(args),
                         stdout=subprocess.PIPE, check=True,
                         timeout=30).stdout
    # The header block ends with the first empty CRLF line.
    head, sep, body = out.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no end of the header block in %r" % out[:200])
    return head.decode().split("\r\n"), body


def expected_servers(conf_path, domain):
    """(display name, [(proto, host, port, security words)], user name)
    for DOMAIN from the configuration file (mailautoconf.conf(5)): the
    [defaults] settings, replaced by those of the domain's section; a
    section that sets a protocol replaces the inherited list."""
    sections = []  # (names, {key: [values]})
    cur = None
    with open(conf_path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^\[(\S+)\s*(.*)\]$", line)
            if m:
                names = m.group(2).split() if m.group(1) == "domain" \
                    else ["[defaults]"]
                cur = {}
                sections.append((names, cur))
                continue
            k, _, v = line.partition("=")
            if cur is not None:
                cur.setdefault(k.strip(), []).append(v.strip())
    merged = {}
    for names, kv in sections:
        if names == ["[defaults]"]:
            merged.update(kv)
    for names, kv in sections:
        if domain in names:
            if "alias" in kv:
                raise ValueError("%s is an alias: not handled" % domain)
            merged.update(kv)
    display = merged.get("display_name", [domain])[-1]
    display = display.replace("%EMAILDOMAIN%", domain)
    words = {"SSL": "SSL/TLS", "STARTTLS": "STARTTLS", "PLAIN": "None"}
    servers = []
    for proto in ("imap", "pop3", "smtp"):
        for v in merged.get(proto, []):
            host, port, sock = v.split()[:3]
            servers.append((proto.upper(), host, port,
                            words[sock.upper()]))
    user = merged.get("username", ["%EMAILADDRESS%"])[-1]
    return display, servers, user


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--driver-port", type=int)
    ap.add_argument("--web-port", type=int)
    ap.add_argument("--binary")
    ap.add_argument("--conf")
    ap.add_argument("--chromium")
    ap.add_argument("--work")
    ap.add_argument("--shots")
    a = ap.parse_args()
    if a.list:
        for c in CASES:
            print(c)
        return 0
    if None in (a.driver_port, a.web_port, a.binary, a.conf, a.chromium,
                a.work, a.shots):
        ap.error("all options but --list are needed")

    r = Results()
    try:
        run(a, r)
    finally:
        # A case not reached (a step before it failed) is a failure.
        for c in CASES:
            if c not in r.done:
                r.notok(c, "not reached: an earlier step failed")
    return 0


def run(a, r):
    origin = "http://%s:%d" % (HOST, a.web_port)
    page = origin + "/"
    dl = os.path.join(a.work, "download")
    profile = os.path.join(a.work, "profile")
    os.makedirs(dl, exist_ok=True)
    os.makedirs(profile, exist_ok=True)
    os.makedirs(a.shots, exist_ok=True)
    sink = SinkProxy()
    wd = Driver("http://127.0.0.1:%d" % a.driver_port)

    # Both servers up (bounded polling): chromedriver's /status says
    # ready, lighttpd answers the page for the Host.
    def driver_ready():
        return wd.call("GET", "/status", timeout=5).get("ready")

    def page_served():
        req = urllib.request.Request("http://127.0.0.1:%d/" % a.web_port,
                                     headers={"Host": HOST})
        with OPENER.open(req, timeout=5) as resp:
            return resp.status == 200

    def start():
        wait_for("chromedriver ready", driver_ready, 20)
        wait_for("lighttpd serving the page", page_served, 20)
        local = "http://127.0.0.1:%d" % sink.port
        args = [
            "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage",
            "--user-data-dir=" + profile,
            "--window-size=%d,%d" % DESKTOP,
            # The page's name is this machine; no other name resolves.
            "--host-resolver-rules=MAP %s 127.0.0.1, MAP * ~NOTFOUND, "
            "EXCLUDE 127.0.0.1" % HOST,
            # Anything not for the page or loopback goes to the sink.
            "--proxy-server=http://127.0.0.1:%d" % sink.port,
            "--proxy-bypass-list=" + HOST,
            # Two services no flag turns off (the on-device model
            # manifest of the component updater; Google account cookies'
            # ListAccounts): pointed at the sink itself.
            "--component-updater=url-source=%s/component-updater/" % local,
            "--gaia-url=" + local,
            # Deployed, the page comes over HTTPS (mailautoconf(8),
            # "Checking a deployment"); here it is plain HTTP on
            # loopback, and Chromium would hold the profile back as an
            # insecure download.  The origin is declared secure instead.
            "--unsafely-treat-insecure-origin-as-secure=" + origin,
            # Chromium's own traffic: none.
            "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps",
            "--disable-extensions", "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--disable-breakpad", "--disable-crash-reporter",
            "--no-pings", "--metrics-recording-only",
            "--safebrowsing-disable-auto-update",
            "--password-store=basic",
            "--disable-features=OptimizationHints,MediaRouter,"
            "DialMediaRouteProvider,Translate,AutofillServerCommunication,"
            "CertificateTransparencyComponentUpdater,"
            "NetworkTimeServiceQuerying,InterestFeedContentSuggestions,"
            "PrivacySandboxSettings4,SafeBrowsingHashPrefixRealTimeLookups",
            "--lang=en-US",
        ]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": a.chromium,
                "args": args,
                "prefs": {
                    "download.default_directory": dl,
                    "download.prompt_for_download": False,
                    "download.directory_upgrade": True,
                    "safebrowsing.enabled": False,
                    "net.network_prediction_options": 2,
                    # The default search engine: Chromium loads its new
                    # tab page unasked (Debian's: start.duckduckgo.com).
                    "default_search_provider_data": {"template_url_data": {
                        "id": "9", "keyword": "none.invalid",
                        "short_name": "none",
                        "url": "http://none.invalid/?q={searchTerms}",
                        "new_tab_url": ""}},
                },
            },
        }}}
        v = wd.call("POST", "/session", caps, timeout=60)
        wd.sid = v["sessionId"]
        wd.s("POST", "/timeouts", {"pageLoad": 20000, "script": 10000,
                                   "implicit": 0})
        # Downloads to the directory, without asking, also if the prefs
        # alone do not hold in this headless mode.
        try:
            wd.cdp("Browser.setDownloadBehavior",
                   {"behavior": "allow", "downloadPath": dl})
        except WebDriverError as e:
            print("# no Browser.setDownloadBehavior, the prefs only: %s" % e)
        return None

    try:
        if not r.check(CASES[0], start):
            return
        body(a, r, wd, sink, page, dl)
    finally:
        if wd.sid:
            try:
                wd.s("DELETE", "", timeout=20)
            except Exception as e:
                print("# closing the session: %s" % e)


def body(a, r, wd, sink, page, dl):
    logs = []

    def read_log():
        logs.extend(wd.s("POST", "/se/log", {"type": "browser"}))

    def load():
        wd.s("POST", "/url", {"url": page})
        url = wd.s("GET", "/url")
        if url != page:
            return "at %s, not %s" % (url, page)
        ready = wd.script("return document.readyState")
        if ready != "complete":
            return "document.readyState %s" % ready
        return None

    if not r.check(CASES[1], load):
        return

    display, servers, user = expected_servers(a.conf, DOMAIN)
    user_words = {"%EMAILADDRESS%": "your full e-mail address",
                  "%EMAILLOCALPART%": "the part of your address before "
                                      "the @"}.get(user)

    def title():
        t = wd.s("GET", "/title")
        if display not in t:
            return "title %r does not name %r" % (t, display)
        return None

    r.check(CASES[2], title)

    def text():
        el = wd.find("body")
        txt = wd.s("GET", "/element/%s/text" % wd.eid(el))
        why = []
        h1 = wd.s("GET", "/element/%s/text" % wd.eid(wd.find("h1")))
        if h1 != display:
            why.append("heading %r, not %r" % (h1, display))
        if DOMAIN not in txt:
            why.append("%s not named" % DOMAIN)
        if not servers:
            why.append("no servers read from the configuration")
        # The lines in order, as the visible text shows each server.
        pos = 0
        for proto, host, port, sec in servers:
            block = "Server\n%s\nPort\n%s\nSecurity\n%s\n" % (host, port,
                                                              sec)
            if user_words:
                block += "User name\n%s\n" % user_words
            i = txt.find(block, pos)
            if i < 0:
                why.append("%s %s %s %s not shown as %r" % (
                    proto, host, port, sec, block))
            else:
                pos = i + len(block)
        for w in ("SSL/TLS", "STARTTLS", "your full e-mail address"):
            if w not in txt:
                why.append("%r not in the text" % w)
        if why:
            return "\n".join(why) + "\n-- the body text:\n" + txt
        return None

    r.check(CASES[3], text)

    def dns():
        out = subprocess.run([a.binary, "-c", a.conf, "--dns", DOMAIN],
                             stdout=subprocess.PIPE, check=True,
                             timeout=30).stdout.decode()
        txt = wd.s("GET", "/element/%s/text" % wd.eid(wd.find("body")))
        found = 0
        why = []
        for m in re.finditer(r"^_(imaps?|pop3s?|submissions?)\._tcp\.\S+"
                             r"\s+\d+\s+IN\s+SRV\s+\d+\s+\d+\s+(\d+)\s+"
                             r"(\S+)\.$", out, re.M):
            port, host = m.group(2), m.group(3)
            if host == "" or port == "0":
                continue
            found += 1
            if "Server\n%s\nPort\n%s\n" % (host, port) not in txt:
                why.append("%s:%s (%s) not on the page" % (
                    host, port, m.group(1)))
        if found == 0:
            why.append("no mail SRV record in --dns:\n" + out)
        return "\n".join(why) or None

    r.check(CASES[4], dns)

    def script():
        v = wd.script("return [document.title, 6 * 7]")
        if not isinstance(v, list) or v[1] != 42:
            return "script answered %r" % (v,)
        return None

    script_runs = r.check(CASES[5], script)

    def style():
        btn = wd.find("button")
        css = wd.s("GET", "/element/%s/css/background-color" % wd.eid(btn))
        why = []
        # The CSS value endpoint may say rgba(r, g, b, 1).
        if re.sub(r"^rgba\((\d+, \d+, \d+), 1\)$", r"rgb(\1)",
                  css) != BUTTON_BG:
            why.append("css endpoint: background-color %s, not %s" % (
                css, BUTTON_BG))
        if script_runs:
            v = wd.script("return getComputedStyle(arguments[0])"
                          ".backgroundColor", btn)
            if v != BUTTON_BG:
                why.append("getComputedStyle: %s, not %s" % (v, BUTTON_BG))
        return "\n".join(why) or None

    r.check(CASES[6], style)

    def window(size):
        wd.s("POST", "/window/rect", {"width": size[0], "height": size[1]})
        return wait_for("a viewport %d wide" % size[0],
                        lambda: wd.script("return window.innerWidth") ==
                        size[0] and wd.script(
                            "return document.documentElement.clientWidth"),
                        5)

    def shot(name):
        """A PNG of the whole page (Chromium's DevTools command through
        chromedriver), or of the viewport where that is not there."""
        path = os.path.join(a.shots, name)
        try:
            w, h = wd.script("var e = document.documentElement;"
                             "return [e.clientWidth, e.scrollHeight]")
            png = wd.cdp("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": w, "height": h,
                         "scale": 1}})["data"]
        except WebDriverError:
            png = wd.s("GET", "/screenshot")
        data = base64.b64decode(png)
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            raise ValueError("%s: not a PNG" % name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def sideways():
        return wd.script("var e = document.documentElement;"
                         "return [e.scrollWidth, e.clientWidth]")

    def phone():
        window(PHONE)
        sw, cw = sideways()
        why = []
        if sw > cw:
            why.append("scrolls sideways: scrollWidth %d > clientWidth %d"
                       % (sw, cw))
        # No element reaches past the right edge either.
        wide = wd.script(
            "var w = document.documentElement.clientWidth, out = [];"
            "document.querySelectorAll('body *').forEach(function (e) {"
            " var b = e.getBoundingClientRect();"
            " if (b.right > w + 0.5) out.push(e.tagName + ' ' + b.right);"
            "}); return out")
        if wide:
            why.append("past the right edge (%d px): %s" % (cw, wide))
        print("# phone screenshot: %s" % shot("setup-page-phone.png"))
        return "\n".join(why) or None

    r.check(CASES[7], phone)

    def desktop():
        window(DESKTOP)
        sw, cw = sideways()
        why = []
        if sw > cw:
            why.append("scrolls sideways: scrollWidth %d > clientWidth %d"
                       % (sw, cw))
        # The text (main, inside the body's padding) and its margins.
        b = wd.s("GET", "/element/%s/rect" % wd.eid(wd.find("main")))
        left, right = b["x"], cw - (b["x"] + b["width"])
        if b["width"] > COLUMN_MAX + 0.5:
            why.append("text %g px wide, more than 40rem" % b["width"])
        if abs(left - right) > 1:
            why.append("not centred: %g px left, %g px right" % (left,
                                                                right))
        print("# desktop screenshot: %s" % shot("setup-page-desktop.png"))
        return "\n".join(why) or None

    r.check(CASES[8], desktop)

    # Count the form's submit events and the field's invalid events:
    # the browser fires "submit" only once the form has passed its
    # constraint validation, "invalid" when it has not.
    wd.script("window.__submits = 0; window.__invalid = 0;"
              "document.addEventListener('submit', function () {"
              " window.__submits++ }, true);"
              "document.getElementById('emailaddress').addEventListener("
              "'invalid', function () { window.__invalid++ });")
    history = wd.script("return history.length")

    def empty():
        field = wd.find("#emailaddress")
        btn = wd.find("button[type=submit]")
        wd.s("POST", "/element/%s/clear" % wd.eid(field), {})
        wd.s("POST", "/element/%s/click" % wd.eid(btn), {})
        st = wd.script(
            "var f = document.getElementById('emailaddress');"
            "return {submits: window.__submits, invalid: window.__invalid,"
            " missing: f.validity.valueMissing, required: f.required,"
            " url: location.href, history: history.length}")
        why = []
        if not st["required"]:
            why.append("the field is not required")
        if st["submits"] != 0:
            why.append("the form was submitted (%d)" % st["submits"])
        if st["invalid"] < 1 or not st["missing"]:
            why.append("no invalid event for the missing value: %r" % st)
        if st["url"] != page or st["history"] != history:
            why.append("the page moved: %r" % st)
        if os.listdir(dl):
            why.append("downloaded: %s" % os.listdir(dl))
        return "\n".join(why) or None

    r.check(CASES[9], empty)

    got = {}

    def download():
        field = wd.find("#emailaddress")
        btn = wd.find("button[type=submit]")
        wd.s("POST", "/element/%s/value" % wd.eid(field),
             {"text": ADDRESS})
        v = wd.s("GET", "/element/%s/property/value" % wd.eid(field))
        if v != ADDRESS:
            return "the field holds %r" % v
        wd.s("POST", "/element/%s/click" % wd.eid(btn), {})
        name = DOMAIN + ".mobileconfig"

        def done():
            names = os.listdir(dl)
            # Chromium writes NAME.crdownload (or a hidden temporary)
            # and renames it to NAME when the download is complete.
            return name in names and not [n for n in names
                                          if n.endswith(".crdownload")]

        try:
            wait_for("the download", done, DOWNLOAD_SECS)
        except TimeoutError as e:
            return "%s; in %s: %s" % (e, dl, os.listdir(dl))
        names = sorted(os.listdir(dl))
        got["path"] = os.path.join(dl, name)
        if names != [name]:
            return "downloaded %s, not just %s" % (names, name)
        return None

    if r.check(CASES[10], download):
        def same():
            head, want = cgi(a.binary, a.conf, "-H", HOST, "-r",
                             PROFILE_PATH)
            why = []
            cd = [h for h in head if h.lower().startswith(
                "content-disposition:")]
            if cd != ['Content-Disposition: attachment; filename="%s"'
                      % os.path.basename(got["path"])]:
                why.append("-r says %r, the file is %s" % (
                    cd, os.path.basename(got["path"])))
            with open(got["path"], "rb") as f:
                have = f.read()
            if have != want:
                why.append("the file (%d bytes) differs from the body of "
                           "-r (%d bytes)" % (len(have), len(want)))
                for i, (x, y) in enumerate(zip(have, want)):
                    if x != y:
                        why.append("first difference at byte %d" % i)
                        break
            return "\n".join(why) or None

        r.check(CASES[11], same)

    def stays():
        st = wd.script("return {submits: window.__submits,"
                       " url: location.href, history: history.length,"
                       " field: !!document.getElementById('emailaddress')}")
        if st != {"submits": 1, "url": page, "history": history,
                  "field": True}:
            return "after the download: %r (history was %d)" % (st, history)
        return None

    r.check(CASES[12], stays)

    def clean_log():
        read_log()
        bad = [e for e in logs if e.get("level") in ("SEVERE", "WARNING")
               or "Content Security Policy" in e.get("message", "")]
        if bad:
            return "\n".join("%s %s: %s" % (e.get("level"), e.get("source"),
                                            e.get("message")) for e in bad)
        return None

    r.check(CASES[13], clean_log)

    def control_log():
        # An image the page's CSP (default-src 'none') must block; the
        # script itself is WebDriver's and runs.
        n = len(logs)
        wd.script("var i = document.createElement('img');"
                  "i.src = '/csp-control.png'; document.body.appendChild(i)")

        def seen():
            read_log()
            return [e for e in logs[n:]
                    if "Content Security Policy" in e.get("message", "")
                    and "csp-control.png" in e.get("message", "")]

        wait_for("the CSP violation in the browser log", seen, 5)
        return None

    r.check(CASES[14], control_log)

    def quiet():
        seen = sink.elsewhere()
        if seen:
            return "the sink proxy was asked for:\n" + "\n".join(seen)
        for x in sorted(set(re.sub(r"[?].*", "", x) for x in sink.here())):
            print("# sent to the sink itself (loopback): %s" % x)
        return None

    r.check(CASES[15], quiet)

    def control_sink():
        try:
            wd.s("POST", "/url", {"url": "http://elsewhere.invalid/"})
        except WebDriverError:
            pass  # an error page is what it should get
        wait_for("the request at the sink proxy",
                 lambda: [x for x in sink.elsewhere()
                          if "elsewhere.invalid" in x], 5)
        return None

    r.check(CASES[16], control_sink)


if __name__ == "__main__":
    sys.exit(main())
