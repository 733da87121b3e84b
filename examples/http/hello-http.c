/* hello-http: the smallest complete service on lib/http, as docs/http.md
 * shows it (the example of http/http.h's header comment, made whole):
 * /hello answers a greeting, /hello?name=X greets X, everything else
 * comes from the files under ROOT. Built as a libos image (hello-http.elf,
 * examples/http/www baked at /srv/www) and as a Linux program
 * (hello-http-linux).
 *
 *   hello-http [ROOT [PORT]]     (default /srv/www, 8080) */
#include <stdio.h>
#include <stdlib.h>

#include <http/http.h>

/* GET /hello[?name=X]: "hello, X" in plain text. */
static void hello(struct http_request *r, void *arg)
{
	char name[64], text[96];
	int n;

	(void)arg;
	if (http_query_param(r, "name", name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "world");
	n = snprintf(text, sizeof(text), "hello, %s\n", name);
	http_reply(r, 200, "text/plain; charset=utf-8", text, (size_t)n);
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "/srv/www";
	struct http_config cfg;
	struct http_server *s;
	struct http_static *files;

	http_config_default(&cfg);
	cfg.port = argc > 2 ? (uint16_t)atoi(argv[2]) : 8080;
	files = http_static_new(root);
	s = http_server_new(&cfg);
	if (!files || !s) {
		perror(root);
		return 1;
	}
	http_route(s, HTTP_GET | HTTP_HEAD, "/hello", hello, NULL);
	http_route(s, HTTP_GET | HTTP_HEAD, "/", http_static_handler, files);
	printf("hello-http: %s on port %u\n", root, cfg.port);
	return http_server_run(s) ? 1 : 0;
}
