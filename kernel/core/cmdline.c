/* Splitting the kernel command line into kernel options, the service's
 * argv, and the tokens QEMU appends (see kern/cmdline.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kern/cmdline.h>

/* What QEMU appends to the line by itself, wherever the line's own
 * "--" stands: microvm's virtio-mmio devices. */
static const char *const appended_prefixes[] = { "virtio_mmio.device=" };

/* Whether t is a token QEMU appended. */
static int is_appended(const char *t)
{
	for (size_t i = 0;
	     i < sizeof(appended_prefixes) / sizeof(appended_prefixes[0]); i++)
		if (strncmp(t, appended_prefixes[i],
			    strlen(appended_prefixes[i])) == 0)
			return 1;
	return 0;
}

/* Copy the next token of *line to *out (NUL-terminated); return its start,
 * or NULL at the end of the line. -EINVAL via *bad on an open quote. */
static char *next_token(const char **line, char **out, const char *end,
			int *bad)
{
	const char *s = *line;
	char *start = *out, *d = *out;
	int quoted = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (!*s)
		return NULL;
	for (; *s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (d < end - 1)
			*d++ = *s;
	}
	*bad = quoted;
	*d++ = '\0';
	*line = s;
	*out = d;
	return start;
}

/* The counts a line starts from, so each line's tokens are limited on
 * their own. */
struct start {
	int nopt, argc;
};

/* File token t under kernel options, argv or the appended tokens;
 * -E2BIG when full. */
static int file_token(struct kern_cmdline *cl, char *t, int *seen_dashes,
		      const struct start *st)
{
	if (is_appended(t)) {
		if (cl->nappended == KERN_CMDLINE_APPENDED)
			return -E2BIG;
		cl->appended[cl->nappended++] = t;
	} else if (!*seen_dashes && strcmp(t, "--") == 0) {
		*seen_dashes = 1;
	} else if (*seen_dashes) {
		if (cl->argc - st->argc == KERN_CMDLINE_TOKENS - 1)
			return -E2BIG;
		cl->argv[cl->argc++] = t;
	} else {
		if (cl->nopt - st->nopt == KERN_CMDLINE_TOKENS)
			return -E2BIG;
		cl->opt[cl->nopt++] = t;
	}
	return 0;
}

/* Split line into cl after the tokens already there, copying them to
 * *out; what names the line in messages ("" for the boot line). */
static int split(struct kern_cmdline *cl, const char *line, char **out,
		 const char *what, char *err, size_t errlen)
{
	const char *end = cl->buf + sizeof(cl->buf);
	struct start st = { cl->nopt, cl->argc };
	int dashes = 0, bad = 0;
	char *t;

	if (strlen(line) >= KERN_CMDLINE_MAX) {
		snprintf(err, errlen, "%scommand line longer than %d bytes",
			 what, KERN_CMDLINE_MAX - 1);
		return -EINVAL;
	}
	while ((t = next_token(&line, out, end, &bad))) {
		if (bad) {
			snprintf(err, errlen, "%sunterminated quote in '%s'",
				 what, t);
			return -EINVAL;
		}
		if (file_token(cl, t, &dashes, &st)) {
			snprintf(err, errlen, "%stoo many %s at '%s'", what,
				 is_appended(t) ? "virtio_mmio.device= tokens" :
						  "arguments",
				 t);
			return -EINVAL;
		}
	}
	return 0;
}

/* The length of option o's name: up to its first '=', or all of it. */
static size_t key_len(const char *o)
{
	return strcspn(o, "=");
}

/* Whether one of the options opt[from..to) has o's name. */
static int named_in(char *const *opt, int from, int to, const char *o)
{
	size_t n = key_len(o);

	for (int i = from; i < to; i++)
		if (key_len(opt[i]) == n && strncmp(opt[i], o, n) == 0)
			return 1;
	return 0;
}

/* Drop the baked options opt[0..nbaked) whose name the boot line's
 * (the rest) also gives, keeping the order of the others. */
static void drop_overridden(struct kern_cmdline *cl, int nbaked)
{
	int n = 0;

	for (int i = 0; i < cl->nopt; i++)
		if (i >= nbaked ||
		    !named_in(cl->opt, nbaked, cl->nopt, cl->opt[i]))
			cl->opt[n++] = cl->opt[i];
	cl->nopt = n;
}

/* Keep the boot line's arguments, argv[nbaked..argc), if there are any,
 * else the baked ones, argv[1..nbaked). */
static void pick_args(struct kern_cmdline *cl, int nbaked)
{
	int nboot = cl->argc - nbaked;

	if (nboot > 0) {
		memmove(cl->argv + 1, cl->argv + nbaked,
			nboot * sizeof(cl->argv[0]));
		cl->argc = 1 + nboot;
	}
	cl->argv[cl->argc] = NULL;
}

int kern_cmdline_parse_baked(struct kern_cmdline *cl, const char *baked,
			     const char *line, const char *name, char *err,
			     size_t errlen)
{
	char *out = cl->buf;
	int nopt, argc;

	memset(cl, 0, sizeof(*cl));
	cl->argv[cl->argc++] = (char *)name;
	if (baked &&
	    split(cl, baked, &out, "baked command line: ", err, errlen))
		return -EINVAL;
	nopt = cl->nopt;
	argc = cl->argc;
	if (split(cl, line, &out, "", err, errlen))
		return -EINVAL;
	drop_overridden(cl, nopt);
	pick_args(cl, argc);
	return 0;
}

int kern_cmdline_parse(struct kern_cmdline *cl, const char *line,
		       const char *name, char *err, size_t errlen)
{
	return kern_cmdline_parse_baked(cl, NULL, line, name, err, errlen);
}

/* If option o is called name, its value ("" for a flag); else NULL. */
static const char *match(const char *o, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(o, name, n) != 0)
		return NULL;
	if (o[n] == '=')
		return o + n + 1;
	return o[n] == '\0' ? o + n : NULL;
}

const char *kern_cmdline_take(struct kern_cmdline *cl, const char *name)
{
	for (int i = 0; i < cl->nopt; i++) {
		const char *v = match(cl->opt[i], name);

		if (v && !cl->opt_used[i]) {
			cl->opt_used[i] = 1;
			return v;
		}
	}
	return NULL;
}

const char *kern_cmdline_unused(const struct kern_cmdline *cl)
{
	for (int i = 0; i < cl->nopt; i++)
		if (!cl->opt_used[i])
			return cl->opt[i];
	return NULL;
}

const char *kern_cmdline_taken_alike(const struct kern_cmdline *cl,
				     const char *o)
{
	size_t n = key_len(o);

	for (int i = 0; i < cl->nopt; i++)
		if (cl->opt_used[i] && key_len(cl->opt[i]) == n &&
		    strncmp(cl->opt[i], o, n) == 0)
			return cl->opt[i];
	return NULL;
}

int kern_cmdline_appended(const struct kern_cmdline *cl, const char *prefix,
			  const char **vals, int max)
{
	size_t n = strlen(prefix);
	int found = 0;

	for (int i = 0; i < cl->nappended; i++)
		if (strncmp(cl->appended[i], prefix, n) == 0 && found < max)
			vals[found++] = cl->appended[i] + n;
	return found;
}

/* Whether [s, end) is a portable environment variable name. */
static int env_name_ok(const char *s, const char *end)
{
	if (s == end || (*s >= '0' && *s <= '9'))
		return 0;
	for (; s < end; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

/* Put entry e ("NAME=value") into envp[0..n), replacing one of the same
 * NAME; returns the new count, or -1 when e is new and n is max. */
static int env_put(char **envp, int n, int max, char *e)
{
	size_t len = (size_t)(strchr(e, '=') - e) + 1;

	for (int i = 0; i < n; i++)
		if (strncmp(envp[i], e, len) == 0) {
			envp[i] = e;
			return n;
		}
	if (n == max)
		return -1;
	envp[n] = e;
	return n + 1;
}

int kern_cmdline_env(struct kern_cmdline *cl, char **envp, int max, char *err,
		     size_t errlen)
{
	int n = 0;

	for (int i = 0; i < cl->nopt; i++) {
		char *o = cl->opt[i], *e = o + 4, *eq;

		if (cl->opt_used[i] || strncmp(o, "env.", 4) != 0)
			continue;
		cl->opt_used[i] = 1;
		eq = strchr(e, '=');
		if (!eq || !env_name_ok(e, eq)) {
			snprintf(err, errlen,
				 "%s: not env.NAME=value with NAME made of "
				 "letters, digits and '_'",
				 o);
			return -EINVAL;
		}
		n = env_put(envp, n, max, e);
		if (n < 0) {
			snprintf(err, errlen, "more than %d env. names", max);
			return -EINVAL;
		}
	}
	envp[n] = NULL;
	return n;
}

/* The digit c in base, or -1. */
static int digit(char c, unsigned base)
{
	int d = c >= '0' && c <= '9' ? c - '0' :
		c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 :
				       -1;

	return d >= 0 && (unsigned)d < base ? d : -1;
}

int kern_parse_u64(const char **s, uint64_t *v)
{
	const char *p = *s;
	unsigned base = 10;
	int d;

	if (digit(*p, 10) < 0)
		return -EINVAL; /* no sign, no blank */
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit(p[2], 16) >= 0) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	for (*v = 0; (d = digit(*p, base)) >= 0; p++) {
		if (*v > (UINT64_MAX - (unsigned)d) / base)
			return -ERANGE;
		*v = *v * base + (unsigned)d;
	}
	*s = p;
	return 0;
}

int kern_parse_size(const char **s, uint64_t *v)
{
	int shift = 0, r = kern_parse_u64(s, v);

	if (r)
		return r;
	switch (**s) {
	case 'G':
	case 'g':
		shift += 10; /* fall through */
	case 'M':
	case 'm':
		shift += 10; /* fall through */
	case 'K':
	case 'k':
		shift += 10;
		(*s)++;
	}
	if (*v > UINT64_MAX >> shift)
		return -ERANGE;
	*v <<= shift;
	return 0;
}
