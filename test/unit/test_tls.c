/* lib/tls (tls/tls.h) on the host: a server and a client from lib/tls
 * talking over an in-memory transport (two byte queues of a chosen
 * capacity, -EAGAIN when empty or full), with the test certificates of
 * os_test_certs (TLS_CERTS): handshakes in TLS 1.3 and 1.2, data both
 * ways through a small transport, close_notify, damaged and cut
 * streams, SNI, bad key files, resumption, version limits, and the
 * entropy verdict. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* a record written by hand */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tls/tls.h"
#include "tls_internal.h"

/* mbedTLS's own (library/ssl_misc.h): send ssl->out_msg as a record. */
int mbedtls_ssl_write_record(mbedtls_ssl_context *ssl, int force_flush);

#define CERT(f) TLS_CERTS "/" f
#define WWW "www.libos.test"
#define API "api.libos.test"

/* ---- The transport: a byte queue each way. */

struct queue {
	unsigned char *buf;
	size_t cap, len;
	bool eof;    /* the writer is gone: recv returns 0 once empty */
	bool broken; /* the reader is gone: send fails with -EPIPE */
};

static ssize_t q_send(struct queue *q, const void *p, size_t n)
{
	size_t room = q->cap - q->len;

	if (q->broken)
		return -EPIPE;
	if (room == 0)
		return -EAGAIN;
	if (n > room)
		n = room;
	memcpy(q->buf + q->len, p, n);
	q->len += n;
	return (ssize_t)n;
}

static ssize_t q_recv(struct queue *q, void *p, size_t n)
{
	if (q->len == 0)
		return q->eof ? 0 : -EAGAIN;
	if (n > q->len)
		n = q->len;
	memcpy(p, q->buf, n);
	memmove(q->buf, q->buf + n, q->len - n);
	q->len -= n;
	return (ssize_t)n;
}

struct link {
	struct queue c2s, s2c;
};

static ssize_t cli_send(void *ctx, const void *p, size_t n)
{
	return q_send(&((struct link *)ctx)->c2s, p, n);
}

static ssize_t cli_recv(void *ctx, void *p, size_t n)
{
	return q_recv(&((struct link *)ctx)->s2c, p, n);
}

static ssize_t srv_send(void *ctx, const void *p, size_t n)
{
	return q_send(&((struct link *)ctx)->s2c, p, n);
}

static ssize_t srv_recv(void *ctx, void *p, size_t n)
{
	return q_recv(&((struct link *)ctx)->c2s, p, n);
}

static struct link *link_new(size_t cap)
{
	struct link *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	l->c2s.cap = l->s2c.cap = cap;
	l->c2s.buf = malloc(cap);
	l->s2c.buf = malloc(cap);
	assert_non_null(l->c2s.buf);
	assert_non_null(l->s2c.buf);
	return l;
}

static void link_free(struct link *l)
{
	free(l->c2s.buf);
	free(l->s2c.buf);
	free(l);
}

/* ---- Ends. */

static const struct tls_keypair www_kp = { CERT(WWW ".pem"), CERT(WWW ".key") };
static const struct tls_keypair api_kp = { CERT(API ".pem"), CERT(API ".key") };
static const struct tls_keypair both[] = {
	{ CERT(WWW ".pem"), CERT(WWW ".key") },
	{ CERT(API ".pem"), CERT(API ".key") },
};
static const char *const http11[] = { "http/1.1", NULL };

static struct tls_server *server(const struct tls_keypair *kp, unsigned n,
				 uint16_t min, uint16_t max)
{
	struct tls_server_config c;
	struct tls_server *s;
	char why[256] = "";

	tls_server_config_default(&c);
	c.certs = kp;
	c.ncerts = n;
	c.min_version = min;
	c.max_version = max;
	if (tls_server_new(&s, &c, why, sizeof(why)) < 0)
		fail_msg("tls_server_new: %s", why);
	return s;
}

static struct tls_client *client(bool ca, uint16_t max)
{
	struct tls_client_config c;
	struct tls_client *cl;
	char why[256] = "";

	tls_client_config_default(&c);
	c.ca_file = ca ? CERT("ca.pem") : NULL;
	c.alpn = http11;
	c.max_version = max;
	if (tls_client_new(&cl, &c, why, sizeof(why)) < 0)
		fail_msg("tls_client_new: %s", why);
	return cl;
}

struct pair {
	struct link *l;
	struct tls_conn *c, *s;
	int rc, rs; /* the last tls_handshake results */
};

static void pair_open(struct pair *p, struct tls_server *s,
		      struct tls_client *c, const char *host, size_t cap)
{
	struct tls_io cio = { cli_send, cli_recv, NULL };
	struct tls_io sio = { srv_send, srv_recv, NULL };

	p->l = link_new(cap);
	cio.ctx = sio.ctx = p->l;
	p->c = tls_connect_io(c, &cio, host);
	p->s = tls_accept_io(s, &sio);
	assert_non_null(p->c);
	assert_non_null(p->s);
}

/* Both handshakes until neither is -EAGAIN, or one failed and the
 * other still waits after all there was to read (bounded). */
static void pair_handshake(struct pair *p)
{
	for (int i = 0; i < 200; i++) {
		p->rc = tls_handshake(p->c);
		p->rs = tls_handshake(p->s);
		if (p->rc != -EAGAIN && p->rs != -EAGAIN)
			return;
	}
	if (p->rc == -EAGAIN && p->rs == -EAGAIN)
		fail_msg("handshake did not finish");
}

static void pair_close(struct pair *p)
{
	tls_free(p->c);
	tls_free(p->s);
	link_free(p->l);
}

/* Whether the certificate the client saw names cn. */
static bool peer_is(struct tls_conn *c, const char *cn)
{
	const mbedtls_x509_crt *crt = tls_peer_cert(c);
	char dn[256], want[128];

	if (!crt || mbedtls_x509_dn_gets(dn, sizeof(dn), &crt->subject) < 0)
		return false;
	snprintf(want, sizeof(want), "CN=%s,", cn);
	return strncmp(dn, want, strlen(want)) == 0;
}

/* ---- Handshakes. */

static void test_tls13_handshake(void **state)
{
	struct tls_server *s = server(both, 2, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	struct tls_server_stats st;
	struct pair p;

	(void)state;
	pair_open(&p, s, c, WWW, 65536);
	assert_null(tls_version_name(p.s)); /* nothing before the handshake */
	pair_handshake(&p);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.rs, 0);
	assert_int_equal(tls_version(p.c), TLS_V1_3);
	assert_int_equal(tls_version(p.s), TLS_V1_3);
	assert_string_equal(tls_version_name(p.s), "TLSv1.3");
	assert_string_equal(tls_cipher(p.s), tls_cipher(p.c));
	assert_true(strcmp(tls_cipher(p.s), "TLS_AES_128_GCM_SHA256") == 0 ||
		    strcmp(tls_cipher(p.s), "TLS_AES_256_GCM_SHA384") == 0 ||
		    strcmp(tls_cipher(p.s), "TLS_CHACHA20_POLY1305_SHA256") ==
			    0);
	assert_string_equal(tls_alpn(p.s), "http/1.1");
	assert_string_equal(tls_alpn(p.c), "http/1.1");
	assert_string_equal(tls_sni(p.s), WWW);
	assert_false(tls_resumed(p.s));
	assert_false(tls_resumed(p.c));
	assert_string_equal(tls_error(p.s), "");
	assert_int_equal(tls_handshake(p.s), 0); /* done: 0 again */
	tls_server_stats(s, &st);
	assert_int_equal(st.handshakes, 1);
	assert_int_equal(st.tls13, 1);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.tickets, 1);
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

static void test_tls12_handshake(void **state)
{
	struct tls_server *s = server(both, 2, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_2);
	struct tls_server_stats st;
	struct pair p;

	(void)state;
	pair_open(&p, s, c, API, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.rs, 0);
	assert_int_equal(tls_version(p.s), TLS_V1_2);
	assert_string_equal(tls_version_name(p.c), "TLSv1.2");
	assert_string_equal(tls_cipher(p.s), tls_cipher(p.c));
	assert_true(strncmp(tls_cipher(p.s), "TLS_ECDHE_ECDSA_WITH_", 21) == 0);
	assert_null(strchr(tls_cipher(p.s), '-'));
	assert_string_equal(tls_alpn(p.s), "http/1.1");
	assert_string_equal(tls_sni(p.s), API);
	assert_true(peer_is(p.c, API));
	tls_server_stats(s, &st);
	assert_int_equal(st.handshakes, 1);
	assert_int_equal(st.tls13, 0);
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

static void test_want(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	struct pair p;

	(void)state;
	pair_open(&p, s, c, WWW, 65536);
	assert_int_equal(tls_want(p.c), 0);
	/* the ClientHello goes out, then the client waits for the server */
	assert_int_equal(tls_handshake(p.c), -EAGAIN);
	assert_int_equal(tls_want(p.c), EPOLLIN);
	assert_true(p.l->c2s.len > 0);
	pair_close(&p);
	/* a transport full from the start: the client waits to write */
	pair_open(&p, s, c, WWW, 65536);
	p.l->c2s.len = p.l->c2s.cap;
	assert_int_equal(tls_handshake(p.c), -EAGAIN);
	assert_int_equal(tls_want(p.c), EPOLLOUT);
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

/* ---- Data. */

/* Moves len octets from w to r through the link, writing in pieces of
 * first_piece octets but retrying each -EAGAIN with all that is left
 * (the same first octets and more after them). */
static void transfer(struct tls_conn *w, struct tls_conn *r, size_t len,
		     size_t first_piece)
{
	unsigned char *in = malloc(len), *out = malloc(len);
	size_t off = 0, got = 0;
	bool retry = false;
	int eagain = 0;

	assert_non_null(in);
	assert_non_null(out);
	for (size_t i = 0; i < len; i++)
		in[i] = (unsigned char)(i * 7 + i / 251);
	for (int i = 0; got < len && i < 100000; i++) {
		if (off < len) {
			size_t n = retry ? len - off : first_piece;
			ssize_t k;
			if (n > len - off)
				n = len - off;
			k = tls_write(w, in + off, n);
			if (k == -EAGAIN) {
				assert_int_equal(tls_want(w), EPOLLOUT);
				retry = true;
				eagain++;
			} else {
				assert_true(k > 0 && (size_t)k <= n);
				off += (size_t)k;
				retry = false;
			}
		}
		ssize_t k = tls_read(r, out + got, len - got);
		if (k == -EAGAIN)
			assert_int_equal(tls_want(r), EPOLLIN);
		else {
			assert_true(k > 0);
			got += (size_t)k;
		}
	}
	assert_int_equal(got, len);
	assert_true(eagain > 0); /* the transport was small enough */
	assert_memory_equal(in, out, len);
	free(in);
	free(out);
}

static void test_data(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	struct pair p;
	char buf[64];

	(void)state;
	/* 700 octets each way at a time: every record needs several sends */
	pair_open(&p, s, c, WWW, 700);
	pair_handshake(&p);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.rs, 0);
	assert_int_equal(tls_write(p.c, "ping", 4), 4);
	assert_int_equal(tls_read(p.s, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(tls_write(p.s, "pong!", 5), 5);
	assert_int_equal(tls_read(p.c, buf, 2), 2);
	assert_int_equal(tls_pending(p.c), 3); /* decrypted, not yet read */
	assert_int_equal(tls_read(p.c, buf + 2, sizeof(buf) - 2), 3);
	assert_memory_equal(buf, "pong!", 5);
	assert_int_equal(tls_read(p.c, buf, sizeof(buf)), -EAGAIN);
	transfer(p.c, p.s, 100 * 1024, 1000);
	transfer(p.s, p.c, 100 * 1024, 3000);
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

static void test_close_notify(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	struct pair p;
	char buf[16];

	(void)state;
	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	assert_int_equal(tls_write(p.c, "bye", 3), 3);
	assert_int_equal(tls_close(p.c), 0);
	assert_int_equal(tls_read(p.s, buf, sizeof(buf)), 3);
	assert_int_equal(tls_read(p.s, buf, sizeof(buf)), 0);
	assert_int_equal(tls_read(p.s, buf, sizeof(buf)), 0);
	assert_string_equal(tls_error(p.s), "");
	pair_close(&p);
	/* and a stream that just ends: a truncation */
	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	p.l->c2s.eof = true;
	assert_int_equal(tls_read(p.s, buf, sizeof(buf)), -ECONNRESET);
	assert_non_null(strstr(tls_error(p.s), "close_notify"));
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

/* Over a pair of connected non-blocking sockets, as a service uses it. */
static void test_socket(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	struct tls_conn *tc, *ts;
	int sv[2], rc = -EAGAIN, rs = -EAGAIN;
	char buf[32];

	(void)state;
	assert_int_equal(
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	tc = tls_connect(c, sv[0], WWW);
	ts = tls_accept(s, sv[1]);
	assert_non_null(tc);
	assert_non_null(ts);
	for (int i = 0; i < 200 && (rc == -EAGAIN || rs == -EAGAIN); i++) {
		rc = tls_handshake(tc);
		rs = tls_handshake(ts);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(rs, 0);
	assert_int_equal(tls_version(ts), TLS_V1_3);
	assert_int_equal(tls_write(tc, "over a socket", 13), 13);
	assert_int_equal(tls_read(ts, buf, sizeof(buf)), 13);
	assert_memory_equal(buf, "over a socket", 13);
	assert_int_equal(tls_read(ts, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(tls_want(ts), EPOLLIN);
	/* the client's socket closes without close_notify */
	tls_free(tc);
	close(sv[0]);
	assert_int_equal(tls_read(ts, buf, sizeof(buf)), -ECONNRESET);
	tls_free(ts); /* the socket stays the caller's */
	assert_int_equal(close(sv[1]), 0);
	tls_client_free(c);
	tls_server_free(s);
}

/* A server whose write of len octets returned -EAGAIN after part of its
 * record went out (room octets of s2c); the client has read all before. */
static void stalled_write(struct pair *p, const unsigned char *data, size_t len,
			  size_t room)
{
	char buf[64];

	tls_read(p->c, buf, sizeof(buf)); /* TLS 1.3: the ticket */
	assert_int_equal(p->l->s2c.len, 0);
	p->l->s2c.cap = room;
	assert_int_equal(tls_write(p->s, data, len), -EAGAIN);
	assert_int_equal(p->l->s2c.len, room);
	p->l->s2c.cap = 65536;
}

/* What the client reads until -EAGAIN or the end: the count, into buf. */
static size_t read_all(struct tls_conn *c, unsigned char *buf, size_t cap,
		       ssize_t *last)
{
	size_t got = 0;

	while ((*last = tls_read(c, buf + got, cap - got)) > 0)
		got += (size_t)*last;
	return got;
}

/* A write's record still waiting when another call sends it first: once
 * out, the write's retry takes its octets without sending them again. */
static void test_write_sent_by_read(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_2);
	unsigned char data[4000], got[3 * sizeof(data)];
	mbedtls_ssl_context *cs;
	ssize_t last;
	struct pair p;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 13);
	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rs, 0);
	stalled_write(&p, data, sizeof(data), 1000);
	/* the client asks to renegotiate: an empty ClientHello */
	cs = &p.c->ssl;
	cs->out_msgtype = MBEDTLS_SSL_MSG_HANDSHAKE;
	cs->out_msglen = 4;
	memcpy(cs->out_msg, "\x01\x00\x00\x00", 4);
	assert_int_equal(mbedtls_ssl_write_record(cs, 1), 0);
	/* refusing it, the server's read sends the waiting record */
	assert_int_equal(tls_read(p.s, got, sizeof(got)), -EAGAIN);
	assert_int_equal(tls_write(p.s, data, sizeof(data)), sizeof(data));
	assert_int_equal(read_all(p.c, got, sizeof(got), &last), sizeof(data));
	assert_int_equal(last, -EAGAIN);
	assert_memory_equal(got, data, sizeof(data));
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

/* tls_close with a write's record waiting: that record, then close_notify. */
static void test_close_after_stalled_write(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	unsigned char data[4000], got[2 * sizeof(data)];
	ssize_t last;
	struct pair p;

	(void)state;
	memset(data, 'x', sizeof(data));
	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	stalled_write(&p, data, sizeof(data), 1000);
	assert_int_equal(tls_close(p.s), 0);
	assert_int_equal(read_all(p.c, got, sizeof(got), &last), sizeof(data));
	assert_int_equal(last, 0);	     /* close_notify */
	assert_int_equal(tls_close(p.s), 0); /* sent: nothing more */
	assert_int_equal(p.l->s2c.len, 0);
	pair_close(&p);
	/* and a close that waits itself */
	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	stalled_write(&p, data, sizeof(data), 1000);
	p.l->s2c.cap = p.l->s2c.len; /* no room */
	assert_int_equal(tls_close(p.s), -EAGAIN);
	assert_int_equal(tls_want(p.s), EPOLLOUT);
	p.l->s2c.cap = 65536;
	assert_int_equal(tls_close(p.s), 0);
	assert_int_equal(read_all(p.c, got, sizeof(got), &last), sizeof(data));
	assert_int_equal(last, 0);
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

/* A retry with fewer octets than the waiting record holds cannot be
 * answered truly (the record holds more): the connection fails rather
 * than let the caller send the rest twice. */
static void test_write_retry_shorter(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	unsigned char data[4000];
	struct pair p;

	(void)state;
	memset(data, 'y', sizeof(data));
	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	stalled_write(&p, data, sizeof(data), 1000);
	assert_int_equal(tls_write(p.s, data, 100), -EINVAL);
	assert_non_null(strstr(tls_error(p.s), "fewer"));
	assert_int_equal(tls_write(p.s, data, sizeof(data)), -EINVAL);
	assert_int_equal(tls_want(p.s), 0);
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

/* ---- Damage. */

static void corrupted(uint16_t version)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, version);
	struct pair p;
	char buf[16];

	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rs, 0);
	assert_int_equal(p.l->c2s.len, 0);
	assert_int_equal(tls_write(p.c, "secret", 6), 6);
	assert_true(p.l->c2s.len > 5 + 6);
	p.l->c2s.buf[p.l->c2s.len - 3] ^= 0x40; /* in the record's tag */
	assert_int_equal(tls_read(p.s, buf, sizeof(buf)), -EPROTO);
	assert_true(strlen(tls_error(p.s)) > 0);
	assert_null(strchr(tls_error(p.s), '\n'));
	assert_int_equal(tls_read(p.s, buf, sizeof(buf)), -EPROTO);
	assert_int_equal(tls_write(p.s, "x", 1), -EPROTO);
	assert_int_equal(tls_handshake(p.s), -EPROTO);
	assert_int_equal(tls_want(p.s), 0);
	/* the server told the client why */
	assert_int_equal(tls_read(p.c, buf, sizeof(buf)), -EPROTO);
	assert_string_equal(tls_error(p.c),
			    "alert from peer: bad_record_mac (20)");
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

static void test_corrupted_record(void **state)
{
	(void)state;
	corrupted(TLS_V1_3);
	corrupted(TLS_V1_2);
}

static void test_truncated_handshake(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	struct tls_server_stats st;
	struct pair p;

	(void)state;
	pair_open(&p, s, c, WWW, 65536);
	assert_int_equal(tls_handshake(p.c), -EAGAIN); /* ClientHello */
	assert_int_equal(tls_handshake(p.s), -EAGAIN); /* its answer */
	p.l->c2s.eof = true;			       /* the client is gone */
	assert_int_equal(tls_handshake(p.s), -ECONNRESET);
	assert_string_equal(tls_error(p.s), "peer closed during handshake");
	assert_int_equal(tls_handshake(p.s), -ECONNRESET);
	assert_int_equal(tls_read(p.s, NULL, 0), -ECONNRESET);
	assert_null(tls_version_name(p.s));
	tls_server_stats(s, &st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.handshakes, 0);
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

/* A TLS 1.3 client that leaves right after its Finished (openssl s_time
 * -new): the server's handshake is complete, counted as one and not as a
 * failure; only its read sees the peer gone. */
static void test_gone_after_finished(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	struct tls_server_stats st;
	struct pair p;

	(void)state;
	pair_open(&p, s, c, WWW, 65536);
	assert_int_equal(tls_handshake(p.c), -EAGAIN); /* ClientHello */
	assert_int_equal(tls_handshake(p.s), -EAGAIN); /* up to Finished */
	assert_int_equal(tls_handshake(p.c), 0);       /* its Finished */
	p.l->s2c.broken = true;			       /* the client is gone */
	assert_int_equal(tls_handshake(p.s), 0);
	assert_int_equal(tls_read(p.s, (char[8]){ 0 }, 8), -ECONNRESET);
	assert_non_null(strstr(tls_error(p.s), "transport failed"));
	tls_server_stats(s, &st);
	assert_int_equal(st.handshakes, 1);
	assert_int_equal(st.failed, 0);
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

static void test_garbage_hello(void **state)
{
	static const char get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	struct pair p;

	(void)state;
	pair_open(&p, s, c, WWW, 65536);
	memcpy(p.l->c2s.buf, get, sizeof(get) - 1);
	p.l->c2s.len = sizeof(get) - 1;
	assert_int_equal(tls_handshake(p.s), -EPROTO);
	assert_true(strlen(tls_error(p.s)) > 0);
	assert_int_equal(tls_handshake(p.s), -EPROTO);
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

/* A record header announcing more than TLS's 16 KiB (and mbedTLS's
 * buffer), before and after the handshake: the reason says so. */
static void test_oversized_record(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	struct pair p;
	char buf[16];

	(void)state;
	pair_open(&p, s, c, WWW, 65536);
	memcpy(p.l->c2s.buf, "\x16\x03\x01\x50\x00", 5);
	p.l->c2s.len = 5;
	assert_int_equal(tls_handshake(p.s), -EPROTO);
	assert_non_null(strstr(tls_error(p.s), "record of 20480 octets"));
	pair_close(&p);
	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rs, 0);
	assert_int_equal(p.l->c2s.len, 0);
	assert_int_equal(tls_write(p.c, "secret", 6), 6);
	p.l->c2s.buf[3] = 0x48; /* 18432 + ...: over 16 KiB and expansion */
	assert_int_equal(tls_read(p.s, buf, sizeof(buf)), -EPROTO);
	assert_non_null(strstr(tls_error(p.s), "over TLS's 16 KiB"));
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

/* Puts n copies of the plaintext record rec (len octets) in the queue. */
static void flood(struct queue *q, const char *rec, size_t len, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_true(q->len + len <= q->cap);
		memcpy(q->buf + q->len, rec, len);
		q->len += len;
	}
}

/* Records mbedTLS reads and skips without end (TLS 1.3's
 * ChangeCipherSpec, TLS 1.2's warning alerts) while it waits for the
 * client's Finished: one call takes a bounded part of them and returns
 * -EAGAIN, so a peer that keeps sending cannot hold the caller's loop;
 * the handshake then completes. */
static void skipped_flood(uint16_t version, const char *rec, size_t len)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, version);
	size_t before;
	int i;
	struct pair p;

	pair_open(&p, s, c, WWW, 1 << 20);
	assert_int_equal(tls_handshake(p.c), -EAGAIN); /* ClientHello */
	assert_int_equal(tls_handshake(p.s), -EAGAIN); /* its answer */
	flood(&p.l->c2s, rec, len, 20000);
	before = p.l->c2s.len;
	assert_int_equal(tls_handshake(p.s), -EAGAIN);
	assert_int_equal(tls_want(p.s), EPOLLIN);
	/* not all taken at once: a small part */
	assert_true(p.l->c2s.len > before - 1000 * len);
	for (i = 0; i < 100000 && p.l->c2s.len; i++)
		assert_int_equal(tls_handshake(p.s), -EAGAIN);
	assert_int_equal(p.l->c2s.len, 0);
	pair_handshake(&p);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.rs, 0);
	assert_int_equal(tls_version(p.s), version);
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

static void test_skipped_flood(void **state)
{
	(void)state;
	skipped_flood(TLS_V1_3, "\x14\x03\x03\x00\x01\x01", 6);
	skipped_flood(TLS_V1_2, "\x15\x03\x03\x00\x02\x01\x5a", 7);
}

/* ---- SNI. */

static void connect_check(struct tls_server *s, struct tls_client *c,
			  const char *host, const char *cn)
{
	struct pair p;

	pair_open(&p, s, c, host, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.rs, 0);
	assert_true(peer_is(p.c, cn));
	if (host)
		assert_string_equal(tls_sni(p.s), host);
	else
		assert_null(tls_sni(p.s));
	pair_close(&p);
}

static void test_sni(void **state)
{
	struct tls_server *s = server(both, 2, TLS_V1_2, TLS_V1_3);
	struct tls_server *s2 = server(&api_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_3);
	struct tls_client *anyone = client(false, TLS_V1_3);
	struct tls_server_stats st;
	struct pair p;

	(void)state;
	/* each name its certificate, verified against the CA and the name */
	connect_check(s, c, WWW, WWW);
	connect_check(s, c, API, API);
	connect_check(s, c, "API.LIBOS.TEST", API);
	tls_server_stats(s, &st);
	assert_int_equal(st.sni_unknown, 0);
	/* no name, an unknown one: the first certificate */
	connect_check(s, c, NULL, WWW);
	connect_check(s, anyone, "nope.libos.test", WWW);
	tls_server_stats(s, &st);
	assert_int_equal(st.sni_unknown, 1);
	/* a server that does not have the name: the client refuses it */
	pair_open(&p, s2, c, WWW, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rc, -EACCES);
	assert_non_null(strstr(tls_error(p.c), "certificate"));
	assert_int_equal(p.rs, -EPROTO); /* the client's alert */
	pair_close(&p);
	tls_client_free(c);
	tls_client_free(anyone);
	tls_server_free(s);
	tls_server_free(s2);
}

/* A name with octets no host name has (a line break, a control or
 * non-ASCII octet): refused with unrecognized_name, never handed to the
 * caller (who may log tls_sni()). */
static void test_sni_octets(void **state)
{
	static const char *const bad[] = {
		"www\nlibos.test", "www.libos.test\r", "w\x1b[2Jw.libos.test",
		"www.libos.t\xc3\xa9st", "www libos.test"
	};
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(false, TLS_V1_3);
	struct pair p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pair_open(&p, s, c, bad[i], 65536);
		pair_handshake(&p);
		assert_int_equal(p.rs, -EPROTO);
		assert_non_null(strstr(tls_error(p.s), "SNI"));
		assert_null(tls_sni(p.s));
		assert_int_equal(p.rc, -EPROTO);
		assert_non_null(strstr(tls_error(p.c), "unrecognized_name"));
		pair_close(&p);
	}
	tls_client_free(c);
	tls_server_free(s);
}

static void test_name_match(void **state)
{
	(void)state;
	assert_true(tls_name_match("www.libos.test", 14, "WWW.libos.TEST"));
	assert_false(tls_name_match("www.libos.test", 14, "www.libos.tes"));
	assert_true(tls_name_match("*.libos.test", 12, "api.libos.test"));
	assert_false(tls_name_match("*.libos.test", 12, "a.b.libos.test"));
	assert_false(tls_name_match("*.libos.test", 12, "libos.test"));
	assert_false(tls_name_match("*.libos.test", 12, ".libos.test"));
}

/* ---- Configuration errors. */

static int server_err(const struct tls_keypair *kp, char *why, size_t len)
{
	struct tls_server_config c;
	struct tls_server *s = (struct tls_server *)1;
	int r;

	tls_server_config_default(&c);
	c.certs = kp;
	c.ncerts = 1;
	r = tls_server_new(&s, &c, why, len);
	assert_null(s);
	return r;
}

static void test_bad_files(void **state)
{
	const struct tls_keypair mismatch = { CERT(WWW ".pem"),
					      CERT(API ".key") };
	const struct tls_keypair missing = { CERT("none.pem"),
					     CERT(WWW ".key") };
	const struct tls_keypair cert_as_key = { CERT(WWW ".pem"),
						 CERT("ca.pem") };
	char junk[] = "/tmp/test_tls_junkXXXXXX";
	int fd = mkstemp(junk);
	struct tls_keypair notpem = { junk, CERT(WWW ".key") };
	char why[512];

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	assert_int_equal(server_err(&mismatch, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, CERT(WWW ".pem")));
	assert_non_null(strstr(why, CERT(API ".key")));
	assert_int_equal(server_err(&missing, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, CERT("none.pem")));
	assert_int_equal(server_err(&notpem, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, junk));
	assert_int_equal(server_err(&cert_as_key, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, CERT("ca.pem")));
	unlink(junk);
}

/* ---- Resumption. */

static void resume(uint16_t version)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
	struct tls_client *c = client(true, version);
	struct tls_server_stats st;
	struct pair p;
	char buf[8];

	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rc, 0);
	assert_false(tls_resumed(p.s));
	assert_false(tls_resumed(p.c));
	/* TLS 1.3's ticket comes after the handshake: read past it */
	assert_int_equal(tls_write(p.s, "hi", 2), 2);
	assert_int_equal(tls_read(p.c, buf, sizeof(buf)), 2);
	pair_close(&p);
	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.rs, 0);
	assert_int_equal(tls_version(p.s), version);
	assert_true(tls_resumed(p.s));
	assert_true(tls_resumed(p.c));
	assert_int_equal(tls_write(p.c, "again", 5), 5);
	assert_int_equal(tls_read(p.s, buf, sizeof(buf)), 5);
	pair_close(&p);
	tls_server_stats(s, &st);
	assert_int_equal(st.handshakes, 2);
	assert_int_equal(st.resumed, 1);
	assert_true(st.tickets >= 1);
	/* another name: not offered the first one's session */
	pair_open(&p, s, c, NULL, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rs, 0);
	assert_false(tls_resumed(p.s));
	assert_false(tls_resumed(p.c));
	pair_close(&p);
	tls_client_free(c);
	tls_server_free(s);
}

static void test_resume_tls13(void **state)
{
	(void)state;
	resume(TLS_V1_3);
}

static void test_resume_tls12(void **state)
{
	(void)state;
	resume(TLS_V1_2);
}

/* The session c keeps for WWW, from a first full handshake with s. */
static mbedtls_ssl_session *first_session(struct tls_server *s,
					  struct tls_client *c)
{
	struct pair p;
	char buf[8];

	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rc, 0);
	assert_int_equal(tls_write(p.s, "hi", 2), 2); /* 1.3: the ticket */
	assert_int_equal(tls_read(p.c, buf, sizeof(buf)), 2);
	pair_close(&p);
	assert_non_null(c->sessions);
	assert_true(c->sessions->session.ticket_len > 16);
	return &c->sessions->session;
}

/* A handshake offering the damaged session: a full one on both ends. */
static void full_handshake(struct tls_server *s, struct tls_client *c)
{
	struct tls_server_stats st;
	struct pair p;

	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.rs, 0);
	assert_true(peer_is(p.c, WWW)); /* the certificate was shown */
	assert_false(tls_resumed(p.c));
	assert_false(tls_resumed(p.s));
	pair_close(&p);
	tls_server_stats(s, &st);
	assert_int_equal(st.resumed, 0);
}

/* Tickets a client damaged or forged (TLS 1.2 tickets, TLS 1.3 PSK
 * identities), and a TLS 1.3 ticket whose age is out of the window:
 * never a resumption, a full handshake, and none counted or reported. */
static void forged(uint16_t version)
{
	for (int k = 0; k < (version == TLS_V1_3 ? 4 : 3); k++) {
		struct tls_server *s = server(&www_kp, 1, TLS_V1_2, TLS_V1_3);
		struct tls_client *c = client(true, version);
		mbedtls_ssl_session *ss = first_session(s, c);

		if (k == 0) /* one bit */
			ss->ticket[ss->ticket_len / 2] ^= 0x01;
		else if (k == 1) /* random octets */
			for (size_t i = 0; i < ss->ticket_len; i++)
				ss->ticket[i] = (unsigned char)(i * 151 + 7);
		else if (k == 2) /* truncated */
			ss->ticket_len = 10;
		else /* TLS 1.3: a good ticket, its age claimed 60 s off */
			ss->ticket_age_add -= 60000;
		full_handshake(s, c);
		tls_client_free(c);
		tls_server_free(s);
	}
}

static void test_forged_tickets(void **state)
{
	(void)state;
	forged(TLS_V1_2);
	forged(TLS_V1_3);
}

static void test_no_tickets(void **state)
{
	struct tls_server_config cf;
	struct tls_server *s;
	struct tls_client *c = client(true, TLS_V1_2);
	struct tls_server_stats st;
	struct pair p;
	char why[256];

	(void)state;
	tls_server_config_default(&cf);
	cf.certs = &www_kp;
	cf.ncerts = 1;
	cf.ticket_lifetime_s = 0;
	assert_int_equal(tls_server_new(&s, &cf, why, sizeof(why)), 0);
	for (int i = 0; i < 2; i++) {
		pair_open(&p, s, c, WWW, 65536);
		pair_handshake(&p);
		assert_int_equal(p.rs, 0);
		assert_false(tls_resumed(p.s));
		assert_false(tls_resumed(p.c));
		pair_close(&p);
	}
	tls_server_stats(s, &st);
	assert_int_equal(st.tickets, 0);
	assert_int_equal(st.resumed, 0);
	tls_client_free(c);
	tls_server_free(s);
}

/* ---- Versions. */

static void test_version_limits(void **state)
{
	struct tls_server *s = server(&www_kp, 1, TLS_V1_3, TLS_V1_3);
	struct tls_client *c = client(true, TLS_V1_2);
	struct tls_server_stats st;
	struct tls_server_config cf;
	struct tls_server *bad;
	struct pair p;
	char why[256];

	(void)state;
	pair_open(&p, s, c, WWW, 65536);
	pair_handshake(&p);
	assert_int_equal(p.rs, -EPROTO);
	assert_true(strlen(tls_error(p.s)) > 0);
	assert_int_equal(p.rc, -EPROTO);
	assert_non_null(strstr(tls_error(p.c), "alert from peer"));
	tls_server_stats(s, &st);
	assert_int_equal(st.failed, 1);
	pair_close(&p);
	/* versions the API does not know */
	tls_server_config_default(&cf);
	cf.certs = &www_kp;
	cf.ncerts = 1;
	cf.min_version = TLS_V1_3;
	cf.max_version = TLS_V1_2;
	assert_int_equal(tls_server_new(&bad, &cf, why, sizeof(why)), -EINVAL);
	cf.min_version = 0x0301;
	assert_int_equal(tls_server_new(&bad, &cf, why, sizeof(why)), -EINVAL);
	tls_client_free(c);
	tls_server_free(s);
}

/* ---- Pure functions. */

static void test_entropy_verdict(void **state)
{
	struct os_random_stats st = { 0 };
	char why[256];

	(void)state;
	st.jitter = 4096;
	st.jitter_bits = 300;
	st.credited = 300;
	st.seeded = 1;
	assert_int_equal(tls_entropy_verdict(&st, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "jitter only"));
	assert_non_null(strstr(why, "virtio-rng-pci"));
	st.rdrand = 16;
	st.rdrand_bits = 128;
	assert_int_equal(tls_entropy_verdict(&st, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "128 of the 256"));
	st.rdrand_bits = 256; /* taken in, the output key not yet renewed */
	assert_int_equal(tls_entropy_verdict(&st, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "256 bits"));
	assert_non_null(strstr(why, "not yet renewed"));
	st.strong = 1;
	why[0] = 0;
	assert_int_equal(tls_entropy_verdict(&st, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_int_equal(tls_entropy_check(why, sizeof(why)), 0); /* host */
}

static void test_iana_names(void **state)
{
	char out[64];

	(void)state;
	tls_iana_name("TLS1-3-AES-128-GCM-SHA256", out, sizeof(out));
	assert_string_equal(out, "TLS_AES_128_GCM_SHA256");
	tls_iana_name("TLS1-3-CHACHA20-POLY1305-SHA256", out, sizeof(out));
	assert_string_equal(out, "TLS_CHACHA20_POLY1305_SHA256");
	tls_iana_name("TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256", out,
		      sizeof(out));
	assert_string_equal(out, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
	tls_iana_name("TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384", out, 10);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls13_handshake),
		cmocka_unit_test(test_tls12_handshake),
		cmocka_unit_test(test_want),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_close_notify),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_write_sent_by_read),
		cmocka_unit_test(test_close_after_stalled_write),
		cmocka_unit_test(test_write_retry_shorter),
		cmocka_unit_test(test_corrupted_record),
		cmocka_unit_test(test_truncated_handshake),
		cmocka_unit_test(test_gone_after_finished),
		cmocka_unit_test(test_garbage_hello),
		cmocka_unit_test(test_skipped_flood),
		cmocka_unit_test(test_oversized_record),
		cmocka_unit_test(test_sni),
		cmocka_unit_test(test_sni_octets),
		cmocka_unit_test(test_name_match),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_resume_tls13),
		cmocka_unit_test(test_resume_tls12),
		cmocka_unit_test(test_no_tickets),
		cmocka_unit_test(test_forged_tickets),
		cmocka_unit_test(test_version_limits),
		cmocka_unit_test(test_entropy_verdict),
		cmocka_unit_test(test_iana_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
