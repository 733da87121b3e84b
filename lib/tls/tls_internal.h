/* lib/tls's private declarations: the structures behind tls.h's handles,
 * shared by server.c, client.c, conn.c and random.c, and the pure
 * functions test/unit/test_tls.c checks directly. */
#ifndef TLS_INTERNAL_H
#define TLS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ssl.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>
#include <os/random.h>

#include "tls/tls.h"

/* One certificate chain and its key, from a struct tls_keypair. */
struct tls_cert {
	mbedtls_x509_crt chain;
	mbedtls_pk_context key;
};

struct tls_server {
	mbedtls_ssl_config conf;
	struct tls_cert *certs; /* ncerts; [0] the default */
	unsigned ncerts;
	char **alpn; /* NULL-terminated copies, or NULL */
	mbedtls_ssl_ticket_context ticket;
	bool tickets; /* ticket set up */
	struct tls_server_stats stats;
};

/* The last session a client got from one host, offered again. */
struct tls_cached {
	struct tls_cached *next;
	char *host; /* "" for no name */
	mbedtls_ssl_session session;
};

struct tls_client {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	char **alpn;
	struct tls_cached *sessions;
};

struct tls_conn {
	mbedtls_ssl_context ssl;
	struct tls_server *srv; /* one of srv, cli */
	struct tls_client *cli;
	struct tls_io io; /* io.send NULL: the socket fd */
	int fd;
	int err;	  /* the failure's negative errno, or 0 */
	int io_err;	  /* the transport's errno, or 0 */
	bool io_eof;	  /* the transport's recv returned 0 */
	bool done;	  /* handshake complete */
	bool peer_closed; /* close_notify received */
	bool resumed;
	bool hs_resume; /* mbedTLS's handshake resumes a session */
	bool offered;	/* client: a session was offered */
	bool cert_seen; /* client: the server sent a certificate */
	bool closing;	/* close_notify queued */
	uint32_t want;
	unsigned reads;	 /* transport reads left to this call */
	size_t wpending; /* octets of a write waiting after WANT_WRITE */
	char *host;	 /* client: the name connected to, or NULL */
	char *sni;	 /* server: the name the client sent */
	char cipher[64];
	char why[200];
};

/* The verdict of tls_entropy_check() on the figures *st: 0 when the pool
 * took 256 bits from RDSEED, RDRAND or virtio-rng (st->strong), else
 * -EPERM and the reason in why (naming what is missing). */
int tls_entropy_verdict(const struct os_random_stats *st, char *why,
			size_t whylen);

/* Write mbedTLS's suite name (e.g. "TLS1-3-AES-128-GCM-SHA256") as IANA
 * spells it ("TLS_AES_128_GCM_SHA256") into out; "" when it does not
 * fit. */
void tls_iana_name(const char *mbedtls_name, char *out, size_t outlen);

/* Whether the certificate name pattern (a DNS name, possibly "*.rest")
 * matches host, case-insensitively (the wildcard one label). */
bool tls_name_match(const char *pattern, size_t patlen, const char *host);

/* Make sure PSA crypto is initialised: 0, or a negative errno. */
int tls_psa_init(void);

/* Read the whole file path into a NUL-terminated heap buffer (*len not
 * counting the NUL): 0, or a negative errno. */
int tls_read_file(const char *path, unsigned char **buf, size_t *len);

/* Copy a NULL-terminated list of protocol names: 0 (NULL for NULL), or
 * -ENOMEM. Freed with tls_free_list(). */
int tls_copy_list(const char *const *in, char ***out);
void tls_free_list(char **l);

/* Set the versions [min, max] on conf: 0, or -EINVAL with why. */
int tls_conf_versions(mbedtls_ssl_config *conf, uint16_t min, uint16_t max,
		      char *why, size_t whylen);

/* The server certificate the client was shown, for the tests (NULL
 * before the handshake or without one). */
const mbedtls_x509_crt *tls_peer_cert(const struct tls_conn *t);

/* The client's session bookkeeping (client.c): the session cached for
 * host (NULL: ""), or NULL; store the session of t's handshake. */
const mbedtls_ssl_session *tls_client_session(struct tls_client *c,
					      const char *host);
void tls_client_save(struct tls_client *c, struct tls_conn *t);

#endif
