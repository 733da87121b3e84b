/* lib/http's internals, shared by its files and its tests: the server,
 * a connection's state (conn.c) behind a small transport interface and an
 * injected clock, so the protocol runs without sockets in test_http.c. */
#ifndef HTTP_INTERNAL_H
#define HTTP_INTERNAL_H

#include <http/http.h>
#include "hp.h"
#include <time.h>

/* How a connection's bytes leave: the server's socket, or a test's
 * memory. send and sendfile return the octets taken, -EAGAIN when none
 * can be taken now (conn_writable() is called when they can), or another
 * negative errno (the peer is gone). close ends the transport; the
 * connection calls nothing of it afterwards.
 *
 * server.c's sockets also fill the rest (a test's transport, fed with
 * conn_feed, leaves them NULL): recv returns the octets read, 0 at the
 * end of the input, -EAGAIN when there are none now, or another negative
 * errno; handshake (NULL: none) runs before any HTTP octet, 0 once done,
 * -EAGAIN to be called again, another negative errno when it failed (the
 * transport has said why); want (NULL: EPOLLIN and EPOLLOUT) the epoll
 * event a read (writing false) or a write (true) that returned -EAGAIN
 * waits for, and the handshake's as a read's; pending (NULL: none) the
 * octets recv returns without a new epoll event (TLS's decrypted data). */
struct http_transport {
	ssize_t (*send)(void *t, const void *p, size_t n);
	ssize_t (*sendfile)(void *t, int fd, off_t *off, size_t n);
	void (*close)(void *t);
	void *t;
	ssize_t (*recv)(void *t, void *p, size_t n);
	int (*handshake)(void *t);
	uint32_t (*want)(void *t, bool writing);
	size_t (*pending)(void *t);
};

struct http_route_entry {
	unsigned methods;
	char *path;
	size_t len;
	bool prefix;
	http_handler h;
	void *arg;
};

#define HTTP_LINGER 32 /* refused connections kept to send their 503 */

/* What an epoll event's data.u64 names, in its low two bits. */
#define HTTP_TAG_CONN 0
#define HTTP_TAG_LISTEN 1
#define HTTP_TAG_WATCH 2
#define HTTP_TAG_LINGER 3

struct http_listener; /* server.c */

struct http_server {
	struct http_config cfg;
	struct http_listener *listeners; /* the plain port (running), TLS ones */
	/* http_server_redirect_plain's (redirect.c): answers every request
	 * of the plain port; NULL: the routes do */
	void (*redirect)(struct http_request *r);
	uint16_t redirect_port;
	struct http_route_entry *routes;
	size_t nroutes, routes_cap;
	struct http_stats stats;
	uint64_t (*now_ms)(void *arg); /* monotonic, for timeouts */
	time_t (*wall)(void *arg);     /* for Date and the access log */
	void *clock_arg;
	struct http_conn *conns; /* open (and dying) connections */
	unsigned nconns;
	unsigned nhandshakes; /* connections whose TLS handshake runs */
	struct http_conn *free; /* pool of closed ones */
	struct http_watch *watches;
	size_t nfree;
	int ep;
	volatile int stopping;
	int linger_fd[HTTP_LINGER]; /* refuse.c, -1 when free */
	uint64_t linger_until[HTTP_LINGER];
	time_t date_when; /* Date header cache */
	char date[40];
};

struct http_header_field {
	const char *name, *value;
};

struct http_request {
	struct http_conn *c;
	unsigned method;
	const char *method_name;
	const char *path, *query, *rest;
	struct http_header_field *hdr;
	unsigned nhdr;
	const char *body;
	size_t body_len;
	int version;
	bool keep_alive;  /* the client keeps the connection */
	bool answered;	  /* an http_reply* or stream was given */
	bool streaming;	  /* between http_stream_begin and _end */
	bool expect_cont; /* 100-continue asked */
	char *xh;	  /* http_add_header's fields, "Name: v\r\n"... */
	size_t xh_len, xh_cap;
	int status; /* answered with, for the log */
	uint64_t sent_body;
	void (*on_room)(struct http_request *r, void *arg);
	void *on_room_arg;
};

enum conn_phase {
	PH_IDLE,    /* between requests, nothing of the next read */
	PH_HEAD,    /* request line and headers */
	PH_BODY,    /* its body */
	PH_HANDLER, /* handed to a handler, not answered */
	PH_CLOSING, /* answered with close: sending what is left */
};

struct http_conn {
	struct http_server *s;
	struct http_conn *next;
	struct http_transport tr;
	void *hp; /* http-parser's state (hp.c) */
	struct http_request req;
	enum conn_phase phase;
	uint64_t since;	     /* start of the phase's timeout */
	uint64_t send_since; /* last progress with output waiting */
	char peer[48];	     /* the address only: the access log's */
	uint16_t peer_port;  /* its port (server.c), 0 when none */
	/* input not yet parsed */
	char *in;
	size_t in_len, in_cap;
	/* the request's strings */
	char *arena;
	size_t arena_len, arena_cap;
	size_t url_off, url_len;
	size_t hdr_bytes;
	int last_cb; /* 0 none, 1 field, 2 value */
	int fail;    /* status to answer for a refused request */
	const struct http_route_entry *route;
	unsigned allow; /* methods of routes matching the path (405) */
	/* body buffer, kept across requests */
	char *body;
	size_t body_cap;
	/* output: out[out_head..out_len), then the attached body */
	char *out;
	size_t out_head, out_len, out_cap;
	const char *ref;
	size_t ref_len;
	void (*ref_done)(void *arg);
	void *ref_arg;
	int file_fd;
	off_t file_off;
	size_t file_len;
	bool close_after; /* close once the output is sent */
	bool closed;	  /* the transport is closed */
	bool rd_eof;	  /* the peer sent its FIN */
	bool busy;	  /* inside conn_run: no reentry */
	bool pending;	  /* a request awaits dispatch */
	bool blocked;	  /* the transport refused output */
	bool handshaking; /* the transport's handshake is not done */
	bool redirect;	  /* of the plain port, answered by s->redirect */
	bool timed_out;	  /* closed by conn_tick (tls.c logs a handshake's) */
	struct http_conn *prev;
	int fd;		      /* server.c's socket */
	uint32_t ev;	      /* and its epoll interest */
	struct tls_conn *tls; /* its TLS session (tls.c), NULL when plain */
};

/* Free s (not running), its routes, watches and pooled connections. */
void http_server_free(struct http_server *s);

/* Monotonic milliseconds from s's clock. */
uint64_t http_now(const struct http_server *s);

/* Where the next received bytes go: *space octets at the returned
 * pointer (0 when c takes no input now). */
char *conn_recv_buf(struct http_conn *c, size_t *space);

/* n bytes were received into conn_recv_buf's space: parse and answer. */
void conn_received(struct http_conn *c, size_t n);

/* Copy p[0..n) in and parse; returns octets taken (fewer when c stops
 * reading, e.g. behind a deferred answer). For tests and the fuzzer. */
size_t conn_feed(struct http_conn *c, const void *p, size_t n);

/* The peer ended its side (read returned 0) or failed (err != 0). */
void conn_eof(struct http_conn *c, int err);

/* The transport can take output again. */
void conn_writable(struct http_conn *c);

/* Expire c's timeouts at now (ms of s's clock). */
void conn_tick(struct http_conn *c, uint64_t now);

/* c's next deadline in ms of s's clock, or UINT64_MAX. */
uint64_t conn_deadline(const struct http_conn *c);

/* Whether c wants input now, and whether output waits for the transport. */
bool conn_wants_read(const struct http_conn *c);
bool conn_wants_write(const struct http_conn *c);

/* Whether c is closed and holds no request: its memory may be reused. */
bool conn_dead(const struct http_conn *c);

/* Forget the request of c (before the next one is parsed). */
void req_reset(struct http_conn *c);

/* Open a connection of s over tr from peer, from s's pool: NULL when
 * memory is short. */
struct http_conn *conn_open(struct http_server *s,
			    const struct http_transport *tr, const char *peer);

/* Return a dead connection (conn_dead) to s's pool. */
void conn_release(struct http_conn *c);

/* Release what c holds (its body buffer) before its memory is freed. */
void conn_destroy(struct http_conn *c);

/* Drop c's transport and what is unsent (an attached body is released):
 * a request being handled stays valid until answered; a stream waiting
 * for room is called back. */
void conn_close(struct http_conn *c);

/* ---- reply.c: the answer's bytes. */

/* Run c: parse what it holds, hand requests on, as far as it can now. */
void conn_run(struct http_conn *c);

/* The Date header's value for now (IMF-fixdate). */
const char *http_date(struct http_server *s);

/* Reason phrase of status ("Not Found"), "" when unknown. */
const char *http_reason(int status);

/* Write the status line and headers of r's answer into its connection's
 * output: body_len octets, or chunked when body_len is (uint64_t)-1
 * (HTTP/1.1) or up to the close (1.0). Returns 0 or -EMSGSIZE. */
int reply_head(struct http_request *r, int status, const char *ctype,
	       uint64_t body_len);

/* Append p[0..n) to c's output; -EMSGSIZE when it does not fit. */
int conn_out(struct http_conn *c, const void *p, size_t n);

/* Answer r (not handed to a handler) with status and the library's body
 * (405: with Allow), closing the connection afterwards when close. */
void reply_fail(struct http_request *r, int status, bool close);

/* r has been answered: account, log, let the connection move on. */
void conn_answered(struct http_request *r);

/* Send what the output holds; on the transport's refusal wait. */
void conn_flush(struct http_conn *c);

/* ---- server.c's sockets, for tls.c. */

/* Listen on port (dual-stack IPv6, else IPv4) in s's loop: connections
 * accepted there are handed to attach(c, arg) (NULL: plain), which sets
 * c's transport up and returns 0, or a negative errno to close c. 0 or a
 * negative errno. */
int server_listen(struct http_server *s, uint16_t port,
		  int (*attach)(struct http_conn *c, void *arg), void *arg);

/* Take c's socket out of the loop and close it. */
void server_sock_close(struct http_conn *c);

/* ---- refuse.c: over max_connections. */

/* Answer 503 on the accepted fd and close it once the peer has closed
 * (or a second has passed). */
void refuse_conn(struct http_server *s, int fd, uint64_t now);

/* The refused connection in slot i is readable. */
void refuse_event(struct http_server *s, unsigned i);

/* Close the refused connections due at now (all of them when all): the
 * next deadline, or UINT64_MAX. */
uint64_t refuse_sweep(struct http_server *s, uint64_t now, bool all);

/* ---- route.c */

/* The route for path and method (bit), or NULL with *allow the methods
 * of the routes matching the path (0: none, a 404). */
const struct http_route_entry *route_find(const struct http_server *s,
					  const char *path, unsigned method,
					  unsigned *allow);

/* ---- request.c */

/* Decode the percent-encoding of s[0..n) into out (n + 1 octets): its
 * length, or -1 for a bad escape or a NUL. plus: '+' as space. */
long http_pct_decode(const char *s, size_t n, char *out, bool plus);

#endif
