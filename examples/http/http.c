/* http: a static-file web server on lib/http (http/http.h), with /stats
 * (the server's counters as JSON) and POST /echo; the same file builds as
 * a libos image (http.elf, the tree baked at /srv/www) and as a Linux
 * program (http-linux, built with HTTP_LINUX defined).
 *
 *   http [-p PORT] [-r ROOT] [-l] [-c MAXCONN] [-b BYTES] [-t SECONDS]
 *        [-T SECONDS]
 *     -p PORT     TCP port, IPv6 and IPv4 (default 80)
 *     -r ROOT     the directory served (default /srv/www)
 *     -l          the access log: one common-log-format line per request
 *                 on the console (stdout)
 *     -c MAXCONN  connections served at once; more are answered 503
 *                 (default 1024, 1 .. 65536)
 *     -b BYTES    the largest request body, 413 above (default 1048576)
 *     -t SECONDS  a keep-alive connection idle this long is closed
 *                 (default 30, 1 .. 3600)
 *     -T SECONDS  the time a request's headers, its body (between reads)
 *                 and the peer's reading of the answer may take: 408 or
 *                 closed (default 10, 1 .. 3600)
 *
 * Routes, in this order:
 *   GET, HEAD /stats  the counters as JSON: uptime, requests, connections,
 *                     answers by status class, bytes both ways, memory
 *                     and network figures of the platform
 *   POST /echo        answers 200 with the request body (and its
 *                     Content-Type), for tests of request bodies: small
 *                     bodies with Content-Length, larger ones streamed
 *   GET, HEAD /...    the files under ROOT (http_static_handler)
 *
 * Bad arguments or a ROOT that is not a directory stop the start: the
 * image with the boot-configuration status 121 (os_exit_bootconf), the
 * Linux program with the message on stderr and exit status 121. Once it
 * listens it prints "http: serving ROOT on port P ..."; SIGTERM or SIGINT
 * prints the counters and exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <http/http.h>

#define DEFAULT_ROOT "/srv/www"
#define MAX_NETDEVS 8 /* network devices shown in /stats */
#define USAGE                                                      \
	"http: usage: http [-p PORT] [-r ROOT] [-l] [-c MAXCONN] " \
	"[-b BYTES] [-t SECONDS] [-T SECONDS]"

/* A network device's counters, as /stats shows them. */
struct netdev {
	char name[16];
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, drops;
};

/* /stats's text, built with snprintf. */
struct json {
	char buf[4096];
	size_t len;
};

static void json_add(struct json *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- The one place where the image and the Linux program differ. ---- */
#ifdef HTTP_LINUX
#include <sys/resource.h>

/* A configuration the server cannot start with: the message, status
 * 121 as the image reports it. */
static __attribute__((noreturn)) void stop_config(const char *message)
{
	fprintf(stderr, "%s\n", message);
	exit(121);
}

/* The process's memory: resident and virtual size (/proc/self/statm)
 * and the largest resident size (getrusage). */
static void platform_memory(struct json *j)
{
	unsigned long long vm = 0, rss = 0;
	long page = sysconf(_SC_PAGESIZE);
	struct rusage ru = { 0 };
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &vm, &rss) != 2)
			vm = rss = 0;
		fclose(f);
	}
	getrusage(RUSAGE_SELF, &ru);
	json_add(j,
		 "{\"vm_bytes\":%llu,\"rss_bytes\":%llu,"
		 "\"max_rss_bytes\":%llu}",
		 vm * (unsigned long long)page, rss * (unsigned long long)page,
		 (unsigned long long)ru.ru_maxrss * 1024);
}

/* The interfaces of /proc/net/dev (the network namespace's), at most max
 * of them; their number. */
static int platform_net(struct netdev *d, int max)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/net/dev", "r");

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line;
		unsigned long long v[9];

		if (!colon)
			continue; /* the two header lines */
		*colon = '\0';
		name += strspn(name, " ");
		if (sscanf(colon + 1,
			   "%llu %llu %*u %llu %*u %*u %*u %*u %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4]) != 5)
			continue;
		snprintf(d[n].name, sizeof(d[n].name), "%s", name);
		d[n].rx_bytes = v[0];
		d[n].rx_packets = v[1];
		d[n].drops = v[2];
		d[n].tx_bytes = v[3];
		d[n].tx_packets = v[4];
		n++;
	}
	fclose(f);
	return n;
}
#else
#include <os/devstats.h>
#include <os/exit.h>
#include <os/mem.h>

static __attribute__((noreturn)) void stop_config(const char *message)
{
	os_exit_bootconf(message);
}

/* The memory manager's figures (os/mem.h). */
static void platform_memory(struct json *j)
{
	struct os_mem_stats m;

	os_mem_stats(&m);
	json_add(j,
		 "{\"total\":%" PRIu64 ",\"free\":%" PRIu64 ",\"heap\":%" PRIu64
		 ",\"committed\":%" PRIu64 ",\"reserve\":%" PRIu64
		 ",\"page_tables\":%" PRIu64 ",\"touched\":%" PRIu64 "}",
		 m.total, m.free, m.heap, m.committed, m.reserve, m.page_tables,
		 m.touched);
}

/* The network devices' counters (os/devstats.h: the devices named
 * "net..."), at most max of them; their number. */
static int platform_net(struct netdev *d, int max)
{
	struct os_dev_stats s;
	int n = 0;

	for (int i = 0; i < os_dev_count() && n < max; i++) {
		if (os_dev_stats(i, &s) < 0 || strncmp(s.name, "net", 3))
			continue;
		snprintf(d[n].name, sizeof(d[n].name), "%s", s.name);
		d[n].rx_packets = s.rx_packets;
		d[n].rx_bytes = s.rx_bytes;
		d[n].tx_packets = s.tx_packets;
		d[n].tx_bytes = s.tx_bytes;
		d[n].drops = s.drops;
		n++;
	}
	return n;
}
#endif

static struct http_server *server;
static int64_t started_ms;
static const char *root = DEFAULT_ROOT;

static void stop_configf(const char *a, const char *b)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "http: %s: %s", a, b);
	stop_config(msg);
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- GET /stats. ---- */

static void json_add(struct json *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->len >= sizeof(j->buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->buf + j->len, sizeof(j->buf) - j->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		j->len += (size_t)n; /* past the end when cut: checked below */
}

static void json_net(struct json *j)
{
	struct netdev d[MAX_NETDEVS];
	int n = platform_net(d, MAX_NETDEVS);

	json_add(j, "[");
	for (int i = 0; i < n; i++)
		json_add(j,
			 "%s{\"name\":\"%s\",\"rx_packets\":%" PRIu64
			 ",\"rx_bytes\":%" PRIu64 ",\"tx_packets\":%" PRIu64
			 ",\"tx_bytes\":%" PRIu64 ",\"drops\":%" PRIu64 "}",
			 i ? "," : "", d[i].name, d[i].rx_packets,
			 d[i].rx_bytes, d[i].tx_packets, d[i].tx_bytes,
			 d[i].drops);
	json_add(j, "]");
}

static void stats(struct http_request *r, void *arg)
{
	static struct json j;
	struct http_stats st;

	(void)arg;
	http_server_stats(server, &st);
	j.len = 0;
	json_add(&j,
		 "{\"uptime_s\":%" PRId64 ",\"requests\":%" PRIu64
		 ",\"connections_open\":%" PRIu64
		 ",\"connections_total\":%" PRIu64 ",\"refused\":%" PRIu64
		 ",\"timeouts\":%" PRIu64 ",\"status\":{\"1xx\":%" PRIu64
		 ",\"2xx\":%" PRIu64 ",\"3xx\":%" PRIu64 ",\"4xx\":%" PRIu64
		 ",\"5xx\":%" PRIu64 "},\"bytes_in\":%" PRIu64
		 ",\"bytes_out\":%" PRIu64 ",\"memory\":",
		 (now_ms() - started_ms) / 1000, st.requests,
		 st.open_connections, st.connections, st.refused, st.timeouts,
		 st.status[1], st.status[2], st.status[3], st.status[4],
		 st.status[5], st.bytes_in, st.bytes_out);
	platform_memory(&j);
	json_add(&j, ",\"network\":");
	json_net(&j);
	json_add(&j, "}\n");
	if (j.len >= sizeof(j.buf)) {
		http_reply_error(r, 500);
		return;
	}
	http_add_header(r, "Cache-Control", "no-store");
	http_reply(r, 200, "application/json", j.buf, j.len);
}

/* ---- POST /echo. ---- */

/* Queue the body from offset off on, then end the answer; when the
 * output buffer is full, go on once it has room (the offset travels in
 * the callback's argument, so nothing is allocated). */
static void echo_more(struct http_request *r, void *arg)
{
	size_t len, off = (size_t)(uintptr_t)arg;
	const char *body = http_body(r, &len);

	while (off < len && !http_gone(r)) {
		ssize_t n = http_stream_write(r, body + off, len - off);

		if (n < 0)
			break;
		off += (size_t)n;
		if (off < len) {
			http_stream_on_room(r, echo_more,
					    (void *)(uintptr_t)off);
			return;
		}
	}
	http_stream_end(r);
}

static void echo(struct http_request *r, void *arg)
{
	const char *ctype = http_header(r, "Content-Type");
	size_t len;
	const void *body = http_body(r, &len);

	(void)arg;
	if (!ctype)
		ctype = "application/octet-stream";
	if (http_reply(r, 200, ctype, body, len) != -EMSGSIZE)
		return;
	/* over the output buffer: streamed (chunked, or to the close) */
	if (http_stream_begin(r, 200, ctype) < 0) {
		http_reply_error(r, 500);
		return;
	}
	echo_more(r, NULL);
}

/* ---- Start and stop. ---- */

/* A number in [lo, hi] from an option's argument, or a configuration
 * stop. */
static long number(const char *what, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		stop_configf(what, "not a number in range");
	return v;
}

/* Seconds from an option's argument (1 .. 3600), in milliseconds. */
static unsigned ms(const char *what, const char *s)
{
	return (unsigned)number(what, s, 1, 3600) * 1000;
}

static void options(int argc, char **argv, struct http_config *c)
{
	int opt;

	while ((opt = getopt(argc, argv, "p:r:lc:b:t:T:")) != -1) {
		if (opt == 'p') {
			c->port = (uint16_t)number("-p", optarg, 1, 65535);
		} else if (opt == 'r') {
			root = optarg;
		} else if (opt == 'l') {
			c->access_log = true;
		} else if (opt == 'c') {
			c->max_connections = number("-c", optarg, 1, 65536);
		} else if (opt == 'b') {
			c->max_body = number("-b", optarg, 0, 1L << 30);
		} else if (opt == 't') {
			c->idle_timeout_ms = ms("-t", optarg);
		} else if (opt == 'T') {
			c->header_timeout_ms = ms("-T", optarg);
			c->body_timeout_ms = c->header_timeout_ms;
			c->send_timeout_ms = c->header_timeout_ms;
		} else {
			stop_config(USAGE);
		}
	}
	if (optind < argc)
		stop_config(USAGE);
}

static void print_start(const struct http_config *c)
{
	printf("http: serving %s on port %u (at most %u connections, "
	       "access log %s)\n",
	       root, c->port, c->max_connections, c->access_log ? "on" : "off");
	fflush(stdout);
}

/* The start line, once the server listens: an eventfd made readable
 * before http_server_run() is seen on the first turn of its loop. */
static void announce(int fd, uint32_t events, void *arg)
{
	uint64_t v;

	(void)events;
	if (read(fd, &v, sizeof(v)) < 0)
		return;
	http_server_unwatch(server, fd);
	close(fd);
	print_start(arg);
}

static void report(void)
{
	struct http_stats st;

	http_server_stats(server, &st);
	printf("http: stopping: %" PRIu64 " requests, %" PRIu64
	       " connections (%" PRIu64 " refused, %" PRIu64
	       " timed out), %" PRIu64 " bytes in, %" PRIu64 " out\n",
	       st.requests, st.connections, st.refused, st.timeouts,
	       st.bytes_in, st.bytes_out);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct http_config cfg;
	struct http_static *files;
	struct stat sb;
	int efd, r;

	started_ms = now_ms();
	http_config_default(&cfg);
	options(argc, argv, &cfg);
	if (cfg.access_log) /* a line as soon as a request is answered */
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (stat(root, &sb) < 0)
		stop_configf(root, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		stop_configf(root, "not a directory");
	files = http_static_new(root);
	if (!files)
		stop_configf(root, strerror(errno));
	server = http_server_new(&cfg);
	if (!server)
		stop_configf("configuration", strerror(errno ? errno : EINVAL));
	if (http_route(server, HTTP_GET | HTTP_HEAD, "/stats", stats, NULL) ||
	    http_route(server, HTTP_POST, "/echo", echo, NULL) ||
	    http_route(server, HTTP_GET | HTTP_HEAD, "/", http_static_handler,
		       files)) {
		fprintf(stderr, "http: routes: out of memory\n");
		return 1;
	}
	efd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0 ||
	    http_server_watch(server, efd, EPOLLIN, announce, &cfg)) {
		if (efd >= 0)
			close(efd);
		print_start(&cfg); /* no watch: before listening */
	}
	r = http_server_run(server);
	if (r < 0) {
		fprintf(stderr, "http: port %u: %s\n", cfg.port, strerror(-r));
		return 1;
	}
	report();
	return 0;
}
