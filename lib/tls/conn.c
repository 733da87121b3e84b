/* lib/tls's connections: the transport (a socket or struct tls_io), the
 * handshake, application data both ways, close_notify, what a failure
 * was, and what was negotiated. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* ssl->in_msg's alert, ->out_left */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <mbedtls/error.h>

#include "ssl_misc.h" /* mbedTLS's own: the handshake's resume verdict */
#include "tls_internal.h"

/* Our bio callbacks' code for a failed transport (t->io_err says why). */
#define TLS_ERR_IO (-0x004E)

/* Transport reads one call of tls.h makes at most (a record takes two):
 * mbedTLS reads on past records it skips (TLS 1.3's ChangeCipherSpec,
 * TLS 1.2's warning alerts) for as long as the peer sends them, and a
 * flood of them would hold the caller's event loop. Past it the call
 * returns -EAGAIN on EPOLLIN, which the socket's data makes ready. */
#define TLS_READS_PER_CALL 64

static int bio_send(void *ctx, const unsigned char *p, size_t n)
{
	struct tls_conn *t = ctx;
	ssize_t r;

	if (t->io.send) {
		r = t->io.send(t->io.ctx, p, n);
	} else {
		do
			r = send(t->fd, p, n, MSG_NOSIGNAL);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			r = errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	if (r == -EAGAIN)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (r < 0) {
		t->io_err = (int)-r;
		return TLS_ERR_IO;
	}
	return (int)r;
}

static int bio_recv(void *ctx, unsigned char *p, size_t n)
{
	struct tls_conn *t = ctx;
	ssize_t r;

	if (!t->reads)
		return MBEDTLS_ERR_SSL_WANT_READ;
	t->reads--;
	if (t->io.recv) {
		r = t->io.recv(t->io.ctx, p, n);
	} else {
		do
			r = recv(t->fd, p, n, 0);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			r = errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	if (r == -EAGAIN)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (r < 0) {
		t->io_err = (int)-r;
		return TLS_ERR_IO;
	}
	if (r == 0)
		t->io_eof = true;
	return (int)r;
}

static struct tls_conn *conn_new(const mbedtls_ssl_config *conf, int fd,
				 const struct tls_io *io)
{
	struct tls_conn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	mbedtls_ssl_init(&t->ssl);
	if (mbedtls_ssl_setup(&t->ssl, conf) != 0) {
		mbedtls_ssl_free(&t->ssl);
		free(t);
		return NULL;
	}
	t->fd = fd;
	if (io)
		t->io = *io;
	mbedtls_ssl_set_user_data_p(&t->ssl, t);
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	return t;
}

struct tls_conn *tls_accept(struct tls_server *s, int fd)
{
	struct tls_conn *t = conn_new(&s->conf, fd, NULL);

	if (t)
		t->srv = s;
	return t;
}

struct tls_conn *tls_accept_io(struct tls_server *s, const struct tls_io *io)
{
	struct tls_conn *t = conn_new(&s->conf, -1, io);

	if (t)
		t->srv = s;
	return t;
}

/* Notes that the server sent a certificate: the handshake is a full one. */
static int verify_cb(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *fl)
{
	struct tls_conn *t = p;

	(void)crt;
	(void)depth;
	(void)fl;
	t->cert_seen = true;
	return 0;
}

static struct tls_conn *client_conn(struct tls_client *c, int fd,
				    const struct tls_io *io, const char *host)
{
	struct tls_conn *t = conn_new(&c->conf, fd, io);
	const mbedtls_ssl_session *s;

	if (!t)
		return NULL;
	t->cli = c;
	if (host && !(t->host = strdup(host)))
		goto fail;
	/* NULL: no name sent or checked, as the caller asked */
	if (mbedtls_ssl_set_hostname(&t->ssl, host) != 0)
		goto fail;
	mbedtls_ssl_set_verify(&t->ssl, verify_cb, t);
	s = tls_client_session(c, host);
	if (s && mbedtls_ssl_set_session(&t->ssl, s) == 0)
		t->offered = true;
	return t;
fail:
	tls_free(t);
	return NULL;
}

struct tls_conn *tls_connect(struct tls_client *c, int fd, const char *host)
{
	return client_conn(c, fd, NULL, host);
}

struct tls_conn *tls_connect_io(struct tls_client *c, const struct tls_io *io,
				const char *host)
{
	return client_conn(c, -1, io, host);
}

static const char *alert_name(unsigned a)
{
	switch (a) {
	case 0:
		return "close_notify";
	case 10:
		return "unexpected_message";
	case 20:
		return "bad_record_mac";
	case 22:
		return "record_overflow";
	case 40:
		return "handshake_failure";
	case 42:
		return "bad_certificate";
	case 43:
		return "unsupported_certificate";
	case 44:
		return "certificate_revoked";
	case 45:
		return "certificate_expired";
	case 46:
		return "certificate_unknown";
	case 47:
		return "illegal_parameter";
	case 48:
		return "unknown_ca";
	case 49:
		return "access_denied";
	case 50:
		return "decode_error";
	case 51:
		return "decrypt_error";
	case 70:
		return "protocol_version";
	case 71:
		return "insufficient_security";
	case 80:
		return "internal_error";
	case 86:
		return "inappropriate_fallback";
	case 109:
		return "missing_extension";
	case 110:
		return "unsupported_extension";
	case 112:
		return "unrecognized_name";
	case 116:
		return "certificate_required";
	case 120:
		return "no_application_protocol";
	default:
		return "alert";
	}
}

/* Writes the reason for mbedTLS's error ret into t->why; the errno. */
static int explain(struct tls_conn *t, int ret)
{
	const char *stage = t->done ? "" : "handshake: ";
	char e[120];

	if (t->io_err) {
		snprintf(t->why, sizeof(t->why), "%stransport failed: %s",
			 stage, strerror(t->io_err));
		return -ECONNRESET;
	}
	if (ret == MBEDTLS_ERR_SSL_CONN_EOF || (t->io_eof && ret == 0)) {
		snprintf(t->why, sizeof(t->why), "%s",
			 t->done ? "peer closed without close_notify" :
				   "peer closed during handshake");
		return -ECONNRESET;
	}
	if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
		unsigned a = t->ssl.in_msg ? t->ssl.in_msg[1] : 255;
		snprintf(t->why, sizeof(t->why), "%salert from peer: %s (%u)",
			 stage, alert_name(a), a);
		return -EPROTO;
	}
	if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		char info[160];
		int n = mbedtls_x509_crt_verify_info(
			info, sizeof(info), "",
			mbedtls_ssl_get_verify_result(&t->ssl));
		for (char *p = info; n > 0 && *p; p++)
			if (*p == '\n')
				*p = *(p + 1) ? ';' : 0;
		snprintf(t->why, sizeof(t->why),
			 "%sserver certificate refused: %s", stage,
			 n > 0 ? info : "unverified");
		return -EACCES;
	}
	if (ret == MBEDTLS_ERR_SSL_BAD_INPUT_DATA && t->ssl.in_left >= 5) {
		/* mbedTLS's answer to a record longer than its buffer */
		unsigned len =
			(unsigned)t->ssl.in_hdr[3] << 8 | t->ssl.in_hdr[4];
		if (len > MBEDTLS_SSL_IN_CONTENT_LEN) {
			snprintf(t->why, sizeof(t->why),
				 "%sa record of %u octets, over TLS's 16 KiB",
				 stage, len);
			return -EPROTO;
		}
	}
	mbedtls_strerror(ret, e, sizeof(e));
	snprintf(t->why, sizeof(t->why), "%s%s", stage, e);
	if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ||
	    ret == MBEDTLS_ERR_X509_ALLOC_FAILED ||
	    ret == MBEDTLS_ERR_PK_ALLOC_FAILED)
		return -ENOMEM;
	return -EPROTO;
}

/* The result of an mbedTLS call that returned ret < 0: -EAGAIN with
 * t->want set, or the connection's failure, kept. */
static int status(struct tls_conn *t, int ret)
{
	if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
		t->want = EPOLLIN;
		return -EAGAIN;
	}
	if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
		t->want = EPOLLOUT;
		return -EAGAIN;
	}
	t->want = 0;
	t->err = explain(t, ret);
	if (!t->done && t->srv)
		t->srv->stats.failed++;
	return t->err;
}

static void completed(struct tls_conn *t)
{
	const char *name = mbedtls_ssl_get_ciphersuite(&t->ssl);

	t->done = true;
	t->want = 0;
	if (name)
		tls_iana_name(name, t->cipher, sizeof(t->cipher));
	if (t->srv) {
		t->resumed = t->hs_resume;
		t->srv->stats.handshakes++;
		t->srv->stats.resumed += t->resumed;
		t->srv->stats.tls13 += tls_version(t) == TLS_V1_3;
		return;
	}
	t->resumed = t->offered && !t->cert_seen;
	/* TLS 1.2's ticket came in the handshake; TLS 1.3's come later */
	if (tls_version(t) == TLS_V1_2)
		tls_client_save(t->cli, t);
}

/* Whether a TLS 1.3 server has verified the client's Finished and only
 * its NewSessionTicket is left to send: the handshake is complete (RFC
 * 8446, 4.4.4), and a client that leaves now (openssl s_time -new does)
 * ends a connection, not a failed handshake. */
static bool after_finished(const struct tls_conn *t)
{
	return t->srv &&
	       (t->ssl.state == MBEDTLS_SSL_TLS1_3_NEW_SESSION_TICKET ||
		t->ssl.state == MBEDTLS_SSL_TLS1_3_NEW_SESSION_TICKET_FLUSH);
}

/* mbedtls_ssl_handshake()'s loop, keeping whether mbedTLS resumes a
 * session (its verdict is freed with the handshake's state): a ticket
 * the server could read may still be refused (a TLS 1.3 ticket whose
 * age is out of the window), and the handshake is then a full one. */
static int handshake_steps(struct tls_conn *t)
{
	int r = 0;

	while (r == 0 && t->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
		r = mbedtls_ssl_handshake_step(&t->ssl);
		if (t->ssl.handshake)
			t->hs_resume = t->ssl.handshake->resume == 1;
	}
	return r;
}

int tls_handshake(struct tls_conn *t)
{
	int r;

	if (t->err)
		return t->err;
	if (t->done)
		return 0;
	t->reads = TLS_READS_PER_CALL;
	r = handshake_steps(t);
	if (r == 0) {
		completed(t);
		return 0;
	}
	if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE &&
	    after_finished(t)) {
		/* complete, then the peer went: its next read says so */
		completed(t);
		status(t, r);
		return 0;
	}
	return status(t, r);
}

/* Whether mbedTLS said WANT_READ only to take a TLS 1.3 client's
 * NewSessionTicket on the next call, which then says
 * MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET (3.6's signalling). */
static bool ticket_next(const struct tls_conn *t, int r)
{
	return r == MBEDTLS_ERR_SSL_WANT_READ &&
	       t->ssl.state == MBEDTLS_SSL_TLS1_3_NEW_SESSION_TICKET;
}

ssize_t tls_read(struct tls_conn *t, void *buf, size_t n)
{
	int r = tls_handshake(t);

	if (r < 0)
		return r;
	if (t->peer_closed || n == 0)
		return 0;
	t->reads = TLS_READS_PER_CALL;
	do {
		r = mbedtls_ssl_read(&t->ssl, buf, n);
		if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET && t->cli)
			tls_client_save(t->cli, t);
	} while (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET ||
		 ticket_next(t, r));
	if (r > 0) {
		t->want = 0;
		return r;
	}
	if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
		t->peer_closed = true;
		t->want = 0;
		return 0;
	}
	if (r == 0) /* the transport ended without close_notify */
		r = MBEDTLS_ERR_SSL_CONN_EOF;
	return status(t, r);
}

size_t tls_pending(const struct tls_conn *t)
{
	return t->err ? 0 : mbedtls_ssl_get_bytes_avail(&t->ssl);
}

/* A tls_write() of n octets after one that took t->wpending into a
 * record and returned -EAGAIN: 0 to let mbedTLS send the rest of that
 * record (it answers with the length it is given, and sends what the
 * first call took), the count when it is already out (tls_read()'s
 * refusal of a renegotiation and tls_close() send a waiting record
 * first, and mbedTLS then forgets it), or -EINVAL, failing t, for fewer
 * octets than the record holds: no answer would be true. */
static int retry(struct tls_conn *t, size_t n)
{
	int r = (int)t->wpending;

	if (n < t->wpending) {
		snprintf(t->why, sizeof(t->why),
			 "tls_write: called again with fewer octets (%zu) than "
			 "the %zu of its waiting record",
			 n, t->wpending);
		t->want = 0;
		t->err = -EINVAL;
		return t->err;
	}
	if (t->ssl.out_left)
		return 0;
	t->wpending = 0;
	t->want = 0;
	return r;
}

ssize_t tls_write(struct tls_conn *t, const void *buf, size_t n)
{
	int r = tls_handshake(t);
	int max;

	if (r < 0)
		return r;
	if (n == 0)
		return 0;
	max = mbedtls_ssl_get_max_out_record_payload(&t->ssl);
	if (max > 0 && n > (size_t)max)
		n = (size_t)max;
	if (t->wpending) {
		r = retry(t, n);
		if (r != 0)
			return r;
		n = t->wpending;
	}
	r = mbedtls_ssl_write(&t->ssl, buf, n);
	if (r >= 0) {
		t->wpending = 0;
		t->want = 0;
		return r;
	}
	if (r == MBEDTLS_ERR_SSL_WANT_WRITE || r == MBEDTLS_ERR_SSL_WANT_READ)
		t->wpending = n;
	return status(t, r);
}

int tls_close(struct tls_conn *t)
{
	int r;

	if (t->err)
		return t->err;
	/* a write's record still waiting goes first: mbedTLS's close_notify
	 * would only send it, and say done */
	if (!t->closing && t->ssl.out_left) {
		r = mbedtls_ssl_close_notify(&t->ssl);
		if (r != 0)
			return status(t, r);
		t->wpending = 0;
	}
	if (t->closing && !t->ssl.out_left) {
		t->want = 0;
		return 0; /* sent */
	}
	t->closing = true;
	r = mbedtls_ssl_close_notify(&t->ssl);
	if (r == 0) {
		t->want = 0;
		return 0;
	}
	return status(t, r);
}

uint32_t tls_want(const struct tls_conn *t)
{
	return t->err ? 0 : t->want;
}

void tls_free(struct tls_conn *t)
{
	if (!t)
		return;
	mbedtls_ssl_free(&t->ssl);
	free(t->host);
	free(t->sni);
	free(t);
}

const char *tls_error(const struct tls_conn *t)
{
	return t->why;
}

uint16_t tls_version(const struct tls_conn *t)
{
	if (!t->done || t->err)
		return 0;
	return (uint16_t)mbedtls_ssl_get_version_number(&t->ssl);
}

const char *tls_version_name(const struct tls_conn *t)
{
	switch (tls_version(t)) {
	case TLS_V1_2:
		return "TLSv1.2";
	case TLS_V1_3:
		return "TLSv1.3";
	default:
		return NULL;
	}
}

const char *tls_cipher(const struct tls_conn *t)
{
	if (!t->done || t->err || !t->cipher[0])
		return NULL;
	return t->cipher;
}

const char *tls_alpn(const struct tls_conn *t)
{
	if (!t->done || t->err)
		return NULL;
	return mbedtls_ssl_get_alpn_protocol(&t->ssl);
}

const char *tls_sni(const struct tls_conn *t)
{
	return t->done && !t->err ? t->sni : NULL;
}

bool tls_resumed(const struct tls_conn *t)
{
	return t->done && !t->err && t->resumed;
}

const mbedtls_x509_crt *tls_peer_cert(const struct tls_conn *t)
{
	return t->done ? mbedtls_ssl_get_peer_cert(&t->ssl) : NULL;
}
