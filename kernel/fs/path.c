/* Path resolution for the file tree (vfs.c; unit-tested by
 * test/unit/test_path.c): lexical
 * normalisation against a working directory, and the physical walk that
 * follows symbolic links through the file system's kern_path_ops. Pure
 * code: every question about the tree goes to the ops. See fs/path.h. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "fs/path.h"

/* The path being built in the caller's buffer: s[0..len) plus a NUL,
 * "/" for the root, at most cap bytes with the NUL. */
struct kpath {
	char *s;
	size_t len;
	size_t cap;
};

/* The state of kern_path_resolve(): what is still to walk is
 * rest[pos..], a string ending at rest[PATH_MAX - 1]; the bytes before
 * pos are free for a link's target. */
struct walk {
	const struct kern_path_ops *ops;
	void *ctx;
	struct kpath p;
	size_t pos;
	int links;
	char rest[PATH_MAX];
};

static int is_dot(const char *c, size_t n)
{
	return n == 1 && c[0] == '.';
}

static int is_dotdot(const char *c, size_t n)
{
	return n == 2 && c[0] == '.' && c[1] == '.';
}

static void kp_root(struct kpath *p)
{
	p->s[0] = '/';
	p->s[1] = '\0';
	p->len = 1;
}

/* Append component c (n bytes). 0 or -ENAMETOOLONG. */
static int kp_push(struct kpath *p, const char *c, size_t n)
{
	size_t sep = p->len > 1;

	if (n > NAME_MAX || p->len + sep + n >= p->cap)
		return -ENAMETOOLONG;
	if (sep)
		p->s[p->len++] = '/';
	memcpy(p->s + p->len, c, n);
	p->len += n;
	p->s[p->len] = '\0';
	return 0;
}

/* Remove the last component; the root stays the root. */
static void kp_pop(struct kpath *p)
{
	while (p->len > 1 && p->s[p->len - 1] != '/')
		p->len--;
	if (p->len > 1)
		p->len--;
	p->s[p->len] = '\0';
}

/* Apply every component of s lexically. 0 or -ENAMETOOLONG. */
static int kp_lexical(struct kpath *p, const char *s)
{
	while (*s) {
		size_t n;
		int err = 0;

		s += strspn(s, "/");
		n = strcspn(s, "/");
		if (is_dotdot(s, n))
			kp_pop(p);
		else if (n && !is_dot(s, n))
			err = kp_push(p, s, n);
		if (err)
			return err;
		s += n;
	}
	return 0;
}

/* Check path and start p in out at "/" or at cwd. 0 or -errno. */
static int kp_start(struct kpath *p, const char *cwd, const char *path,
		    char *out, size_t outlen)
{
	size_t plen = strnlen(path, PATH_MAX);

	if (plen == 0)
		return -ENOENT;
	if (plen == PATH_MAX || outlen < 2)
		return -ENAMETOOLONG;
	p->s = out;
	p->cap = outlen < PATH_MAX ? outlen : PATH_MAX;
	kp_root(p);
	if (path[0] == '/')
		return 0;
	if (!cwd || cwd[0] != '/')
		return -EINVAL;
	return kp_lexical(p, cwd);
}

int kern_path_normalize(const char *cwd, const char *path, char *out,
			size_t outlen)
{
	struct kpath p;
	int err = kp_start(&p, cwd, path, out, outlen);

	return err ? err : kp_lexical(&p, path);
}

int kern_path_must_be_dir(const char *path)
{
	size_t len = strlen(path);
	size_t i = len;

	if (len && path[len - 1] == '/')
		return 1;
	while (i > 0 && path[i - 1] != '/')
		i--;
	return is_dot(path + i, len - i) || is_dotdot(path + i, len - i);
}

/* The component just pushed is a link whose target (t bytes) readlink
 * put at the start of rest: move it in front of what is left to walk
 * and restart at "/" or at the link's directory. 0 or -errno. */
static int splice(struct walk *w, size_t t)
{
	if (++w->links > KERN_PATH_MAXSYMLINKS)
		return -ELOOP;
	if (t == 0)
		return -ENOENT; /* as Linux, for an empty target */
	if (t > w->pos)
		return -ENAMETOOLONG;
	memmove(w->rest + w->pos - t, w->rest, t);
	w->pos -= t;
	if (w->rest[w->pos] == '/')
		kp_root(&w->p);
	else
		kp_pop(&w->p);
	return 0;
}

/* Ask about the component just pushed (w->p): follow it if it is a
 * link; else, unless it is the last one, it must be a directory. A
 * missing last component is no error. 0 or -errno. */
static int step(struct walk *w, int last, int trailing)
{
	long t = w->ops->readlink(w->ctx, w->p.s, w->rest, w->pos);
	int d;

	if (t >= 0)
		return splice(w, (size_t)t);
	if (t == -ENOENT && last)
		return 0;
	if (t != -EINVAL)
		return (int)t;
	if ((last && !trailing) || !w->ops->is_dir)
		return 0;
	d = w->ops->is_dir(w->ctx, w->p.s);
	if (d < 0)
		return d;
	return d ? 0 : -ENOTDIR;
}

/* Take the next component of rest and apply it. 1 when the walk is
 * over, 0 to go on, or -errno. */
static int next(struct walk *w, int follow_last)
{
	const char *c;
	size_t n, after;
	int last, trailing, err;

	w->pos += strspn(w->rest + w->pos, "/");
	if (!w->rest[w->pos])
		return 1;
	c = w->rest + w->pos;
	n = strcspn(c, "/");
	w->pos += n;
	if (is_dot(c, n))
		return 0;
	if (is_dotdot(c, n)) {
		kp_pop(&w->p); /* w->p is resolved: physical */
		return 0;
	}
	err = kp_push(&w->p, c, n);
	if (err)
		return err;
	after = w->pos + strspn(w->rest + w->pos, "/");
	last = !w->rest[after];
	trailing = last && after > w->pos;
	if (last && !follow_last && !trailing)
		return 1;
	return step(w, last, trailing);
}

int kern_path_resolve(const struct kern_path_ops *ops, void *ctx,
		      const char *cwd, const char *path, int follow_last,
		      char *out, size_t outlen)
{
	struct walk w = { .ops = ops, .ctx = ctx };
	size_t plen;
	int r = kp_start(&w.p, cwd, path, out, outlen);

	if (r)
		return r;
	plen = strlen(path); /* < PATH_MAX: kp_start checked */
	w.pos = PATH_MAX - 1 - plen;
	memcpy(w.rest + w.pos, path, plen + 1);
	while ((r = next(&w, follow_last)) == 0)
		;
	return r < 0 ? r : 0;
}
