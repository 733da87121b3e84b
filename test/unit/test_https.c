/* lib/http over TLS (http_server_listen_tls, http_server_redirect_plain,
 * http_request_tls) on loopback sockets: a server in a child process
 * (its stderr kept in a file), lib/tls's client here, with the test
 * certificates of os_test_certs (TLS_CERTS). A GET, a file larger than
 * the socket buffers (sendfile's staging), pipelined requests in one
 * record larger than the connection's input (TLS's buffered input), the
 * plain port's redirects, a handshake left half done (dropped by
 * header_timeout_ms, logged once with the client's port), garbage for a
 * ClientHello (logged once, the server still serving), and the API's
 * refusals. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <http/http.h>
#include <tls/tls.h>

#include "http_internal.h" /* http_server_free */

#define CERT(f) TLS_CERTS "/" f
#define WWW "www.libos.test"
#define HANDSHAKE_MS 1500 /* the server's header_timeout_ms */
#define BIG (8 << 20)	  /* big.bin's size: over the send buffer */
#define WAIT_MS 20000	  /* the longest a client waits for anything */
#define HANDSHAKES 4	  /* the server's max_handshakes */

static char dir[64];	   /* the served tree */
static char log_path[160]; /* the server's stderr */
static uint16_t port;	   /* TLS; the plain port is port + 1 */
static pid_t child;
static struct tls_client *client;

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* ---- The server, in the child. */

/* GET /tls: "VERSION SNI" of the request's session, "plain" without. */
static void h_tls(struct http_request *r, void *arg)
{
	struct tls_conn *t = http_request_tls(r);
	char text[128];
	int n;

	(void)arg;
	if (t)
		n = snprintf(text, sizeof(text), "%s %s", tls_version_name(t),
			     tls_sni(t) ? tls_sni(t) : "-");
	else
		n = snprintf(text, sizeof(text), "plain");
	http_reply(r, 200, "text/plain", text, (size_t)n);
}

/* GET /timeouts: the server's timeout and refusal counters, "T R". */
static void h_timeouts(struct http_request *r, void *arg)
{
	struct http_server *s = arg;
	struct http_stats st;
	char text[32];
	int n;

	http_server_stats(s, &st);
	n = snprintf(text, sizeof(text), "%llu %llu",
		     (unsigned long long)st.timeouts,
		     (unsigned long long)st.refused);
	http_reply(r, 200, "text/plain", text, (size_t)n);
}

/* Make the server on the first free pair of ports from base, tell the
 * parent the TLS port through fd, and serve until SIGTERM. */
static __attribute__((noreturn)) void serve(int fd, uint16_t base)
{
	static const struct tls_keypair kp[] = {
		{ CERT(WWW ".pem"), CERT(WWW ".key") },
	};
	struct tls_server_config tc;
	struct tls_server *t;
	struct http_config cfg;
	struct http_server *s = NULL;
	char why[256];
	uint16_t p;

	freopen(log_path, "w", stderr);
	setvbuf(stderr, NULL, _IOLBF, 0);
	tls_server_config_default(&tc);
	tc.certs = kp;
	tc.ncerts = 1;
	if (tls_server_new(&t, &tc, why, sizeof(why)) < 0) {
		fprintf(stderr, "test: %s\n", why);
		_exit(1);
	}
	http_config_default(&cfg);
	cfg.header_timeout_ms = HANDSHAKE_MS;
	cfg.max_header_bytes = 4096; /* the input: 4 KiB, under a record */
	cfg.max_handshakes = HANDSHAKES;
	for (p = base; p < base + 200; p += 2) {
		cfg.port = (uint16_t)(p + 1);
		s = http_server_new(&cfg);
		if (s && http_server_listen_tls(s, p, t) == 0)
			break;
		s = NULL; /* a leak in a child that exits */
	}
	if (!s)
		_exit(1);
	http_route(s, HTTP_GET, "/tls", h_tls, NULL);
	http_route(s, HTTP_GET, "/timeouts", h_timeouts, s);
	http_route(s, HTTP_GET | HTTP_HEAD, "/", http_static_handler,
		   http_static_new(dir));
	http_server_redirect_plain(s, p);
	if (write(fd, &p, sizeof(p)) != sizeof(p))
		_exit(1);
	close(fd);
	_exit(http_server_run(s) ? 1 : 0);
}

/* The tree: hello.txt and big.bin (BIG pseudo-random octets). */
static void make_tree(void)
{
	char path[128];
	char *big = malloc(BIG);
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/test_https.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hello.txt", dir);
	f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	srand(7);
	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)rand();
	snprintf(path, sizeof(path), "%s/big.bin", dir);
	f = fopen(path, "w");
	assert_int_equal(fwrite(big, 1, BIG, f), BIG);
	fclose(f);
	free(big);
	snprintf(log_path, sizeof(log_path), "%s.log", dir);
}

static int setup(void **st)
{
	struct tls_client_config cc;
	char why[256];
	int fds[2];

	(void)st;
	make_tree();
	assert_int_equal(pipe(fds), 0);
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		close(fds[0]);
		serve(fds[1], (uint16_t)(30000 + getpid() % 15000 * 2));
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &port, sizeof(port)), sizeof(port));
	close(fds[0]);
	tls_client_config_default(&cc);
	cc.ca_file = CERT("ca.pem");
	assert_int_equal(tls_client_new(&client, &cc, why, sizeof(why)), 0);
	return 0;
}

static int teardown(void **st)
{
	char cmd[400];
	int status;

	(void)st;
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	tls_client_free(client);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, log_path);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- The client. */

/* A connection to the server's port p, retried while it starts; with
 * rcvbuf, that receive buffer. */
static int dial(uint16_t p, int rcvbuf)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(p),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	for (int i = 0; i < 500; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (rcvbuf)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				   sizeof(rcvbuf));
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		close(fd);
		usleep(10000);
	}
	fail_msg("no server on port %u", p);
	return -1;
}

/* Wait (at most WAIT_MS) for what t's last -EAGAIN wants on fd. */
static void wait_for(struct tls_conn *t, int fd)
{
	struct pollfd pf = { fd, (short)(tls_want(t) ? tls_want(t) : POLLIN),
			     0 };

	assert_int_equal(poll(&pf, 1, WAIT_MS), 1);
}

/* A TLS session to the server, its handshake done (fd non-blocking). */
static struct tls_conn *open_tls(int *fd, int rcvbuf)
{
	struct tls_conn *t;
	int r;

	*fd = dial(port, rcvbuf);
	fcntl(*fd, F_SETFL, O_NONBLOCK);
	t = tls_connect(client, *fd, WWW);
	assert_non_null(t);
	while ((r = tls_handshake(t)) == -EAGAIN)
		wait_for(t, *fd);
	assert_int_equal(r, 0);
	return t;
}

static void tls_send_all(struct tls_conn *t, int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t r = tls_write(t, p, n);

		if (r == -EAGAIN) {
			wait_for(t, fd);
			continue;
		}
		assert_true(r > 0);
		p += r;
		n -= (size_t)r;
	}
}

/* Read until the server closes (close_notify or the socket's end), at
 * most cap octets into buf; their count. */
static size_t tls_read_all(struct tls_conn *t, int fd, char *buf, size_t cap)
{
	size_t n = 0;

	for (;;) {
		ssize_t r = tls_read(t, buf + n, cap - n);

		if (r == -EAGAIN) {
			wait_for(t, fd);
			continue;
		}
		if (r <= 0)
			return n;
		n += (size_t)r;
		assert_true(n < cap);
	}
}

/* GET target over TLS with Connection: close; the whole response into
 * buf (cap octets), NUL-terminated; its length. */
static size_t get_tls(const char *target, char *buf, size_t cap, int rcvbuf)
{
	char req[256];
	int fd, n = snprintf(req, sizeof(req),
			     "GET %s HTTP/1.1\r\nHost: " WWW
			     "\r\nConnection: close\r\n\r\n",
			     target);
	struct tls_conn *t = open_tls(&fd, rcvbuf);
	size_t len;

	tls_send_all(t, fd, req, (size_t)n);
	if (rcvbuf)
		usleep(300000); /* the server's writes find the socket full */
	len = tls_read_all(t, fd, buf, cap - 1);
	buf[len] = '\0';
	tls_free(t);
	close(fd);
	return len;
}

/* The body of a response (after the blank line). */
static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	assert_non_null(b);
	return b + 4;
}

/* The server's stderr, NUL-terminated in buf. */
static void read_log(char *buf, size_t cap)
{
	FILE *f = fopen(log_path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* The local port of the connected socket fd. */
static unsigned local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Plain text to port p (the whole of req), the answer until the server
 * closes or WAIT_MS passes; the answer's length. */
static size_t plain(uint16_t p, const char *req, char *buf, size_t cap)
{
	int fd = dial(p, 0);
	size_t n = 0;
	ssize_t r;
	struct timeval tv = { WAIT_MS / 1000, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	while (n < cap - 1 && (r = recv(fd, buf + n, cap - 1 - n, 0)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
	return n;
}

/* ---- The tests. */

/* A GET over TLS 1.3: the file, and the session as the handler sees it
 * (http_request_tls: the version and the name sent). */
static void t_get(void **st)
{
	char buf[4096];

	(void)st;
	get_tls("/hello.txt", buf, sizeof(buf), 0);
	assert_memory_equal(buf, "HTTP/1.1 200 OK\r\n", 17);
	assert_string_equal(body_of(buf), "hello\n");
	get_tls("/tls", buf, sizeof(buf), 0);
	assert_string_equal(body_of(buf), "TLSv1.3 " WWW);
}

/* A file of 8 MiB to a client with a small receive buffer that waits
 * before reading: sent through the staging buffer across -EAGAINs,
 * every octet in order. */
static void t_big_file(void **st)
{
	char *buf = malloc(BIG + 4096), *want = malloc(BIG), path[128];
	size_t n;
	FILE *f;

	(void)st;
	snprintf(path, sizeof(path), "%s/big.bin", dir);
	f = fopen(path, "r");
	assert_int_equal(fread(want, 1, BIG, f), BIG);
	fclose(f);
	n = get_tls("/big.bin", buf, BIG + 4096, 16384);
	assert_memory_equal(buf, "HTTP/1.1 200 OK\r\n", 17);
	assert_int_equal(n - (size_t)(body_of(buf) - buf), BIG);
	assert_memory_equal(body_of(buf), want, BIG);
	free(buf);
	free(want);
}

/* 40 pipelined GETs in one TLS record (some 3 KiB... 16 KiB) while the
 * connection's input holds 4 KiB: what the first read leaves in lib/tls
 * comes with no epoll event, and must still be answered. */
static void t_pipelined_record(void **st)
{
	static const char one[] = "GET /hello.txt HTTP/1.1\r\nHost: " WWW
				  "\r\nX-Pad: 0123456789012345678901234567890"
				  "1234567890123456789012345678901234567890"
				  "1234567890123456789012345678901234567890"
				  "1234567890123456789012345678901234567890"
				  "1234567890123456789012345678901234567890"
				  "\r\n\r\n";
	char req[40 * sizeof(one)], buf[65536];
	size_t n = 0, got;
	struct tls_conn *t;
	int fd;

	(void)st;
	for (int i = 0; i < 40; i++) {
		memcpy(req + n, one, sizeof(one) - 1);
		n += sizeof(one) - 1;
	}
	memcpy(req + n - 4, "\r\nConnection: close\r\n\r\n", 23);
	n += 19;
	assert_true(n > 4096 && n <= 16384);
	t = open_tls(&fd, 0);
	assert_int_equal(tls_write(t, req, n), (ssize_t)n); /* one record */
	got = tls_read_all(t, fd, buf, sizeof(buf) - 1);
	buf[got] = '\0';
	assert_int_equal(count(buf, "HTTP/1.1 200 OK\r\n"), 40);
	tls_free(t);
	close(fd);
}

/* The plain port: 301 to the same target over HTTPS on the TLS port
 * (Host's own port dropped; an IPv6 literal kept whole), 400 without a
 * Host. */
static void t_redirect(void **st)
{
	char buf[2048], want[128];
	uint16_t pp = (uint16_t)(port + 1);

	(void)st;
	plain(pp,
	      "GET /a/b%20c?d=e HTTP/1.1\r\nHost: " WWW
	      ":8080\r\nConnection: close\r\n\r\n",
	      buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 301 Moved Permanently\r\n", 32);
	snprintf(want, sizeof(want),
		 "\r\nLocation: https://" WWW ":%u/a/b%%20c?d=e\r\n", port);
	assert_non_null(strstr(buf, want));
	plain(pp,
	      "HEAD /tls HTTP/1.1\r\nHost: [::1]:80\r\nConnection: "
	      "close\r\n\r\n",
	      buf, sizeof(buf));
	snprintf(want, sizeof(want), "\r\nLocation: https://[::1]:%u/tls\r\n",
		 port);
	assert_non_null(strstr(buf, want));
	plain(pp, "GET / HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 400 Bad Request\r\n", 26);
	plain(pp, "GET / HTTP/1.1\r\nHost: a\"b\r\nConnection: close\r\n\r\n",
	      buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 400 Bad Request\r\n", 26);
}

/* A client that sends half a ClientHello and stops is dropped once
 * header_timeout_ms from the accept has passed (not before), counted as
 * a timeout; the server serves meanwhile and after. */
static void t_handshake_timeout(void **st)
{
	/* a TLS record header promising 512 octets, and 5 of them */
	static const char half[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03";
	uint64_t t0 = now_ms(); /* before the connect, so before the accept */
	int fd = dial(port, 0);
	struct pollfd pf = { fd, POLLIN, 0 };
	char buf[4096], c;

	(void)st;
	assert_int_equal(send(fd, half, sizeof(half) - 1, 0), sizeof(half) - 1);
	get_tls("/hello.txt", buf, sizeof(buf), 0); /* not held up */
	assert_string_equal(body_of(buf), "hello\n");
	assert_int_equal(poll(&pf, 1, WAIT_MS), 1);
	assert_true(recv(fd, &c, 1, 0) <= 0); /* closed, nothing sent */
	assert_true(now_ms() - t0 >= HANDSHAKE_MS);
	close(fd);
	get_tls("/timeouts", buf, sizeof(buf), 0);
	assert_true(atoi(body_of(buf)) >= 1);
}

/* A handshake left half done, dropped by header_timeout_ms: logged
 * once, "https: 127.0.0.1:PORT: handshake timed out after N ms" with the
 * client's port and N at least HANDSHAKE_MS (the line is written before
 * the socket closes). */
static void t_handshake_timeout_logged(void **st)
{
	static const char half[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03";
	int fd = dial(port, 0);
	struct pollfd pf = { fd, POLLIN, 0 };
	char log[8192], line[80], c;
	const char *at;

	(void)st;
	snprintf(line, sizeof(line),
		 "https: 127.0.0.1:%u: handshake timed out after ",
		 local_port(fd));
	assert_int_equal(send(fd, half, sizeof(half) - 1, 0), sizeof(half) - 1);
	assert_int_equal(poll(&pf, 1, WAIT_MS), 1);
	assert_true(recv(fd, &c, 1, 0) <= 0);
	close(fd);
	read_log(log, sizeof(log));
	assert_int_equal(count(log, line), 1);
	at = strstr(log, line) + strlen(line);
	assert_true(strtoul(at, NULL, 10) >= HANDSHAKE_MS);
	assert_int_equal(strncmp(strchr(at, ' '), " ms\n", 4), 0);
}

/* Plain HTTP to the TLS port, in three pieces: the handshake fails,
 * logged once with the peer and lib/tls's reason; the next client is
 * served. */
static void t_garbage(void **st)
{
	static const char *const part[] = { "GET / HT", "TP/1.1\r\nHost: x",
					    "\r\n\r\n" };
	char before[8192], after[8192], buf[4096], line[64];
	int fd = dial(port, 0);
	struct timeval tv = { WAIT_MS / 1000, 0 };

	(void)st;
	snprintf(line, sizeof(line),
		 "https: 127.0.0.1:%u: handshake failed: ", local_port(fd));
	read_log(before, sizeof(before));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < 3; i++) {
		send(fd, part[i], strlen(part[i]), MSG_NOSIGNAL);
		usleep(20000);
	}
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	close(fd);
	get_tls("/hello.txt", buf, sizeof(buf), 0);
	assert_string_equal(body_of(buf), "hello\n");
	read_log(after, sizeof(after));
	assert_int_equal(count(after, line) - count(before, line), 1);
	assert_true(strlen(after) > strlen(before) + 40); /* a reason */
}

/* Whether a TLS handshake with the server completes (false when the
 * server closes the connection first). */
static bool handshake_ok(void)
{
	int fd = dial(port, 0), r;
	struct tls_conn *t;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	t = tls_connect(client, fd, WWW);
	assert_non_null(t);
	while ((r = tls_handshake(t)) == -EAGAIN)
		wait_for(t, fd);
	tls_free(t);
	close(fd);
	return r == 0;
}

/* HANDSHAKES connections that never send their ClientHello hold every
 * handshake slot: the next connection is closed at once (not held until
 * header_timeout_ms), and once they go the slots come back. */
static void t_handshake_cap(void **st)
{
	int held[HANDSHAKES], fd;
	struct pollfd pf;
	char c, buf[4096];
	bool ok = false;

	(void)st;
	for (int i = 0; i < HANDSHAKES; i++)
		held[i] = dial(port, 0);
	fd = dial(port, 0);
	pf = (struct pollfd){ fd, POLLIN, 0 };
	assert_int_equal(poll(&pf, 1, WAIT_MS), 1);
	assert_true(recv(fd, &c, 1, 0) <= 0); /* closed, nothing sent */
	for (int i = 0; i < HANDSHAKES; i++)
		close(held[i]);
	close(fd);
	/* the server sees the held ones go in its own time: bounded tries */
	for (int i = 0; i < 100 && !ok; i++) {
		ok = handshake_ok();
		if (!ok)
			usleep(50000);
	}
	assert_true(ok);
	get_tls("/timeouts", buf, sizeof(buf), 0);
	assert_true(atoi(strchr(body_of(buf), ' ') + 1) >= 1); /* refused */
}

/* http_server_listen_tls without a TLS server, and a server with
 * neither a plain port nor a TLS one: -EINVAL. */
static void t_refusals(void **st)
{
	struct http_config cfg;
	struct http_server *s;

	(void)st;
	http_config_default(&cfg);
	cfg.port = 0;
	s = http_server_new(&cfg);
	assert_non_null(s);
	assert_int_equal(http_server_listen_tls(s, port, NULL), -EINVAL);
	assert_int_equal(http_server_run(s), -EINVAL);
	http_server_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_get),
		cmocka_unit_test(t_big_file),
		cmocka_unit_test(t_pipelined_record),
		cmocka_unit_test(t_redirect),
		cmocka_unit_test(t_handshake_timeout),
		cmocka_unit_test(t_handshake_timeout_logged),
		cmocka_unit_test(t_garbage),
		cmocka_unit_test(t_handshake_cap),
		cmocka_unit_test(t_refusals),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
