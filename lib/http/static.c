/* lib/http: the static-file handler (http.h's http_static_new and
 * http_static_handler): a request's path to a file under the root, then
 * 301 for a directory without its '/', index.html for one with it,
 * 304 for a matching validator, 206 or 416 for a range, and the file's
 * bytes by http_reply_file (sendfile). The rules are static_path.c's
 * and static_cond.c's; this file does the I/O.
 *
 * A name is resolved with realpath() (musl's in the guest, glibc's on
 * Linux: the same physical resolution of "." and symbolic links) and
 * must then lie under the root's own real path: links that stay inside
 * the root are followed, links that lead out of it are 404. The file is
 * then opened by that resolved name with O_NOFOLLOW. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/http.h"
#include "static_internal.h"

struct http_static {
	char root[PATH_MAX]; /* the root's real path, no trailing '/' */
	size_t root_len;     /* 0 when the root is "/" */
	/* per request (one thread, one request at a time in a handler) */
	char rel[PATH_MAX];
	char full[PATH_MAX];
	char real[PATH_MAX];
	char loc[3 * PATH_MAX];
};

struct http_static *http_static_new(const char *root)
{
	struct http_static *st = calloc(1, sizeof *st);
	struct stat sb;

	if (!st)
		return NULL;
	if (!realpath(root, st->root) || stat(st->root, &sb))
		goto fail;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	st->root_len = strlen(st->root);
	if (st->root_len == 1)
		st->root_len = 0; /* "/": names are "/<rel>" */
	return st;
fail:
	free(st);
	return NULL;
}

/* The status for a failed resolution or open with errno err. */
static int errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ELOOP:
	case ENAMETOOLONG:
		return 404;
	case EACCES:
	case EPERM:
		return 403;
	default:
		return 500;
	}
}

/* Open rel (relative, "" for the root) under st's root: the open
 * descriptor with *sb filled, or a negative HTTP status (404 outside
 * the root or missing). */
static int open_under(struct http_static *st, const char *rel, struct stat *sb)
{
	int n, fd;

	n = snprintf(st->full, sizeof st->full, "%.*s/%s", (int)st->root_len,
		     st->root, rel);
	if (n < 0 || (size_t)n >= sizeof st->full)
		return -404;
	if (!realpath(st->full, st->real))
		return -errno_status(errno);
	if (strncmp(st->real, st->root, st->root_len) ||
	    (st->real[st->root_len] != '/' && st->real[st->root_len]))
		return -404; /* a link led out of the root */
	/* O_NONBLOCK: a FIFO under the root must not stop the server */
	fd = open(st->real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno_status(errno);
	if (fstat(fd, sb)) {
		close(fd);
		return -500;
	}
	return fd;
}

/* Answer 301 to the directory rel's path with its trailing '/'. */
static void redirect_dir(struct http_request *r, struct http_static *st,
			 const char *rel)
{
	const char *path = http_path(r), *rest = http_path_rest(r);
	size_t plen = strlen(path), rlen = strlen(rest);
	int n;

	if (rlen <= plen && !strcmp(path + plen - rlen, rest))
		plen -= rlen;
	else
		plen = 0;
	snprintf(st->full, sizeof st->full, "%.*s", (int)plen, path);
	if (plen && st->full[plen - 1] == '/')
		st->full[plen - 1] = '\0';
	n = http_static_location(st->loc, sizeof st->loc, st->full, rel);
	if (n < 0 || http_add_header(r, "Location", st->loc)) {
		http_reply_error(r, 404);
		return;
	}
	http_reply(r, 301, "text/plain", "Moved Permanently\n", 18);
}

/* Whether r's target, as sent, holds an encoded slash (the decoded path
 * cannot tell "a%2fb" from "a/b"). */
static bool raw_encoded_slash(const struct http_request *r)
{
	size_t len;
	const char *t = http_target(r, &len);

	return http_static_encoded_slash(t, len);
}

/* Open what the request names, the file or a directory's index.html,
 * into *fd: 0, 1 when answered already (the redirect), or a negative
 * status. */
static int open_target(struct http_request *r, struct http_static *st,
		       struct stat *sb, int *fd)
{
	bool dir;
	int n;

	n = http_static_clean_path(http_path_rest(r), st->rel, sizeof st->rel,
				   &dir);
	if (n == -EINVAL || raw_encoded_slash(r))
		return -400;
	if (n < 0)
		return -404;
	*fd = open_under(st, st->rel, sb);
	if (*fd < 0)
		return *fd;
	if (S_ISREG(sb->st_mode) && !dir)
		return 0;
	close(*fd);
	if (!S_ISDIR(sb->st_mode))
		return -404; /* "a.css/", or not a file */
	if (!dir) {
		redirect_dir(r, st, st->rel);
		return 1;
	}
	if (n && n + sizeof "/index.html" > sizeof st->rel)
		return -404;
	strcat(st->rel, n ? "/index.html" : "index.html");
	*fd = open_under(st, st->rel, sb);
	if (*fd < 0 || S_ISREG(sb->st_mode))
		return *fd < 0 ? *fd : 0;
	close(*fd);
	return -404;
}

/* Add the validators and answer 304 when the request's conditions say
 * the client's copy is current: whether it answered. */
static bool validators(struct http_request *r, const struct stat *sb,
		       char *etag)
{
	char date[HTTP_STATIC_DATE_LEN];
	bool fresh;

	http_static_etag(etag, (uint64_t)sb->st_size, sb->st_mtim.tv_sec,
			 sb->st_mtim.tv_nsec);
	http_add_header(r, "ETag", etag);
	if (http_static_date_format(date, sb->st_mtim.tv_sec) > 0)
		http_add_header(r, "Last-Modified", date);
	fresh = http_static_not_modified(http_header(r, "If-None-Match"),
					 http_header(r, "If-Modified-Since"),
					 etag, sb->st_mtim.tv_sec);
	if (fresh)
		http_reply(r, 304, NULL, NULL, 0);
	return fresh;
}

/* Send the file fd (whole, or the one range the request asks for). */
static void send_file(struct http_request *r, int fd, const struct stat *sb,
		      const char *etag, const char *ctype)
{
	uint64_t size = (uint64_t)sb->st_size, off = 0, len = size;
	enum http_static_range_kind k = HTTP_RANGE_NONE;
	char cr[64];
	int status = 200;

	http_add_header(r, "Accept-Ranges", "bytes");
	if (http_method(r) == HTTP_GET &&
	    http_static_if_range(http_header(r, "If-Range"), etag,
				 sb->st_mtim.tv_sec))
		k = http_static_range(http_header(r, "Range"), size, &off,
				      &len);
	if (k == HTTP_RANGE_UNSATISFIABLE) {
		close(fd);
		snprintf(cr, sizeof cr, "bytes */%llu",
			 (unsigned long long)size);
		http_add_header(r, "Content-Range", cr);
		http_reply_error(r, 416);
		return;
	}
	if (k == HTTP_RANGE_PARTIAL) {
		snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu",
			 (unsigned long long)off,
			 (unsigned long long)(off + len - 1),
			 (unsigned long long)size);
		http_add_header(r, "Content-Range", cr);
		status = 206;
	}
	if (http_reply_file(r, status, ctype, fd, (off_t)off, (size_t)len)) {
		close(fd);
		http_reply_error(r, 500);
	}
}

void http_static_handler(struct http_request *r, void *arg)
{
	struct http_static *st = arg;
	char etag[HTTP_STATIC_ETAG_LEN];
	struct stat sb;
	int fd, rc;

	if (!(http_method(r) & (HTTP_GET | HTTP_HEAD))) {
		http_add_header(r, "Allow", "GET, HEAD");
		http_reply_error(r, 405);
		return;
	}
	rc = open_target(r, st, &sb, &fd);
	if (rc < 0)
		http_reply_error(r, -rc);
	if (rc)
		return;
	if (validators(r, &sb, etag)) {
		close(fd);
		return;
	}
	send_file(r, fd, &sb, etag, http_static_mime(st->rel));
}
