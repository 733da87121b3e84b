/* examples/http: what the http and https servers share (service.h): the
 * configuration stop and /stats's platform figures (the one place where
 * the image and the Linux program, HTTP_LINUX, differ), the common
 * options, /stats, POST /echo, the start line and the final counters. */
#define _GNU_SOURCE
#include "service.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_NETDEVS 8 /* network devices shown in /stats */

/* A network device's counters, as /stats shows them. */
struct netdev {
	char name[16];
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, drops;
};

/* ---- The one place where the image and the Linux program differ. ---- */
#ifdef HTTP_LINUX
#include <sys/resource.h>

/* A configuration the server cannot start with: the message, status
 * 121 as the image reports it. */
void svc_stop(const char *message)
{
	fprintf(stderr, "%s\n", message);
	exit(121);
}

/* The process's memory: resident and virtual size (/proc/self/statm)
 * and the largest resident size (getrusage). */
static void platform_memory(struct svc_json *j)
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
	svc_json_add(j,
		     "{\"vm_bytes\":%llu,\"rss_bytes\":%llu,"
		     "\"max_rss_bytes\":%llu}",
		     vm * (unsigned long long)page,
		     rss * (unsigned long long)page,
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

void svc_stop(const char *message)
{
	os_exit_bootconf(message);
}

/* The memory manager's figures (os/mem.h). */
static void platform_memory(struct svc_json *j)
{
	struct os_mem_stats m;

	os_mem_stats(&m);
	svc_json_add(j,
		     "{\"total\":%" PRIu64 ",\"free\":%" PRIu64
		     ",\"heap\":%" PRIu64 ",\"committed\":%" PRIu64
		     ",\"reserve\":%" PRIu64 ",\"page_tables\":%" PRIu64
		     ",\"touched\":%" PRIu64 "}",
		     m.total, m.free, m.heap, m.committed, m.reserve,
		     m.page_tables, m.touched);
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

const char *svc_name = "http";

static struct http_server *server;
static int64_t started_ms;
static void (*stats_extra)(struct svc_json *j);

void svc_stop2(const char *a, const char *b)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s: %s: %s", svc_name, a, b);
	svc_stop(msg);
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- GET /stats. ---- */

void svc_json_add(struct svc_json *j, const char *fmt, ...)
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

static void json_net(struct svc_json *j)
{
	struct netdev d[MAX_NETDEVS];
	int n = platform_net(d, MAX_NETDEVS);

	svc_json_add(j, "[");
	for (int i = 0; i < n; i++)
		svc_json_add(j,
			     "%s{\"name\":\"%s\",\"rx_packets\":%" PRIu64
			     ",\"rx_bytes\":%" PRIu64 ",\"tx_packets\":%" PRIu64
			     ",\"tx_bytes\":%" PRIu64 ",\"drops\":%" PRIu64 "}",
			     i ? "," : "", d[i].name, d[i].rx_packets,
			     d[i].rx_bytes, d[i].tx_packets, d[i].tx_bytes,
			     d[i].drops);
	svc_json_add(j, "]");
}

static void stats(struct http_request *r, void *arg)
{
	static struct svc_json j;
	struct http_stats st;

	(void)arg;
	http_server_stats(server, &st);
	j.len = 0;
	svc_json_add(&j,
		     "{\"uptime_s\":%" PRId64 ",\"requests\":%" PRIu64
		     ",\"connections_open\":%" PRIu64
		     ",\"connections_total\":%" PRIu64 ",\"refused\":%" PRIu64
		     ",\"timeouts\":%" PRIu64 ",\"status\":{\"1xx\":%" PRIu64
		     ",\"2xx\":%" PRIu64 ",\"3xx\":%" PRIu64 ",\"4xx\":%" PRIu64
		     ",\"5xx\":%" PRIu64 "},\"bytes_in\":%" PRIu64
		     ",\"bytes_out\":%" PRIu64 ",\"memory\":",
		     (now_ms() - started_ms) / 1000, st.requests,
		     st.open_connections, st.connections, st.refused,
		     st.timeouts, st.status[1], st.status[2], st.status[3],
		     st.status[4], st.status[5], st.bytes_in, st.bytes_out);
	platform_memory(&j);
	svc_json_add(&j, ",\"network\":");
	json_net(&j);
	if (stats_extra)
		stats_extra(&j);
	svc_json_add(&j, "}\n");
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

long svc_number(const char *what, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		svc_stop2(what, "not a number in range");
	return v;
}

/* Seconds from an option's argument (1 .. 3600), in milliseconds. */
static unsigned ms(const char *what, const char *s)
{
	return (unsigned)svc_number(what, s, 1, 3600) * 1000;
}

bool svc_option(int opt, const char *arg, struct http_config *c)
{
	if (opt == 'p') {
		c->port = (uint16_t)svc_number("-p", arg, 1, 65535);
	} else if (opt == 'l') {
		c->access_log = true;
	} else if (opt == 'c') {
		c->max_connections = svc_number("-c", arg, 1, 65536);
	} else if (opt == 'b') {
		c->max_body = svc_number("-b", arg, 0, 1L << 30);
	} else if (opt == 't') {
		c->idle_timeout_ms = ms("-t", arg);
	} else if (opt == 'T') {
		c->header_timeout_ms = ms("-T", arg);
		c->body_timeout_ms = c->header_timeout_ms;
		c->send_timeout_ms = c->header_timeout_ms;
	} else {
		return false;
	}
	return true;
}

struct http_server *svc_server(const char *root, const struct http_config *c,
			       void (*extra)(struct svc_json *j))
{
	struct http_static *files;
	struct stat sb;

	started_ms = now_ms();
	stats_extra = extra;
	if (c->access_log) /* a line as soon as a request is answered */
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (stat(root, &sb) < 0)
		svc_stop2(root, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		svc_stop2(root, "not a directory");
	files = http_static_new(root);
	if (!files)
		svc_stop2(root, strerror(errno));
	server = http_server_new(c);
	if (!server)
		svc_stop2("configuration", strerror(errno ? errno : EINVAL));
	if (http_route(server, HTTP_GET | HTTP_HEAD, "/stats", stats, NULL) ||
	    http_route(server, HTTP_POST, "/echo", echo, NULL) ||
	    http_route(server, HTTP_GET | HTTP_HEAD, "/", http_static_handler,
		       files))
		svc_stop2("routes", "out of memory");
	return server;
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
	fputs(arg, stdout);
	fflush(stdout);
}

void svc_announce(struct http_server *s, const char *line)
{
	int efd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);

	if (efd < 0 ||
	    http_server_watch(s, efd, EPOLLIN, announce, (void *)line)) {
		if (efd >= 0)
			close(efd);
		fputs(line, stdout); /* no watch: before listening */
		fflush(stdout);
	}
}

void svc_report(struct http_server *s)
{
	struct http_stats st;

	http_server_stats(s, &st);
	printf("%s: stopping: %" PRIu64 " requests, %" PRIu64
	       " connections (%" PRIu64 " refused, %" PRIu64
	       " timed out), %" PRIu64 " bytes in, %" PRIu64 " out\n",
	       svc_name, st.requests, st.connections, st.refused, st.timeouts,
	       st.bytes_in, st.bytes_out);
	fflush(stdout);
}
