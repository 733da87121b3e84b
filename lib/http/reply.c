/* lib/http: answers (http.h's http_reply* and http_add_header): the
 * status line, Date, Server, the body's framing and Connection, written
 * into the connection's output buffer. */
#include "http_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
	short status;
	const char *reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
};

const char *http_reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "";
}

const char *http_date(struct http_server *s)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t t = s->wall(s->clock_arg);
	struct tm tm;

	if (t == s->date_when && s->date[0])
		return s->date;
	gmtime_r(&t, &tm);
	snprintf(s->date, sizeof(s->date),
		 "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT",
		 &days[3 * tm.tm_wday], tm.tm_mday, &months[3 * tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	s->date_when = t;
	return s->date;
}

int conn_out(struct http_conn *c, const void *p, size_t n)
{
	if (c->out_head && c->out_head == c->out_len)
		c->out_head = c->out_len = 0;
	if (c->out_cap - c->out_len < n && c->out_head) {
		memmove(c->out, c->out + c->out_head, c->out_len - c->out_head);
		c->out_len -= c->out_head;
		c->out_head = 0;
	}
	if (c->out_cap - c->out_len < n)
		return -EMSGSIZE;
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

static bool has_body(int status)
{
	return status >= 200 && status != 204 && status != 304;
}

/* Decide whether the connection stays open after r's answer. */
static bool keep_open(struct http_request *r, uint64_t body_len)
{
	struct http_conn *c = r->c;

	if (!r->keep_alive || c->fail || c->s->stopping)
		return false;
	if (c->rd_eof && !c->in_len)
		return false; /* the peer's last request */
	if (body_len == UINT64_MAX && r->version < 11 && has_body(r->status))
		return false; /* 1.0 stream: ended by the close */
	return true;
}

/* Append fmt's text to h[0..cap) at *n; *n counts what did not fit too,
 * so *n >= cap tells the head is too long (nothing written past h). */
static void head_put(char *h, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= cap)
		return;
	va_start(ap, fmt);
	k = vsnprintf(h + *n, cap - *n, fmt, ap);
	va_end(ap);
	*n += k < 0 ? cap : (size_t)k;
}

int reply_head(struct http_request *r, int status, const char *ctype,
	       uint64_t body_len)
{
	struct http_conn *c = r->c;
	char h[1024];
	size_t n = 0;
	size_t saved = c->out_len;

	r->status = status;
	head_put(h, sizeof(h), &n, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status,
		 http_reason(status), http_date(c->s));
	if (c->s->cfg.server_name && c->s->cfg.server_name[0])
		head_put(h, sizeof(h), &n, "Server: %s\r\n",
			 c->s->cfg.server_name);
	if (ctype)
		head_put(h, sizeof(h), &n, "Content-Type: %s\r\n", ctype);
	if (!has_body(status))
		;
	else if (body_len != UINT64_MAX)
		head_put(h, sizeof(h), &n, "Content-Length: %" PRIu64 "\r\n",
			 body_len);
	else if (r->version >= 11)
		head_put(h, sizeof(h), &n, "Transfer-Encoding: chunked\r\n");
	if (!keep_open(r, body_len)) {
		c->close_after = true;
		head_put(h, sizeof(h), &n, "Connection: close\r\n");
	} else if (r->version < 11) {
		head_put(h, sizeof(h), &n, "Connection: keep-alive\r\n");
	}
	if (n >= sizeof(h))
		return -EMSGSIZE;
	if (conn_out(c, h, n) || conn_out(c, r->xh, r->xh_len) ||
	    conn_out(c, "\r\n", 2)) {
		c->out_len = saved;
		return -EMSGSIZE;
	}
	return 0;
}

static bool bad_text(const char *s)
{
	return s && strpbrk(s, "\r\n");
}

/* 0 when r may be answered with status now, else the errno. */
static int can_answer(const struct http_request *r, int status,
		      const char *ctype)
{
	if (r->answered)
		return -EALREADY;
	if (status < 100 || status > 599 || bad_text(ctype))
		return -EINVAL;
	return 0;
}

int http_add_header(struct http_request *r, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	if (r->answered)
		return -EALREADY;
	if (!nl || bad_text(name) || bad_text(value) || strchr(name, ':'))
		return -EINVAL;
	if (r->xh_len + nl + vl + 4 > r->xh_cap)
		return -EMSGSIZE;
	memcpy(r->xh + r->xh_len, name, nl);
	memcpy(r->xh + r->xh_len + nl, ": ", 2);
	memcpy(r->xh + r->xh_len + nl + 2, value, vl);
	memcpy(r->xh + r->xh_len + nl + 2 + vl, "\r\n", 2);
	r->xh_len += nl + vl + 4;
	return 0;
}

static bool send_body(const struct http_request *r)
{
	return r->method != HTTP_HEAD && has_body(r->status);
}

int http_reply(struct http_request *r, int status, const char *ctype,
	       const void *body, size_t len)
{
	struct http_conn *c = r->c;
	size_t saved = c->out_len;
	int err = can_answer(r, status, ctype);

	if (err)
		return err;
	if (!c->closed) {
		err = reply_head(r, status, ctype, len);
		if (!err && send_body(r))
			err = conn_out(c, body, len);
		if (err) {
			c->out_len = saved;
			c->close_after = false;
			return err;
		}
		r->sent_body = send_body(r) ? len : 0;
	}
	conn_answered(r);
	return 0;
}

int http_reply_error(struct http_request *r, int status)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "%d %s\n", status,
			 http_reason(status));

	return http_reply(r, status, "text/plain", body, (size_t)n);
}

int http_reply_ref(struct http_request *r, int status, const char *ctype,
		   const void *body, size_t len, void (*done)(void *arg),
		   void *arg)
{
	struct http_conn *c = r->c;
	int err = can_answer(r, status, ctype);

	if (err)
		return err;
	if (!c->closed && (err = reply_head(r, status, ctype, len)))
		return err;
	if (c->closed || !send_body(r) || !len) {
		if (done)
			done(arg);
	} else {
		c->ref = body;
		c->ref_len = len;
		c->ref_done = done;
		c->ref_arg = arg;
		r->sent_body = len;
	}
	conn_answered(r);
	return 0;
}

int http_reply_file(struct http_request *r, int status, const char *ctype,
		    int fd, off_t offset, size_t len)
{
	struct http_conn *c = r->c;
	int err = can_answer(r, status, ctype);

	if (err)
		return err;
	if (fd < 0 || offset < 0)
		return -EINVAL;
	if (!c->closed && (err = reply_head(r, status, ctype, len)))
		return err;
	if (c->closed || !send_body(r) || !len) {
		close(fd);
	} else {
		c->file_fd = fd;
		c->file_off = offset;
		c->file_len = len;
		r->sent_body = len;
	}
	conn_answered(r);
	return 0;
}

/* Add Allow with the methods of mask. */
static void add_allow(struct http_request *r, unsigned mask)
{
	static const char *const names[] = { "GET",    "HEAD",	  "POST", "PUT",
					     "DELETE", "OPTIONS", "PATCH" };
	char allow[96] = "";

	for (unsigned i = 0; i < 7; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (allow[0])
			strcat(allow, ", ");
		strcat(allow, names[i]);
	}
	http_add_header(r, "Allow", allow);
}

void reply_fail(struct http_request *r, int status, bool close)
{
	if (close) {
		r->c->fail = status;
		r->keep_alive = false;
	}
	if (status == 405)
		add_allow(r, r->c->allow);
	http_reply_error(r, status);
}
