/* lib/tls's small helpers shared by servers and clients: reading files,
 * copying protocol lists, version limits, suite names as IANA spells
 * them, and certificate name matching. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls_internal.h"

/* Certificates and keys are small: a bigger file is a mistake. */
#define TLS_FILE_MAX (1u << 20)

static int read_all(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* shrank while read */
		got += (size_t)r;
	}
	return 0;
}

int tls_read_file(const char *path, unsigned char **buf, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > TLS_FILE_MAX) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EFBIG;
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	r = read_all(fd, *buf, *len);
	close(fd);
	if (r < 0) {
		free(*buf);
		return r;
	}
	(*buf)[*len] = 0;
	return 0;
}

void tls_free_list(char **l)
{
	if (!l)
		return;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
}

int tls_copy_list(const char *const *in, char ***out)
{
	size_t n = 0;

	*out = NULL;
	if (!in)
		return 0;
	while (in[n])
		n++;
	*out = calloc(n + 1, sizeof(char *));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		(*out)[i] = strdup(in[i]);
		if (!(*out)[i]) {
			tls_free_list(*out);
			*out = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

int tls_conf_versions(mbedtls_ssl_config *conf, uint16_t min, uint16_t max,
		      char *why, size_t whylen)
{
	bool ok_min = min == TLS_V1_2 || min == TLS_V1_3;
	bool ok_max = max == TLS_V1_2 || max == TLS_V1_3;

	if (!ok_min || !ok_max || min > max) {
		snprintf(why, whylen,
			 "tls: versions 0x%04x to 0x%04x: only TLS 1.2 "
			 "(0x0303) and 1.3 (0x0304), the lower first",
			 min, max);
		return -EINVAL;
	}
	mbedtls_ssl_conf_min_tls_version(conf,
					 (mbedtls_ssl_protocol_version)min);
	mbedtls_ssl_conf_max_tls_version(conf,
					 (mbedtls_ssl_protocol_version)max);
	return 0;
}

void tls_iana_name(const char *name, char *out, size_t outlen)
{
	const char *rest = name;
	size_t n = 0;

	if (strncmp(name, "TLS1-3-", 7) == 0) /* TLS 1.3: TLS_<AEAD>_<hash> */
		rest = name + 6;
	else if (strncmp(name, "TLS-", 4) == 0)
		rest = name + 3;
	if (rest != name) {
		if (outlen < 4)
			goto too_long;
		memcpy(out, "TLS", 3);
		n = 3;
	}
	for (; *rest; rest++) {
		if (n + 1 >= outlen)
			goto too_long;
		out[n++] = *rest == '-' ? '_' : *rest;
	}
	out[n] = 0;
	return;
too_long:
	if (outlen)
		out[0] = 0;
}

bool tls_name_match(const char *pat, size_t patlen, const char *host)
{
	size_t hlen = strlen(host);

	if (patlen >= 2 && pat[0] == '*' && pat[1] == '.') {
		const char *dot = strchr(host, '.');
		/* "*.example" matches "one.example": one non-empty label */
		if (!dot || dot == host)
			return false;
		host = dot;
		hlen = strlen(dot);
		pat++;
		patlen--;
	}
	return patlen == hlen && strncasecmp(pat, host, hlen) == 0;
}
