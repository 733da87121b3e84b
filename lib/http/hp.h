/* lib/http's one window on http-parser (hp.c): http_parser.h and http.h
 * both define enum http_method and HTTP_GET..., so no file includes
 * both; conn.c drives the parser through these calls and receives its
 * callbacks as the conn_on_* functions declared here. */
#ifndef HTTP_HP_H
#define HTTP_HP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Octets of a parser's state. */
size_t hp_size(void);

/* Start hp as a request parser whose callbacks get data. */
void hp_init(void *hp, void *data);

/* Parse d[0..n) (n == 0: the peer's EOF); returns octets consumed. */
size_t hp_execute(void *hp, const char *d, size_t n);

/* After hp_execute: 0 parsing on, 1 paused (by hp_pause in a callback),
 * else the status answering the parser's error (400, 431, 501, 505). */
int hp_state(const void *hp);

/* Pause (in a callback) or unpause. */
void hp_pause(void *hp, bool on);

/* The request's method as a bit of http.h's enum http_method, and its
 * name. */
unsigned hp_method_bit(const void *hp);
const char *hp_method_name(const void *hp);

/* Version: 10 * major + minor; the parser's keep-alive verdict; the
 * Content-Length (UINT64_MAX none) and chunked / Transfer-Encoding
 * present. */
int hp_version(const void *hp);
bool hp_keep_alive(const void *hp);
uint64_t hp_content_length(const void *hp);
bool hp_chunked(const void *hp);
bool hp_has_te(const void *hp);

/* Split url[0..n) into the path and the query (each offset and length,
 * the query's offset 0 and length 0 when none): 0, or -1 when it is not
 * a request target. */
int hp_split_url(const char *url, size_t n, bool is_connect, size_t *path_off,
		 size_t *path_len, size_t *q_off, size_t *q_len);

/* Callbacks (conn.c): nonzero stops the parser with an error. */
int conn_on_begin(void *c);
int conn_on_url(void *c, const char *p, size_t n);
int conn_on_field(void *c, const char *p, size_t n);
int conn_on_value(void *c, const char *p, size_t n);
int conn_on_headers(void *c); /* 1: no body to read */
int conn_on_body(void *c, const char *p, size_t n);
int conn_on_complete(void *c);

#endif
