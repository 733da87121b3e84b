/* lib/http's glue to http-parser (see hp.h): the only file that
 * includes http_parser.h. */
#include "hp.h"

#include <http_parser.h>

static int on_begin(http_parser *p)
{
	return conn_on_begin(p->data);
}

static int on_url(http_parser *p, const char *d, size_t n)
{
	return conn_on_url(p->data, d, n);
}

static int on_field(http_parser *p, const char *d, size_t n)
{
	return conn_on_field(p->data, d, n);
}

static int on_value(http_parser *p, const char *d, size_t n)
{
	return conn_on_value(p->data, d, n);
}

static int on_headers(http_parser *p)
{
	return conn_on_headers(p->data);
}

static int on_body(http_parser *p, const char *d, size_t n)
{
	return conn_on_body(p->data, d, n);
}

static int on_complete(http_parser *p)
{
	return conn_on_complete(p->data);
}

static const http_parser_settings settings = {
	.on_message_begin = on_begin,
	.on_url = on_url,
	.on_header_field = on_field,
	.on_header_value = on_value,
	.on_headers_complete = on_headers,
	.on_body = on_body,
	.on_message_complete = on_complete,
};

size_t hp_size(void)
{
	return sizeof(http_parser);
}

void hp_init(void *hp, void *data)
{
	http_parser *p = hp;

	http_parser_init(p, HTTP_REQUEST);
	p->data = data;
}

size_t hp_execute(void *hp, const char *d, size_t n)
{
	return http_parser_execute(hp, &settings, d, n);
}

/* Whether the version read so far is 1.0 or 1.1: a version error then
 * lies in what follows it (a malformed request line, 400), not in the
 * version itself (505). */
static bool version_ok(const http_parser *p)
{
	return p->http_major == 1 && p->http_minor <= 1;
}

int hp_state(const void *hp)
{
	switch (HTTP_PARSER_ERRNO((const http_parser *)hp)) {
	case HPE_OK:
		return 0;
	case HPE_PAUSED:
		return 1;
	case HPE_HEADER_OVERFLOW:
		return 431;
	case HPE_INVALID_METHOD:
		return 501;
	case HPE_INVALID_VERSION:
		return version_ok(hp) ? 400 : 505;
	default:
		return 400;
	}
}

void hp_pause(void *hp, bool on)
{
	http_parser_pause(hp, on);
}

unsigned hp_method_bit(const void *hp)
{
	/* The values of http.h's enum http_method. */
	switch (((const http_parser *)hp)->method) {
	case HTTP_GET:
		return 1u << 0;
	case HTTP_HEAD:
		return 1u << 1;
	case HTTP_POST:
		return 1u << 2;
	case HTTP_PUT:
		return 1u << 3;
	case HTTP_DELETE:
		return 1u << 4;
	case HTTP_OPTIONS:
		return 1u << 5;
	case HTTP_PATCH:
		return 1u << 6;
	default:
		return 1u << 15;
	}
}

const char *hp_method_name(const void *hp)
{
	return http_method_str(((const http_parser *)hp)->method);
}

int hp_version(const void *hp)
{
	const http_parser *p = hp;

	if (p->http_major > 9 || p->http_minor > 9)
		return 0;
	return p->http_major * 10 + p->http_minor;
}

bool hp_keep_alive(const void *hp)
{
	/* 1.0's "keep-alive" does not outweigh a "close" beside it */
	return http_should_keep_alive(hp) &&
	       !(((const http_parser *)hp)->flags & F_CONNECTION_CLOSE);
}

uint64_t hp_content_length(const void *hp)
{
	const http_parser *p = hp;

	return (p->flags & F_CONTENTLENGTH) ? p->content_length : UINT64_MAX;
}

bool hp_chunked(const void *hp)
{
	return ((const http_parser *)hp)->flags & F_CHUNKED;
}

bool hp_has_te(const void *hp)
{
	return ((const http_parser *)hp)->uses_transfer_encoding;
}

int hp_split_url(const char *url, size_t n, bool is_connect, size_t *path_off,
		 size_t *path_len, size_t *q_off, size_t *q_len)
{
	struct http_parser_url u;

	http_parser_url_init(&u);
	if (http_parser_parse_url(url, n, is_connect, &u))
		return -1;
	*path_off = u.field_data[UF_PATH].off;
	*path_len =
		(u.field_set & (1 << UF_PATH)) ? u.field_data[UF_PATH].len : 0;
	*q_off = u.field_data[UF_QUERY].off;
	*q_len = (u.field_set & (1 << UF_QUERY)) ? u.field_data[UF_QUERY].len :
						   0;
	return 0;
}
