/* lib/http: streamed answers (http.h's http_stream_*): chunked coding for
 * HTTP/1.1, the body up to the close for HTTP/1.0. */
#include "http_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CHUNK_OVERHEAD 12 /* "ffffffff\r\n" and the CRLF after */
#define LAST_CHUNK "0\r\n\r\n"

static bool chunked(const struct http_request *r)
{
	return r->version >= 11;
}

static bool has_body(const struct http_request *r)
{
	return r->method != HTTP_HEAD && r->status >= 200 && r->status != 204 &&
	       r->status != 304;
}

int http_stream_begin(struct http_request *r, int status, const char *ctype)
{
	int err;

	if (r->answered)
		return -EALREADY;
	if (status < 100 || status > 599 || (ctype && strpbrk(ctype, "\r\n")))
		return -EINVAL;
	if (!r->c->closed && (err = reply_head(r, status, ctype, UINT64_MAX)))
		return err;
	r->status = status;
	r->answered = true;
	r->streaming = true;
	conn_flush(r->c);
	return 0;
}

static size_t room(const struct http_conn *c)
{
	return c->out_cap - (c->out_len - c->out_head);
}

ssize_t http_stream_write(struct http_request *r, const void *p, size_t n)
{
	struct http_conn *c = r->c;
	size_t reserve = chunked(r) ? CHUNK_OVERHEAD + sizeof(LAST_CHUNK) : 0;
	char head[24];
	size_t take;

	if (!r->streaming)
		return -EINVAL;
	if (c->closed)
		return -EPIPE;
	if (!has_body(r) || !n)
		return (ssize_t)n;
	if (room(c) <= reserve)
		return 0;
	take = room(c) - reserve;
	if (take > n)
		take = n;
	if (chunked(r)) {
		snprintf(head, sizeof(head), "%zx\r\n", take);
		conn_out(c, head, strlen(head));
	}
	conn_out(c, p, take);
	if (chunked(r))
		conn_out(c, "\r\n", 2);
	r->sent_body += take;
	conn_flush(c);
	return (ssize_t)take;
}

void http_stream_on_room(struct http_request *r,
			 void (*cb)(struct http_request *r, void *arg),
			 void *arg)
{
	struct http_conn *c = r->c;

	if (!c->blocked && c->out_len == c->out_head) {
		cb(r, arg); /* there is room now */
		return;
	}
	r->on_room = cb;
	r->on_room_arg = arg;
}

int http_stream_end(struct http_request *r)
{
	struct http_conn *c = r->c;

	if (!r->streaming)
		return -EINVAL;
	r->streaming = false;
	r->on_room = NULL;
	if (!c->closed && has_body(r) && chunked(r))
		conn_out(c, LAST_CHUNK, sizeof(LAST_CHUNK) - 1);
	conn_answered(r);
	return 0;
}
