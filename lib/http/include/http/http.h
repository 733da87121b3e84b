/* lib/http: an HTTP/1.1 server library for services, on http-parser and
 * POSIX sockets with epoll, so a service runs unchanged as a libos image
 * and as a Linux program.
 *
 * A service makes a server from a configuration, adds routes (a set of
 * methods and a path, or a path prefix, to a handler), and runs the
 * server's event loop:
 *
 *	static void hello(struct http_request *r, void *arg)
 *	{
 *		http_reply(r, 200, "text/plain", "hello\n", 6);
 *	}
 *
 *	int main(void)
 *	{
 *		struct http_config cfg;
 *		struct http_server *s;
 *
 *		http_config_default(&cfg);
 *		s = http_server_new(&cfg);
 *		http_route(s, HTTP_GET | HTTP_HEAD, "/hello", hello, NULL);
 *		http_route(s, HTTP_GET | HTTP_HEAD, "/",
 *			   http_static_handler, http_static_new("/srv/www"));
 *		return http_server_run(s) ? 1 : 0;
 *	}
 *
 * The library parses requests (request line, headers, bodies with
 * Content-Length or chunked), keeps connections alive and answers
 * pipelined requests in order, handles HEAD (no body is sent, the
 * headers are those of GET), Expect: 100-continue, Connection: close and
 * HTTP/1.0 clients, adds Date, Server and Content-Length (or chunked
 * coding for streamed bodies), and answers itself, with the right status,
 * every request it cannot hand to a handler: 400 malformed, 404 no route,
 * 405 (with Allow) a route without the method, 408 a request too slow,
 * 413 a body over the limit, 414 a target over the limit, 431 headers
 * over the limit, 501 an unknown transfer coding, 505 a version other
 * than 1.0 and 1.1, 503 a connection over the limit. Nothing is
 * allocated per request: each connection has its own buffers, allocated
 * when it is accepted (from a pool reused across connections).
 *
 * All calls are made from the thread running http_server_run(), which is
 * the only thread of a libos service. Errors are negative errno values. */
#ifndef HTTP_HTTP_H
#define HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- Configuration: every limit is a setting. */

struct http_config {
	uint16_t port;		    /* TCP port, IPv6 and IPv4 (80); 0: no
				       plain port (TLS ones only) */
	unsigned max_connections;   /* more are answered 503 (1024) */
	unsigned max_handshakes;    /* TLS handshakes under way at once;
				       more connections to a TLS port are
				       closed at accept (64) */
	size_t max_target;	    /* request-target octets: 414 (8192) */
	size_t max_header_bytes;    /* request line and headers: 431 (16384) */
	unsigned max_headers;	    /* header fields: 431 (64) */
	size_t max_body;	    /* request body octets: 413 (1 MiB) */
	size_t out_buffer;	    /* a connection's output buffer (65536) */
	unsigned header_timeout_ms; /* the headers of a request: 408 (10000) */
	unsigned body_timeout_ms;   /* its body, between reads: 408 (10000) */
	unsigned idle_timeout_ms;   /* between requests: closed (30000) */
	unsigned send_timeout_ms;   /* a peer not reading: closed (30000) */
	bool access_log;	    /* a common-log-format line per request
				       on stdout (false) */
	const char *server_name;    /* the Server header ("libos") */
};

/* Fill *c with the defaults given above. */
void http_config_default(struct http_config *c);

/* ---- Methods, as bits: a route takes a set of them. */

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_DELETE = 1 << 4,
	HTTP_OPTIONS = 1 << 5,
	HTTP_PATCH = 1 << 6,
	HTTP_OTHER = 1 << 15, /* any method not above: 405 or 501 */
};

struct http_server;
struct http_request;

/* A handler gets each request its route matches. It answers with one of
 * the http_reply* calls or http_stream_begin, now or later (after I/O of
 * its own, see http_server_watch): every request handed to a handler is
 * answered exactly once, also when its client has gone meanwhile (the
 * answer is then dropped; http_gone tells). Until it is answered, later
 * requests pipelined on the same connection wait; other connections do
 * not. The request and everything read from it stay valid until the
 * answer has been given. */
typedef void (*http_handler)(struct http_request *r, void *arg);

/* ---- The server. */

/* A server with configuration c (copied), no routes, not listening; NULL
 * with errno set when c is invalid (EINVAL) or memory is short. */
struct http_server *http_server_new(const struct http_config *c);

/* Add a route: requests whose method is in methods and whose decoded path
 * equals path, or starts with it when path ends with '/', go to h with
 * arg. Routes are tried in the order added; the first match wins. A path
 * matched by a route without the request's method is answered 405 with
 * Allow listing the methods of the routes that match it. Returns 0 or
 * -EINVAL (a path not starting with '/', no methods), -ENOMEM. */
int http_route(struct http_server *s, unsigned methods, const char *path,
	       http_handler h, void *arg);

/* Listen on the configured port (one dual-stack IPv6 socket, else IPv4),
 * accept connections and answer requests until http_server_stop() or
 * SIGTERM/SIGINT (which the call handles while it runs); the TLS ports
 * of http_server_listen_tls() are served by the same loop. Returns 0 when
 * stopped, or a negative errno when the port cannot be listened on
 * (-EINVAL: port 0 and no TLS port). */
int http_server_run(struct http_server *s);

/* ---- HTTPS (lib/tls, tls/tls.h). Only a service that calls
 * http_server_listen_tls() links mbedTLS. */

struct tls_server;
struct tls_conn;

/* Serve the same routes over TLS on port too (one dual-stack socket,
 * else IPv4, listening from now on; call before http_server_run()), with
 * t's certificates (not copied: t must outlive s; several ports may share
 * one). A connection's handshake runs within header_timeout_ms of its
 * accept, else it is closed; a failed handshake is logged once on stderr
 * ("https: PEER: handshake failed: REASON") and its connection closed.
 * Returns 0, or a negative errno (-EINVAL: t NULL; from the socket,
 * e.g. -EADDRINUSE). */
int http_server_listen_tls(struct http_server *s, uint16_t port,
			   struct tls_server *t);

/* Answer every request of the plain port (http_config's) with 301 to
 * https://HOST[:https_port]TARGET (the port shown when not 443; HOST is
 * the request's Host without its port), or 400 when it has no usable
 * Host; the routes then serve the TLS ports only. Before
 * http_server_run(). */
void http_server_redirect_plain(struct http_server *s, uint16_t https_port);

/* Make http_server_run() return after the current turn of its loop,
 * closing every connection (requests not yet answered are dropped). */
void http_server_stop(struct http_server *s);

/* Counters of a server (all since it started). */
struct http_stats {
	uint64_t requests;	   /* answered, by handlers or the library */
	uint64_t status[6];	   /* by class: [1] 1xx .. [5] 5xx */
	uint64_t connections;	   /* accepted */
	uint64_t open_connections; /* now */
	uint64_t refused;	   /* answered 503 (over max_connections),
				      or closed at once on a TLS port (over
				      max_connections or max_handshakes) */
	uint64_t timeouts;	   /* closed or answered 408 by a timeout */
	uint64_t bytes_in, bytes_out;
};

/* Copy s's counters to *st. */
void http_server_stats(const struct http_server *s, struct http_stats *st);

/* Watch fd (the service's own, nonblocking) in the server's loop: cb runs
 * with the epoll events that occurred (EPOLLIN, EPOLLOUT, ...). Returns 0,
 * or a negative errno from epoll_ctl. */
int http_server_watch(struct http_server *s, int fd, uint32_t events,
		      void (*cb)(int fd, uint32_t events, void *arg),
		      void *arg);

/* Stop watching fd. */
int http_server_unwatch(struct http_server *s, int fd);

/* ---- A request. Strings are NUL-terminated and live in the
 * connection's buffer until the request is answered. */

/* Its method (one bit of enum http_method) and its name as sent. */
unsigned http_method(const struct http_request *r);
const char *http_method_name(const struct http_request *r);

/* Its path, percent-decoded ("/a b" for "/a%20b"); a target whose
 * decoding would hold a NUL octet was answered 400 before any handler. */
const char *http_path(const struct http_request *r);

/* The part of the path after the prefix of the route that matched, with
 * its leading '/' ("/a.css" for "/static/a.css" routed by "/static/";
 * the whole path for a route of "/"; "" for an exact route). */
const char *http_path_rest(const struct http_request *r);

/* Its request-target exactly as sent (percent-encoded, query included),
 * *len octets, not NUL-terminated: for the checks the decoded path cannot
 * make (an encoded slash "%2f" decodes to "/"). */
const char *http_target(const struct http_request *r, size_t *len);

/* Its query string as sent (after '?', without it), "" when none. */
const char *http_query(const struct http_request *r);

/* The percent-decoded value ('+' as space) of query parameter name into
 * out[0..outlen): its length, -ENOENT when absent, -ENOSPC when longer
 * than outlen - 1, -EINVAL when it holds a bad escape or %00. */
int http_query_param(const struct http_request *r, const char *name, char *out,
		     size_t outlen);

/* The value of the first header field named name (any case), without
 * surrounding spaces, or NULL. */
const char *http_header(const struct http_request *r, const char *name);

/* The request body (Content-Length or chunked, decoded), *len its length;
 * an empty body is "" with 0. */
const void *http_body(const struct http_request *r, size_t *len);

/* 10 for HTTP/1.0, 11 for HTTP/1.1. */
int http_version(const struct http_request *r);

/* The peer's address as text ("192.0.2.1", "2001:db8::1"). */
const char *http_peer(const struct http_request *r);

/* The TLS session r came over (tls/tls.h's tls_version(), tls_sni(),
 * ...), or NULL for plain HTTP. */
struct tls_conn *http_request_tls(const struct http_request *r);

/* Whether the client closed its connection before the answer: the answer
 * must still be given (it is dropped) so the request is released. */
bool http_gone(const struct http_request *r);

/* ---- Answers. Each returns 0, or a negative errno (nothing sent then,
 * and the request is still to be answered): -EINVAL a status outside
 * 100..599 or a header with CR/LF, -EALREADY already answered, -EMSGSIZE
 * headers and body over the output buffer (http_reply). */

/* Add a header field to the answer being prepared (before an http_reply*
 * or http_stream_begin call). Date, Server, Content-Length,
 * Transfer-Encoding and Connection are the library's. */
int http_add_header(struct http_request *r, const char *name,
		    const char *value);

/* Answer with status, Content-Type ctype (NULL for none) and body[0..len),
 * copied: the caller may reuse body at once. */
int http_reply(struct http_request *r, int status, const char *ctype,
	       const void *body, size_t len);

/* Answer with the library's short text body for status (404, 500, ...). */
int http_reply_error(struct http_request *r, int status);

/* Answer with body[0..len) not copied: it must stay unchanged until done
 * runs (with arg), which happens once the body is sent or the connection
 * is gone. done may be NULL. */
int http_reply_ref(struct http_request *r, int status, const char *ctype,
		   const void *body, size_t len, void (*done)(void *arg),
		   void *arg);

/* Answer with len octets of the open file fd from offset, sent with
 * sendfile where the sockets allow (no copy of the file); fd is closed
 * by the library once sent or when the connection is gone. */
int http_reply_file(struct http_request *r, int status, const char *ctype,
		    int fd, off_t offset, size_t len);

/* Start a streamed answer: chunked for HTTP/1.1, ended by closing the
 * connection for HTTP/1.0. */
int http_stream_begin(struct http_request *r, int status, const char *ctype);

/* Queue p[0..n) of a streamed body (copied into the output buffer):
 * returns how many octets were taken (fewer than n when the buffer is
 * full: wait for the on_room callback), or a negative errno. */
ssize_t http_stream_write(struct http_request *r, const void *p, size_t n);

/* Call cb(r, arg) once when the output buffer has room again, or when
 * the client is gone (http_stream_write then fails: end the answer). */
void http_stream_on_room(struct http_request *r,
			 void (*cb)(struct http_request *r, void *arg),
			 void *arg);

/* End a streamed answer; the request is answered. */
int http_stream_end(struct http_request *r);

/* ---- Static files: a handler serving a directory tree. */

struct http_static;

/* A static-file handler's state for the tree under root (opened now: NULL
 * with errno when root is not a directory). Route it with a prefix:
 * http_route(s, HTTP_GET | HTTP_HEAD, "/", http_static_handler, st). The
 * part of the path after the route's prefix names the file; a directory
 * is answered with its index.html (a path without the trailing '/' is
 * redirected, 301). The file is the route's http_path_rest() under root.
 * Content-Type from the extension, ETag and
 * Last-Modified (304 for If-None-Match or If-Modified-Since), one byte
 * range (206, 416), bodies sent with http_reply_file. No path leaves
 * root: "..", encoded slashes and NULs are answered 400, symbolic links
 * that point outside root 404. */
struct http_static *http_static_new(const char *root);

/* The handler to route to, with a struct http_static * as its arg. */
void http_static_handler(struct http_request *r, void *arg);

#endif
