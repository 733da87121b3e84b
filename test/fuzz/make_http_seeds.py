#!/usr/bin/python3
"""Write the seed corpus of fuzz_http (test/fuzz/corpus_http/*.bin): each
file is a control octet (fuzz_http.c: the read size, output refusals,
clock steps) then the bytes a client sends: a GET, HEAD, pipelined
requests, Content-Length and chunked bodies (with extensions and
trailers), Expect: 100-continue, HTTP/1.0 with and without keep-alive,
Connection: close, a deferred answer with a request behind it, a
streamed answer, query strings and percent-encoding (with %00), and the
refusals: 404, 405, 413, 414, 431, 501, 505, 400.

Usage: make_http_seeds.py [DIR]   (default: corpus_http/ next to this
script)
"""
import os
import sys

CRLF = "\r\n"


def req(line, *headers, body=""):
    return line + CRLF + "".join(h + CRLF for h in headers) + CRLF + body


SEEDS = {
    "get": (0, req("GET /a HTTP/1.1", "Host: x")),
    "head": (0, req("HEAD /a HTTP/1.1")),
    "pipelined": (5, req("GET /a HTTP/1.1") + req("GET /q?a=1 HTTP/1.1")
                  + req("HEAD /s HTTP/1.1")),
    "length_body": (3, req("POST /echo HTTP/1.1", "Content-Length: 5",
                           body="hello")),
    "chunked": (1, req("PUT /echo HTTP/1.1", "Transfer-Encoding: chunked",
                       body="5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n")),
    "expect": (31, req("POST /echo HTTP/1.1", "Expect: 100-continue",
                       "Content-Length: 3", body="abc")),
    "http10": (0, req("GET /a HTTP/1.0")),
    "http10_keepalive": (0, req("GET /a HTTP/1.0", "Connection: keep-alive")
                         + req("GET /s HTTP/1.0")),
    "close": (0, req("GET /a HTTP/1.1", "Connection: close")
              + req("GET /a HTTP/1.1")),
    "deferred": (64 + 2, req("GET /later HTTP/1.1") + req("GET /a HTTP/1.1")),
    "stream": (0, req("GET /s HTTP/1.1")),
    "query": (0, req("GET /p/a%20b?a=x+y%41&b HTTP/1.1", "X-A:  v ")),
    "nul": (0, req("GET /p/%00 HTTP/1.1")),
    "e404": (0, req("GET /nope HTTP/1.1")),
    "e405": (0, req("POST /a HTTP/1.1", "Content-Length: 0")),
    "e413": (0, req("POST /echo HTTP/1.1", "Content-Length: 300")),
    "e414": (0, req("GET /" + "x" * 130 + " HTTP/1.1")),
    "e431": (0, req("GET /a HTTP/1.1", *["H%d: v" % i for i in range(17)])),
    "e501": (0, req("POST /echo HTTP/1.1", "Transfer-Encoding: gzip")),
    "e505": (0, req("GET /a HTTP/2.0")),
    "e400": (0, req("GET /a HTTP/1.1", "bad header")),
    "slow": (128 + 0, "GET /a HTTP/1.1\r\nX: "),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus_http")
    os.makedirs(out, exist_ok=True)
    for name, (ctl, text) in SEEDS.items():
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(bytes([ctl]) + text.encode("latin-1"))


if __name__ == "__main__":
    main()
