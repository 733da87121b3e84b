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
 * prints the counters and exits 0. What https.c shares with it is in
 * service.c. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <http/http.h>

#include "service.h"

#define USAGE                                                      \
	"http: usage: http [-p PORT] [-r ROOT] [-l] [-c MAXCONN] " \
	"[-b BYTES] [-t SECONDS] [-T SECONDS]"

static const char *root = "/srv/www";

static void options(int argc, char **argv, struct http_config *c)
{
	int opt;

	while ((opt = getopt(argc, argv, SVC_OPTIONS "r:")) != -1) {
		if (opt == 'r')
			root = optarg;
		else if (!svc_option(opt, optarg, c))
			svc_stop(USAGE);
	}
	if (optind < argc)
		svc_stop(USAGE);
}

int main(int argc, char **argv)
{
	static struct http_config cfg;
	static char line[256];
	struct http_server *server;
	int r;

	http_config_default(&cfg);
	options(argc, argv, &cfg);
	server = svc_server(root, &cfg, NULL);
	snprintf(line, sizeof(line),
		 "http: serving %s on port %u (at most %u connections, "
		 "access log %s)\n",
		 root, cfg.port, cfg.max_connections,
		 cfg.access_log ? "on" : "off");
	svc_announce(server, line);
	r = http_server_run(server);
	if (r < 0) {
		fprintf(stderr, "http: port %u: %s\n", cfg.port, strerror(-r));
		return 1;
	}
	svc_report(server);
	return 0;
}
