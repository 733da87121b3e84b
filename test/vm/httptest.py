#!/usr/bin/python3
"""VM tests of the HTTP server (examples/http) with curl, h2load, ab and
raw sockets, the host side in a network namespace (tools/netns.py), the
guest at netns.GUEST_IP with a static address.

    httptest.py --build BUILD --machine M CASE
      basic     curl's GET and HEAD; GET and HEAD of the baked-in site
                (bodies equal to the files of examples/http/www),
                keep-alive reuse (two URLs on
                one connection), pipelining (two requests in one write),
                404, 405 with Allow, 413, 414, 431, traversal attempts
                (400 or 404), byte ranges (206, 416), conditional GET
                (304 by ETag and by date), POST /echo with Content-Length
                and chunked bodies, /stats as JSON; the access log (-l)
                in the common log format
      big       a 10 MiB file given through --initrd, whole (SHA-256
                compared) and a range in its middle
      slowloris 100 connections each sending a byte every 2 s are cut
                off after the header timeout while a normal client keeps
                getting 200s
      load      1000 sequential and 200 concurrent requests all
                answered; h2load --h1 and ab (1000 requests, 20
                connections each) with zero errors
      smoke     GET, HEAD and a 404 (the other machine types)
    httptest.py --tls ... CASE   the same checks over TLS against
                examples/https (https.elf): port 443, connections
                verified against the test CA with SNI www.libos.test,
                which resolves to the guest in the namespace
    httptest.py --client CASE WWW ADDR [--ca CA]   (inside the namespace;
                with --ca, over TLS to ADDR, a name of CA's certificate)
"""
import argparse
import concurrent.futures
import contextlib
import functools
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import netns  # noqa: E402
import guestnet  # noqa: E402
from guestnet import Checks, run_bounded  # noqa: E402

WWW = os.path.join(ROOT, "examples", "http", "www")
PORT = 80
BIG = 10 << 20
# with --tls (the client's --ca): the client context trusting the test CA,
# the port and scheme of https, and the name the guest serves by default
TLS = None
TLS_CA = None
SCHEME = "http"
TLS_HOST = "www.libos.test"
# service arguments per case: the slowloris case shortens the header
# timeout so that the test does not wait the default 10 s many times
CASES = {"basic": ["-l"], "big": [], "slowloris": ["-T", "2"], "load": [],
         "smoke": []}
# basic boots with the access log on: a common-log-format line per request
CLF_LINE = (r'^\S+ - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] '
            r'"GET /index\.html HTTP/1\.1" 200 \d+$')


# ---------------------------------------------------------------- client

def use_tls(ca):
    """Make the client's connections TLS ones, verified against ca."""
    global TLS, TLS_CA, PORT, SCHEME
    TLS, TLS_CA = ssl.create_default_context(cafile=ca), ca
    PORT, SCHEME = 443, "https"


def conn(addr):
    """A keep-alive HTTP/1.1 connection to the guest (over TLS with
    --ca)."""
    if TLS:
        return http.client.HTTPSConnection(addr, PORT, timeout=30,
                                           context=TLS)
    return http.client.HTTPConnection(addr, PORT, timeout=30)


def get(addr, path, method="GET", headers=None, body=None):
    """One request on its own connection: (status, headers dict with
    lower-case names, body)."""
    c = conn(addr)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def raw(addr, data, wait=5.0, until_close=True):
    """Send data on a new connection and read what comes back until the
    server closes it or wait seconds pass."""
    s = socket.create_connection((addr, PORT), timeout=wait)
    if TLS:
        s = TLS.wrap_socket(s, server_hostname=addr)
    try:
        s.sendall(data)
    except OSError:
        pass  # the server may answer and close before taking it all
    got = b""
    end = time.monotonic() + wait
    try:
        while time.monotonic() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
            if not until_close and b"\r\n\r\n" in got:
                break
    except OSError:
        pass  # a timeout, or a reset after the answer
    s.close()
    return got


def status_of(resp):
    """The status code of the first response in raw bytes, or 0."""
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", resp)
    return int(m.group(1)) if m else 0


def dechunk(data):
    """The body of a chunked message body (trailers ignored), or None when
    it is not well formed."""
    out = b""
    while True:
        line, sep, data = data.partition(b"\r\n")
        try:
            n = int(line.split(b";")[0], 16)
        except ValueError:
            return None
        if not sep or len(data) < n + 2 or data[n:n + 2] != b"\r\n":
            return None if n else out
        if n == 0:
            return out
        out += data[:n]
        data = data[n + 2:]


def site_files(www):
    """Every file of the site: {url path: bytes}."""
    files = {}
    for d, _, names in os.walk(www):
        for n in names:
            p = os.path.join(d, n)
            files["/" + os.path.relpath(p, www)] = open(p, "rb").read()
    return files


def check_site(ck, www, addr):
    """GET and HEAD of every file equal to the file; / gives index.html."""
    files = site_files(www)
    ck(files, "the site has files", www)
    for path, data in sorted(files.items()):
        st, h, body = get(addr, path)
        ck(st == 200 and body == data, f"GET {path}: 200, the file's bytes",
           f"status {st}, {len(body)} of {len(data)} octets")
        ck(h.get("content-length") == str(len(data)),
           f"GET {path}: Content-Length {len(data)}", str(h))
        st, h2, body = get(addr, path, "HEAD")
        ck(st == 200 and body == b"" and h2.get("content-length") ==
           str(len(data)), f"HEAD {path}: 200, no body, the same length",
           f"status {st} {h2}")
        for name in ("date", "server", "etag", "last-modified",
                     "content-type"):
            ck(name in h, f"GET {path}: {name} header", str(h))
    if "/index.html" in files:
        st, h, body = get(addr, "/")
        ck(st == 200 and body == files["/index.html"] and
           h.get("content-type", "").startswith("text/html"),
           "GET /: index.html as text/html", f"status {st} {h}")
    subdirs = {os.path.dirname(p) for p in files if p.count("/") > 1}
    for d in sorted(subdirs):
        st, h, _ = get(addr, d)
        ck(st == 301 and h.get("location", "").endswith(d + "/"),
           f"GET {d}: 301 to {d}/", f"status {st} {h}")


def check_curl(ck, www, addr):
    """curl's GET and HEAD of the index page."""
    url = f"{SCHEME}://{addr}:{PORT}/index.html"
    want = open(os.path.join(www, "index.html"), "rb").read()
    ca = ["--cacert", TLS_CA] if TLS else []
    p = subprocess.run(["curl", "-sS", "--max-time", "20", *ca, url],
                       capture_output=True, timeout=60)
    ck(p.returncode == 0 and p.stdout == want, "curl GET /index.html: the file",
       p.stderr.decode(errors="replace"))
    p = subprocess.run(["curl", "-sS", "-I", "--max-time", "20", *ca, url],
                       capture_output=True, text=True, timeout=60)
    ck(p.returncode == 0 and p.stdout.startswith("HTTP/1.1 200 OK") and
       f"Content-Length: {len(want)}" in p.stdout,
       "curl -I /index.html: 200 with the file's length", p.stdout + p.stderr)


def check_keepalive(ck, addr):
    """Two URLs on one connection: the second reuses the first's socket,
    and the server counts one connection more, not two."""
    before = stats(addr)["connections_total"]
    c = conn(addr)
    c.request("GET", "/")
    r1 = c.getresponse()
    r1.read()
    sock1 = c.sock
    c.request("GET", "/stats")
    r2 = c.getresponse()
    body = r2.read()
    ck(r1.status == 200 and r2.status == 200 and c.sock is sock1,
       "keep-alive: two requests, one connection (client side)")
    c.close()
    after = json.loads(body)["connections_total"]
    ck(after - before == 1, "keep-alive: the server counted one connection "
       "for both requests", f"{before} -> {after}")


def check_pipelining(ck, addr):
    """Two requests in one write: two answers, in order."""
    req = (b"GET /stats HTTP/1.1\r\nHost: t\r\n\r\n"
           b"GET /nothere HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    got = raw(addr, req)
    codes = re.findall(rb"^HTTP/1\.1 (\d{3}) ", got, re.M)
    ck(codes == [b"200", b"404"], "pipelining: 200 then 404, in order",
       got[:400].decode(errors="replace"))


def check_errors(ck, addr):
    """Each limit and malformed request gets its status code."""
    st, h, _ = get(addr, "/nothere.html")
    ck(st == 404, "404 for a missing file", f"status {st}")
    st, h, _ = get(addr, "/", "DELETE")
    ck(st == 405 and "GET" in h.get("allow", ""), "405 with Allow for DELETE /",
       f"status {st} {h}")
    got = raw(addr, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: "
              b"%d\r\n\r\n" % (64 << 20), until_close=False)
    ck(status_of(got) == 413, "413 for a 64 MiB body announced",
       got[:200].decode(errors="replace"))
    got = raw(addr, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
              until_close=False)
    ck(status_of(got) == 414, "414 for a 20000-octet target",
       got[:200].decode(errors="replace"))
    got = raw(addr, b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"b" * 40000 +
              b"\r\n\r\n", until_close=False)
    ck(status_of(got) == 431, "431 for 40000 octets of headers",
       got[:200].decode(errors="replace"))
    got = raw(addr, b"GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
              b"gzip\r\n\r\n", until_close=False)
    ck(status_of(got) == 501, "501 for an unknown transfer coding",
       got[:200].decode(errors="replace"))
    got = raw(addr, b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", until_close=False)
    ck(status_of(got) in (400, 505), "400 or 505 for HTTP/2.0 in a request line",
       got[:200].decode(errors="replace"))
    got = raw(addr, b"GET /index.html HTTP/1.1 junk\r\n\r\n",
              until_close=False)
    ck(status_of(got) == 400, "400 for a malformed request line",
       got[:200].decode(errors="replace"))
    got = raw(addr, b"BREW / HTTP/1.1\r\nHost: t\r\n\r\n", until_close=False)
    ck(status_of(got) == 501, "501 for an unknown method",
       got[:200].decode(errors="replace"))


def check_traversal(ck, addr):
    """No way out of the root: 400 or 404, never a file outside."""
    for target in (b"/../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd",
                   b"/sub/..%2f..%2fetc/passwd", b"/%2e%2e%2fetc%2fpasswd",
                   b"/index.html%00.txt", b"/..", b"/./../etc/passwd",
                   b"//etc/passwd", b"/\\..\\etc\\passwd"):
        got = raw(addr, b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n"
                  b"Connection: close\r\n\r\n")
        st = status_of(got)
        ck(st in (400, 404) and b"root:" not in got,
           f"traversal {target.decode()}: {st}",
           got[:300].decode(errors="replace"))


def check_ranges(ck, www, addr):
    """One byte range: 206 with Content-Range; unsatisfiable: 416."""
    path, data = max(site_files(www).items(), key=lambda kv: len(kv[1]))
    n = len(data)
    for rng, lo, hi in (("bytes=0-9", 0, 9), (f"bytes={n - 5}-", n - 5, n - 1),
                        ("bytes=-7", n - 7, n - 1), ("bytes=3-3", 3, 3)):
        st, h, body = get(addr, path, headers={"Range": rng})
        ck(st == 206 and body == data[lo:hi + 1] and
           h.get("content-range") == f"bytes {lo}-{hi}/{n}",
           f"Range {rng} of {path}: 206, octets {lo}-{hi}",
           f"status {st} {h} {len(body)} octets")
    st, h, _ = get(addr, path, headers={"Range": f"bytes={n + 10}-"})
    ck(st == 416 and h.get("content-range") == f"bytes */{n}",
       f"Range past the end of {path}: 416", f"status {st} {h}")


def check_conditional(ck, www, addr):
    """Conditional GET: 304 by ETag and by Last-Modified, 200 otherwise."""
    st, h, _ = get(addr, "/index.html")
    etag, lm = h.get("etag"), h.get("last-modified")
    st, h2, body = get(addr, "/index.html", headers={"If-None-Match": etag})
    ck(st == 304 and body == b"" and h2.get("etag") == etag,
       "If-None-Match with the ETag: 304, no body", f"status {st} {h2}")
    st, _, _ = get(addr, "/index.html", headers={"If-None-Match": '"other"'})
    ck(st == 200, "If-None-Match with another ETag: 200", f"status {st}")
    st, _, body = get(addr, "/index.html", headers={"If-Modified-Since": lm})
    ck(st == 304 and body == b"", "If-Modified-Since its Last-Modified: 304",
       f"status {st}")
    st, _, _ = get(addr, "/index.html", headers={
        "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
    ck(st == 200, "If-Modified-Since in 2000: 200", f"status {st}")


def check_echo(ck, addr):
    """POST /echo returns the body, sent with Content-Length or chunked."""
    body = bytes(range(256)) * 300
    st, _, got = get(addr, "/echo", "POST", body=body)
    ck(st == 200 and got == body, "POST /echo, 76800 octets: echoed",
       f"status {st} {len(got)}")
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 1000]),
                                         body[i:i + 1000])
                      for i in range(0, len(body), 1000)) + b"0\r\n\r\n"
    got = raw(addr, b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
              b"chunked\r\nConnection: close\r\n\r\n" + chunks)
    head, _, rest = got.partition(b"\r\n\r\n")
    if re.search(rb"(?im)^transfer-encoding:\s*chunked", head):
        rest = dechunk(rest)
    ck(status_of(got) == 200 and rest == body, "POST /echo chunked: echoed",
       head.decode(errors="replace"))
    got = raw(addr, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
              b"Expect: 100-continue\r\n\r\n", until_close=False, wait=3)
    ck(got.startswith(b"HTTP/1.1 100 Continue\r\n"),
       "Expect: 100-continue: 100 Continue first",
       got[:200].decode(errors="replace"))


def stats(addr):
    """The server's /stats, parsed."""
    st, h, body = get(addr, "/stats")
    if st != 200:
        raise RuntimeError(f"/stats: status {st}")
    return json.loads(body)


def check_stats(ck, addr):
    """/stats is JSON with the counters the issue names."""
    st, h, body = get(addr, "/stats")
    ck(st == 200 and h.get("content-type", "").startswith("application/json"),
       "/stats: 200, application/json", f"status {st} {h}")
    try:
        s = json.loads(body)
    except ValueError:
        s = {}
    for key in ("uptime_s", "requests", "connections_open",
                "connections_total", "memory"):
        ck(key in s, f"/stats has {key}", body[:400].decode(errors="replace"))


def check_big(ck, addr):
    """The 10 MiB file of the initrd, whole and a range of it."""
    st, h, body = get(addr, "/big.bin")
    want = hashlib.sha256(big_data()).hexdigest()
    ck(st == 200 and len(body) == BIG and
       hashlib.sha256(body).hexdigest() == want,
       "GET /big.bin: 10 MiB, SHA-256 equal", f"status {st}, {len(body)}")
    lo = BIG // 2 - 1000
    st, h, body = get(addr, "/big.bin",
                      headers={"Range": f"bytes={lo}-{lo + 99999}"})
    ck(st == 206 and body == big_data()[lo:lo + 100000],
       "Range of 100000 octets in its middle", f"status {st}")


@functools.lru_cache(maxsize=1)
def big_data():
    """The 10 MiB file's bytes: a fixed pseudo-random stream."""
    out, block = [], hashlib.sha256(b"libos").digest()
    for i in range(BIG // 32):
        block = hashlib.sha256(block + i.to_bytes(4, "little")).digest()
        out.append(block)
    return b"".join(out)


def check_slowloris(ck, addr, n=100, step=2.0, limit=30.0):
    """n connections sending a byte every step seconds are closed by the
    header timeout (2 s here) while a normal client keeps getting 200s."""
    socks = []
    for _ in range(n):
        s = socket.create_connection((addr, PORT), timeout=10)
        s.setblocking(False)
        s.send(b"G")
        socks.append(s)
    served, slow, end = 0, 0, time.monotonic() + limit
    while time.monotonic() < end and socks:
        t0 = time.monotonic()
        st, _, _ = get(addr, "/index.html")
        slow += time.monotonic() - t0 > 5
        served += st == 200
        for s in list(socks):
            try:
                if s.recv(4096) == b"":
                    s.close()
                    socks.remove(s)
                    continue
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                socks.remove(s)
                continue
            try:
                s.send(b"E")
            except OSError:
                s.close()
                socks.remove(s)
        time.sleep(step)
    ck(not socks, f"slowloris: all {n} trickling connections closed within "
       f"{limit:.0f} s", f"{len(socks)} still open")
    ck(served > 0 and slow == 0, "slowloris: the normal client got 200s "
       "meanwhile, none slower than 5 s", f"{served} served, {slow} slow")
    for s in socks:
        s.close()


def check_load(ck, addr):
    """1000 sequential requests, 200 concurrent, h2load and ab; each phase
    bounded in time (generously: the host may be busy) and timed."""
    t0 = time.monotonic()
    c, ok = conn(addr), 0
    for i in range(1000):
        if time.monotonic() - t0 > 150:
            break
        c.request("GET", "/index.html")
        r = c.getresponse()
        r.read()
        ok += r.status == 200
    c.close()
    ck(ok == 1000, "1000 sequential requests on one connection: 1000 200s "
       f"({time.monotonic() - t0:.1f} s)", f"{ok}")

    def one(_):
        try:
            return get(addr, "/index.html")[0]
        except OSError as e:
            return str(e)
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(200) as ex:
        codes = list(ex.map(one, range(200)))
    ck(codes.count(200) == 200, "200 concurrent requests: 200 200s "
       f"({time.monotonic() - t0:.1f} s)",
       str([x for x in codes if x != 200][:5]))
    url = f"{SCHEME}://{addr}:{PORT}/index.html"
    t0 = time.monotonic()
    rc, out = run_bounded(["h2load", "--h1", "-n", "1000", "-c", "20",
                           "-N", "30s", url], 150)
    m = re.search(r"requests: (\d+) total.*?(\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored", out, re.S)
    ck(rc == 0 and m and m.group(2) == "1000" and m.group(3) == "0" and
       m.group(4) == "0", "h2load --h1 -n 1000 -c 20: 1000 succeeded, none "
       f"failed ({time.monotonic() - t0:.1f} s)", out[-800:])
    t0 = time.monotonic()
    rc, out = run_bounded(["ab", "-n", "1000", "-c", "20", "-k", "-s", "30",
                           url], 150)
    ok = rc == 0 and re.search(r"Complete requests:\s+1000", out) and \
        re.search(r"Failed requests:\s+0", out) and \
        not re.search(r"Non-2xx responses", out)
    ck(ok, "ab -n 1000 -c 20 -k: 1000 complete, 0 failed "
       f"({time.monotonic() - t0:.1f} s)", out[-800:])


def client(case, www, addr):
    """One case's checks against the server at addr; True if all passed."""
    ck = Checks()
    if case == "basic":
        check_curl(ck, www, addr)
        check_site(ck, www, addr)
        check_keepalive(ck, addr)
        check_pipelining(ck, addr)
        check_errors(ck, addr)
        check_traversal(ck, addr)
        check_ranges(ck, www, addr)
        check_conditional(ck, www, addr)
        check_echo(ck, addr)
        check_stats(ck, addr)
    elif case == "big":
        check_big(ck, addr)
    elif case == "slowloris":
        check_slowloris(ck, addr)
    elif case == "load":
        check_load(ck, addr)
    elif case == "smoke":
        st, _, body = get(addr, "/index.html")
        ck(st == 200 and body == open(os.path.join(www, "index.html"),
                                      "rb").read(), "GET /index.html")
        ck(get(addr, "/", "HEAD")[0] == 200, "HEAD /")
        ck(get(addr, "/nothere")[0] == 404, "404")
    return ck.ok()


# --------------------------------------------------------------- driver

def run(build, machine, case, www, tls=False):
    """Boot (https.elf with tls), run the client case in the namespace,
    check the guest is still serving; (ok, guest output)."""
    tmp = tempfile.mkdtemp(prefix="httptest")
    out, ok = [], False
    try:
        initrd = None
        if case == "big":
            initrd = os.path.join(tmp, "root")
            os.makedirs(os.path.join(initrd, "srv", "www"))
            with open(os.path.join(initrd, "srv", "www", "big.bin"), "wb") as f:
                f.write(big_data())
        name = "https" if tls else "http"
        addr = TLS_HOST if tls else netns.GUEST_IP
        ca = ["--ca", os.path.join(build, "certs", "ca.pem")] if tls else []
        with netns.Netns() as ns, (guestnet.hosts(ns, [TLS_HOST]) if tls
                                   else contextlib.nullcontext()):
            t0 = time.monotonic()
            p, out, _ = guestnet.boot(
                ns, os.path.join(build, f"examples/{name}/{name}.elf"),
                machine, CASES[case], rf"^{name}: .*serving", initrd)
            print(f"httptest: serving after {time.monotonic() - t0:.1f} s",
                  flush=True)
            # the client's lines go straight to the log as they come
            c = subprocess.run(ns.cmd("python3", os.path.abspath(__file__),
                                      "--client", case, www, addr, *ca),
                               timeout=800)
            ok = c.returncode == 0
            if p.poll() is not None:
                time.sleep(1)
                print(f"httptest: the guest ended, status {p.returncode}")
                ok = False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = "".join(out)
    if case == "basic":
        logged = re.search(CLF_LINE, text, re.M)
        print(f"httptest: access log line for GET /index.html: "
              f"{logged.group(0) if logged else 'NONE'}")
        ok &= bool(logged)
    bad = guestnet.guest_faults(text)
    if bad:
        print("httptest: the guest reported:\n" + "\n".join(bad))
        ok = False
    return ok, text


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--www", default=WWW)
    ap.add_argument("--tls", action="store_true",
                    help="test examples/https over TLS")
    ap.add_argument("--client", nargs=3, metavar=("CASE", "WWW", "ADDR"))
    ap.add_argument("--ca", help="the client's CA: over TLS")
    ap.add_argument("case", nargs="?", choices=list(CASES))
    a = ap.parse_args()
    if a.client:
        if a.ca:
            use_tls(a.ca)
        return 0 if client(*a.client) else 1
    if not a.case or not a.build:
        ap.error("--build and a case are needed")
    ok, out = run(a.build, a.machine, a.case, a.www, a.tls)
    print(out)
    print(f"httptest: {a.case}{' over TLS' if a.tls else ''} on {a.machine}: "
          f"{'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
