/* lib/http: the pure rules of the static-file handler (static.c), kept
 * apart from any I/O so test/unit can check each one: the request path
 * to a relative file name under the root, the Location of a directory
 * redirect, MIME types, the ETag, HTTP dates, the conditional headers
 * and byte ranges. Private to lib/http. */
#ifndef HTTP_STATIC_INTERNAL_H
#define HTTP_STATIC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A file name component longer than this cannot exist (NAME_MAX). */
#define HTTP_STATIC_NAME_MAX 255

/* Room for an ETag ("\"<16 hex>-<16 hex>\"" and its NUL). */
#define HTTP_STATIC_ETAG_LEN 40

/* Room for an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT" and NUL). */
#define HTTP_STATIC_DATE_LEN 30

/* The relative file name under the root that the decoded path rest (as
 * http_path_rest() gives it: "/a/b.css", "" for an exact route) names,
 * written to out[0..outlen) without a leading '/' ("" for the root
 * itself). Empty segments ("//") and "." segments are dropped; any ".."
 * segment is refused, whether or not it would stay under the root.
 * Every other octet is part of a name (a backslash too). *dir is set
 * when the path names a directory by its form: it ends with '/' or "/."
 * or is empty. Returns the length, -EINVAL for a ".." segment (answered
 * 400), -ENAMETOOLONG for a segment over HTTP_STATIC_NAME_MAX or a name
 * that does not fit in outlen (answered 404: no such file can exist). */
int http_static_clean_path(const char *rest, char *out, size_t outlen,
			   bool *dir);

/* Whether the raw request-target target[0..n) (as sent; its query after
 * a '?' is not looked at) holds an encoded slash, "%2f" or "%2F": such a
 * target is answered 400 (its decoded form has more segments than it
 * shows). A backslash is an ordinary octet of a name on POSIX, encoded
 * or not. */
bool http_static_encoded_slash(const char *target, size_t n);

/* Percent-encode the path prefix followed by rel and a final '/' into
 * out[0..outlen): the Location of a directory's redirect. Unreserved
 * octets, sub-delims, ':', '@' and '/' stay; every other octet is
 * encoded (%XX). Returns the length, or -ENOSPC when it does not fit. */
int http_static_location(char *out, size_t outlen, const char *prefix,
			 const char *rel);

/* The Content-Type for file name name by its extension (case
 * insensitive): text types carry "; charset=utf-8"; a name without a
 * known extension is "application/octet-stream". */
const char *http_static_mime(const char *name);

/* Write the strong ETag of a file of size octets last modified at
 * mtime_s seconds and mtime_ns nanoseconds to out (at least
 * HTTP_STATIC_ETAG_LEN octets): "\"<size hex>-<mtime in ns hex>\"". */
void http_static_etag(char *out, uint64_t size, int64_t mtime_s, long mtime_ns);

/* Write t (seconds since the epoch, from year 0 to 9999) as an
 * IMF-fixdate to out (at least HTTP_STATIC_DATE_LEN octets). Returns
 * the length (29), or -EINVAL for a time outside those years. */
int http_static_date_format(char *out, int64_t t);

/* Parse an HTTP-date (RFC 9110 s5.6.7): IMF-fixdate, the obsolete
 * RFC 850 form (two-digit years 70..99 are 19xx, 00..69 20xx) and
 * asctime's form. The weekday must be a weekday name but is not
 * checked against the date. Returns 0 with *t set, or -EINVAL. */
int http_static_date_parse(const char *s, int64_t *t);

/* Whether the If-None-Match value list (a comma-separated list of
 * entity-tags, or "*") matches etag by the weak comparison (a "W/"
 * prefix is ignored on both sides). A malformed list matches nothing. */
bool http_static_etag_match(const char *list, const char *etag);

/* Whether a GET or HEAD of a file with this etag and modification time
 * (seconds) is answered 304: If-None-Match (inm, NULL when absent)
 * matches, or, only when there is no If-None-Match, If-Modified-Since
 * (ims, NULL when absent; ignored when not a valid HTTP-date) is not
 * earlier than mtime. */
bool http_static_not_modified(const char *inm, const char *ims,
			      const char *etag, int64_t mtime);

/* Whether an If-Range value (NULL when absent) lets a Range apply: it
 * is absent, or is a strong entity-tag equal to etag, or an HTTP-date
 * equal to mtime. */
bool http_static_if_range(const char *if_range, const char *etag,
			  int64_t mtime);

/* What a Range header asks of a file of size octets. */
enum http_static_range_kind {
	HTTP_RANGE_NONE,	  /* absent, invalid or several: whole, 200 */
	HTTP_RANGE_PARTIAL,	  /* one satisfiable range: 206 */
	HTTP_RANGE_UNSATISFIABLE, /* 416 with "bytes *\/size" */
};

/* Evaluate the Range header value range (NULL when absent) against a
 * file of size octets: one range-spec of the "bytes" unit (any case),
 * "a-b", "a-" or "-n", with optional spaces around it. For
 * HTTP_RANGE_PARTIAL, *off and *len are the octets to send (last
 * positions past the end are clamped, a suffix over size is the whole
 * file). A syntactically invalid value (a > b, no digits, another unit,
 * junk) or a list of several ranges is HTTP_RANGE_NONE; numbers too big
 * for 64 bits saturate. A range starting at or after size, and "-0",
 * are unsatisfiable; so is every range of an empty file but a suffix
 * "-n" with n > 0, which is HTTP_RANGE_NONE (the whole, empty, file:
 * RFC 9110 s14.1.1 calls it satisfiable, and no Content-Range can
 * describe it). */
enum http_static_range_kind http_static_range(const char *range, uint64_t size,
					      uint64_t *off, uint64_t *len);

#endif
