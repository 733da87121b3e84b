/*
 * lib/tls: TLS 1.3 and 1.2 for services, on mbedTLS 3.6.
 *
 * A TLS connection wraps a connected stream socket, or any transport
 * given as two functions (struct tls_io, e.g. memory in the unit tests),
 * and is driven from an event loop: every call returns at once, and
 * -EAGAIN says the call must be made again once tls_want() is ready on
 * the socket (EPOLLIN or EPOLLOUT). A call reads a bounded share of what
 * waits (a peer's flood of records cannot hold the loop) and may return
 * -EAGAIN with more left in the socket: wait level-triggered, not
 * EPOLLET. The same code runs in a libos image and as a Linux program.
 *
 *	struct tls_server_config cfg;
 *	struct tls_keypair kp = { "/etc/tls/cert.pem", "/etc/tls/key.pem" };
 *	struct tls_server *srv;
 *	char why[256];
 *
 *	tls_server_config_default(&cfg);
 *	cfg.certs = &kp;
 *	cfg.ncerts = 1;
 *	if (tls_server_new(&srv, &cfg, why, sizeof(why)) < 0)
 *		os_exit_bootconf(why);		// status 121, the reason
 *	...
 *	struct tls_conn *t = tls_accept(srv, fd);   // fd: non-blocking
 *	// on each event: tls_handshake(t) until 0, then tls_read/tls_write;
 *	// tls_close(t) sends close_notify, tls_free(t) frees (fd stays open)
 *
 * Servers: one certificate chain and key per name, chosen by SNI (the
 * first also serves clients that send no name or an unknown one); ALPN
 * (http/1.1 by default); session resumption with tickets (TLS 1.2
 * tickets and TLS 1.3 PSK tickets, keys made at start and rotated).
 * Clients: verify the server's chain against a CA file and its name.
 * Versions TLS 1.2 and 1.3; suites AES-GCM and ChaCha20-Poly1305 with
 * ECDHE (X25519, P-256, P-384), ECDSA or RSA certificates.
 *
 * Randomness comes from getrandom(2): in the image, the kernel's pool.
 * tls_server_new() and tls_client_new() refuse to work in an image whose
 * pool was not seeded from a strong source (RDSEED, RDRAND or
 * virtio-rng; CPU jitter alone is not enough), see os/random.h.
 *
 * Errors are negative errno values; a failed connection keeps a one-line
 * reason (tls_error()) for the caller to log once. Nothing here logs or
 * blocks. All calls are made from one thread.
 */
#ifndef TLS_TLS_H
#define TLS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Protocol versions, as on the wire. */
#define TLS_V1_2 0x0303
#define TLS_V1_3 0x0304

struct tls_server; /* a server's certificates, ALPN and ticket keys */
struct tls_client; /* a client's trusted CAs and settings */
struct tls_conn;   /* one TLS session over one transport */

/* ---- Setting up (at start: errors here are configuration errors). */

/* A certificate chain and its private key, each a PEM file (the
 * certificate first, then the intermediates; the key unencrypted, in
 * PKCS#8, SEC1 or PKCS#1 form). */
struct tls_keypair {
	const char *cert;
	const char *key;
};

struct tls_server_config {
	const struct tls_keypair *certs; /* one per name; the first is the
					    default (no or unknown SNI) */
	unsigned ncerts;		 /* at least 1 */
	const char *const *alpn;	 /* protocols accepted, best first,
					    NULL-terminated ({"http/1.1"}) */
	uint16_t min_version;		 /* TLS_V1_2 */
	uint16_t max_version;		 /* TLS_V1_3 */
	unsigned ticket_lifetime_s;	 /* session tickets' lifetime; 0: no
					    tickets, no resumption (86400) */
};

/* Fill *c with the defaults given above (no certificates). */
void tls_server_config_default(struct tls_server_config *c);

/* Make a server from *c: read and check every certificate and key (a
 * key that does not match its certificate is an error), the names each
 * certificate serves (subjectAltName dNSName, else the subject's CN),
 * and make the ticket keys. Returns 0 and *out, or a negative errno with
 * a one-line reason in why (naming the file and what is wrong with it):
 * -ENOENT or another errno from reading a file, -EINVAL for a file that
 * is not a certificate or key or a key that does not match, -EPERM when
 * the image has no strong entropy source, -ENOMEM. */
int tls_server_new(struct tls_server **out, const struct tls_server_config *c,
		   char *why, size_t whylen);

/* Free s; connections made from it must be freed first. */
void tls_server_free(struct tls_server *s);

struct tls_client_config {
	const char *ca_file;	 /* PEM CAs to verify the server against;
				    NULL: no verification (tests only) */
	const char *const *alpn; /* protocols offered, NULL-terminated
				    (NULL: none) */
	uint16_t min_version;	 /* TLS_V1_2 */
	uint16_t max_version;	 /* TLS_V1_3 */
};

/* Fill *c with the defaults given above (no CA file). */
void tls_client_config_default(struct tls_client_config *c);

/* Make a client from *c; as tls_server_new(). A client keeps the last
 * session (ticket) it got from each host name and offers it on its next
 * tls_connect() to the same name, to resume without a full handshake. */
int tls_client_new(struct tls_client **out, const struct tls_client_config *c,
		   char *why, size_t whylen);

/* Free c; connections made from it must be freed first. */
void tls_client_free(struct tls_client *c);

/* Whether this system's random numbers may key TLS: 0 when the kernel's
 * pool was seeded from RDSEED, RDRAND or virtio-rng (always 0 on Linux,
 * whose getrandom(2) waits for its own pool), else -EPERM with the
 * reason in why. tls_server_new() and tls_client_new() call it. */
int tls_entropy_check(char *why, size_t whylen);

/* ---- Connections. */

/* Where a connection's records go when it is not a socket. send and
 * recv return the octets moved, recv 0 at the end of the stream, -EAGAIN
 * when nothing can move now, another negative errno when the transport
 * failed. */
struct tls_io {
	ssize_t (*send)(void *ctx, const void *p, size_t n);
	ssize_t (*recv)(void *ctx, void *p, size_t n);
	void *ctx;
};

/* A server-side connection over the connected, non-blocking socket fd
 * (which stays the caller's: tls_free() does not close it), or over io.
 * NULL when memory is short. The handshake starts at the first
 * tls_handshake(). */
struct tls_conn *tls_accept(struct tls_server *s, int fd);
struct tls_conn *tls_accept_io(struct tls_server *s, const struct tls_io *io);

/* A client-side connection to the server named host (sent as SNI and
 * checked against its certificate; NULL: neither), as tls_accept(). */
struct tls_conn *tls_connect(struct tls_client *c, int fd, const char *host);
struct tls_conn *tls_connect_io(struct tls_client *c, const struct tls_io *io,
				const char *host);

/* Advance the handshake: 0 once it is complete (then again 0 at once),
 * -EAGAIN to be called again when tls_want() is ready, or a negative
 * errno when it failed (the reason in tls_error(); the connection is
 * then good only for tls_free()): -EPROTO a protocol error, a bad record
 * or an alert from the peer, -ECONNRESET the transport ended or failed
 * before the handshake completed, -EACCES the peer's certificate was
 * refused, -ENOMEM. */
int tls_handshake(struct tls_conn *t);

/* Read up to n octets of application data (the handshake is completed
 * first if it is not). Returns the count, 0 once the peer sent
 * close_notify, -EAGAIN when no data is there now, -ECONNRESET when the
 * transport ended without close_notify (a truncation), or another
 * negative errno as tls_handshake(). Data already decrypted may remain
 * after a read: see tls_pending(). */
ssize_t tls_read(struct tls_conn *t, void *buf, size_t n);

/* Octets tls_read() returns without reading the transport: a caller
 * waiting for EPOLLIN must read these first. */
size_t tls_pending(const struct tls_conn *t);

/* Write up to n octets (at most one record, 16 KiB) of application
 * data. Returns the count taken (> 0 for n > 0), or -EAGAIN when none
 * was taken: the next call must then pass the same first octets again
 * (it may pass more after them), as mbedTLS requires, and fewer fails
 * the connection with -EINVAL; or a negative errno as tls_read(). */
ssize_t tls_write(struct tls_conn *t, const void *buf, size_t n);

/* Send close_notify after what was written (the record of a write that
 * returned -EAGAIN goes first): 0 once it is sent, -EAGAIN
 * to be called again when tls_want() is ready, another negative errno
 * when the transport failed (the peer is gone; nothing more to do). */
int tls_close(struct tls_conn *t);

/* What the last -EAGAIN waits for: EPOLLIN or EPOLLOUT (as in
 * sys/epoll.h), or 0 when nothing is waited for. */
uint32_t tls_want(const struct tls_conn *t);

/* Free t and what it holds; the socket stays open. NULL is ignored. */
void tls_free(struct tls_conn *t);

/* ---- What was negotiated, once the handshake is complete (before it,
 * or after a failure, NULL, 0 or false). */

/* The reason of the last failure, one line ("" when none). */
const char *tls_error(const struct tls_conn *t);

/* The version (TLS_V1_2, TLS_V1_3) and its name ("TLSv1.3"). */
uint16_t tls_version(const struct tls_conn *t);
const char *tls_version_name(const struct tls_conn *t);

/* The cipher suite's IANA name ("TLS_AES_128_GCM_SHA256",
 * "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"). */
const char *tls_cipher(const struct tls_conn *t);

/* The protocol chosen by ALPN, or NULL. */
const char *tls_alpn(const struct tls_conn *t);

/* On a server, the name the client sent (SNI), or NULL. A name with an
 * octet outside printable ASCII fails the handshake (unrecognized_name):
 * what this returns is safe to log. */
const char *tls_sni(const struct tls_conn *t);

/* Whether the session was resumed from a ticket (no full handshake). */
bool tls_resumed(const struct tls_conn *t);

/* ---- Counters of a server, since tls_server_new(). */

struct tls_server_stats {
	uint64_t handshakes;	/* completed */
	uint64_t resumed;	/* of which resumed from a ticket */
	uint64_t tls13;		/* of which TLS 1.3 */
	uint64_t failed;	/* handshakes that failed */
	uint64_t tickets;	/* tickets issued */
	uint64_t sni_unknown;	/* names sent that no certificate has */
};

/* Fill *st with s's counters. */
void tls_server_stats(const struct tls_server *s, struct tls_server_stats *st);

#endif
