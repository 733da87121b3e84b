/* A strict reader of the HTTP/1.1 responses lib/http writes, for
 * test_http.c and fuzz_http.c: a byte stream split into responses, each
 * well-formed (status line, Date and Server, one framing). */
#ifndef TEST_HTTP_RESP_H
#define TEST_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>

struct http_resp {
	int status;
	size_t head_off, head_len; /* status line and fields, with CRLFCRLF */
	size_t body_off, body_len; /* as sent (chunked: with the coding) */
	char body[256];		   /* its first octets, decoded */
	size_t decoded_len;	   /* octets of the decoded body */
	bool close, chunked, has_length;
};

/* Split p[0..n) into at most max responses: how many, or -1 (with
 * *why) when the bytes are not a sequence of whole, well-formed
 * responses. A response with Content-Length or chunked coding followed at once
 * by another status line, or by the end, is taken as an answer to HEAD (no
 * body). */
int http_resp_split(const char *p, size_t n, struct http_resp *out, size_t max,
		    const char **why);

#endif
