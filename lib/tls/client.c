/* lib/tls's clients: the CAs to verify servers against, ALPN, versions,
 * and the last session got from each host, offered again on the next
 * connection to it (TLS 1.2 and TLS 1.3 tickets). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <psa/crypto.h>

#include "tls_internal.h"

void tls_client_config_default(struct tls_client_config *c)
{
	memset(c, 0, sizeof(*c));
	c->min_version = TLS_V1_2;
	c->max_version = TLS_V1_3;
}

static int load_ca(struct tls_client *c, const char *path, char *why,
		   size_t whylen)
{
	unsigned char *buf;
	size_t len;
	int r = tls_read_file(path, &buf, &len);

	if (r < 0) {
		snprintf(why, whylen, "tls: %s: %s", path, strerror(-r));
		return r;
	}
	r = mbedtls_x509_crt_parse(&c->ca, buf, len + 1);
	free(buf);
	if (r != 0) {
		char e[100];
		mbedtls_strerror(r > 0 ? MBEDTLS_ERR_X509_INVALID_FORMAT : r, e,
				 sizeof(e));
		snprintf(why, whylen, "tls: %s: not PEM certificates (%s)",
			 path, e);
		return r == MBEDTLS_ERR_X509_ALLOC_FAILED ? -ENOMEM : -EINVAL;
	}
	mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
	return 0;
}

static int client_init(struct tls_client *c, const struct tls_client_config *cf,
		       char *why, size_t whylen)
{
	int r = tls_entropy_check(why, whylen);

	if (r < 0)
		return r;
	if (tls_psa_init() < 0 ||
	    mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		goto nomem;
	mbedtls_ssl_conf_rng(&c->conf, mbedtls_psa_get_random,
			     MBEDTLS_PSA_RANDOM_STATE);
	r = tls_conf_versions(&c->conf, cf->min_version, cf->max_version, why,
			      whylen);
	if (r < 0)
		return r;
	/* Without CAs the chain is still looked at (OPTIONAL), so that a
	 * handshake that shows none is known to be a resumption. */
	mbedtls_ssl_conf_authmode(&c->conf,
				  cf->ca_file ? MBEDTLS_SSL_VERIFY_REQUIRED :
						MBEDTLS_SSL_VERIFY_OPTIONAL);
	if (cf->ca_file) {
		r = load_ca(c, cf->ca_file, why, whylen);
		if (r < 0)
			return r;
	}
	if (tls_copy_list(cf->alpn, &c->alpn) < 0)
		goto nomem;
	if (c->alpn && mbedtls_ssl_conf_alpn_protocols(
			       &c->conf, (const char **)c->alpn) != 0) {
		snprintf(why, whylen,
			 "tls: an ALPN protocol name is empty "
			 "or longer than 255");
		return -EINVAL;
	}
	mbedtls_ssl_conf_session_tickets(&c->conf,
					 MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
	mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
		&c->conf,
		MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
	return 0;
nomem:
	snprintf(why, whylen, "tls: out of memory");
	return -ENOMEM;
}

int tls_client_new(struct tls_client **out, const struct tls_client_config *cf,
		   char *why, size_t whylen)
{
	struct tls_client *c = calloc(1, sizeof(*c));
	int r;

	*out = NULL;
	if (!c) {
		snprintf(why, whylen, "tls: out of memory");
		return -ENOMEM;
	}
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->ca);
	r = client_init(c, cf, why, whylen);
	if (r < 0) {
		tls_client_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void tls_client_free(struct tls_client *c)
{
	if (!c)
		return;
	while (c->sessions) {
		struct tls_cached *e = c->sessions;
		c->sessions = e->next;
		mbedtls_ssl_session_free(&e->session);
		free(e->host);
		free(e);
	}
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_x509_crt_free(&c->ca);
	tls_free_list(c->alpn);
	free(c);
}

static struct tls_cached **find(struct tls_client *c, const char *host)
{
	struct tls_cached **p = &c->sessions;

	if (!host)
		host = "";
	while (*p && strcmp((*p)->host, host) != 0)
		p = &(*p)->next;
	return p;
}

const mbedtls_ssl_session *tls_client_session(struct tls_client *c,
					      const char *host)
{
	struct tls_cached *e = *find(c, host);

	return e ? &e->session : NULL;
}

void tls_client_save(struct tls_client *c, struct tls_conn *t)
{
	struct tls_cached **p = find(c, t->host);
	struct tls_cached *e = *p;

	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return;
		e->host = strdup(t->host ? t->host : "");
		if (!e->host) {
			free(e);
			return;
		}
		*p = e;
	} else {
		mbedtls_ssl_session_free(&e->session);
	}
	mbedtls_ssl_session_init(&e->session);
	if (mbedtls_ssl_get_session(&t->ssl, &e->session) != 0) {
		/* nothing to offer next time */
		mbedtls_ssl_session_free(&e->session);
		*p = e->next;
		free(e->host);
		free(e);
	}
}
