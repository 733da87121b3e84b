/* tools/dnszone: dnszonec, the host zone compiler. Reads RFC 1035 master
 * files with ldns (record by record, so every record keeps its file and
 * line), handles $INCLUDE itself (ldns does not), and hands the records
 * to dbwrite.c, which writes the database lib/dns/include/dns/db.h
 * describes. Usage:
 *
 *   dnszonec -o OUT.db DIR          every DIR/\*.zone, sorted by name
 *   dnszonec -o OUT.db a.zone ...   the files given
 *
 * A zone's apex is the $ORIGIN in effect at its file's first record or
 * $INCLUDE, else the file name without ".zone" (example.com.zone is
 * example.com.). An error prints one line "file:line: reason" (ldns's
 * reason for what ldns rejects) and exits 1; OUT is then left as it was.
 * OUT is written to a temporary file beside it and renamed into place. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dbwrite.h"

#define INCLUDE_DEPTH 16    /* nested $INCLUDEs below a zone file */
#define TTL_MAX 0x7fffffffu /* RFC 2181 s8 */

/* A growing array of the records of the zone being read. */
struct rrvec {
	struct dnsz_rr *v;
	size_t n, cap;
};

/* The parser state one master file has, and that an $INCLUDE gets a copy
 * of: the origin (restored after the included file, RFC 1035 s5.1), the
 * default TTL and the previous owner (both restored too). */
struct state {
	ldns_rdf *origin; /* never NULL */
	ldns_rdf *prev;	  /* NULL before the first owner */
	uint32_t ttl;	  /* 0: ldns's default (3600) */
};

/* The files being read, outermost first, to refuse include loops. */
struct chain {
	dev_t dev[INCLUDE_DEPTH + 1];
	ino_t ino[INCLUDE_DEPTH + 1];
	int depth;
};

/* Everything one run allocates that the zones point into. */
static char **g_strings;
static size_t g_nstrings;

/* Print "fmt" as the one error line and exit 1. */
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("dnszonec: out of memory");
	return p;
}

/* A copy of s that lives until the program ends (records point to it). */
static const char *keep(const char *s)
{
	char **grown;
	char *c = strdup(s);

	grown = realloc(g_strings, (g_nstrings + 1) * sizeof(*g_strings));
	if (!c || !grown)
		die("dnszonec: out of memory");
	g_strings = grown;
	g_strings[g_nstrings++] = c;
	return c;
}

static ldns_rdf *xclone(const ldns_rdf *r)
{
	ldns_rdf *c;

	if (!r)
		return NULL;
	c = ldns_rdf_clone(r);
	if (!c)
		die("dnszonec: out of memory");
	return c;
}

/* Append rr, read at file:line, to vec in dbwrite.c's form: owner and
 * RDATA in uncompressed wire form, names in the case the zone gives. */
static void add_rr(struct rrvec *vec, const ldns_rr *rr, const char *file,
		   unsigned line)
{
	const ldns_rdf *owner = ldns_rr_owner(rr);
	ldns_buffer *buf = ldns_buffer_new(512);
	struct dnsz_rr *d;
	uint8_t *rdata;

	if (!buf || ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK)
		die("dnszonec: out of memory");
	if (ldns_buffer_position(buf) > 65535)
		die("%s:%u: %s", file, line,
		    ldns_get_errorstr_by_id(LDNS_STATUS_PACKET_OVERFLOW));
	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? 2 * vec->cap : 64;
		vec->v = realloc(vec->v, vec->cap * sizeof(*vec->v));
		if (!vec->v)
			die("dnszonec: out of memory");
	}
	d = &vec->v[vec->n++];
	memset(d, 0, sizeof(*d));
	/* ldns keeps a name's wire form in its rdf, at most 255 octets. */
	memcpy(d->owner, ldns_rdf_data(owner), ldns_rdf_size(owner));
	d->type = ldns_rr_get_type(rr);
	d->rclass = ldns_rr_get_class(rr);
	d->ttl = ldns_rr_ttl(rr);
	d->rdlen = (uint16_t)ldns_buffer_position(buf);
	rdata = xmalloc(d->rdlen);
	memcpy(rdata, ldns_buffer_begin(buf), d->rdlen);
	d->rdata = rdata;
	d->file = file;
	d->line = line;
	ldns_buffer_free(buf);
}

/* Skip blank and comment-only lines at fp's position, counting them in
 * *line, so that the next logical line starts at *line + 1. Leaves fp at
 * the start of that line (its leading blanks mean "previous owner").
 * Returns false at end of file. */
static bool skip_blank_lines(FILE *fp, int *line)
{
	for (;;) {
		long start = ftell(fp);
		int c;

		do
			c = getc(fp);
		while (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
		       c == '\v');
		if (c == ';') {
			while ((c = getc(fp)) != EOF && c != '\n')
				;
		}
		if (c == EOF)
			return false;
		if (c == '\n') {
			(*line)++;
			continue;
		}
		if (start < 0 || fseek(fp, start, SEEK_SET) != 0)
			die("dnszonec: cannot seek in a master file");
		return true;
	}
}

/* The next whitespace-separated word of *s (NUL-terminated in place), or
 * NULL when none is left. */
static char *word(char **s)
{
	char *w = *s;

	while (*w == ' ' || *w == '\t')
		w++;
	if (!*w)
		return NULL;
	*s = w;
	while (**s && **s != ' ' && **s != '\t')
		(*s)++;
	if (**s)
		*(*s)++ = '\0';
	return w;
}

/* The name text, absolute or relative to origin. NULL when malformed. */
static ldns_rdf *name_from(const char *text, const ldns_rdf *origin)
{
	ldns_rdf *n;

	if (strcmp(text, "@") == 0)
		return xclone(origin);
	n = ldns_dname_new_frm_str(text);
	if (n && !ldns_dname_str_absolute(text) &&
	    ldns_dname_cat(n, origin) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(n);
		n = NULL;
	}
	return n;
}

/* "$TTL value": the value, checked (ldns's own reader takes any prefix of
 * digits), at most 2^31 - 1 (RFC 2181 s8). False when it is not one. */
static bool parse_ttl(char *args, uint32_t *ttl)
{
	char *v = word(&args);
	const char *end;
	uint32_t t;

	if (!v || word(&args) || *v < '0' || *v > '9')
		return false;
	t = ldns_str2period(v, &end);
	if (*end || t > TTL_MAX)
		return false;
	*ttl = t;
	return true;
}

static void read_file(struct rrvec *vec, const char *path, struct state *st,
		      struct chain *ch, ldns_rdf **apex, const char *from,
		      unsigned from_line);

/* "$INCLUDE file [origin]" at file:line: read the file (relative to the
 * directory of the including one) with a copy of st, the origin argument
 * replacing the copy's origin. */
static void do_include(struct rrvec *vec, char *args, const char *file,
		       unsigned line, struct state *st, struct chain *ch,
		       ldns_rdf **apex)
{
	char *name = word(&args), *org = word(&args), *path;
	const char *slash = strrchr(file, '/');
	struct state sub;

	if (!name || word(&args))
		die("%s:%u: %s", file, line,
		    ldns_get_errorstr_by_id(LDNS_STATUS_SYNTAX_ERR));
	sub.origin = org ? name_from(org, st->origin) : xclone(st->origin);
	if (!sub.origin)
		die("%s:%u: %s", file, line,
		    ldns_get_errorstr_by_id(LDNS_STATUS_SYNTAX_DNAME_ERR));
	sub.prev = xclone(st->prev);
	sub.ttl = st->ttl;
	if (name[0] == '/' || !slash) {
		path = strdup(name);
	} else {
		size_t dl = (size_t)(slash - file) + 1;

		path = xmalloc(dl + strlen(name) + 1);
		memcpy(path, file, dl);
		strcpy(path + dl, name);
	}
	if (!path)
		die("dnszonec: out of memory");
	read_file(vec, keep(path), &sub, ch, apex, file, line);
	free(path);
	ldns_rdf_deep_free(sub.origin);
	ldns_rdf_deep_free(sub.prev);
}

/* A directive line ("$ORIGIN", "$TTL", "$INCLUDE") at file:line, with st
 * updated. Returns false when line is not a directive. */
static bool directive(struct rrvec *vec, char *text, const char *file,
		      unsigned line, struct state *st, struct chain *ch,
		      ldns_rdf **apex)
{
	char *args = text, *kw = word(&args), *arg;
	ldns_rdf *n;

	if (!kw || kw[0] != '$')
		return false;
	if (strcasecmp(kw, "$ORIGIN") == 0) {
		arg = word(&args);
		n = arg && !word(&args) ? name_from(arg, st->origin) : NULL;
		if (!n)
			die("%s:%u: %s", file, line,
			    ldns_get_errorstr_by_id(
				    LDNS_STATUS_SYNTAX_DNAME_ERR));
		ldns_rdf_deep_free(st->origin);
		st->origin = n;
	} else if (strcasecmp(kw, "$TTL") == 0) {
		if (!parse_ttl(args, &st->ttl))
			die("%s:%u: %s", file, line,
			    ldns_get_errorstr_by_id(
				    LDNS_STATUS_SYNTAX_TTL_ERR));
	} else if (strcasecmp(kw, "$INCLUDE") == 0) {
		if (!*apex)
			*apex = xclone(st->origin);
		do_include(vec, args, file, line, st, ch, apex);
	} else {
		return false; /* ldns will say what is wrong with it */
	}
	return true;
}

/* One record's text at file:line, parsed by ldns, appended to vec. */
static void record(struct rrvec *vec, const char *text, const char *file,
		   unsigned line, struct state *st, ldns_rdf **apex)
{
	ldns_rr *rr = NULL;
	ldns_status s;

	if (!*apex)
		*apex = xclone(st->origin);
	s = ldns_rr_new_frm_str(&rr, text, st->ttl, st->origin, &st->prev);
	if (s == LDNS_STATUS_OK && ldns_rr_ttl(rr) > TTL_MAX)
		s = LDNS_STATUS_SYNTAX_TTL_ERR;
	if (s != LDNS_STATUS_OK)
		die("%s:%u: %s", file, line, ldns_get_errorstr_by_id(s));
	add_rr(vec, rr, file, line);
	ldns_rr_free(rr);
}

/* Open path for an $INCLUDE at from:from_line (from NULL for a zone file)
 * and push it on ch, refusing a file already being read. */
static FILE *open_in_chain(const char *path, struct chain *ch, const char *from,
			   unsigned from_line)
{
	FILE *fp = fopen(path, "r");
	struct stat sb;
	int i;

	if (!fp || fstat(fileno(fp), &sb) != 0) {
		if (from)
			die("%s:%u: $INCLUDE %s: %s", from, from_line, path,
			    strerror(errno));
		die("%s: %s", path, strerror(errno));
	}
	for (i = 0; i < ch->depth; i++) {
		if (ch->dev[i] == sb.st_dev && ch->ino[i] == sb.st_ino)
			die("%s:%u: $INCLUDE %s: include loop", from, from_line,
			    path);
	}
	if (ch->depth > INCLUDE_DEPTH)
		die("%s:%u: $INCLUDE %s: more than %d levels of $INCLUDE", from,
		    from_line, path, INCLUDE_DEPTH);
	ch->dev[ch->depth] = sb.st_dev;
	ch->ino[ch->depth] = sb.st_ino;
	ch->depth++;
	return fp;
}

/* Read the master file path (from:from_line's $INCLUDE, or a zone file
 * when from is NULL) into vec, starting in state st. *apex is set, when
 * still NULL, to the origin at the first record or $INCLUDE. */
static void read_file(struct rrvec *vec, const char *path, struct state *st,
		      struct chain *ch, ldns_rdf **apex, const char *from,
		      unsigned from_line)
{
	FILE *fp = open_in_chain(path, ch, from, from_line);
	char *text = NULL, *copy;
	size_t limit = 0;
	int line = 0;

	while (skip_blank_lines(fp, &line)) {
		unsigned first = (unsigned)line + 1;
		ldns_status s;

		s = ldns_fget_token_l_st(fp, &text, &limit, false,
					 LDNS_PARSE_SKIP_SPACE, &line);
		if (s == LDNS_STATUS_SYNTAX_EMPTY)
			continue;
		if (s != LDNS_STATUS_OK)
			die("%s:%u: %s", path, first,
			    ldns_get_errorstr_by_id(s));
		if (!text[strspn(text, " \t")])
			continue;
		/* directive() cuts its words in place: it gets a copy. */
		copy = strdup(text);
		if (!copy)
			die("dnszonec: out of memory");
		if (!directive(vec, copy, path, first, st, ch, apex))
			record(vec, text, path, first, st, apex);
		free(copy);
	}
	if (ferror(fp))
		die("%s: %s", path, strerror(errno));
	free(text);
	fclose(fp);
	ch->depth--;
}

/* The origin a zone file's name gives: "dir/example.com.zone" is
 * example.com. (the trailing dot optional in the file name). */
static ldns_rdf *origin_from_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;
	char *text;
	ldns_rdf *r;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".zone") == 0)
		n -= 5;
	text = xmalloc(n + 2);
	memcpy(text, base, n);
	text[n] = '\0';
	if (n == 0 || text[n - 1] != '.')
		strcat(text, ".");
	r = ldns_dname_new_frm_str(text);
	if (!r)
		die("%s: the file name is not a domain name (use $ORIGIN)",
		    path);
	free(text);
	return r;
}

/* Read the zone file path into *z. */
static void read_zone(struct dnsz_zone *z, const char *path)
{
	struct state st = { .origin = origin_from_name(path) };
	struct chain ch = { .depth = 0 };
	struct rrvec vec = { 0 };
	ldns_rdf *apex = NULL;

	path = keep(path);
	read_file(&vec, path, &st, &ch, &apex, NULL, 0);
	if (!apex)
		apex = xclone(st.origin);
	memset(z, 0, sizeof(*z));
	memcpy(z->apex, ldns_rdf_data(apex), ldns_rdf_size(apex));
	z->file = path;
	z->rrs = vec.v;
	z->nrrs = vec.n;
	ldns_rdf_deep_free(apex);
	ldns_rdf_deep_free(st.origin);
	ldns_rdf_deep_free(st.prev);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The paths of dir's *.zone files, sorted by name, in *paths; there is at
 * least one. */
static size_t list_dir(const char *dir, char ***paths)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	*paths = NULL;
	if (!d)
		die("%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len <= 5 || strcmp(e->d_name + len - 5, ".zone") != 0)
			continue;
		*paths = realloc(*paths, (n + 1) * sizeof(**paths));
		if (!*paths)
			die("dnszonec: out of memory");
		(*paths)[n] = xmalloc(strlen(dir) + len + 2);
		sprintf((*paths)[n], "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (n == 0) /* surely a wrong directory: serving nothing helps no one */
		die("%s: no *.zone file", dir);
	qsort(*paths, n, sizeof(**paths), cmp_str);
	return n;
}

/* Write buf[0..len) to out through a temporary file renamed over it. */
static void write_atomic(const char *out, const uint8_t *buf, size_t len)
{
	char *tmp = xmalloc(strlen(out) + 32);
	FILE *fp;

	sprintf(tmp, "%s.tmp%ld", out, (long)getpid());
	fp = fopen(tmp, "wb");
	if (!fp)
		die("%s: %s", tmp, strerror(errno));
	if (fwrite(buf, 1, len, fp) != len || fflush(fp) != 0 ||
	    fsync(fileno(fp)) != 0) {
		int err = errno;

		fclose(fp);
		unlink(tmp);
		die("%s: %s", tmp, strerror(err));
	}
	if (fclose(fp) != 0 || rename(tmp, out) != 0) {
		int err = errno;

		unlink(tmp);
		die("%s: %s", out, strerror(err));
	}
	free(tmp);
}

static void usage(void)
{
	die("usage: dnszonec -o OUT.db DIR | dnszonec -o OUT.db FILE.zone...");
}

/* Compile the zones the command line names into the -o file. */
int main(int argc, char **argv)
{
	const char *out = NULL;
	char **paths, err[512];
	struct dnsz_zone *zones;
	struct stat sb;
	uint8_t *db;
	size_t n, i, dblen;
	int opt;

	while ((opt = getopt(argc, argv, "o:")) != -1) {
		if (opt != 'o')
			usage();
		out = optarg;
	}
	if (!out || optind >= argc)
		usage();
	if (argc - optind == 1 && stat(argv[optind], &sb) == 0 &&
	    S_ISDIR(sb.st_mode)) {
		n = list_dir(argv[optind], &paths);
	} else {
		paths = argv + optind;
		n = (size_t)(argc - optind);
	}
	zones = xmalloc(n * sizeof(*zones));
	for (i = 0; i < n; i++)
		read_zone(&zones[i], paths[i]);
	if (dnsz_build(zones, n, &db, &dblen, err, sizeof(err)) != 0)
		die("%s", err);
	write_atomic(out, db, dblen);
	free(db);
	return 0;
}
