/* The response reader of http_resp.h. */
#include "http_resp.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct rd {
	const char *p;
	size_t n, i;
	const char *why;
};

static bool fail(struct rd *r, const char *why)
{
	if (!r->why)
		r->why = why;
	return false;
}

/* The line at r->i (without CRLF) into *l and *len, advancing. */
static bool line(struct rd *r, const char **l, size_t *len)
{
	const char *e = memchr(r->p + r->i, '\r', r->n - r->i);

	if (!e || (size_t)(e - r->p) + 1 >= r->n || e[1] != '\n')
		return fail(r, "line without CRLF");
	*l = r->p + r->i;
	*len = (size_t)(e - *l);
	r->i = (size_t)(e - r->p) + 2;
	return true;
}

static bool status_line(struct rd *r, struct http_resp *o)
{
	const char *l;
	size_t len;

	if (!line(r, &l, &len))
		return false;
	if (len < 13 || memcmp(l, "HTTP/1.1 ", 9) || l[12] != ' ' ||
	    l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' ||
	    l[11] < '0' || l[11] > '9')
		return fail(r, "bad status line");
	o->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	return true;
}

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c);
}

/* One header field; *end at the blank line. */
static bool field(struct rd *r, struct http_resp *o, bool *end, unsigned *seen,
		  long long *clen)
{
	const char *l, *colon;
	size_t len, nl;

	if (!line(r, &l, &len))
		return false;
	if (!len) {
		*end = true;
		return true;
	}
	colon = memchr(l, ':', len);
	if (!colon || colon == l || colon + 1 >= l + len || colon[1] != ' ')
		return fail(r, "bad header field");
	nl = (size_t)(colon - l);
	for (size_t k = 0; k < nl; k++)
		if (!is_tchar(l[k]))
			return fail(r, "bad field name");
#define IS(name) (nl == sizeof(name) - 1 && !strncasecmp(l, name, nl))
	if (IS("Date"))
		*seen |= 1;
	if (IS("Server"))
		*seen |= 2;
	if (IS("Content-Length")) {
		if (o->has_length)
			return fail(r, "two Content-Length");
		o->has_length = true;
		*clen = strtoll(colon + 2, NULL, 10);
	}
	if (IS("Transfer-Encoding")) {
		if (len - nl - 2 != 7 || strncmp(colon + 2, "chunked", 7))
			return fail(r, "bad Transfer-Encoding");
		o->chunked = true;
	}
	if (IS("Connection") && len - nl - 2 == 5 &&
	    !strncmp(colon + 2, "close", 5))
		o->close = true;
#undef IS
	return true;
}

static void keep(struct http_resp *o, const char *p, size_t n)
{
	for (size_t k = 0; k < n && o->decoded_len + k < sizeof(o->body); k++)
		o->body[o->decoded_len + k] = p[k];
	o->decoded_len += n;
}

static bool chunks(struct rd *r, struct http_resp *o)
{
	for (;;) {
		const char *l;
		size_t len;
		char *end;
		unsigned long sz;

		if (!line(r, &l, &len))
			return false;
		sz = strtoul(l, &end, 16);
		if (!len || end != l + len)
			return fail(r, "bad chunk size");
		if (sz > r->n - r->i || r->n - r->i - sz < 2 ||
		    memcmp(r->p + r->i + sz, "\r\n", 2))
			return fail(r, "short chunk");
		if (!sz)
			return r->i += 2, true;
		keep(o, r->p + r->i, sz);
		r->i += sz + 2;
	}
}

static bool looks_like_status(const struct rd *r)
{
	return r->n - r->i >= 9 && !memcmp(r->p + r->i, "HTTP/1.1 ", 9);
}

static bool body(struct rd *r, struct http_resp *o, long long clen)
{
	bool none = o->status < 200 || o->status == 204 || o->status == 304;

	o->body_off = r->i;
	if (o->has_length && o->chunked)
		return fail(r, "both framings");
	if (none) {
		if (o->chunked)
			return fail(r, "body framing on a bodiless status");
	} else if (o->chunked && (looks_like_status(r) || r->i == r->n)) {
		; /* HEAD */
	} else if (o->chunked) {
		if (!chunks(r, o))
			return false;
	} else if (o->has_length) {
		/* HEAD: the next response follows at once, or nothing */
		if (clen > 0 && (looks_like_status(r) || r->i == r->n))
			clen = 0;
		if (clen < 0 || (unsigned long long)clen > r->n - r->i)
			return fail(r, "short body");
		keep(o, r->p + r->i, (size_t)clen);
		r->i += (size_t)clen;
	} else {
		if (!o->close)
			return fail(r, "no framing and no close");
		keep(o, r->p + r->i, r->n - r->i);
		r->i = r->n;
	}
	o->body_len = r->i - o->body_off;
	return true;
}

static bool one(struct rd *r, struct http_resp *o)
{
	bool end = false;
	unsigned seen = 0;
	long long clen = -1;

	memset(o, 0, sizeof(*o));
	o->head_off = r->i;
	if (!status_line(r, o))
		return false;
	while (!end)
		if (!field(r, o, &end, &seen, &clen))
			return false;
	o->head_len = r->i - o->head_off;
	if (o->status >= 200 && seen != 3)
		return fail(r, "no Date or Server");
	return body(r, o, clen);
}

int http_resp_split(const char *p, size_t n, struct http_resp *out, size_t max,
		    const char **why)
{
	struct rd r = { p, n, 0, NULL };
	struct http_resp tmp;
	size_t k = 0;

	while (r.i < n) {
		struct http_resp *o = k < max ? &out[k] : &tmp;

		if (!one(&r, o)) {
			*why = r.why;
			return -1;
		}
		if (o->close && r.i < n) {
			*why = "output after Connection: close";
			return -1;
		}
		k++;
	}
	return (int)k;
}
