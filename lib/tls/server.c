/* lib/tls's servers: certificates and keys read and checked at start, the
 * certificate chosen by SNI, ALPN, session tickets (TLS 1.2 tickets and
 * TLS 1.3 PSK tickets) and the counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <psa/crypto.h>

#include "tls_internal.h"

static const char *const default_alpn[] = { "http/1.1", NULL };

void tls_server_config_default(struct tls_server_config *c)
{
	memset(c, 0, sizeof(*c));
	c->alpn = default_alpn;
	c->min_version = TLS_V1_2;
	c->max_version = TLS_V1_3;
	c->ticket_lifetime_s = 86400;
}

static int file_error(int r, const char *path, char *why, size_t whylen)
{
	snprintf(why, whylen, "tls: %s: %s", path, strerror(-r));
	return r;
}

static int mbedtls_error(int ret, const char *what, const char *path, char *why,
			 size_t whylen)
{
	char e[100];

	mbedtls_strerror(ret, e, sizeof(e));
	snprintf(why, whylen, "tls: %s: %s (%s)", path, what, e);
	return ret == MBEDTLS_ERR_X509_ALLOC_FAILED ||
			       ret == MBEDTLS_ERR_PK_ALLOC_FAILED ?
		       -ENOMEM :
		       -EINVAL;
}

static int load_chain(mbedtls_x509_crt *crt, const char *path, char *why,
		      size_t whylen)
{
	unsigned char *buf;
	size_t len;
	int r = tls_read_file(path, &buf, &len);

	if (r < 0)
		return file_error(r, path, why, whylen);
	r = mbedtls_x509_crt_parse(crt, buf, len + 1);
	free(buf);
	if (r > 0) /* some certificates in it could not be read */
		r = MBEDTLS_ERR_X509_INVALID_FORMAT;
	if (r < 0)
		return mbedtls_error(r, "not a PEM certificate chain", path,
				     why, whylen);
	return 0;
}

static int load_key(mbedtls_pk_context *pk, const char *path, char *why,
		    size_t whylen)
{
	unsigned char *buf;
	size_t len;
	int r = tls_read_file(path, &buf, &len);

	if (r < 0)
		return file_error(r, path, why, whylen);
	r = mbedtls_pk_parse_key(pk, buf, len + 1, NULL, 0,
				 mbedtls_psa_get_random,
				 MBEDTLS_PSA_RANDOM_STATE);
	mbedtls_platform_zeroize(buf, len);
	free(buf);
	if (r < 0)
		return mbedtls_error(r, "not an unencrypted PEM private key",
				     path, why, whylen);
	return 0;
}

static int load_cert(struct tls_cert *c, const struct tls_keypair *kp,
		     char *why, size_t whylen)
{
	int r;

	if (!kp->cert || !kp->key) {
		snprintf(why, whylen, "tls: a certificate without its key");
		return -EINVAL;
	}
	r = load_chain(&c->chain, kp->cert, why, whylen);
	if (r == 0)
		r = load_key(&c->key, kp->key, why, whylen);
	if (r < 0)
		return r;
	r = mbedtls_pk_check_pair(&c->chain.pk, &c->key, mbedtls_psa_get_random,
				  MBEDTLS_PSA_RANDOM_STATE);
	if (r != 0) {
		char e[100];
		mbedtls_strerror(r, e, sizeof(e));
		snprintf(why, whylen,
			 "tls: key %s does not match certificate %s (%s)",
			 kp->key, kp->cert, e);
		return -EINVAL;
	}
	return 0;
}

/* Whether crt serves host: its subjectAltName dNSNames, else its CN. */
static bool cert_serves(const mbedtls_x509_crt *crt, const char *host)
{
	bool have_dns = false;

	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s;
	     s = s->next) {
		if (s->buf.tag !=
		    (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME))
			continue;
		have_dns = true;
		if (tls_name_match((const char *)s->buf.p, s->buf.len, host))
			return true;
	}
	if (have_dns)
		return false;
	for (const mbedtls_x509_name *n = &crt->subject; n; n = n->next)
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0 &&
		    tls_name_match((const char *)n->val.p, n->val.len, host))
			return true;
	return false;
}

/* mbedTLS's SNI callback: note the name, choose its certificate. */
static int sni_cb(void *p, mbedtls_ssl_context *ssl, const unsigned char *name,
		  size_t len)
{
	struct tls_server *s = p;
	struct tls_conn *t = mbedtls_ssl_get_user_data_p(ssl);
	struct tls_cert *c = &s->certs[0];

	/* a host name is ASCII letters, digits and punctuation (RFC 6066,
	 * 3): anything else (a NUL, a line break, an escape) is refused,
	 * never handed to a caller that may log tls_sni() */
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] >= 0x7f)
			return -1;
	free(t->sni);
	t->sni = strndup((const char *)name, len);
	if (!t->sni)
		return -1;
	for (unsigned i = 0; i < s->ncerts; i++)
		if (cert_serves(&s->certs[i].chain, t->sni)) {
			c = &s->certs[i];
			goto found;
		}
	s->stats.sni_unknown++;
found:
	return mbedtls_ssl_set_hs_own_cert(ssl, &c->chain, &c->key);
}

static int ticket_write(void *p, const mbedtls_ssl_session *session,
			unsigned char *start, const unsigned char *end,
			size_t *tlen, uint32_t *lifetime)
{
	struct tls_server *s = p;
	int r = mbedtls_ssl_ticket_write(&s->ticket, session, start, end, tlen,
					 lifetime);
	if (r == 0)
		s->stats.tickets++;
	return r;
}

static int ticket_parse(void *p, mbedtls_ssl_session *session,
			unsigned char *buf, size_t len)
{
	struct tls_server *s = p;

	return mbedtls_ssl_ticket_parse(&s->ticket, session, buf, len);
}

static int setup_tickets(struct tls_server *s, unsigned lifetime, char *why,
			 size_t whylen)
{
	int r;

	if (lifetime == 0)
		return 0;
	mbedtls_ssl_ticket_init(&s->ticket);
	s->tickets = true;
	r = mbedtls_ssl_ticket_setup(&s->ticket, mbedtls_psa_get_random,
				     MBEDTLS_PSA_RANDOM_STATE,
				     MBEDTLS_CIPHER_AES_256_GCM, lifetime);
	if (r != 0) {
		char e[100];
		mbedtls_strerror(r, e, sizeof(e));
		snprintf(why, whylen, "tls: ticket keys: %s", e);
		return -ENOMEM;
	}
	mbedtls_ssl_conf_session_tickets_cb(&s->conf, ticket_write,
					    ticket_parse, s);
	return 0;
}

static int setup_conf(struct tls_server *s, const struct tls_server_config *c,
		      char *why, size_t whylen)
{
	int r = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
					    MBEDTLS_SSL_TRANSPORT_STREAM,
					    MBEDTLS_SSL_PRESET_DEFAULT);
	if (r != 0) {
		snprintf(why, whylen, "tls: mbedTLS's defaults: -0x%04x", -r);
		return -ENOMEM;
	}
	mbedtls_ssl_conf_rng(&s->conf, mbedtls_psa_get_random,
			     MBEDTLS_PSA_RANDOM_STATE);
	r = tls_conf_versions(&s->conf, c->min_version, c->max_version, why,
			      whylen);
	if (r < 0)
		return r;
	if (tls_copy_list(c->alpn, &s->alpn) < 0)
		goto nomem;
	if (s->alpn && mbedtls_ssl_conf_alpn_protocols(
			       &s->conf, (const char **)s->alpn) != 0) {
		snprintf(why, whylen,
			 "tls: an ALPN protocol name is empty "
			 "or longer than 255");
		return -EINVAL;
	}
	if (mbedtls_ssl_conf_own_cert(&s->conf, &s->certs[0].chain,
				      &s->certs[0].key) != 0)
		goto nomem;
	mbedtls_ssl_conf_sni(&s->conf, sni_cb, s);
	return setup_tickets(s, c->ticket_lifetime_s, why, whylen);
nomem:
	snprintf(why, whylen, "tls: out of memory");
	return -ENOMEM;
}

static int server_init(struct tls_server *s, const struct tls_server_config *c,
		       char *why, size_t whylen)
{
	int r = tls_entropy_check(why, whylen);

	if (r < 0)
		return r;
	if (tls_psa_init() < 0) {
		snprintf(why, whylen, "tls: PSA crypto failed to start");
		return -ENOMEM;
	}
	if (c->ncerts == 0 || !c->certs) {
		snprintf(why, whylen, "tls: a server needs a certificate");
		return -EINVAL;
	}
	s->certs = calloc(c->ncerts, sizeof(*s->certs));
	if (!s->certs) {
		snprintf(why, whylen, "tls: out of memory");
		return -ENOMEM;
	}
	s->ncerts = c->ncerts;
	for (unsigned i = 0; i < s->ncerts; i++) {
		mbedtls_x509_crt_init(&s->certs[i].chain);
		mbedtls_pk_init(&s->certs[i].key);
	}
	for (unsigned i = 0; i < s->ncerts; i++) {
		r = load_cert(&s->certs[i], &c->certs[i], why, whylen);
		if (r < 0)
			return r;
	}
	return setup_conf(s, c, why, whylen);
}

int tls_server_new(struct tls_server **out, const struct tls_server_config *c,
		   char *why, size_t whylen)
{
	struct tls_server *s = calloc(1, sizeof(*s));
	int r;

	*out = NULL;
	if (!s) {
		snprintf(why, whylen, "tls: out of memory");
		return -ENOMEM;
	}
	mbedtls_ssl_config_init(&s->conf);
	r = server_init(s, c, why, whylen);
	if (r < 0) {
		tls_server_free(s);
		return r;
	}
	*out = s;
	return 0;
}

void tls_server_free(struct tls_server *s)
{
	if (!s)
		return;
	mbedtls_ssl_config_free(&s->conf);
	if (s->tickets)
		mbedtls_ssl_ticket_free(&s->ticket);
	for (unsigned i = 0; i < s->ncerts; i++) {
		mbedtls_x509_crt_free(&s->certs[i].chain);
		mbedtls_pk_free(&s->certs[i].key);
	}
	free(s->certs);
	tls_free_list(s->alpn);
	free(s);
}

void tls_server_stats(const struct tls_server *s, struct tls_server_stats *st)
{
	*st = s->stats;
}
