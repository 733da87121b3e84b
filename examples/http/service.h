/* examples/http: what the http and https servers (http.c, https.c) share:
 * the configuration stop, numeric options, the common options, the
 * routes (/stats, POST /echo, the static files), the start line and the
 * counters printed at the end. Built as a libos image or, with
 * HTTP_LINUX defined, as a Linux program (the only difference: how a
 * configuration stop ends the program, and /stats's platform figures). */
#ifndef EXAMPLES_HTTP_SERVICE_H
#define EXAMPLES_HTTP_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <http/http.h>

/* The server's name, the prefix of its messages ("http", "https"). */
extern const char *svc_name;

/* Stop the start with message: the image with the boot-configuration
 * status 121 (os_exit_bootconf), the Linux program on stderr with exit
 * status 121. */
__attribute__((noreturn)) void svc_stop(const char *message);

/* svc_stop() with "NAME: a: b". */
__attribute__((noreturn)) void svc_stop2(const char *a, const char *b);

/* A number in [lo, hi] from option what's argument s, or a stop. */
long svc_number(const char *what, const char *s, long lo, long hi);

/* Apply the option opt (with optarg arg) that http and https share to
 * *c: -p PORT, -l, -c MAXCONN, -b BYTES, -t SECONDS, -T SECONDS (see
 * http.c). false when opt is not one of them. */
bool svc_option(int opt, const char *arg, struct http_config *c);

/* getopt's letters of svc_option's options. */
#define SVC_OPTIONS "p:lc:b:t:T:"

/* /stats's text, built with snprintf. */
struct svc_json {
	char buf[4096];
	size_t len;
};

/* Append printf-style text to j (j->len past the buffer when cut). */
void svc_json_add(struct svc_json *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Open a server for the tree root with c (a stop when root is not a
 * directory or c is refused), its routes added: GET, HEAD /stats (the
 * counters as JSON; extra, when not NULL, appends fields of its own
 * with a leading comma), POST /echo, GET, HEAD / (the files). */
struct http_server *svc_server(const char *root, const struct http_config *c,
			       void (*extra)(struct svc_json *j));

/* Print line (the start line, with its newline) once s listens, on the
 * first turn of its loop (at once when that cannot be arranged). */
void svc_announce(struct http_server *s, const char *line);

/* Print s's counters ("NAME: stopping: ..."). */
void svc_report(struct http_server *s);

#endif
