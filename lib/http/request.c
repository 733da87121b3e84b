/* lib/http: what a handler reads of a request (http.h's accessors),
 * percent-decoding and query parameters. */
#include "http_internal.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

unsigned http_method(const struct http_request *r)
{
	return r->method;
}

const char *http_method_name(const struct http_request *r)
{
	return r->method_name;
}

const char *http_path(const struct http_request *r)
{
	return r->path;
}

const char *http_path_rest(const struct http_request *r)
{
	return r->rest ? r->rest : r->path;
}

const char *http_target(const struct http_request *r, size_t *len)
{
	*len = r->c->url_len;
	return r->c->arena + r->c->url_off;
}

const char *http_query(const struct http_request *r)
{
	return r->query;
}

int http_version(const struct http_request *r)
{
	return r->version;
}

const char *http_peer(const struct http_request *r)
{
	return r->c->peer;
}

bool http_gone(const struct http_request *r)
{
	return r->c->closed;
}

const void *http_body(const struct http_request *r, size_t *len)
{
	*len = r->body_len;
	return r->body_len ? r->body : "";
}

const char *http_header(const struct http_request *r, const char *name)
{
	for (unsigned i = 0; i < r->nhdr; i++)
		if (!strcasecmp(r->hdr[i].name, name))
			return r->hdr[i].value;
	return NULL;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

long http_pct_decode(const char *s, size_t n, char *out, bool plus)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return -1;
			ch = (char)(hi << 4 | lo);
			i += 2;
		} else if (ch == '+' && plus) {
			ch = ' ';
		}
		if (ch == '\0')
			return -1;
		out[o++] = ch;
	}
	out[o] = '\0';
	return (long)o;
}

/* The value of name in the query q (decoded into out), as
 * http_query_param. */
static int query_find(const char *q, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);

	while (*q) {
		const char *end = strchr(q, '&');
		const char *eq;
		size_t len = end ? (size_t)(end - q) : strlen(q);

		eq = memchr(q, '=', len);
		if ((eq ? (size_t)(eq - q) : len) == nlen &&
		    !memcmp(q, name, nlen)) {
			const char *v = eq ? eq + 1 : q + len;
			size_t vlen = (size_t)(q + len - v);
			char tmp[vlen + 1];
			long d = http_pct_decode(v, vlen, tmp, true);

			if (d < 0)
				return -EINVAL;
			if ((size_t)d + 1 > outlen)
				return -ENOSPC;
			memcpy(out, tmp, (size_t)d + 1);
			return (int)d;
		}
		q += len + (end != NULL);
	}
	return -ENOENT;
}

int http_query_param(const struct http_request *r, const char *name, char *out,
		     size_t outlen)
{
	return query_find(r->query, name, out, outlen);
}

struct tls_conn *http_request_tls(const struct http_request *r)
{
	return r->c->tls;
}
