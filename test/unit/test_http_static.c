/* Unit tests of lib/http's static-file rules (static_path.c and
 * static_cond.c): every traversal attempt on the decoded path, encoded
 * slashes in the raw target, the redirect's Location, MIME types, the
 * ETag and If-None-Match's weak comparison, HTTP dates written and read
 * back in their three forms, If-Modified-Since and If-Range, and every
 * edge of one byte range. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "static_internal.h"

/* Clean path and expect its result: want NULL for a refusal err. */
static void clean(const char *path, const char *want, bool want_dir)
{
	char out[4096];
	bool dir = !want_dir;
	int n = http_static_clean_path(path, out, sizeof out, &dir);

	if (n < 0)
		fail_msg("\"%s\" refused %d", path, n);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	assert_int_equal(dir, want_dir);
}

static void refused(const char *path, int err)
{
	char out[4096];
	bool dir;

	assert_int_equal(http_static_clean_path(path, out, sizeof out, &dir),
			 err);
}

static void test_clean_names(void **state)
{
	(void)state;
	clean("/a/b.css", "a/b.css", false);
	clean("/index.html", "index.html", false);
	clean("/", "", true);
	clean("", "", true); /* an exact route: the root itself */
	clean("//a//b//", "a/b", true);
	clean("/./a/./b", "a/b", false);
	clean("/a/.", "a", true);
	clean("/.", "", true);
	clean("/a/b/", "a/b", true);
	/* names that only look like dot segments, and backslashes */
	clean("/...", "...", false);
	clean("/a./", "a.", true);
	clean("/.a", ".a", false);
	clean("/..a", "..a", false);
	clean("/a..", "a..", false);
	clean("/ ..", " ..", false);
	clean("/.. ", ".. ", false);
	clean("/..\\x", "..\\x", false);
	clean("/a\\..\\b", "a\\..\\b", false);
	clean("/index.html.", "index.html.", false);
}

static void test_clean_traversal(void **state)
{
	(void)state;
	refused("/..", -EINVAL);
	refused("..", -EINVAL);
	refused("/../", -EINVAL);
	refused("/../etc/passwd", -EINVAL);
	refused("/a/../b", -EINVAL);
	refused("/a/..", -EINVAL);
	refused("/a/b/../../..", -EINVAL);
	refused("//..//etc", -EINVAL);
	refused("/./../x", -EINVAL);
	/* "%2e%2e", "%2e.", ".%2e" and "..%2f" as the library decodes them */
	refused("/a/../../etc/passwd", -EINVAL);
	refused("/static/..", -EINVAL);
	refused("/x/../", -EINVAL);
}

static void test_clean_long(void **state)
{
	char path[8192], out[4096];
	bool dir;

	(void)state;
	/* one component of 255 octets is a name, of 256 none */
	path[0] = '/';
	memset(path + 1, 'a', 255);
	path[256] = '\0';
	assert_int_equal(http_static_clean_path(path, out, sizeof out, &dir),
			 255);
	path[256] = 'a';
	path[257] = '\0';
	refused(path, -ENAMETOOLONG);
	/* a name longer than the output: refused, the output terminated */
	for (size_t i = 0; i < 4000; i += 2)
		memcpy(path + i, "/b", 2);
	path[4000] = '\0';
	assert_int_equal(http_static_clean_path(path, out, 100, &dir),
			 -ENAMETOOLONG);
	assert_true(strlen(out) < 100);
	/* 2000 segments "b": exactly filling the output (3999 and a NUL) */
	assert_int_equal(http_static_clean_path(path, out, 4000, &dir), 3999);
	assert_int_equal(http_static_clean_path(path, out, 3999, &dir),
			 -ENAMETOOLONG);
	/* a ".." deep in a long path is still found */
	memcpy(path + 3000, "/../", 4);
	refused(path, -EINVAL);
	assert_int_equal(http_static_clean_path("/a", out, 0, &dir),
			 -ENAMETOOLONG);
}

/* http_static_encoded_slash on s, from a heap block of exactly its
 * length (no NUL: a read past the end is caught by ASan). */
static bool slash(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n ? n : 1);
	bool r;

	assert_non_null(p);
	memcpy(p, s, n);
	r = http_static_encoded_slash(p, n);
	free(p);
	return r;
}

static void test_encoded_slash(void **state)
{
	(void)state;
	assert_true(slash("/a%2fb"));
	assert_true(slash("/a%2Fb"));
	assert_true(slash("/..%2f..%2fetc/passwd"));
	assert_false(slash("/a/b"));
	assert_false(slash("/a%2eb"));
	assert_false(slash("/a%5cb"));
	assert_false(slash("/a?x=%2f"));
	assert_true(slash("/a%2f"));
	assert_true(slash("%2F"));
	assert_false(slash("/a%2"));
	assert_false(slash("/a%2 "));
	assert_false(slash("/a%%2"));
	assert_false(slash("/a%"));
	assert_false(slash(""));
}

static void test_location(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(http_static_location(out, sizeof out, "", "docs"), 6);
	assert_string_equal(out, "/docs/");
	http_static_location(out, sizeof out, "/static", "a/sub dir");
	assert_string_equal(out, "/static/a/sub%20dir/");
	http_static_location(out, sizeof out, "", "q?x#y%z");
	assert_string_equal(out, "/q%3Fx%23y%25z/");
	http_static_location(out, sizeof out, "", "\xc3\xa9\r\n\"<>");
	assert_string_equal(out, "/%C3%A9%0D%0A%22%3C%3E/");
	http_static_location(out, sizeof out, "", "a-._~!$&'()*+,;=:@b");
	assert_string_equal(out, "/a-._~!$&'()*+,;=:@b/");
	/* "/docs/" needs 7 octets with its NUL */
	assert_int_equal(http_static_location(out, 7, "", "docs"), 6);
	assert_int_equal(http_static_location(out, 6, "", "docs"), -ENOSPC);
	assert_int_equal(http_static_location(out, 8, "", "a b"), 7);
	assert_int_equal(http_static_location(out, 7, "", "a b"), -ENOSPC);
}

static void test_mime(void **state)
{
	static const char *const cases[][2] = {
		{ "index.html", "text/html; charset=utf-8" },
		{ "a/b.htm", "text/html; charset=utf-8" },
		{ "INDEX.HTML", "text/html; charset=utf-8" },
		{ "s.css", "text/css; charset=utf-8" },
		{ "app.js", "text/javascript; charset=utf-8" },
		{ "m.mjs", "text/javascript; charset=utf-8" },
		{ "d.json", "application/json" },
		{ "r.txt", "text/plain; charset=utf-8" },
		{ "f.xml", "text/xml; charset=utf-8" },
		{ "i.svg", "image/svg+xml" },
		{ "i.png", "image/png" },
		{ "i.jpg", "image/jpeg" },
		{ "i.JPeG", "image/jpeg" },
		{ "i.gif", "image/gif" },
		{ "i.webp", "image/webp" },
		{ "favicon.ico", "image/x-icon" },
		{ "m.wasm", "application/wasm" },
		{ "d.pdf", "application/pdf" },
		{ "f.woff", "font/woff" },
		{ "f.woff2", "font/woff2" },
		{ "v.mp4", "video/mp4" },
		{ "a.tar.gz", "application/octet-stream" },
		{ "noext", "application/octet-stream" },
		{ ".css", "application/octet-stream" }, /* a dot file */
		{ "dir.css/file", "application/octet-stream" },
		{ "a.", "application/octet-stream" },
		{ "a.html5", "application/octet-stream" },
		{ "", "application/octet-stream" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		assert_string_equal(http_static_mime(cases[i][0]), cases[i][1]);
}

static void test_etag(void **state)
{
	char a[HTTP_STATIC_ETAG_LEN], b[HTTP_STATIC_ETAG_LEN];

	(void)state;
	http_static_etag(a, 0x1234, 1, 5);
	assert_string_equal(a, "\"1234-3b9aca05\"");
	http_static_etag(b, 0x1234, 1, 6); /* the same second, later */
	assert_string_not_equal(a, b);
	http_static_etag(b, 0x1235, 1, 5); /* another size */
	assert_string_not_equal(a, b);
	http_static_etag(a, UINT64_MAX, INT64_MAX / 1000000000, 999999999);
	assert_true(strlen(a) < HTTP_STATIC_ETAG_LEN);
	assert_int_equal(a[0], '"');
	assert_int_equal(a[strlen(a) - 1], '"');
}

static void test_etag_match(void **state)
{
	const char *e = "\"1234-5\"";

	(void)state;
	assert_true(http_static_etag_match("\"1234-5\"", e));
	assert_true(http_static_etag_match("W/\"1234-5\"", e));
	assert_true(http_static_etag_match("\"1234-5\"", "W/\"1234-5\""));
	assert_true(http_static_etag_match("\"a\", \"1234-5\"", e));
	assert_true(http_static_etag_match("\"a\",W/\"1234-5\" ,\"b\"", e));
	assert_true(http_static_etag_match(" , ,\"1234-5\",", e));
	assert_true(http_static_etag_match("*", e));
	assert_true(http_static_etag_match(" * ", e));
	assert_false(http_static_etag_match("\"1234-6\"", e));
	assert_false(http_static_etag_match("\"1234-5", e));
	assert_false(http_static_etag_match("1234-5", e));
	assert_false(http_static_etag_match("\"1234\"-5\"", e));
	assert_false(http_static_etag_match("\"a\" \"1234-5\"x", e));
	assert_false(http_static_etag_match("w/\"1234-5\"", e));
	assert_false(http_static_etag_match("\"1234 5\"", "\"1234 5\""));
	assert_false(http_static_etag_match("*, \"1234-5\"", e));
	assert_false(http_static_etag_match("", e));
	assert_false(http_static_etag_match("\"\"", e));
	/* a malformed element anywhere makes the whole list match nothing */
	assert_false(http_static_etag_match("\"1234-5\", junk", e));
}

/* Format t and expect want. */
static void date_is(int64_t t, const char *want)
{
	char out[HTTP_STATIC_DATE_LEN];

	assert_int_equal(http_static_date_format(out, t), 29);
	assert_string_equal(out, want);
}

static void test_date_format(void **state)
{
	char out[HTTP_STATIC_DATE_LEN];

	(void)state;
	date_is(784111777, "Sun, 06 Nov 1994 08:49:37 GMT");
	date_is(0, "Thu, 01 Jan 1970 00:00:00 GMT");
	date_is(-1, "Wed, 31 Dec 1969 23:59:59 GMT");
	date_is(951782400, "Tue, 29 Feb 2000 00:00:00 GMT");
	date_is(4107542399, "Sun, 28 Feb 2100 23:59:59 GMT");
	date_is(4107542400, "Mon, 01 Mar 2100 00:00:00 GMT");
	date_is(253402300799, "Fri, 31 Dec 9999 23:59:59 GMT");
	date_is(-62167219200, "Sat, 01 Jan 0000 00:00:00 GMT");
	assert_int_equal(http_static_date_format(out, 253402300800), -EINVAL);
	assert_int_equal(http_static_date_format(out, -62167219201), -EINVAL);
	assert_int_equal(http_static_date_format(out, INT64_MIN), -EINVAL);
}

static void parsed(const char *s, int64_t want)
{
	int64_t t = -12345;

	if (http_static_date_parse(s, &t))
		fail_msg("\"%s\" not parsed", s);
	assert_int_equal(t, want);
}

static void not_parsed(const char *s)
{
	int64_t t;

	if (!http_static_date_parse(s, &t))
		fail_msg("\"%s\" parsed as %lld", s, (long long)t);
}

static void test_date_parse(void **state)
{
	(void)state;
	parsed("Sun, 06 Nov 1994 08:49:37 GMT", 784111777);
	parsed("Sunday, 06-Nov-94 08:49:37 GMT", 784111777);
	parsed("Sun Nov  6 08:49:37 1994", 784111777);
	parsed("Sun Nov 16 08:49:37 1994", 784111777 + 10 * 86400);
	parsed("Thursday, 01-Jan-70 00:00:00 GMT", 0);
	parsed("Friday, 01-Jan-38 00:00:00 GMT", 2145916800); /* 2038 */
	parsed("Tue, 29 Feb 2000 00:00:00 GMT", 951782400);
	parsed("Mon, 31 Dec 1990 23:59:60 GMT", 662688000);
	/* the weekday is not checked against the date */
	parsed("Mon, 06 Nov 1994 08:49:37 GMT", 784111777);
	not_parsed("");
	not_parsed("Sun, 06 Nov 1994 08:49:37 UTC");
	not_parsed("Sun, 06 Nov 1994 08:49:37 GMT ");
	not_parsed("Sun, 06 Nov 1994 08:49:37");
	not_parsed("Sun, 6 Nov 1994 08:49:37 GMT");
	not_parsed("Sun, 06 nov 1994 08:49:37 GMT");
	not_parsed("sun, 06 Nov 1994 08:49:37 GMT");
	not_parsed("Sun,06 Nov 1994 08:49:37 GMT");
	not_parsed("Sun, 06 Nov 94 08:49:37 GMT");
	not_parsed("Sun, 00 Nov 1994 08:49:37 GMT");
	not_parsed("Sun, 31 Nov 1994 08:49:37 GMT");
	not_parsed("Sun, 29 Feb 1900 08:49:37 GMT");
	not_parsed("Sun, 29 Feb 1999 08:49:37 GMT");
	not_parsed("Sun, 06 Nov 1994 24:00:00 GMT");
	not_parsed("Sun, 06 Nov 1994 08:60:00 GMT");
	not_parsed("Sun, 06 Nov 1994 08:49:61 GMT");
	not_parsed("Sun, 06 Nov 1994 8:49:37 GMT");
	not_parsed("Sun, 06 Xyz 1994 08:49:37 GMT");
	not_parsed("Sun, 06-Nov-94 08:49:37 GMT");
	not_parsed("Sunday, 06 Nov 1994 08:49:37 GMT");
	not_parsed("Sun Nov 6 08:49:37 1994");
	not_parsed("Sun Nov  6 08:49:37 1994 ");
	not_parsed("Sun Nov 06 08:49:37 94");
	not_parsed("1994-11-06T08:49:37Z");
	not_parsed("784111777");
}

/* Format then parse dates across the years 0000..9999 (a fixed stride
 * that hits every month, weekday and time of day). */
static void test_date_round_trip(void **state)
{
	char s[HTTP_STATIC_DATE_LEN];
	const int64_t lo = -62167219200, hi = 253402300799;
	int64_t t, back;

	(void)state;
	for (t = lo; t <= hi; t += 86400 * 37 + 3907) {
		assert_int_equal(http_static_date_format(s, t), 29);
		assert_int_equal(http_static_date_parse(s, &back), 0);
		assert_int_equal(back, t);
	}
	assert_int_equal(http_static_date_format(s, hi), 29);
	assert_int_equal(http_static_date_parse(s, &back), 0);
	assert_int_equal(back, hi);
}

static void test_conditional(void **state)
{
	const char *e = "\"10-20\"";
	const int64_t m = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */

	(void)state;
	assert_false(http_static_not_modified(NULL, NULL, e, m));
	assert_true(http_static_not_modified("\"10-20\"", NULL, e, m));
	assert_true(http_static_not_modified("*", NULL, e, m));
	assert_false(http_static_not_modified("\"10-21\"", NULL, e, m));
	assert_true(http_static_not_modified(
		NULL, "Sun, 06 Nov 1994 08:49:37 GMT", e, m));
	assert_true(http_static_not_modified(
		NULL, "Sun, 06 Nov 1994 08:49:38 GMT", e, m));
	assert_true(http_static_not_modified(
		NULL, "Sunday, 06-Nov-94 08:49:37 GMT", e, m));
	assert_false(http_static_not_modified(
		NULL, "Sun, 06 Nov 1994 08:49:36 GMT", e, m));
	assert_false(http_static_not_modified(NULL, "yesterday", e, m));
	/* If-None-Match decides alone when present */
	assert_false(http_static_not_modified(
		"\"other\"", "Sun, 06 Nov 1994 08:49:38 GMT", e, m));
	assert_true(http_static_not_modified(
		"\"10-20\"", "Sun, 06 Nov 1994 08:49:30 GMT", e, m));
}

static void test_if_range(void **state)
{
	const char *e = "\"10-20\"";
	const int64_t m = 784111777;

	(void)state;
	assert_true(http_static_if_range(NULL, e, m));
	assert_true(http_static_if_range("\"10-20\"", e, m));
	assert_false(http_static_if_range("W/\"10-20\"", e, m));
	assert_false(http_static_if_range("\"10-21\"", e, m));
	assert_false(http_static_if_range("\"10-20\", \"x\"", e, m));
	assert_true(
		http_static_if_range("Sun, 06 Nov 1994 08:49:37 GMT", e, m));
	assert_false(
		http_static_if_range("Sun, 06 Nov 1994 08:49:38 GMT", e, m));
	assert_false(
		http_static_if_range("Sun, 06 Nov 1994 08:49:36 GMT", e, m));
	assert_false(http_static_if_range("junk", e, m));
	assert_false(http_static_if_range("", e, m));
}

struct range_case {
	const char *range;
	uint64_t size;
	enum http_static_range_kind kind;
	uint64_t off, len;
};

static void test_range(void **state)
{
	static const struct range_case cases[] = {
		{ NULL, 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=0-0", 10, HTTP_RANGE_PARTIAL, 0, 1 },
		{ "bytes=0-9", 10, HTTP_RANGE_PARTIAL, 0, 10 },
		{ "bytes=0-", 10, HTTP_RANGE_PARTIAL, 0, 10 },
		{ "bytes=5-", 10, HTTP_RANGE_PARTIAL, 5, 5 },
		{ "bytes=9-", 10, HTTP_RANGE_PARTIAL, 9, 1 },
		{ "bytes=9-100", 10, HTTP_RANGE_PARTIAL, 9, 1 },
		{ "bytes=2-4", 10, HTTP_RANGE_PARTIAL, 2, 3 },
		{ "bytes=-3", 10, HTTP_RANGE_PARTIAL, 7, 3 },
		{ "bytes=-10", 10, HTTP_RANGE_PARTIAL, 0, 10 },
		{ "bytes=-20", 10, HTTP_RANGE_PARTIAL, 0, 10 },
		{ "bytes=-0", 10, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=10-", 10, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=10-20", 10, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=3-2", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=20-10", 10, HTTP_RANGE_NONE, 0, 0 },
		/* an empty file */
		{ "bytes=0-", 0, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=0-0", 0, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=-0", 0, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=-1", 0, HTTP_RANGE_NONE, 0, 0 },
		/* numbers over 64 bits saturate */
		{ "bytes=0-99999999999999999999999", 10, HTTP_RANGE_PARTIAL, 0,
		  10 },
		{ "bytes=99999999999999999999-", 10, HTTP_RANGE_UNSATISFIABLE,
		  0, 0 },
		{ "bytes=-99999999999999999999", 10, HTTP_RANGE_PARTIAL, 0,
		  10 },
		/* 2^64 and 2^64 + 5 would wrap to 0 and 5 */
		{ "bytes=18446744073709551616-", 10, HTTP_RANGE_UNSATISFIABLE,
		  0, 0 },
		{ "bytes=0-18446744073709551621", 10, HTTP_RANGE_PARTIAL, 0,
		  10 },
		{ "bytes=-18446744073709551621", 10, HTTP_RANGE_PARTIAL, 0,
		  10 },
		{ "bytes=18446744073709551615-18446744073709551615", 10,
		  HTTP_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=18446744073709551614-", UINT64_MAX, HTTP_RANGE_PARTIAL,
		  UINT64_MAX - 1, 1 },
		{ "bytes=0-", UINT64_MAX, HTTP_RANGE_PARTIAL, 0, UINT64_MAX },
		/* syntax */
		{ "BYTES=1-2", 10, HTTP_RANGE_PARTIAL, 1, 2 },
		{ "bytes= 1-2 ", 10, HTTP_RANGE_PARTIAL, 1, 2 },
		{ "bytes=1-2,", 10, HTTP_RANGE_PARTIAL, 1, 2 },
		{ "bytes=,1-2", 10, HTTP_RANGE_PARTIAL, 1, 2 },
		{ "bytes=0-1,3-4", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=0-1, -2", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=20-30,0-1", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "items=0-1", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=-", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=a-b", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=1-2x", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=1 - 2", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=+1-2", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=--1", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes=1", 10, HTTP_RANGE_NONE, 0, 0 },
		{ "bytes 0-1", 10, HTTP_RANGE_NONE, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct range_case *c = &cases[i];
		uint64_t off = 77, len = 77;
		enum http_static_range_kind k =
			http_static_range(c->range, c->size, &off, &len);

		if (k != c->kind)
			fail_msg("\"%s\" of %llu: kind %d, not %d",
				 c->range ? c->range : "(none)",
				 (unsigned long long)c->size, k, c->kind);
		if (k != HTTP_RANGE_PARTIAL)
			continue;
		if (off != c->off || len != c->len)
			fail_msg("\"%s\": %llu+%llu, not %llu+%llu", c->range,
				 (unsigned long long)off,
				 (unsigned long long)len,
				 (unsigned long long)c->off,
				 (unsigned long long)c->len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_names),
		cmocka_unit_test(test_clean_traversal),
		cmocka_unit_test(test_clean_long),
		cmocka_unit_test(test_encoded_slash),
		cmocka_unit_test(test_location),
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_etag),
		cmocka_unit_test(test_etag_match),
		cmocka_unit_test(test_date_format),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_date_round_trip),
		cmocka_unit_test(test_conditional),
		cmocka_unit_test(test_if_range),
		cmocka_unit_test(test_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
