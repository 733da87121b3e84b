/* dns: an authoritative DNS server answering from a compiled zone
 * database (lib/dns, dns/db.h) over UDP and TCP, in plain POSIX with
 * epoll: the same file builds as a libos image and as a Linux program
 * (dns-linux, built with DNS_LINUX defined).
 *
 *   dns [-p PORT] [-t SECONDS] [-v] [DB]
 *     -p PORT     port for UDP and TCP, IPv6 and IPv4 (default 53)
 *     -t SECONDS  a TCP connection without progress for this long is
 *                 closed (default 10, 1 .. 3600)
 *     -v          print the counters every 10 s as well as at the end
 *     DB          the database (default /etc/dns/zones.db)
 *
 * A database that is missing, unreadable or fails dns_db_open()'s checks
 * stops the start: the image with the boot-configuration status 121
 * (os_exit_bootconf), the Linux program with "dns: DB: reason" and exit
 * status 121. SIGTERM or SIGINT prints the counters and exits 0.
 *
 * One dual-stack IPv6 socket per protocol (IPV6_V6ONLY off: IPv4 peers
 * appear as v4-mapped addresses) serves both families; where IPv6 is not
 * available the server falls back to IPv4 sockets. All sockets are
 * nonblocking and edge-triggered in one epoll set; readiness is kept in
 * flags until a call returns EAGAIN, so that each turn of the loop does
 * bounded work: at most UDP_TURN datagrams (read with recvmmsg and
 * answered with sendmmsg, UDP_BATCH at a time), ACCEPT_TURN accepts and
 * TCP_TURN connections (round-robin over those with work, each doing at
 * most one read and TCP_QUERIES answers). A thousand busy TCP clients
 * therefore cannot starve UDP.
 *
 * TCP (RFC 7766): queries framed by a 2-octet length, several per
 * connection, pipelined, answered in order. Each of TCP_SLOTS connections
 * has an input buffer for queries up to TCP_QUERY_MAX octets, allocated
 * while it is open, so idle slots cost no memory; when every slot is
 * taken, or memory for the buffer is not there, a new client takes the
 * slot and memory of the connection that has gone longest without
 * progress, which is closed: clients that open connections and trickle
 * bytes into them (or never read) cannot
 * lock everyone out until they stop. A length of 0 or over
 * TCP_QUERY_MAX, or a message that gets no answer (shorter than a
 * header, or a response), closes the connection; so do a read error and
 * the idle timeout. After the peer shuts its side the queries already
 * received are answered, then the connection closes.
 * Responses are built in one static buffer and sent at once; when the
 * peer does not take a whole response, the connection waits for EPOLLOUT
 * and the response is built again from the query still in its input
 * buffer (dns_answer() is a pure function of the query and the database),
 * so no connection holds an output buffer. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dns/db.h>
#include <dns/wire.h>

#define DEFAULT_DB "/etc/dns/zones.db"
#define TCP_SLOTS 1024	    /* TCP connections served at once */
#define TCP_QUERY_MAX 4096  /* octets of a query over TCP */
#define UDP_ANSWER_MAX 4096 /* octets of a response over UDP */
#define UDP_TURN 64	    /* datagrams per turn of the loop */
#define UDP_BATCH 16	    /* datagrams per recvmmsg and sendmmsg */
#define UDP_QUERY_MAX 4096  /* octets of a query over UDP; more: dropped */
#define ACCEPT_TURN 64	    /* accepted connections per turn */
#define TCP_TURN 64	    /* connections served per turn */
#define TCP_QUERIES 16	    /* queries one connection answers per turn */
#define MAX_EVENTS 256
#define REPORT_MS 10000 /* -v: counters every 10 s */

/* Tags of the listening sockets in epoll_event.data.u64; a connection is
 * tagged TAG_CONN + its slot. */
enum {
	TAG_UDP,
	TAG_TCP,
	TAG_CONN
};

/* A TCP connection. Free slots have fd -1. */
struct conn {
	int fd;
	bool can_read;	 /* the socket may hold unread data (until EAGAIN) */
	bool eof;	 /* the peer shut its side */
	bool blocked;	 /* a response is part-sent: waiting for EPOLLOUT */
	size_t sent;	 /* octets of the first query's response sent */
	size_t off, len; /* unconsumed input is in[off .. len) */
	int64_t active;	 /* last progress (ms, CLOCK_MONOTONIC) */
	struct conn *lru_prev, *lru_next;   /* open connections, oldest first */
	struct conn *work_prev, *work_next; /* connections with work */
	bool queued;			    /* on the work list */
	uint8_t *in; /* CONN_IN octets while open, else NULL */
};

#define CONN_IN (2 + TCP_QUERY_MAX)

/* Counters of the transport, beside dns_answer()'s. */
struct srv_stats {
	uint64_t udp, tcp, udp_send_errors, udp_oversize, conns, conns_full,
	    timeouts, bad_framing, accept_errors;
};

static struct dns_db db;
static struct dns_stats st;
static struct srv_stats ss;
static int ep;
static int udp_fd = -1, tcp_fd = -1;
static bool udp_ready, tcp_ready;
static int64_t idle_ms = 10000;
static volatile sig_atomic_t stopping;

static struct conn conns[TCP_SLOTS];
static struct conn *free_slots[TCP_SLOTS];
static size_t nfree;
static struct conn lru = { .lru_prev = &lru, .lru_next = &lru };
static struct conn work = { .work_prev = &work, .work_next = &work };

/* One buffer for every response: 2 octets of TCP length, then the
 * message. */
static uint8_t answer_buf[2 + DNS_MSG_MAX];

/* ---- The one place where the image and the Linux program differ. ---- */
#ifdef DNS_LINUX
#include <sys/resource.h>

/* A configuration the server cannot start with: the message, status
 * 121 as the image reports it. */
static __attribute__((noreturn)) void stop_config(const char *message)
{
	fprintf(stderr, "%s\n", message);
	exit(121);
}

/* Room for TCP_SLOTS connections: the soft descriptor limit raised to
 * the hard one (Linux's default soft limit is 1024). */
static void platform_init(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}
#else
#include <os/exit.h>

static __attribute__((noreturn)) void stop_config(const char *message)
{
	os_exit_bootconf(message);
}

static void platform_init(void)
{
}
#endif

static void stop_configf(const char *a, const char *b)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "dns: %s: %s", a, b);
	stop_config(msg);
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- The database. ---- */

/* The file's bytes: mapped, or read into memory where mmap fails. */
static const void *load(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	uint8_t *buf;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &sb) < 0)
		stop_configf(path, strerror(errno));
	*len = (size_t)sb.st_size;
	if (*len == 0) {
		close(fd);
		return "";
	}
	buf = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (buf != MAP_FAILED) {
		close(fd);
		return buf;
	}
	buf = malloc(*len);
	if (!buf)
		stop_configf(path, strerror(ENOMEM));
	while (got < *len) {
		ssize_t n = read(fd, buf + got, *len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			stop_configf(path, n < 0 ? strerror(errno) :
						   "shorter than its size");
		got += (size_t)n;
	}
	close(fd);
	return buf;
}

static void open_db(const char *path)
{
	size_t len;
	const void *buf = load(path, &len);
	const char *why = "invalid";

	if (dns_db_open(&db, buf, len, &why) < 0)
		stop_configf(path, why);
}

/* ---- Sockets. ---- */

static int bind_socket(int family, int type, int port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons((uint16_t)port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int no = 0, yes = 1;

	if (fd < 0)
		return -1;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof(no));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
	if ((family == AF_INET6 ?
		     bind(fd, (struct sockaddr *)&a6, sizeof(a6)) :
		     bind(fd, (struct sockaddr *)&a4, sizeof(a4))) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 1024) < 0)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void watch(int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP |
					    EPOLLET,
				  .data.u64 = tag };

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Both sockets on port, dual-stack IPv6 where the system has IPv6, else
 * IPv4; returns the families served, for the start-up line. */
static const char *listen_all(int port)
{
	const char *families = "IPv6 and IPv4";

	udp_fd = bind_socket(AF_INET6, SOCK_DGRAM, port);
	tcp_fd = bind_socket(AF_INET6, SOCK_STREAM, port);
	if (udp_fd < 0 && tcp_fd < 0 &&
	    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
		families = "IPv4";
		udp_fd = bind_socket(AF_INET, SOCK_DGRAM, port);
		tcp_fd = bind_socket(AF_INET, SOCK_STREAM, port);
	}
	if (udp_fd < 0 || tcp_fd < 0) {
		fprintf(stderr, "dns: port %d: %s\n", port, strerror(errno));
		exit(1);
	}
	watch(udp_fd, TAG_UDP);
	watch(tcp_fd, TAG_TCP);
	udp_ready = tcp_ready = true;
	return families;
}

/* ---- UDP. ---- */

/* One batch of UDP queries and their answers. */
struct udp_batch {
	struct mmsghdr in[UDP_BATCH], out[UDP_BATCH];
	struct iovec qiov[UDP_BATCH], aiov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	uint8_t query[UDP_BATCH][UDP_QUERY_MAX];
	uint8_t answer[UDP_BATCH][UDP_ANSWER_MAX];
};

/* Answer the n datagrams received in b; returns how many answers are
 * ready in b->out. A datagram cut to UDP_QUERY_MAX is dropped. */
static unsigned answer_batch(struct udp_batch *b, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		struct msghdr *h = &b->in[i].msg_hdr;
		size_t m;

		ss.udp++;
		if (h->msg_flags & MSG_TRUNC) {
			ss.udp_oversize++;
			continue;
		}
		m = dns_answer(&db, b->query[i], b->in[i].msg_len, b->answer[k],
			       UDP_ANSWER_MAX, DNS_UDP, &st);
		if (!m)
			continue;
		b->aiov[k] = (struct iovec){ b->answer[k], m };
		b->out[k].msg_hdr = (struct msghdr){
			.msg_name = &b->from[i],
			.msg_namelen = h->msg_namelen,
			.msg_iov = &b->aiov[k],
			.msg_iovlen = 1,
		};
		k++;
	}
	return k;
}

/* Send b->out[0 .. k): an answer that cannot be sent is counted and
 * skipped. */
static void send_batch(struct udp_batch *b, unsigned k)
{
	for (unsigned sent = 0; sent < k;) {
		int r = sendmmsg(udp_fd, b->out + sent, k - sent, 0);

		if (r > 0) {
			sent += (unsigned)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			ss.udp_send_errors++;
			sent++;
		}
	}
}

/* Read and answer datagrams in batches (recvmmsg, sendmmsg), at most
 * UDP_TURN in this turn of the loop. */
static void serve_udp(void)
{
	static struct udp_batch b;

	for (unsigned done = 0; done < UDP_TURN;) {
		int n;

		for (unsigned i = 0; i < UDP_BATCH; i++) {
			b.qiov[i] = (struct iovec){ b.query[i], UDP_QUERY_MAX };
			b.in[i].msg_hdr = (struct msghdr){
				.msg_name = &b.from[i],
				.msg_namelen = sizeof(b.from[i]),
				.msg_iov = &b.qiov[i],
				.msg_iovlen = 1,
			};
		}
		n = recvmmsg(udp_fd, b.in, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n == 0 || errno != EINTR)
				udp_ready = false;
			return;
		}
		send_batch(&b, answer_batch(&b, (unsigned)n));
		done += (unsigned)n;
	}
}

/* ---- TCP connections: the lists. ---- */

static void lru_unlink(struct conn *c)
{
	c->lru_prev->lru_next = c->lru_next;
	c->lru_next->lru_prev = c->lru_prev;
}

static void lru_append(struct conn *c)
{
	c->lru_prev = lru.lru_prev;
	c->lru_next = &lru;
	lru.lru_prev->lru_next = c;
	lru.lru_prev = c;
}

/* Progress on c: it moves to the young end of the idle order. */
static void touch(struct conn *c, int64_t now)
{
	c->active = now;
	lru_unlink(c);
	lru_append(c);
}

static void work_add(struct conn *c)
{
	if (c->queued)
		return;
	c->queued = true;
	c->work_prev = work.work_prev;
	c->work_next = &work;
	work.work_prev->work_next = c;
	work.work_prev = c;
}

static void work_remove(struct conn *c)
{
	if (!c->queued)
		return;
	c->queued = false;
	c->work_prev->work_next = c->work_next;
	c->work_next->work_prev = c->work_prev;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	free(c->in);
	c->in = NULL;
	lru_unlink(c);
	work_remove(c);
	free_slots[nfree++] = c;
}

/* Close the open connection that has gone longest without progress,
 * for a new one: its slot and its buffer's memory come free. */
static void make_room(void)
{
	ss.conns_full++;
	conn_close(lru.lru_next);
}

static void accept_some(int64_t now)
{
	int one = 1;

	for (int i = 0; i < ACCEPT_TURN; i++) {
		int fd = accept4(tcp_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;
		uint8_t *in;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ss.accept_errors++; /* out of descriptors */
			tcp_ready = false;	    /* until the next arrival */
			return;
		}
		if (!nfree) /* full: the longest without progress goes */
			make_room();
		in = malloc(CONN_IN);
		if (!in && lru.lru_next != &lru) { /* memory full: likewise */
			make_room();
			in = malloc(CONN_IN);
		}
		if (!in) { /* no memory even so: refused */
			ss.accept_errors++;
			close(fd);
			continue;
		}
		ss.conns++;
		c = free_slots[--nfree];
		c->fd = fd;
		c->in = in;
		c->can_read = true; /* data may have come before the watch */
		c->eof = c->blocked = false;
		c->sent = c->off = c->len = 0;
		c->active = now;
		lru_append(c);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		watch(fd, TAG_CONN + (uint64_t)(c - conns));
		work_add(c);
	}
}

/* ---- TCP connections: the queries. ---- */

/* The length of the first query in c's input if it is all there, 0 if
 * not yet, -1 if its framing is bad. */
static long complete_query(const struct conn *c)
{
	size_t have = c->len - c->off, qlen;

	if (have < 2)
		return 0;
	qlen = (size_t)c->in[c->off] << 8 | c->in[c->off + 1];
	if (qlen == 0 || qlen > TCP_QUERY_MAX)
		return -1;
	return have >= 2 + qlen ? (long)qlen : 0;
}

/* Answer the first query (qlen octets) and send the response: 1 when it
 * all went, 0 when the peer must take some first, -1 to close. */
static int answer_one(struct conn *c, size_t qlen, int64_t now)
{
	size_t n = dns_answer(&db, c->in + c->off + 2, qlen, answer_buf + 2,
			      DNS_MSG_MAX, DNS_TCP, c->sent ? NULL : &st);
	ssize_t w;

	if (n == 0) {
		ss.bad_framing++;
		return -1;
	}
	if (!c->sent)
		ss.tcp++;
	answer_buf[0] = (uint8_t)(n >> 8);
	answer_buf[1] = (uint8_t)n;
	w = send(c->fd, answer_buf + c->sent, n + 2 - c->sent, MSG_NOSIGNAL);
	if (w < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
				       errno == EINTR ?
			       0 :
			       -1;
	if (w > 0)
		touch(c, now);
	c->sent += (size_t)w;
	if (c->sent < n + 2)
		return 0;
	c->sent = 0;
	c->off += 2 + qlen;
	return 1;
}

/* Answer up to TCP_QUERIES complete queries: 0, or -1 to close. */
static int answer_queries(struct conn *c, int64_t now)
{
	for (int i = 0; i < TCP_QUERIES; i++) {
		long q = complete_query(c);
		int r;

		if (q < 0) {
			ss.bad_framing++;
			return -1;
		}
		if (q == 0)
			return 0;
		r = answer_one(c, (size_t)q, now);
		if (r <= 0) {
			c->blocked = r == 0;
			return r;
		}
	}
	return 0;
}

/* One read into c's input: 0, or -1 to close. */
static int read_some(struct conn *c, int64_t now)
{
	ssize_t n;

	if (c->off) { /* the unconsumed part to the front */
		memmove(c->in, c->in + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len == CONN_IN)
		return -1; /* full without a complete query: cannot happen */
	n = recv(c->fd, c->in + c->len, CONN_IN - c->len, 0);
	if (n > 0) {
		c->len += (size_t)n;
		touch(c, now);
	} else if (n == 0) {
		c->eof = true;
		c->can_read = false;
	} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
		c->can_read = false;
	} else if (errno != EINTR) {
		return -1;
	}
	return 0;
}

/* c's turn: answer what is there, read once, answer again; then c stays
 * on the work list only if it can go on without an event. */
static void serve_conn(struct conn *c, int64_t now)
{
	long q;

	if (answer_queries(c, now) < 0 ||
	    (!c->blocked && c->can_read && read_some(c, now) < 0) ||
	    (!c->blocked && answer_queries(c, now) < 0)) {
		conn_close(c);
		return;
	}
	if (c->blocked)
		return;
	q = complete_query(c);
	if (q != 0 || c->can_read)
		work_add(c);
	else if (c->eof)
		conn_close(c); /* all answered; a partial query is dropped */
}

static void serve_tcp(int64_t now)
{
	for (int i = 0; i < TCP_TURN && work.work_next != &work; i++) {
		struct conn *c = work.work_next;

		work_remove(c);
		serve_conn(c, now);
	}
}

static void conn_event(struct conn *c, uint32_t events)
{
	if (c->fd < 0)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->can_read = true;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		c->blocked = false; /* the next send says if it still is */
	if (!c->blocked)
		work_add(c);
}

/* Close connections idle for idle_ms; the time until the next one is
 * due (ms), or -1 when none is open. */
static int expire(int64_t now)
{
	while (lru.lru_next != &lru) {
		struct conn *c = lru.lru_next;
		int64_t due = c->active + idle_ms;

		if (due > now)
			return (int)(due - now);
		ss.timeouts++;
		conn_close(c);
	}
	return -1;
}

/* ---- The loop. ---- */

static void report(const char *when)
{
	printf("dns: %s: queries %llu (udp %llu, tcp %llu), dropped %llu, "
	       "formerr %llu, notimp %llu, refused %llu, nxdomain %llu, "
	       "truncated %llu; tcp connections %llu, closed to make room "
	       "%llu, timed out %llu, closed on bad framing %llu, accept "
	       "errors %llu; udp send errors %llu, oversized %llu\n",
	       when, (unsigned long long)st.queries, (unsigned long long)ss.udp,
	       (unsigned long long)ss.tcp, (unsigned long long)st.dropped,
	       (unsigned long long)st.formerr, (unsigned long long)st.notimp,
	       (unsigned long long)st.refused, (unsigned long long)st.nxdomain,
	       (unsigned long long)st.truncated, (unsigned long long)ss.conns,
	       (unsigned long long)ss.conns_full,
	       (unsigned long long)ss.timeouts,
	       (unsigned long long)ss.bad_framing,
	       (unsigned long long)ss.accept_errors,
	       (unsigned long long)ss.udp_send_errors,
	       (unsigned long long)ss.udp_oversize);
	fflush(stdout);
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void dispatch(const struct epoll_event *ev, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t tag = ev[i].data.u64;

		if (tag == TAG_UDP)
			udp_ready = true;
		else if (tag == TAG_TCP)
			tcp_ready = true;
		else
			conn_event(&conns[tag - TAG_CONN], ev[i].events);
	}
}

static int min_timeout(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static void loop(bool verbose)
{
	static struct epoll_event ev[MAX_EVENTS];
	int64_t now = now_ms(), next_report = now + REPORT_MS;

	while (!stopping) {
		int timeout = expire(now), n;

		if (verbose)
			timeout = min_timeout(timeout,
					      (int)(next_report > now ?
							    next_report - now :
							    0));
		if (udp_ready || tcp_ready || work.work_next != &work)
			timeout = 0;
		n = epoll_wait(ep, ev, MAX_EVENTS, timeout);
		if (n < 0 && errno != EINTR) {
			perror("dns: epoll_wait");
			exit(1);
		}
		now = now_ms();
		dispatch(ev, n);
		if (udp_ready)
			serve_udp();
		if (tcp_ready)
			accept_some(now);
		serve_tcp(now);
		if (verbose && now >= next_report) {
			report("running");
			next_report = now + REPORT_MS;
		}
	}
}

/* A number in [lo, hi] from an option's argument, or a configuration
 * stop. */
static long number(const char *what, const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		stop_configf(what, "not a number in range");
	return v;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	const char *path = DEFAULT_DB, *families;
	int port = 53, opt;
	bool verbose = false;

	while ((opt = getopt(argc, argv, "p:t:v")) != -1) {
		if (opt == 'p')
			port = (int)number("-p", optarg, 1, 65535);
		else if (opt == 't')
			idle_ms = number("-t", optarg, 1, 3600) * 1000;
		else if (opt == 'v')
			verbose = true;
		else
			stop_config("dns: usage: dns [-p PORT] [-t SECONDS] "
				    "[-v] [DB]");
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc)
		stop_config("dns: usage: dns [-p PORT] [-t SECONDS] [-v] [DB]");
	platform_init();
	open_db(path);
	for (size_t i = 0; i < TCP_SLOTS; i++) {
		conns[i].fd = -1;
		free_slots[nfree++] = &conns[TCP_SLOTS - 1 - i];
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("dns: epoll_create1");
		return 1;
	}
	families = listen_all(port);
	printf("dns: %s: %u zones, %u names; listening on port %d (UDP and "
	       "TCP, %s)\n",
	       path, db.nzones, db.nnames, port, families);
	fflush(stdout);
	loop(verbose);
	report("stopping");
	return 0;
}
