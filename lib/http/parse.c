/* lib/http: a request from http-parser's callbacks (hp.h's conn_on_*):
 * its strings copied into the connection's arena, the limits checked as
 * the octets come, the route and the answers the library gives itself
 * decided when the headers are complete. */
#include "http_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Refuse the request with status: the parser stops with an error (-1:
 * on_headers_complete takes 1 and 2 as "no body" and "upgrade"). */
static int refuse(struct http_conn *c, int status)
{
	if (!c->fail)
		c->fail = status;
	return -1;
}

/* Append p[0..n) to the arena; false when it is full. */
static bool arena_put(struct http_conn *c, const char *p, size_t n)
{
	if (c->arena_cap - c->arena_len < n)
		return false;
	memcpy(c->arena + c->arena_len, p, n);
	c->arena_len += n;
	return true;
}

static bool arena_nul(struct http_conn *c)
{
	return arena_put(c, "", 1);
}

int conn_on_begin(void *cv)
{
	struct http_conn *c = cv;

	req_reset(c);
	c->phase = PH_HEAD;
	c->since = http_now(c->s);
	return 0;
}

/* The target's octets p[0..n): url_len counts only those in the arena
 * (the access log prints them), so a target over max_target keeps its
 * first max_target octets and no more. The method is known once the
 * target begins: named from here on, for a refusal's log line. */
int conn_on_url(void *cv, const char *p, size_t n)
{
	struct http_conn *c = cv;
	size_t room = c->s->cfg.max_target - c->url_len;
	size_t take = n < room ? n : room;

	if (!c->url_len)
		c->req.method_name = hp_method_name(c->hp);
	c->hdr_bytes += take;
	if (c->hdr_bytes <= c->s->cfg.max_header_bytes && arena_put(c, p, take))
		c->url_len += take;
	else if (take == n)
		return refuse(c, 431);
	return take < n ? refuse(c, 414) : 0;
}

int conn_on_field(void *cv, const char *p, size_t n)
{
	struct http_conn *c = cv;
	struct http_request *r = &c->req;

	if (c->phase == PH_BODY)
		return 0; /* a chunked body's trailer: never a header */
	if (c->last_cb != 1) {
		if (r->nhdr == c->s->cfg.max_headers || !arena_nul(c))
			return refuse(c, 431);
		r->hdr[r->nhdr].name = c->arena + c->arena_len;
		r->hdr[r->nhdr].value = "";
		r->nhdr++;
		c->hdr_bytes += 4; /* ": " and CRLF */
		c->last_cb = 1;
	}
	c->hdr_bytes += n;
	if (c->hdr_bytes > c->s->cfg.max_header_bytes || !arena_put(c, p, n))
		return refuse(c, 431);
	return 0;
}

int conn_on_value(void *cv, const char *p, size_t n)
{
	struct http_conn *c = cv;
	struct http_request *r = &c->req;

	if (c->phase == PH_BODY)
		return 0; /* as conn_on_field */
	if (c->last_cb != 2) {
		if (c->last_cb != 1 || !arena_nul(c))
			return refuse(c, 431);
		r->hdr[r->nhdr - 1].value = c->arena + c->arena_len;
		c->last_cb = 2;
	}
	c->hdr_bytes += n;
	if (c->hdr_bytes > c->s->cfg.max_header_bytes || !arena_put(c, p, n))
		return refuse(c, 431);
	return 0;
}

/* NUL-terminate the last string and strip the values' trailing blanks. */
static bool finish_strings(struct http_conn *c)
{
	struct http_request *r = &c->req;

	if (!arena_nul(c))
		return false;
	for (unsigned i = 0; i < r->nhdr; i++) {
		char *v = (char *)r->hdr[i].value;
		size_t len = strlen(v);

		while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			v[--len] = '\0';
	}
	return true;
}

/* The decoded path and the query from the target: 0 or a status. */
static int split_target(struct http_conn *c)
{
	struct http_request *r = &c->req;
	const char *url = c->arena + c->url_off;
	size_t po, pl, qo, ql;
	char *path;
	long n;

	if (hp_split_url(url, c->url_len,
			 r->method == HTTP_OTHER &&
				 !strcmp(r->method_name, "CONNECT"),
			 &po, &pl, &qo, &ql))
		return 400;
	if (c->arena_cap - c->arena_len < pl + ql + 3)
		return 414;
	path = c->arena + c->arena_len;
	if (!pl) {
		strcpy(path, url[0] == '*' ? "*" : "/");
		n = 1;
	} else if ((n = http_pct_decode(url + po, pl, path, false)) < 0) {
		return 400;
	}
	c->arena_len += (size_t)n + 1;
	r->path = path;
	r->query = c->arena + c->arena_len;
	memcpy(c->arena + c->arena_len, url + qo, ql);
	c->arena[c->arena_len + ql] = '\0';
	c->arena_len += ql + 1;
	return 0;
}

/* The status refusing the request's framing, or 0. */
static int check_framing(struct http_conn *c)
{
	const char *te = http_header(&c->req, "Transfer-Encoding");
	uint64_t cl = hp_content_length(c->hp);
	unsigned hosts = 0;

	for (unsigned i = 0; i < c->req.nhdr; i++)
		hosts += !strcasecmp(c->req.hdr[i].name, "Host");
	if (hosts > 1)
		return 400; /* RFC 9112 s3.2: which one would be meant? */

	if (hp_has_te(c->hp) &&
	    (!hp_chunked(c->hp) || !te || strcasecmp(te, "chunked")))
		return 501;
	if (cl != UINT64_MAX && cl > c->s->cfg.max_body)
		return 413;
	return 0;
}

static bool has_body(struct http_conn *c)
{
	uint64_t cl = hp_content_length(c->hp);

	return hp_chunked(c->hp) || (cl != UINT64_MAX && cl > 0);
}

/* The status for a request no route takes (404, 405, 501). */
static int miss_status(struct http_conn *c)
{
	if (c->allow)
		return 405;
	return c->req.method == HTTP_OTHER ? 501 : 404;
}

/* Expect: 0 to go on (100 Continue queued when it applies), or the
 * status answering it. */
static int expect(struct http_conn *c)
{
	const char *e = http_header(&c->req, "Expect");

	if (!e || c->req.version < 11)
		return 0;
	if (strcasecmp(e, "100-continue"))
		return 417;
	if (!has_body(c))
		return 0;
	if (!c->route)
		return miss_status(c);
	conn_out(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	conn_flush(c);
	return 0;
}

/* Make room for a body of n octets: false when memory is short. */
static bool body_room(struct http_conn *c, size_t n)
{
	char *b;

	if (n + 1 <= c->body_cap)
		return true;
	b = realloc(c->body, n + 1);
	if (!b)
		return false;
	c->body = b;
	c->body_cap = n + 1;
	return true;
}

int conn_on_headers(void *cv)
{
	struct http_conn *c = cv;
	struct http_request *r = &c->req;
	uint64_t cl = hp_content_length(c->hp);
	int st;

	r->version = hp_version(c->hp);
	r->method = hp_method_bit(c->hp);
	r->method_name = hp_method_name(c->hp);
	r->keep_alive = hp_keep_alive(c->hp);
	if (!finish_strings(c))
		return refuse(c, 431);
	if (r->version != 10 && r->version != 11)
		return refuse(c, 505);
	if ((st = split_target(c)) || (st = check_framing(c)))
		return refuse(c, st);
	c->route = route_find(c->s, r->path, r->method, &c->allow);
	if ((st = expect(c)))
		return refuse(c, st);
	if (cl != UINT64_MAX && !body_room(c, cl))
		return refuse(c, 503);
	c->phase = PH_BODY;
	c->since = http_now(c->s);
	return 0;
}

/* The body buffer's next size for want octets: doubled, within max_body. */
static size_t grown(const struct http_conn *c, size_t want)
{
	size_t n = c->body_cap * 2;

	if (n > c->s->cfg.max_body)
		n = c->s->cfg.max_body;
	return n < want ? want : n;
}

int conn_on_body(void *cv, const char *p, size_t n)
{
	struct http_conn *c = cv;
	struct http_request *r = &c->req;
	size_t want = r->body_len + n;

	if (want > c->s->cfg.max_body)
		return refuse(c, 413);
	if (want + 1 > c->body_cap && !body_room(c, grown(c, want)))
		return refuse(c, 503);
	memcpy(c->body + r->body_len, p, n);
	r->body_len = want;
	c->since = http_now(c->s);
	return 0;
}

int conn_on_complete(void *cv)
{
	struct http_conn *c = cv;
	struct http_request *r = &c->req;

	if (r->body_len)
		c->body[r->body_len] = '\0';
	r->body = r->body_len ? c->body : "";
	c->pending = true;
	hp_pause(c->hp, true);
	return 0;
}
