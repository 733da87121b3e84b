/* https: the static-file web server of examples/http over TLS (lib/http's
 * http_server_listen_tls on lib/tls), with plain HTTP answering 301 to
 * it; the same file builds as a libos image (https.elf: the tree baked at
 * /srv/www, certificates at /etc/tls) and as a Linux program
 * (https-linux, built with HTTP_LINUX defined).
 *
 *   https [-s PORT] [-p PORT] [-r ROOT] [-k CERT,KEY]... [-l]
 *         [-c MAXCONN] [-b BYTES] [-t SECONDS] [-T SECONDS]
 *     -s PORT      the TLS port, IPv6 and IPv4 (default 443)
 *     -p PORT      the plain HTTP port, every request answered 301 to
 *                  https://HOST[:PORT]/... (default 80; 0: none)
 *     -r ROOT      the directory served (default /srv/www)
 *     -k CERT,KEY  a certificate chain and its key (PEM files), one per
 *                  name served, chosen by SNI; the first also serves
 *                  clients that send no name or an unknown one. Repeat for
 *                  more names; given once, it replaces the defaults
 *                  (HTTPS_DEFAULT_KEYS: in the image /etc/tls/NAME.pem
 *                  and NAME.key for www.libos.test then api.libos.test)
 *     -l, -c, -b, -t, -T  as http's (examples/http/http.c); -T also
 *                  bounds a TLS handshake, from the accept
 *
 * Routes: those of http (GET /stats, POST /echo, the files), /stats with
 * a "tls" object of the TLS counters (tls_server_stats: handshakes,
 * resumed, tls13, failed, tickets, sni_unknown).
 *
 * Bad arguments, a ROOT that is not a directory, a certificate or key
 * that cannot be read or used, and an image without a strong entropy
 * source stop the start: the image with the boot-configuration status 121
 * (os_exit_bootconf) and the reason, the Linux program with the reason on
 * stderr and exit status 121. Once it listens it prints "https: serving
 * ROOT on port S ..."; SIGTERM or SIGINT prints the counters and exits 0.
 * A failed handshake is logged once on stderr: "https: PEER: handshake
 * failed: REASON". */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <http/http.h>
#include <tls/tls.h>

#include "service.h"

#ifndef HTTPS_DEFAULT_KEYS /* "CERT,KEY CERT,KEY ...", set by CMake */
#define HTTPS_DEFAULT_KEYS                                         \
	"/etc/tls/www.libos.test.pem,/etc/tls/www.libos.test.key " \
	"/etc/tls/api.libos.test.pem,/etc/tls/api.libos.test.key"
#endif
#define MAX_KEYS 16
#define USAGE                                                                 \
	"https: usage: https [-s PORT] [-p PORT] [-r ROOT] [-k CERT,KEY]... " \
	"[-l] [-c MAXCONN] [-b BYTES] [-t SECONDS] [-T SECONDS]"

static const char *root = "/srv/www";
static uint16_t tls_port = 443;
static struct tls_keypair keys[MAX_KEYS];
static unsigned nkeys;
static struct tls_server *tls;

/* Add the pair "CERT,KEY" (s is kept: its comma becomes a NUL). */
static void add_key(char *s)
{
	char *comma = strchr(s, ',');

	if (!comma || comma == s || !comma[1] || strchr(comma + 1, ','))
		svc_stop2(s, "not CERT,KEY");
	if (nkeys == MAX_KEYS)
		svc_stop2(s, "too many certificates");
	*comma = '\0';
	keys[nkeys++] = (struct tls_keypair){ s, comma + 1 };
}

/* The defaults, when no -k was given. */
static void default_keys(void)
{
	static char list[] = HTTPS_DEFAULT_KEYS;

	for (char *save, *p = strtok_r(list, " ", &save); p;
	     p = strtok_r(NULL, " ", &save))
		add_key(p);
}

static void options(int argc, char **argv, struct http_config *c)
{
	int opt;

	while ((opt = getopt(argc, argv, SVC_OPTIONS "s:r:k:")) != -1) {
		if (opt == 's')
			tls_port = (uint16_t)svc_number("-s", optarg, 1, 65535);
		else if (opt == 'p')
			c->port = (uint16_t)svc_number("-p", optarg, 0, 65535);
		else if (opt == 'r')
			root = optarg;
		else if (opt == 'k')
			add_key(optarg);
		else if (!svc_option(opt, optarg, c))
			svc_stop(USAGE);
	}
	if (optind < argc)
		svc_stop(USAGE);
	if (c->port && c->port == tls_port)
		svc_stop2("-p", "the plain port is the TLS port");
	if (!nkeys)
		default_keys();
}

/* The TLS server of the certificates: a stop with tls_server_new()'s
 * reason when one cannot be used or the entropy is weak. */
static void make_tls(void)
{
	struct tls_server_config cfg;
	char why[256], msg[300];

	tls_server_config_default(&cfg);
	cfg.certs = keys;
	cfg.ncerts = nkeys;
	if (tls_server_new(&tls, &cfg, why, sizeof(why)) < 0) {
		snprintf(msg, sizeof(msg), "https: %s", why);
		svc_stop(msg);
	}
}

/* /stats's "tls" object. */
static void stats_tls(struct svc_json *j)
{
	struct tls_server_stats st;

	tls_server_stats(tls, &st);
	svc_json_add(j,
		     ",\"tls\":{\"handshakes\":%" PRIu64 ",\"resumed\":%" PRIu64
		     ",\"tls13\":%" PRIu64 ",\"failed\":%" PRIu64
		     ",\"tickets\":%" PRIu64 ",\"sni_unknown\":%" PRIu64 "}",
		     st.handshakes, st.resumed, st.tls13, st.failed, st.tickets,
		     st.sni_unknown);
}

static void report_tls(void)
{
	struct tls_server_stats st;

	tls_server_stats(tls, &st);
	printf("https: TLS: %" PRIu64 " handshakes (%" PRIu64
	       " resumed, %" PRIu64 " TLS 1.3), %" PRIu64 " failed\n",
	       st.handshakes, st.resumed, st.tls13, st.failed);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct http_config cfg;
	static char line[512];
	struct http_server *server;
	char plain[64] = "no plain port";
	int r;

	svc_name = "https";
	http_config_default(&cfg);
	options(argc, argv, &cfg);
	server = svc_server(root, &cfg, stats_tls);
	make_tls();
	r = http_server_listen_tls(server, tls_port, tls);
	if (r < 0) {
		fprintf(stderr, "https: port %u: %s\n", tls_port, strerror(-r));
		return 1;
	}
	if (cfg.port) {
		http_server_redirect_plain(server, tls_port);
		snprintf(plain, sizeof(plain), "port %u redirecting", cfg.port);
	}
	snprintf(line, sizeof(line),
		 "https: serving %s on port %u over TLS, %s (%u "
		 "certificates, the default %s; at most %u connections, "
		 "access log %s)\n",
		 root, tls_port, plain, nkeys, keys[0].cert,
		 cfg.max_connections, cfg.access_log ? "on" : "off");
	svc_announce(server, line);
	r = http_server_run(server);
	if (r < 0) {
		fprintf(stderr, "https: port %u: %s\n", cfg.port, strerror(-r));
		return 1;
	}
	svc_report(server);
	report_tls();
	return 0;
}
