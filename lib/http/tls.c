/* lib/http: HTTPS, the only file of lib/http that calls lib/tls: the
 * transport of a connection accepted on a port of
 * http_server_listen_tls(), installed through the listener's attach
 * pointer, so a service that never calls it links no mbedTLS. The
 * handshake runs before any HTTP octet, driven by the server's epoll loop
 * (server.c) on the events tls_want() names; records already decrypted
 * are drained by the loop (tls_pending: epoll does not see them). */
#include "http_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <tls/tls.h>

#define STAGE_CAP 16384 /* a file's octets on their way: one record */

/* A TLS connection's transport state (the transport's t). */
struct tls_tr {
	struct http_conn *c;
	struct tls_conn *t;
	uint32_t rd_want, wr_want; /* what the last -EAGAIN waits for */
	bool done;		   /* the handshake is complete */
	bool logged;		   /* the failure was logged */
	/* sendfile's staging: stage[0..stage_len) are the file's octets at
	 * stage_off, read but not yet taken by tls_write */
	char *stage;
	size_t stage_len;
	int stage_fd;
	off_t stage_off;
};

/* Log "https: PEER: what: why" (": why" only when why is not NULL) once
 * for the connection, PEER with its port ("10.0.0.1:40312",
 * "[::1]:40312") so that the line names one connection. */
static void log_once(struct tls_tr *x, const char *what, const char *why)
{
	const struct http_conn *c = x->c;
	bool v6 = strchr(c->peer, ':');

	if (x->logged)
		return;
	x->logged = true;
	fprintf(stderr, "https: %s%s%s:%u: %s%s%s\n", v6 ? "[" : "", c->peer,
		v6 ? "]" : "", c->peer_port, what, why ? ": " : "",
		why ? why : "");
	fflush(stderr);
}

/* log_once with tls_error()'s reason. */
static void log_error(struct tls_tr *x, const char *what)
{
	const char *why = tls_error(x->t);

	log_once(x, what, *why ? why : "connection closed");
}

/* The epoll event tls_want() names after an -EAGAIN (EPOLLIN when none). */
static uint32_t wants(const struct tls_tr *x)
{
	uint32_t w = tls_want(x->t);

	return w ? w : EPOLLIN;
}

static int tr_handshake(void *tv)
{
	struct tls_tr *x = tv;
	int r = tls_handshake(x->t);

	if (r == -EAGAIN) {
		x->rd_want = wants(x);
		return r;
	}
	if (r < 0) {
		log_error(x, "handshake failed");
		return r;
	}
	x->done = true;
	x->rd_want = EPOLLIN;
	return 0;
}

static ssize_t tr_recv(void *tv, void *p, size_t n)
{
	struct tls_tr *x = tv;
	ssize_t r = tls_read(x->t, p, n);

	x->rd_want = EPOLLIN;
	if (r == -EAGAIN)
		x->rd_want = wants(x);
	else if (r == -ECONNRESET)
		return 0; /* ended without close_notify: what came is whole
			     requests or nothing the parser took */
	else if (r < 0)
		log_error(x, "read failed");
	return r;
}

/* tls_write's contract: after -EAGAIN the next call passes the same first
 * octets again. out.c keeps it: the output buffer's unsent octets
 * out[out_head..out_len) are only ever appended to (conn_out may move
 * them to the buffer's start, same octets), a referenced body stays
 * unchanged until sent, and sendfile's octets wait in the stage below. */
static ssize_t tr_send(void *tv, const void *p, size_t n)
{
	struct tls_tr *x = tv;
	ssize_t r = tls_write(x->t, p, n);

	x->wr_want = EPOLLOUT;
	if (r == -EAGAIN)
		x->wr_want = wants(x);
	else if (r < 0 && r != -EPIPE && r != -ECONNRESET)
		log_error(x, "write failed");
	return r;
}

/* sendfile over TLS: the file's octets read into the stage, which keeps
 * them across -EAGAIN so the retry passes the same ones; *off moves only
 * by what tls_write took. */
static ssize_t tr_sendfile(void *tv, int fd, off_t *off, size_t n)
{
	struct tls_tr *x = tv;
	ssize_t r;

	if (x->stage_len && (x->stage_fd != fd || x->stage_off != *off))
		x->stage_len = 0; /* another file: cannot happen mid-write */
	if (!x->stage_len) {
		if (!x->stage && !(x->stage = malloc(STAGE_CAP)))
			return -ENOMEM;
		r = pread(fd, x->stage, n < STAGE_CAP ? n : STAGE_CAP, *off);
		if (r <= 0)
			return r < 0 ? -errno : 0;
		x->stage_len = (size_t)r;
		x->stage_fd = fd;
		x->stage_off = *off;
	}
	r = tr_send(x, x->stage, x->stage_len);
	if (r <= 0)
		return r;
	memmove(x->stage, x->stage + r, x->stage_len - (size_t)r);
	x->stage_len -= (size_t)r;
	x->stage_off += r;
	*off += r;
	return r;
}

static uint32_t tr_want(void *tv, bool writing)
{
	const struct tls_tr *x = tv;

	return writing ? x->wr_want : x->rd_want;
}

static size_t tr_pending(void *tv)
{
	return tls_pending(((struct tls_tr *)tv)->t);
}

/* close_notify when the session is up (one try: the socket is
 * non-blocking and closes now), then the session and the socket. A
 * handshake cut by header_timeout_ms is logged here, lib/tls not
 * counting it as failed. */
static void tr_close(void *tv)
{
	struct tls_tr *x = tv;
	struct http_conn *c = x->c;

	if (!x->done && c->timed_out) {
		char what[64];

		snprintf(what, sizeof(what),
			 "handshake timed out after %llu ms",
			 (unsigned long long)(http_now(c->s) - c->since));
		log_once(x, what, NULL);
	}
	if (x->done && !x->logged)
		tls_close(x->t);
	tls_free(x->t);
	free(x->stage);
	free(x);
	c->tls = NULL;
	server_sock_close(c);
}

/* server.c's attach for a TLS port: c's socket wrapped by a session of
 * the tls_server arg, the handshake first. */
static int attach(struct http_conn *c, void *arg)
{
	struct tls_tr *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->t = tls_accept(arg, c->fd);
	if (!x->t) {
		free(x);
		return -ENOMEM;
	}
	x->c = c;
	x->rd_want = EPOLLIN;
	x->wr_want = EPOLLOUT;
	x->stage_fd = -1;
	c->tls = x->t;
	c->tr = (struct http_transport){ .send = tr_send,
					 .sendfile = tr_sendfile,
					 .close = tr_close,
					 .t = x,
					 .recv = tr_recv,
					 .handshake = tr_handshake,
					 .want = tr_want,
					 .pending = tr_pending };
	c->handshaking = true;
	return 0;
}

int http_server_listen_tls(struct http_server *s, uint16_t port,
			   struct tls_server *t)
{
	if (!t)
		return -EINVAL;
	return server_listen(s, port, attach, t);
}
