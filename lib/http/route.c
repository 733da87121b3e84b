/* lib/http: the router: a method set and a path or path prefix to a
 * handler, first match wins. */
#include "http_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int http_route(struct http_server *s, unsigned methods, const char *path,
	       http_handler h, void *arg)
{
	struct http_route_entry *e;

	if (!path || path[0] != '/' || !methods || !h)
		return -EINVAL;
	if (s->nroutes == s->routes_cap) {
		size_t cap = s->routes_cap ? 2 * s->routes_cap : 8;
		void *n = realloc(s->routes, cap * sizeof(*s->routes));

		if (!n)
			return -ENOMEM;
		s->routes = n;
		s->routes_cap = cap;
	}
	e = &s->routes[s->nroutes];
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	e->len = strlen(path);
	e->prefix = path[e->len - 1] == '/';
	e->methods = methods;
	e->h = h;
	e->arg = arg;
	s->nroutes++;
	return 0;
}

static bool matches(const struct http_route_entry *e, const char *path)
{
	if (e->prefix)
		return !strncmp(path, e->path, e->len);
	return !strcmp(path, e->path);
}

const struct http_route_entry *route_find(const struct http_server *s,
					  const char *path, unsigned method,
					  unsigned *allow)
{
	*allow = 0;
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct http_route_entry *e = &s->routes[i];

		if (!matches(e, path))
			continue;
		if (e->methods & method)
			return e;
		*allow |= e->methods;
	}
	return NULL;
}
