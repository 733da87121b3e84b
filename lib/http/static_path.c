/* lib/http: the static-file handler's names: a request path to a file
 * name under the root (no way out of it), the Location of a directory's
 * redirect, and the MIME type by extension. Pure: no I/O. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "static_internal.h"

/* Append seg[0..n) to out[0..*len) (with a '/' before it unless first). */
static int append_segment(char *out, size_t outlen, size_t *len,
			  const char *seg, size_t n)
{
	size_t need = *len + (*len ? 1 : 0) + n;

	if (need >= outlen)
		return -ENAMETOOLONG;
	if (*len)
		out[(*len)++] = '/';
	memcpy(out + *len, seg, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

int http_static_clean_path(const char *rest, char *out, size_t outlen,
			   bool *dir)
{
	size_t len = 0;
	const char *p = rest;

	if (!outlen)
		return -ENAMETOOLONG;
	out[0] = '\0';
	*dir = true;
	while (*p) {
		const char *seg = p + (*p == '/');
		size_t n = strcspn(seg, "/");

		p = seg + n;
		*dir = true; /* "//" and "/." end as directories */
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.')
			return -EINVAL;
		if (n > HTTP_STATIC_NAME_MAX)
			return -ENAMETOOLONG;
		if (append_segment(out, outlen, &len, seg, n))
			return -ENAMETOOLONG;
		*dir = false; /* a '/' after it is another turn */
	}
	return (int)len;
}

bool http_static_encoded_slash(const char *target, size_t n)
{
	for (size_t i = 0; i < n && target[i] != '?'; i++) {
		if (target[i] == '%' && i + 2 < n && target[i + 1] == '2' &&
		    (target[i + 2] == 'f' || target[i + 2] == 'F'))
			return true;
	}
	return false;
}

/* Whether octet c stays as it is in a Location path (RFC 3986 pchar and
 * '/', but not '%'). */
static bool path_safe(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c && strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

/* Append s percent-encoded to out[0..*len). */
static int encode(char *out, size_t outlen, size_t *len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t need = path_safe(c) ? 1 : 3;

		if (*len + need >= outlen)
			return -ENOSPC;
		if (need == 1) {
			out[(*len)++] = (char)c;
			continue;
		}
		out[(*len)++] = '%';
		out[(*len)++] = hex[c >> 4];
		out[(*len)++] = hex[c & 15];
	}
	out[*len] = '\0';
	return 0;
}

int http_static_location(char *out, size_t outlen, const char *prefix,
			 const char *rel)
{
	size_t len = 0;

	if (outlen < 2)
		return -ENOSPC;
	out[0] = '\0';
	if (encode(out, outlen, &len, prefix) ||
	    encode(out, outlen, &len, "/") || encode(out, outlen, &len, rel))
		return -ENOSPC;
	if (*rel && encode(out, outlen, &len, "/"))
		return -ENOSPC;
	return (int)len;
}

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "xml", "text/xml; charset=utf-8" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "avif", "image/avif" },
	{ "ico", "image/x-icon" },
	{ "wasm", "application/wasm" },
	{ "pdf", "application/pdf" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
	{ "mp3", "audio/mpeg" },
};

const char *http_static_mime(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	const char *dot = strrchr(base, '.');

	if (dot && dot != base) {
		for (size_t i = 0; i < sizeof mime_types / sizeof *mime_types;
		     i++)
			if (!strcasecmp(dot + 1, mime_types[i].ext))
				return mime_types[i].type;
	}
	return "application/octet-stream";
}
