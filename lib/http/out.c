/* lib/http: a connection's output: the buffer, then an attached body (a
 * caller's memory or a file), through the transport; and its close. */
#include "http_internal.h"

#include <errno.h>
#include <unistd.h>

/* The transport refused or failed: false when the caller must stop. */
static bool sent(struct http_conn *c, ssize_t n)
{
	if (n == -EAGAIN) {
		if (!c->blocked)
			c->send_since = http_now(c->s);
		c->blocked = true;
		return false;
	}
	if (n <= 0) {
		conn_close(c);
		return false;
	}
	c->blocked = false;
	c->send_since = http_now(c->s);
	c->s->stats.bytes_out += (uint64_t)n;
	return true;
}

static bool flush_buffer(struct http_conn *c)
{
	while (c->out_head < c->out_len) {
		ssize_t n = c->tr.send(c->tr.t, c->out + c->out_head,
				       c->out_len - c->out_head);

		if (!sent(c, n))
			return false;
		c->out_head += (size_t)n;
	}
	c->out_head = c->out_len = 0;
	return true;
}

static void ref_finished(struct http_conn *c)
{
	void (*done)(void *) = c->ref_done;

	c->ref = NULL;
	c->ref_done = NULL;
	if (done)
		done(c->ref_arg);
}

static bool flush_ref(struct http_conn *c)
{
	while (c->ref) {
		ssize_t n = c->tr.send(c->tr.t, c->ref, c->ref_len);

		if (!sent(c, n))
			return false;
		c->ref += n;
		c->ref_len -= (size_t)n;
		if (!c->ref_len)
			ref_finished(c);
	}
	return true;
}

static void file_finished(struct http_conn *c)
{
	close(c->file_fd);
	c->file_fd = -1;
}

static bool flush_file(struct http_conn *c)
{
	while (c->file_fd >= 0) {
		ssize_t n = c->tr.sendfile(c->tr.t, c->file_fd, &c->file_off,
					   c->file_len);

		if (n == 0)
			n = -EIO; /* the file is shorter than promised */
		if (!sent(c, n))
			return false;
		c->file_len -= (size_t)n;
		if (!c->file_len)
			file_finished(c);
	}
	return true;
}

/* Everything is sent: tell a streaming handler, close when due. */
static void drained(struct http_conn *c)
{
	struct http_request *r = &c->req;
	void (*cb)(struct http_request *, void *) = r->on_room;

	if (cb && c->phase == PH_HANDLER) {
		r->on_room = NULL;
		cb(r, r->on_room_arg);
		return;
	}
	if (c->phase == PH_CLOSING)
		conn_close(c);
}

void conn_flush(struct http_conn *c)
{
	if (c->closed)
		return;
	if (flush_buffer(c) && flush_ref(c) && flush_file(c))
		drained(c);
}

void conn_writable(struct http_conn *c)
{
	conn_flush(c);
	if (!c->closed && !c->blocked)
		conn_run(c);
}

void conn_close(struct http_conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	c->blocked = false;
	c->out_head = c->out_len = 0;
	if (c->ref)
		ref_finished(c);
	if (c->file_fd >= 0)
		file_finished(c);
	c->tr.close(c->tr.t);
	if (c->handshaking) { /* it will never complete */
		c->handshaking = false;
		c->s->nhandshakes--;
	}
	if (c->phase != PH_HANDLER)
		c->phase = PH_CLOSING;
	else if (c->req.on_room)
		drained(c); /* a stream waiting for room: its write fails now */
}
