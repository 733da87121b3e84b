/* lib/http: the server: configuration, the listening sockets (dual-stack
 * IPv6, else IPv4: the plain port, and tls.c's), accepting into the
 * connection pool, one epoll loop over connections and the service's own
 * descriptors, a transport's handshake and buffered input, timeouts from
 * epoll_wait's, SIGTERM/SIGINT. No TLS here: tls.c's listeners attach
 * their transport to the connections they accept. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include "http_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define TAG_CONN HTTP_TAG_CONN
#define TAG_LISTEN HTTP_TAG_LISTEN
#define TAG_WATCH HTTP_TAG_WATCH

struct http_listener {
	struct http_listener *next;
	int fd;
	int (*attach)(struct http_conn *c, void *arg); /* NULL: plain */
	void *arg;
};

struct http_watch {
	struct http_watch *next;
	int fd;
	bool dead;
	void (*cb)(int fd, uint32_t events, void *arg);
	void *arg;
};

static volatile sig_atomic_t signalled;

void http_config_default(struct http_config *c)
{
	*c = (struct http_config){
		.port = 80,
		.max_connections = 1024,
		.max_handshakes = 64,
		.max_target = 8192,
		.max_header_bytes = 16384,
		.max_headers = 64,
		.max_body = 1 << 20,
		.out_buffer = 65536,
		.header_timeout_ms = 10000,
		.body_timeout_ms = 10000,
		.idle_timeout_ms = 30000,
		.send_timeout_ms = 30000,
		.access_log = false,
		.server_name = "libos",
	};
}

static bool config_ok(const struct http_config *c)
{
	return c->max_connections && c->max_handshakes && c->max_target &&
	       c->max_header_bytes >= 64 && c->max_headers &&
	       c->out_buffer >= 1024 && c->header_timeout_ms &&
	       c->body_timeout_ms && c->idle_timeout_ms && c->send_timeout_ms;
}

static uint64_t mono_ms(void *arg)
{
	struct timespec t;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static time_t wall_now(void *arg)
{
	(void)arg;
	return time(NULL);
}

struct http_server *http_server_new(const struct http_config *c)
{
	struct http_server *s;

	if (!c || !config_ok(c)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = *c;
	s->now_ms = mono_ms;
	s->wall = wall_now;
	for (unsigned i = 0; i < HTTP_LINGER; i++)
		s->linger_fd[i] = -1;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void http_server_free(struct http_server *s)
{
	while (s->listeners) {
		struct http_listener *l = s->listeners;

		s->listeners = l->next;
		close(l->fd);
		free(l);
	}
	while (s->free) {
		struct http_conn *c = s->free;

		s->free = c->next;
		conn_destroy(c);
		free(c);
	}
	for (size_t i = 0; i < s->nroutes; i++)
		free(s->routes[i].path);
	free(s->routes);
	while (s->watches) {
		struct http_watch *w = s->watches;

		s->watches = w->next;
		free(w);
	}
	close(s->ep);
	free(s);
}

void http_server_stop(struct http_server *s)
{
	s->stopping = 1;
}

void http_server_stats(const struct http_server *s, struct http_stats *st)
{
	*st = s->stats;
}

static void *untag(uint64_t v)
{
	return (void *)(uintptr_t)(v & ~(uint64_t)3);
}

static uint64_t tag(void *p, int kind)
{
	return (uint64_t)(uintptr_t)p | (uint64_t)kind;
}

int http_server_watch(struct http_server *s, int fd, uint32_t events,
		      void (*cb)(int fd, uint32_t events, void *arg), void *arg)
{
	struct http_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = events };

	if (!w)
		return -ENOMEM;
	ev.data.u64 = tag(w, TAG_WATCH);
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		free(w);
		return err;
	}
	*w = (struct http_watch){ s->watches, fd, false, cb, arg };
	s->watches = w;
	return 0;
}

int http_server_unwatch(struct http_server *s, int fd)
{
	for (struct http_watch *w = s->watches; w; w = w->next) {
		if (w->fd != fd || w->dead)
			continue;
		w->dead = true; /* freed after this turn of the loop */
		return epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno :
								       0;
	}
	return -ENOENT;
}

/* ---- The socket transport. */

static ssize_t sock_send(void *t, const void *p, size_t n)
{
	struct http_conn *c = t;
	ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (r < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	return r;
}

static ssize_t sock_sendfile(void *t, int fd, off_t *off, size_t n)
{
	struct http_conn *c = t;
	ssize_t r = sendfile(c->fd, fd, off, n);

	if (r < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	return r;
}

static ssize_t sock_recv(void *t, void *p, size_t n)
{
	struct http_conn *c = t;
	ssize_t r = recv(c->fd, p, n, MSG_DONTWAIT);

	if (r < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	return r;
}

void server_sock_close(struct http_conn *c)
{
	epoll_ctl(c->s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

static void sock_close(void *t)
{
	server_sock_close(t);
}

/* ---- Listening and accepting. */

static int listen_on(int family, uint16_t port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if ((family == AF_INET6 ?
		     bind(fd, (struct sockaddr *)&a6, sizeof(a6)) :
		     bind(fd, (struct sockaddr *)&a4, sizeof(a4))) < 0 ||
	    listen(fd, 511) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int server_listen(struct http_server *s, uint16_t port,
		  int (*attach)(struct http_conn *c, void *arg), void *arg)
{
	struct http_listener *l = calloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	if (!l)
		return -ENOMEM;
	fd = listen_on(AF_INET6, port);
	if (fd < 0)
		fd = listen_on(AF_INET, port);
	if (fd < 0) {
		free(l);
		return fd;
	}
	ev.data.u64 = tag(l, TAG_LISTEN);
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		close(fd);
		free(l);
		return err;
	}
	*l = (struct http_listener){ s->listeners, fd, attach, arg };
	s->listeners = l;
	return 0;
}

/* Close the listener l of s. */
static void unlisten(struct http_server *s, struct http_listener *l)
{
	for (struct http_listener **p = &s->listeners; *p; p = &(*p)->next) {
		if (*p != l)
			continue;
		*p = l->next;
		epoll_ctl(s->ep, EPOLL_CTL_DEL, l->fd, NULL);
		close(l->fd);
		free(l);
		return;
	}
}

/* The port of ss (0 when it has none). */
static uint16_t peer_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return 0;
}

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t len)
{
	const struct sockaddr_in6 *a6 = (const void *)ss;
	const struct sockaddr_in *a4 = (const void *)ss;

	if (ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
		inet_ntop(AF_INET, &a6->sin6_addr.s6_addr[12], out, len);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &a6->sin6_addr, out, len);
	else if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &a4->sin_addr, out, len);
	else
		snprintf(out, len, "-");
}

static void accept_one(struct http_server *s, struct http_listener *l, int fd,
		       const struct sockaddr_storage *ss)
{
	struct http_transport tr = { .send = sock_send,
				     .sendfile = sock_sendfile,
				     .close = sock_close,
				     .recv = sock_recv };
	struct epoll_event ev = { .events = EPOLLIN };
	struct http_conn *c;
	char peer[48];

	peer_text(ss, peer, sizeof(peer));
	/* A pending handshake holds far more memory than an idle connection
	 * (mbedTLS's handshake state, some 250 KB in an image): a flood of
	 * half-open ones must not take every byte from the finished ones. */
	if (s->nconns >= s->cfg.max_connections ||
	    (l->attach && s->nhandshakes >= s->cfg.max_handshakes) ||
	    !(c = conn_open(s, &tr, peer))) {
		if (!l->attach) {
			refuse_conn(s, fd, http_now(s));
			return;
		}
		s->stats.refused++; /* a 503 in clear is no answer to TLS */
		close(fd);
		return;
	}
	c->tr.t = c;
	c->fd = fd;
	c->peer_port = peer_port(ss);
	c->ev = EPOLLIN;
	c->redirect = !l->attach && s->redirect;
	ev.data.u64 = tag(c, TAG_CONN);
	if (l->attach && l->attach(c, l->arg) < 0) {
		conn_close(c);
		return;
	}
	s->nhandshakes += c->handshaking;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		conn_close(c);
}

static void accept_some(struct http_server *s, struct http_listener *l)
{
	for (int i = 0; i < MAX_EVENTS; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		/* An answer often leaves in two writes (headers, then the
		 * file by sendfile): without this, Nagle holds the second
		 * until the peer's delayed ACK of the first, some 40 ms. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
			   sizeof(int));
		accept_one(s, l, fd, &ss);
	}
}

/* ---- The loop. */

/* The epoll event a read (writing false) or write of c waits for. */
static uint32_t want(const struct http_conn *c, bool writing)
{
	if (!c->tr.want)
		return writing ? EPOLLOUT : EPOLLIN;
	return c->tr.want(c->tr.t, writing);
}

/* Octets c's transport holds that no epoll event will announce. */
static size_t pending(const struct http_conn *c)
{
	return c->tr.pending ? c->tr.pending(c->tr.t) : 0;
}

/* Read once from c's transport into its input. */
static void conn_input(struct http_conn *c, uint32_t events)
{
	size_t space;
	char *b = conn_recv_buf(c, &space);
	ssize_t n;

	if (!space) {
		if (events & (EPOLLHUP | EPOLLERR))
			conn_eof(c, ECONNRESET);
		return;
	}
	n = c->tr.recv(c->tr.t, b, space);
	if (n > 0)
		conn_received(c, (size_t)n);
	else if (n == 0)
		conn_eof(c, 0);
	else if (n != -EAGAIN)
		conn_eof(c, (int)-n);
}

/* Advance c's handshake: true once it is done (c then reads at once:
 * the request may have come with its last flight). A failure closes c. */
static bool handshake(struct http_conn *c)
{
	int r = c->tr.handshake(c->tr.t);

	if (r == -EAGAIN)
		return false;
	if (r < 0) {
		conn_close(c);
		return false;
	}
	c->handshaking = false;
	c->s->nhandshakes--;
	c->since = http_now(c->s); /* idle from now */
	return true;
}

static void conn_event(struct http_conn *c, uint32_t events)
{
	if (c->closed)
		return;
	if (c->handshaking) {
		if (!handshake(c))
			return;
		events |= want(c, false);
	}
	if (events & want(c, true))
		conn_writable(c);
	if (!c->closed && (events & (want(c, false) | EPOLLHUP | EPOLLERR)))
		conn_input(c, events);
}

static void dispatch(struct http_server *s, struct epoll_event *ev, int n)
{
	for (int i = 0; i < n; i++) {
		int kind = (int)(ev[i].data.u64 & 3);
		void *p = untag(ev[i].data.u64);

		if (kind == TAG_LISTEN) {
			accept_some(s, p);
		} else if (kind == HTTP_TAG_LINGER) {
			refuse_event(s, (unsigned)(ev[i].data.u64 >> 2));
		} else if (kind == TAG_WATCH) {
			struct http_watch *w = p;

			if (!w->dead)
				w->cb(w->fd, ev[i].events, w->arg);
		} else {
			conn_event(p, ev[i].events);
		}
	}
}

/* c's epoll interest brought up to date. */
static void interest(struct http_server *s, struct http_conn *c)
{
	uint32_t w = c->handshaking ?
			     want(c, false) :
			     (conn_wants_read(c) ? want(c, false) : 0) |
				     (conn_wants_write(c) ? want(c, true) : 0);
	struct epoll_event ev = { .events = w, .data.u64 = tag(c, TAG_CONN) };

	if (w == c->ev)
		return;
	c->ev = w;
	epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Input c's transport holds where epoll does not see it (TLS records
 * already decrypted): one read of it per turn of the loop, so one peer
 * cannot hold the loop; true when more is left for the next turn. */
static bool drain(struct http_conn *c)
{
	if (c->closed || c->handshaking || !conn_wants_read(c) || !pending(c))
		return false;
	conn_input(c, 0);
	return !c->closed && conn_wants_read(c) && pending(c);
}

/* Timeouts, buffered input, the pool, epoll interest; the next
 * deadline. */
static uint64_t sweep(struct http_server *s, uint64_t now)
{
	uint64_t next = refuse_sweep(s, now, false);
	struct http_conn *c = s->conns, *n;

	for (; c; c = n) {
		n = c->next;
		conn_tick(c, now);
		if (drain(c))
			next = now;
		if (conn_dead(c)) {
			conn_release(c);
			continue;
		}
		if (!c->closed)
			interest(s, c);
		if (conn_deadline(c) < next)
			next = conn_deadline(c);
	}
	for (struct http_watch **w = &s->watches; *w;) {
		struct http_watch *d = *w;

		if (!d->dead) {
			w = &d->next;
			continue;
		}
		*w = d->next;
		free(d);
	}
	return next;
}

static void on_signal(int sig)
{
	(void)sig;
	signalled = 1;
}

static void close_all(struct http_server *s)
{
	struct http_conn *c = s->conns, *n;

	for (; c; c = n) {
		n = c->next;
		conn_close(c);
		if (conn_dead(c))
			conn_release(c);
	}
}

static void loop(struct http_server *s)
{
	struct epoll_event ev[MAX_EVENTS];
	uint64_t now = http_now(s), next = UINT64_MAX;

	while (!s->stopping && !signalled) {
		int timeout = next == UINT64_MAX ? -1 :
			      next <= now	 ? 0 :
			      next - now > 60000 ? 60000 :
						   (int)(next - now);
		int n = epoll_wait(s->ep, ev, MAX_EVENTS, timeout);

		if (n < 0)
			n = 0;
		now = http_now(s);
		dispatch(s, ev, n);
		next = sweep(s, now);
	}
}

int http_server_run(struct http_server *s)
{
	struct sigaction sa = { .sa_handler = on_signal }, oterm, oint;
	struct http_listener *plain = NULL;

	if (s->cfg.port) {
		int err = server_listen(s, s->cfg.port, NULL, NULL);

		if (err < 0)
			return err;
		plain = s->listeners;
	} else if (!s->listeners) {
		return -EINVAL; /* nothing to listen on */
	}
	signalled = 0;
	s->stopping = 0;
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, &oterm);
	sigaction(SIGINT, &sa, &oint);
	loop(s);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGINT, &oint, NULL);
	close_all(s);
	refuse_sweep(s, 0, true);
	if (plain)
		unlisten(s, plain);
	return 0;
}
