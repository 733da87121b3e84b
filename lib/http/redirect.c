/* lib/http: http_server_redirect_plain(): every request of the plain
 * port answered 301 to the same target over HTTPS. Reached only through
 * the server's redirect pointer, so a service that never asks for it
 * links none of it. */
#include "http_internal.h"

#include <stdio.h>
#include <string.h>

/* The length of host's name without its ":port" (an IPv6 literal keeps
 * its brackets), or 0 when it is empty or holds an octet outside
 * letters, digits and "-._:[]" (nothing else may go into Location). */
static size_t host_name_len(const char *host)
{
	size_t n = strlen(host), end = n;

	if (!n || strspn(host, "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789-._:[]") != n)
		return 0;
	if (host[0] == '[') {
		const char *close = strchr(host, ']');

		return close ? (size_t)(close - host) + 1 : 0;
	}
	for (size_t i = 0; i < n; i++)
		if (host[i] == ':') {
			end = i;
			break;
		}
	return end;
}

static void redirect(struct http_request *r)
{
	const char *host = http_header(r, "Host");
	size_t tlen, hlen = host ? host_name_len(host) : 0;
	const char *target = http_target(r, &tlen);
	uint16_t port = r->c->s->redirect_port;
	char where[2048], portpart[8] = ""; /* as http_add_header's room */
	int n;

	if (!hlen || !tlen || target[0] != '/') {
		http_reply_error(r, 400);
		return;
	}
	if (port != 443)
		snprintf(portpart, sizeof(portpart), ":%u", port);
	n = snprintf(where, sizeof(where), "https://%.*s%s%.*s", (int)hlen,
		     host, portpart, (int)tlen, target);
	if (n < 0 || (size_t)n >= sizeof(where) ||
	    http_add_header(r, "Location", where) < 0) {
		http_reply_error(r, 414); /* too long to redirect */
		return;
	}
	http_reply_error(r, 301);
}

void http_server_redirect_plain(struct http_server *s, uint16_t https_port)
{
	s->redirect = redirect;
	s->redirect_port = https_port;
}
