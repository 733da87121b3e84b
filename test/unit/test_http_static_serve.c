/* Unit tests of lib/http's static-file handler (static.c) as a client
 * sees it: a tree in a temporary directory, with symbolic links inside
 * and out of the root, served through the library's connections over an
 * in-memory transport (sendfile reads the file). Each request goes on a
 * connection of its own; the answer is parsed and its status, headers
 * and body checked: files, directory redirects and indexes, traversal
 * attempts, links, a FIFO, conditional requests and byte ranges. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "http_internal.h"

#define MTIME 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

/* The client's side of a connection: what the server sent. */
struct mem {
	char out[65536];
	size_t len;
	bool closed;
};

static ssize_t mem_send(void *t, const void *p, size_t n)
{
	struct mem *m = t;

	assert_true(m->len + n <= sizeof m->out);
	memcpy(m->out + m->len, p, n);
	m->len += n;
	return (ssize_t)n;
}

static ssize_t mem_sendfile(void *t, int fd, off_t *off, size_t n)
{
	struct mem *m = t;
	ssize_t got;

	assert_true(m->len + n <= sizeof m->out);
	got = pread(fd, m->out + m->len, n, *off);
	if (got < 0)
		return -errno;
	m->len += (size_t)got;
	*off += got;
	return got;
}

static void mem_close(void *t)
{
	((struct mem *)t)->closed = true;
}

static uint64_t clock_ms(void *arg)
{
	(void)arg;
	return 1000;
}

static time_t clock_wall(void *arg)
{
	(void)arg;
	return MTIME + 86400;
}

/* An answer, parsed. */
struct answer {
	int status;
	char head[4096]; /* status line and headers */
	const char *body;
	size_t body_len;
	struct mem m;
};

static struct {
	char dir[64];	/* the temporary directory */
	char root[128]; /* dir/www, served */
	struct http_server *s;
	struct http_static *st;
	char etag[64]; /* of a.css */
} T;

/* The value of header name in a's head (exact case), or NULL. */
static const char *header(struct answer *a, const char *name)
{
	static char v[512];
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof key, "\r\n%s: ", name);
	p = strstr(a->head, key);
	if (!p)
		return NULL;
	p += strlen(key);
	e = strstr(p, "\r\n");
	snprintf(v, sizeof v, "%.*s", (int)(e - p), p);
	return v;
}

/* Send the request line and header lines of req (without the final empty
 * line) on a new connection and parse the answer into *a. */
static void ask(struct answer *a, const char *req)
{
	struct http_transport tr = { .send = mem_send,
				     .sendfile = mem_sendfile,
				     .close = mem_close,
				     .t = &a->m };
	struct http_conn *c;
	char text[2048];
	const char *end;
	int n;

	memset(a, 0, sizeof *a);
	c = conn_open(T.s, &tr, "192.0.2.1");
	assert_non_null(c);
	n = snprintf(text, sizeof text, "%s\r\nHost: t\r\n\r\n", req);
	assert_int_equal(conn_feed(c, text, (size_t)n), n);
	conn_eof(c, 0);
	assert_true(a->m.closed);
	assert_true(conn_dead(c));
	conn_release(c);
	a->m.out[a->m.len < sizeof a->m.out ? a->m.len : 0] = '\0';
	end = strstr(a->m.out, "\r\n\r\n");
	assert_non_null(end);
	assert_true((size_t)(end - a->m.out) + 3 < sizeof a->head);
	memcpy(a->head, a->m.out, (size_t)(end - a->m.out) + 2);
	a->body = end + 4;
	a->body_len = a->m.len - (size_t)(a->body - a->m.out);
	assert_int_equal(sscanf(a->head, "HTTP/1.1 %d ", &a->status), 1);
}

/* Expect a's status and, when body is not NULL, its body exactly. */
static void expect(struct answer *a, int status, const char *body)
{
	if (a->status != status)
		fail_msg("status %d, not %d:\n%s", a->status, status, a->m.out);
	if (!body)
		return;
	assert_int_equal(a->body_len, strlen(body));
	assert_memory_equal(a->body, body, a->body_len);
}

/* Write file name under T.dir with text, modified at MTIME. */
static void put(const char *name, const char *text)
{
	char path[256];
	struct timespec ts[2] = { { MTIME, 0 }, { MTIME, 0 } };
	int fd;

	snprintf(path, sizeof path, "%s/%s", T.dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), strlen(text));
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
}

static void mkd(const char *name)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", T.dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void link_to(const char *target, const char *name)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", T.dir, name);
	assert_int_equal(symlink(target, path), 0);
}

/* 100 octets: "0123456789" ten times. */
static const char *digits100(void)
{
	static char d[101];

	for (int i = 0; i < 100; i++)
		d[i] = (char)('0' + i % 10);
	return d;
}

static int setup(void **state)
{
	struct http_config cfg;
	char abs_in[256];

	(void)state;
	snprintf(T.dir, sizeof T.dir, "/tmp/http_static_XXXXXX");
	assert_non_null(mkdtemp(T.dir));
	snprintf(T.root, sizeof T.root, "%s/www", T.dir);
	put("secret.txt", "secret\n");
	mkd("www");
	put("www/index.html", "<h1>home</h1>\n");
	put("www/a.css", "body{}\n");
	put("www/data.bin", digits100());
	put("www/empty.txt", "");
	put("www/script.js", "1;\n");
	mkd("www/sub");
	put("www/sub/index.html", "sub\n");
	mkd("www/noindex");
	mkd("www/sp ace");
	put("www/sp ace/index.html", "space\n");
	link_to("a.css", "www/link-in");
	snprintf(abs_in, sizeof abs_in, "%s/a.css", T.root);
	link_to(abs_in, "www/link-abs-in");
	link_to("../secret.txt", "www/link-out");
	link_to("/etc/passwd", "www/link-etc");
	link_to("..", "www/dir-out");
	link_to("..", "www/sub/up");
	link_to("loop", "www/loop");
	snprintf(abs_in, sizeof abs_in, "%s/fifo", T.root);
	assert_int_equal(mkfifo(abs_in, 0644), 0);

	http_config_default(&cfg);
	T.s = http_server_new(&cfg);
	assert_non_null(T.s);
	T.s->now_ms = clock_ms;
	T.s->wall = clock_wall;
	T.st = http_static_new(T.root);
	assert_non_null(T.st);
	assert_int_equal(http_route(T.s, HTTP_GET | HTTP_HEAD, "/static/",
				    http_static_handler, T.st),
			 0);
	assert_int_equal(http_route(T.s, HTTP_GET | HTTP_HEAD, "/",
				    http_static_handler, T.st),
			 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	http_server_free(T.s);
	free(T.st); /* http.h has no http_static_free: one calloc'd block */
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", T.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void test_new(void **state)
{
	char path[256];

	(void)state;
	errno = 0;
	assert_null(http_static_new("/nonexistent/www"));
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof path, "%s/a.css", T.root);
	assert_null(http_static_new(path));
	assert_int_equal(errno, ENOTDIR);
}

static void test_files(void **state)
{
	struct answer a;

	(void)state;
	ask(&a, "GET /a.css HTTP/1.1");
	expect(&a, 200, "body{}\n");
	assert_string_equal(header(&a, "Content-Type"),
			    "text/css; charset=utf-8");
	assert_string_equal(header(&a, "Content-Length"), "7");
	assert_string_equal(header(&a, "Accept-Ranges"), "bytes");
	assert_string_equal(header(&a, "Last-Modified"),
			    "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_non_null(header(&a, "ETag"));
	assert_int_equal(header(&a, "ETag")[0], '"');
	ask(&a, "GET /script.js HTTP/1.1");
	expect(&a, 200, "1;\n");
	assert_string_equal(header(&a, "Content-Type"),
			    "text/javascript; charset=utf-8");
	ask(&a, "GET /data.bin HTTP/1.1");
	expect(&a, 200, digits100());
	assert_string_equal(header(&a, "Content-Type"),
			    "application/octet-stream");
	ask(&a, "HEAD /a.css HTTP/1.1");
	expect(&a, 200, "");
	assert_string_equal(header(&a, "Content-Length"), "7");
	ask(&a, "GET /empty.txt HTTP/1.1");
	expect(&a, 200, "");
	assert_string_equal(header(&a, "Content-Length"), "0");
	ask(&a, "GET /static/a.css HTTP/1.1");
	expect(&a, 200, "body{}\n");
	ask(&a, "GET /missing HTTP/1.1");
	expect(&a, 404, NULL);
	ask(&a, "GET /a.css/ HTTP/1.1");
	expect(&a, 404, NULL);
	ask(&a, "GET /a.css/x HTTP/1.1");
	expect(&a, 404, NULL);
	ask(&a, "GET /.//./a.css HTTP/1.1");
	expect(&a, 200, "body{}\n");
}

static void test_directories(void **state)
{
	struct answer a;

	(void)state;
	ask(&a, "GET / HTTP/1.1");
	expect(&a, 200, "<h1>home</h1>\n");
	assert_string_equal(header(&a, "Content-Type"),
			    "text/html; charset=utf-8");
	ask(&a, "GET /sub HTTP/1.1");
	expect(&a, 301, NULL);
	assert_string_equal(header(&a, "Location"), "/sub/");
	ask(&a, "GET /sub/ HTTP/1.1");
	expect(&a, 200, "sub\n");
	ask(&a, "GET /static/sub HTTP/1.1");
	expect(&a, 301, NULL);
	assert_string_equal(header(&a, "Location"), "/static/sub/");
	ask(&a, "GET /sp%20ace HTTP/1.1");
	expect(&a, 301, NULL);
	assert_string_equal(header(&a, "Location"), "/sp%20ace/");
	ask(&a, "GET /sp%20ace/ HTTP/1.1");
	expect(&a, 200, "space\n");
	ask(&a, "GET /noindex/ HTTP/1.1");
	expect(&a, 404, NULL);
	ask(&a, "GET /static HTTP/1.1"); /* "/" route: no such file */
	expect(&a, 404, NULL);
}

static void test_traversal(void **state)
{
	static const char *const bad[] = {
		"GET /../secret.txt HTTP/1.1",
		"GET /%2e%2e/secret.txt HTTP/1.1",
		"GET /%2E%2E/secret.txt HTTP/1.1",
		"GET /.%2e/secret.txt HTTP/1.1",
		"GET /sub/../../secret.txt HTTP/1.1",
		"GET /static/../secret.txt HTTP/1.1",
		"GET /static/%2e%2e/secret.txt HTTP/1.1",
		"GET /..%2fsecret.txt HTTP/1.1",
		"GET /sub%2findex.html HTTP/1.1",
		"GET /sub%2Findex.html HTTP/1.1",
		"GET /%2e%2e%2fsecret.txt HTTP/1.1",
		"GET /sub/.. HTTP/1.1",
	};
	struct answer a;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ask(&a, bad[i]);
		if (a.status != 400)
			fail_msg("%s: %d, not 400\n%s", bad[i], a.status,
				 a.m.out);
		assert_null(strstr(a.body, "secret"));
	}
	/* a NUL never reaches the handler: the library answers 400 */
	ask(&a, "GET /a.css%00.txt HTTP/1.1");
	expect(&a, 400, NULL);
	assert_null(strstr(a.body, "body{}"));
}

static void test_links(void **state)
{
	struct answer a;

	(void)state;
	ask(&a, "GET /link-in HTTP/1.1");
	expect(&a, 200, "body{}\n");
	ask(&a, "GET /link-abs-in HTTP/1.1");
	expect(&a, 200, "body{}\n");
	ask(&a, "GET /sub/up/a.css HTTP/1.1");
	expect(&a, 200, "body{}\n");
	ask(&a, "GET /link-out HTTP/1.1");
	expect(&a, 404, NULL);
	ask(&a, "GET /link-etc HTTP/1.1");
	expect(&a, 404, NULL);
	ask(&a, "GET /dir-out/secret.txt HTTP/1.1");
	expect(&a, 404, NULL);
	ask(&a, "GET /dir-out/ HTTP/1.1");
	expect(&a, 404, NULL);
	ask(&a, "GET /dir-out HTTP/1.1");
	expect(&a, 404, NULL);
	ask(&a, "GET /loop HTTP/1.1");
	expect(&a, 404, NULL);
	/* not a file: a FIFO is not opened for a reader that never comes
	 * (the alarm ends the test if it is) */
	alarm(20);
	ask(&a, "GET /fifo HTTP/1.1");
	alarm(0);
	expect(&a, 404, NULL);
}

/* GET /a.css with one more header line. */
static void ask_css(struct answer *a, const char *line)
{
	char req[512];

	snprintf(req, sizeof req, "GET /a.css HTTP/1.1\r\n%s", line);
	ask(a, req);
}

static void test_conditional(void **state)
{
	struct answer a;
	char line[256];

	(void)state;
	ask(&a, "GET /a.css HTTP/1.1");
	snprintf(T.etag, sizeof T.etag, "%s", header(&a, "ETag"));
	snprintf(line, sizeof line, "If-None-Match: %s", T.etag);
	ask_css(&a, line);
	expect(&a, 304, "");
	assert_string_equal(header(&a, "ETag"), T.etag);
	assert_null(header(&a, "Content-Length"));
	snprintf(line, sizeof line, "If-None-Match: \"x\", W/%s", T.etag);
	ask_css(&a, line);
	expect(&a, 304, "");
	ask_css(&a, "If-None-Match: *");
	expect(&a, 304, "");
	ask_css(&a, "If-None-Match: \"other\"");
	expect(&a, 200, "body{}\n");
	ask_css(&a, "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT");
	expect(&a, 304, "");
	ask_css(&a, "If-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT");
	expect(&a, 200, "body{}\n");
	ask_css(&a, "If-Modified-Since: garbage");
	expect(&a, 200, "body{}\n");
	/* If-None-Match, when present, decides alone */
	ask_css(&a, "If-None-Match: \"other\"\r\n"
		    "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT");
	expect(&a, 200, "body{}\n");
}

/* GET /data.bin with one more header line. */
static void ask_data(struct answer *a, const char *method, const char *line)
{
	char req[512];

	snprintf(req, sizeof req, "%s /data.bin HTTP/1.1\r\n%s", method, line);
	ask(a, req);
}

static void test_ranges(void **state)
{
	struct answer a;
	char line[256];

	(void)state;
	ask_data(&a, "GET", "Range: bytes=10-19");
	expect(&a, 206, "0123456789");
	assert_string_equal(header(&a, "Content-Range"), "bytes 10-19/100");
	assert_string_equal(header(&a, "Content-Length"), "10");
	ask_data(&a, "GET", "Range: bytes=-3");
	expect(&a, 206, "789");
	assert_string_equal(header(&a, "Content-Range"), "bytes 97-99/100");
	ask_data(&a, "GET", "Range: bytes=98-");
	expect(&a, 206, "89");
	ask_data(&a, "GET", "Range: bytes=0-0");
	expect(&a, 206, "0");
	ask_data(&a, "GET", "Range: bytes=100-");
	expect(&a, 416, NULL);
	assert_string_equal(header(&a, "Content-Range"), "bytes */100");
	ask_data(&a, "GET", "Range: bytes=-0");
	expect(&a, 416, NULL);
	ask_data(&a, "GET", "Range: bytes=0-1,5-6");
	expect(&a, 200, digits100());
	assert_null(header(&a, "Content-Range"));
	ask_data(&a, "GET", "Range: bytes=5-2");
	expect(&a, 200, digits100());
	ask_data(&a, "HEAD", "Range: bytes=10-19");
	expect(&a, 200, "");
	assert_string_equal(header(&a, "Content-Length"), "100");
	ask(&a, "GET /empty.txt HTTP/1.1\r\nRange: bytes=0-");
	expect(&a, 416, NULL);
	assert_string_equal(header(&a, "Content-Range"), "bytes */0");
	/* If-Range: the current validator lets the range apply */
	ask(&a, "GET /data.bin HTTP/1.1");
	snprintf(line, sizeof line, "Range: bytes=0-1\r\nIf-Range: %s",
		 header(&a, "ETag"));
	ask_data(&a, "GET", line);
	expect(&a, 206, "01");
	ask_data(&a, "GET", "Range: bytes=0-1\r\nIf-Range: \"old\"");
	expect(&a, 200, digits100());
	ask_data(&a, "GET",
		 "Range: bytes=0-1\r\n"
		 "If-Range: Sun, 06 Nov 1994 08:49:37 GMT");
	expect(&a, 206, "01");
	ask_data(&a, "GET",
		 "Range: bytes=0-1\r\n"
		 "If-Range: Sun, 06 Nov 1994 08:49:38 GMT");
	expect(&a, 200, digits100());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_directories),
		cmocka_unit_test(test_traversal),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_conditional),
		cmocka_unit_test(test_ranges),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
