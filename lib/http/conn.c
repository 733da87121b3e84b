/* lib/http: a connection's state machine: octets in through http-parser
 * (parse.c) to one request at a time, handed to its route's handler or
 * answered by the library, the next pipelined request parsed only once
 * the answer before it is given and sent; and its timeouts, on the
 * server's clock. No sockets here: the transport is an interface. */
#include "http_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XH_CAP 2048 /* http_add_header's fields */

uint64_t http_now(const struct http_server *s)
{
	return s->now_ms(s->clock_arg);
}

/* Sizes of a connection's buffers for s. */
static size_t arena_size(const struct http_config *cfg)
{
	return cfg->max_header_bytes + 2 * cfg->max_target +
	       2 * (size_t)cfg->max_headers + 64;
}

static size_t in_size(const struct http_config *cfg)
{
	return cfg->max_header_bytes < 4096 ? 4096 : cfg->max_header_bytes;
}

/* One allocation: the connection, its parser, header table, input,
 * arena, extra headers and output. */
static struct http_conn *conn_alloc(const struct http_config *cfg)
{
	size_t hdr = cfg->max_headers * sizeof(struct http_header_field);
	size_t hp = (hp_size() + 15) & ~(size_t)15;
	size_t total = sizeof(struct http_conn) + hp + hdr + in_size(cfg) +
		       arena_size(cfg) + XH_CAP + cfg->out_buffer;
	struct http_conn *c = calloc(1, total);
	char *p = (char *)(c + 1);

	if (!c)
		return NULL;
	c->hp = p;
	p += hp;
	c->req.hdr = (struct http_header_field *)p;
	p += hdr;
	c->in = p;
	c->in_cap = in_size(cfg);
	p += c->in_cap;
	c->arena = p;
	c->arena_cap = arena_size(cfg);
	p += c->arena_cap;
	c->req.xh = p;
	c->req.xh_cap = XH_CAP;
	p += XH_CAP;
	c->out = p;
	c->out_cap = cfg->out_buffer;
	return c;
}

void req_reset(struct http_conn *c)
{
	struct http_request *r = &c->req;
	struct http_header_field *hdr = r->hdr;
	char *xh = r->xh;

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->hdr = hdr;
	r->xh = xh;
	r->xh_cap = XH_CAP;
	r->version = 11;
	r->method_name = "-";
	r->path = r->query = "";
	r->body = "";
	c->arena_len = c->url_off = c->url_len = c->hdr_bytes = 0;
	c->last_cb = 0;
	c->route = NULL;
	c->allow = 0;
}

struct http_conn *conn_open(struct http_server *s,
			    const struct http_transport *tr, const char *peer)
{
	struct http_conn *c = s->free;

	if (c)
		s->free = c->next;
	else if (!(c = conn_alloc(&s->cfg)))
		return NULL;
	c->s = s;
	c->tr = *tr;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->peer_port = 0;
	hp_init(c->hp, c);
	req_reset(c);
	c->phase = PH_IDLE;
	c->since = c->send_since = http_now(s);
	c->in_len = c->out_head = c->out_len = 0;
	c->ref = NULL;
	c->file_fd = -1;
	c->fail = 0;
	c->close_after = c->closed = c->rd_eof = false;
	c->busy = c->pending = c->blocked = false;
	c->handshaking = c->redirect = c->timed_out = false;
	c->tls = NULL;
	c->prev = NULL;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	s->stats.connections++;
	s->stats.open_connections++;
	return c;
}

void conn_release(struct http_conn *c)
{
	struct http_server *s = c->s;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	s->stats.open_connections--;
	c->next = s->free;
	s->free = c;
}

void conn_destroy(struct http_conn *c)
{
	free(c->body);
	c->body = NULL;
	c->body_cap = 0;
}

bool conn_dead(const struct http_conn *c)
{
	return c->closed && c->phase != PH_HANDLER;
}

/* Print the target t[0..n) with '"', '\\' and any octet outside
 * printable ASCII as \xHH: the quoted field cannot be closed early. */
static void log_target(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)t[i];

		if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\')
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
}

/* The common log format line of r's answer. A method or target not read
 * (a request refused before it: an unknown method, say) is "-"; a
 * target refused as too long shows the octets kept of it (parse.c). */
static void access_log(const struct http_request *r)
{
	struct http_conn *c = r->c;
	time_t t = c->s->wall(c->s->clock_arg);
	struct tm tm;
	char when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	printf("%s - - [%s] \"%s ", c->peer, when, r->method_name);
	if (c->url_len)
		log_target(c->arena + c->url_off, c->url_len);
	else
		putchar('-');
	printf(" HTTP/%d.%d\" %d %llu\n", r->version / 10, r->version % 10,
	       r->status, (unsigned long long)r->sent_body);
	fflush(stdout);
}

void conn_answered(struct http_request *r)
{
	struct http_conn *c = r->c;
	struct http_server *s = c->s;

	r->answered = true;
	s->stats.requests++;
	s->stats.status[r->status / 100 % 6]++;
	if (s->cfg.access_log)
		access_log(r);
	c->phase = c->close_after ? PH_CLOSING : PH_IDLE;
	c->since = http_now(s);
	conn_flush(c);
	if (!c->busy)
		conn_run(c);
}

/* Hand the parsed request to its route, or answer it. */
static void dispatch(struct http_conn *c)
{
	struct http_request *r = &c->req;
	const struct http_route_entry *e = c->route;

	c->pending = false;
	if (c->redirect && c->s->redirect) {
		c->phase = PH_HANDLER;
		c->s->redirect(r);
		return;
	}
	if (!e) {
		reply_fail(r,
			   c->allow		   ? 405 :
			   r->method == HTTP_OTHER ? 501 :
						     404,
			   false);
		return;
	}
	r->rest = r->path + (e->prefix ? e->len - 1 : e->len);
	c->phase = PH_HANDLER;
	e->h(r, e->arg);
}

/* The parser refused the request: answer status, then close. */
static void fail(struct http_conn *c, int status)
{
	if (c->phase == PH_IDLE)
		req_reset(c);
	c->pending = false;
	reply_fail(&c->req, status, true);
}

static bool output_waits(const struct http_conn *c)
{
	return c->out_len > c->out_head || c->ref || c->file_fd >= 0;
}

/* Parse what the input holds: false when nothing more can be done now. */
static bool parse_some(struct http_conn *c)
{
	size_t n = hp_execute(c->hp, c->in, c->in_len);
	int st = hp_state(c->hp);

	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
	if (st == 1) {
		hp_pause(c->hp, false);
		return true;
	}
	if (st || c->fail) {
		fail(c, c->fail ? c->fail : st);
		return false;
	}
	return false;
}

/* The peer has ended its side and every request of it is answered. */
static void end_of_input(struct http_conn *c)
{
	if (c->phase == PH_IDLE && output_waits(c)) {
		c->close_after = true;
		return;
	}
	conn_close(c);
}

void conn_run(struct http_conn *c)
{
	if (c->busy)
		return;
	c->busy = true;
	while (!c->closed && c->phase != PH_HANDLER && c->phase != PH_CLOSING &&
	       !output_waits(c)) {
		if (c->pending) {
			dispatch(c);
			continue;
		}
		if (!c->in_len) {
			if (c->rd_eof)
				end_of_input(c);
			break;
		}
		if (!parse_some(c))
			break;
	}
	c->busy = false;
}

char *conn_recv_buf(struct http_conn *c, size_t *space)
{
	*space = conn_wants_read(c) ? c->in_cap - c->in_len : 0;
	return c->in + c->in_len;
}

void conn_received(struct http_conn *c, size_t n)
{
	c->in_len += n;
	c->s->stats.bytes_in += n;
	conn_run(c);
}

size_t conn_feed(struct http_conn *c, const void *p, size_t n)
{
	size_t done = 0, space;

	while (done < n) {
		char *b = conn_recv_buf(c, &space);

		if (!space)
			break;
		if (space > n - done)
			space = n - done;
		memcpy(b, (const char *)p + done, space);
		done += space;
		conn_received(c, space);
	}
	return done;
}

void conn_eof(struct http_conn *c, int err)
{
	if (err) {
		conn_close(c);
		return;
	}
	c->rd_eof = true;
	conn_run(c);
}

bool conn_wants_read(const struct http_conn *c)
{
	return !c->closed && !c->rd_eof && c->phase != PH_CLOSING &&
	       c->in_len < c->in_cap;
}

bool conn_wants_write(const struct http_conn *c)
{
	return !c->closed && c->blocked;
}

uint64_t conn_deadline(const struct http_conn *c)
{
	const struct http_config *cfg = &c->s->cfg;
	uint64_t d = UINT64_MAX;

	if (c->closed)
		return d;
	if (c->handshaking) /* counted from the accept */
		return c->since + cfg->header_timeout_ms;
	if (c->blocked)
		d = c->send_since + cfg->send_timeout_ms;
	if (c->phase == PH_IDLE && !output_waits(c))
		return c->since + cfg->idle_timeout_ms;
	if (c->phase == PH_HEAD && c->since + cfg->header_timeout_ms < d)
		return c->since + cfg->header_timeout_ms;
	if (c->phase == PH_BODY && c->since + cfg->body_timeout_ms < d)
		return c->since + cfg->body_timeout_ms;
	return d;
}

void conn_tick(struct http_conn *c, uint64_t now)
{
	if (c->closed || now < conn_deadline(c))
		return;
	c->s->stats.timeouts++;
	if (c->blocked || c->handshaking || c->phase == PH_IDLE) {
		c->timed_out = true;
		conn_close(c);
		return;
	}
	if (c->phase == PH_HEAD || c->phase == PH_BODY) {
		c->pending = false;
		reply_fail(&c->req, 408, true);
	}
}
