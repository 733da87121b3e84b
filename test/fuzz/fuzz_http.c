/* libFuzzer target: arbitrary bytes into one lib/http connection through
 * an in-memory transport, with a handful of routes (a plain answer, an
 * echo of the body, a query reader, a streamed answer, one answered only
 * at the next read, a prefix route). The input's first octet picks how
 * it is cut into reads, whether the transport refuses output every other
 * read (then drained) and how far the clock moves between reads (so the
 * timeouts fire). After the last read the peer's FIN. An input fails
 * (abort) when the output is not a sequence of whole, well-formed
 * responses (test/unit/http_resp.c: status line, Date and Server, one
 * framing, nothing after Connection: close), when a status is not one
 * the library or a route gives, when a deferred request is never
 * answered, or when the connection is still open at the end; besides
 * crashes, leaks and undefined behaviour (ASan, UBSan). Seeds:
 * corpus_http/ (make_http_seeds.py). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "http_resp.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

static struct {
	char buf[1 << 18];
	size_t len;
	bool closed, block, overflow;
} M;

static ssize_t m_send(void *t, const void *p, size_t n)
{
	(void)t;
	check(!M.closed);
	if (M.block)
		return -EAGAIN;
	if (n > sizeof(M.buf) - M.len) {
		M.overflow = true;
		return (ssize_t)n;
	}
	memcpy(M.buf + M.len, p, n);
	M.len += n;
	return (ssize_t)n;
}

static ssize_t m_sendfile(void *t, int fd, off_t *off, size_t n)
{
	(void)t, (void)fd, (void)off, (void)n;
	abort(); /* no route sends a file */
}

static void m_close(void *t)
{
	(void)t;
	check(!M.closed);
	M.closed = true;
}

static uint64_t clock_ms;
static struct http_request *held;

static uint64_t f_now(void *a)
{
	(void)a;
	return clock_ms;
}

static time_t f_wall(void *a)
{
	(void)a;
	return 1700000000;
}

static void h_a(struct http_request *r, void *arg)
{
	(void)arg;
	check(http_reply(r, 200, "text/plain", "A", 1) == 0);
}

static void h_echo(struct http_request *r, void *arg)
{
	char out[300] = "echo:";
	size_t n;
	const char *b = http_body(r, &n);

	(void)arg;
	check(n <= 256 && b[n] == '\0');
	memcpy(out + 5, b, n);
	check(http_reply(r, 200, NULL, out, n + 5) == 0);
}

static void h_q(struct http_request *r, void *arg)
{
	char v[32];
	int n = http_query_param(r, "a", v, sizeof(v));
	const char *h = http_header(r, "x-a");

	(void)arg;
	check(n == -ENOENT || n == -ENOSPC || n == -EINVAL ||
	      (n >= 0 && (size_t)n < 32));
	check(strlen(http_path(r)) >= strlen(http_path_rest(r)));
	if (h)
		check(h[0] != ' ');
	check(http_reply(r, 204, NULL, "", 0) == 0);
}

static void h_stream(struct http_request *r, void *arg)
{
	(void)arg;
	check(http_stream_begin(r, 200, "text/plain") == 0);
	check(http_stream_write(r, "chunk", 5) >= 0);
	check(http_stream_end(r) == 0);
}

static void h_later(struct http_request *r, void *arg)
{
	(void)arg;
	check(!held);
	held = r;
}

static void answer_held(void)
{
	if (!held)
		return;
	check(http_reply(held, 202, NULL, "later", 5) == 0);
	held = NULL;
}

static bool known_status(int s)
{
	static const int ok[] = { 100, 200, 202, 204, 400, 404, 405,
				  408, 413, 414, 417, 431, 501, 505 };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (s == ok[i])
			return true;
	return false;
}

static struct http_server *server(void)
{
	struct http_config cfg;
	struct http_server *s;

	http_config_default(&cfg);
	cfg.max_target = 128;
	cfg.max_header_bytes = 1024;
	cfg.max_headers = 16;
	cfg.max_body = 256;
	cfg.out_buffer = 2048;
	s = http_server_new(&cfg);
	check(s != NULL);
	s->now_ms = f_now;
	s->wall = f_wall;
	http_route(s, HTTP_GET | HTTP_HEAD, "/a", h_a, NULL);
	http_route(s, HTTP_POST | HTTP_PUT, "/echo", h_echo, NULL);
	http_route(s, HTTP_GET, "/q", h_q, NULL);
	http_route(s, HTTP_GET | HTTP_HEAD, "/s", h_stream, NULL);
	http_route(s, HTTP_GET, "/later", h_later, NULL);
	http_route(s, HTTP_GET | HTTP_DELETE, "/p/", h_q, NULL);
	return s;
}

/* Feed d[0..n) in reads of step octets, as the control octet says. */
static void run(struct http_conn *c, uint8_t ctl, const uint8_t *d, size_t n)
{
	size_t step = 1 + (ctl & 31), i = 0;
	unsigned turn = 0;

	while (i < n && !M.closed) {
		size_t k = n - i < step ? n - i : step;

		M.block = (ctl & 64) && (turn & 1);
		i += conn_feed(c, d + i, k);
		if (M.block) {
			M.block = false;
			conn_writable(c);
		}
		answer_held();
		clock_ms += (ctl & 128) ? 3001 : 7;
		conn_tick(c, clock_ms);
		turn++;
		if (!conn_wants_read(c))
			break;
	}
}

static void check_output(void)
{
	static struct http_resp rs[64];
	const char *why = NULL;
	int k;

	if (M.overflow)
		return;
	k = http_resp_split(M.buf, M.len, rs, 64, &why);
	if (k < 0) {
		fprintf(stderr, "fuzz_http: %s\n", why);
		abort();
	}
	for (int i = 0; i < k && i < 64; i++)
		check(known_status(rs[i].status));
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct http_transport tr = { .send = m_send,
				     .sendfile = m_sendfile,
				     .close = m_close };
	struct http_server *s;
	struct http_conn *c;

	if (!n)
		return 0;
	M.len = 0;
	M.closed = M.block = M.overflow = false;
	clock_ms = 1;
	held = NULL;
	s = server();
	c = conn_open(s, &tr, "192.0.2.1");
	check(c != NULL);
	run(c, d[0], d + 1, n - 1);
	answer_held();
	conn_eof(c, 0);
	answer_held();
	check(M.closed && conn_dead(c));
	check_output();
	conn_release(c);
	http_server_free(s);
	return 0;
}
