/* A small read-only file layer of synthetic files: a layer registers a
 * path and a function giving the content (kern_synth_register), and
 * open/openat, read, lseek, fstat, stat and access work on it. The
 * directories are those the registered paths imply ("/", "/etc"); they
 * can be opened (for openat and fstat) but not listed. Nothing can be
 * written or created: EROFS. Relative paths start at "/" (the working
 * directory). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kern/file.h>
#include <kern/uaccess.h>

#include "fs/file_internal.h"
#include "mm/pool.h"
#include "core/sys.h"

struct synth_entry {
	const char *path;
	const char *(*content)(void);
};

/* A file or directory found by a path: entry e's path, or (directory)
 * its first len bytes. */
struct node {
	int e;
	size_t len;
	int dir;
};

/* An open synthetic file or directory. */
struct synth_open {
	struct node node;
	const char *text;
	size_t size;
	off_t pos;
};

static struct synth_entry synth[KERN_SYNTH_MAX];
static int nsynth;
static struct kern_pool pool = KERN_POOL(struct synth_open, KERN_FD_MAX);
static const struct kern_file_ops synth_ops;

int kern_synth_register(const char *path, const char *(*content)(void))
{
	if (!path || path[0] != '/' || !content)
		return -EINVAL;
	for (int i = 0; i < nsynth; i++)
		if (!strcmp(synth[i].path, path)) {
			synth[i].content = content;
			return 0;
		}
	if (nsynth == KERN_SYNTH_MAX)
		return -ENOSPC;
	synth[nsynth++] = (struct synth_entry){ path, content };
	return 0;
}

static const char *hosts(void)
{
	return "127.0.0.1 localhost\n::1 localhost\n";
}

void kern_synth_defaults(void)
{
	for (int i = 0; i < nsynth; i++)
		if (!strcmp(synth[i].path, "/etc/hosts"))
			return; /* a layer registered its own first */
	kern_synth_register("/etc/hosts", hosts);
}

/* Append component c (n bytes) to the path in out (len bytes so far),
 * resolving "." and "..". Returns the new length or -ENAMETOOLONG. */
static long push(char *out, size_t len, const char *c, size_t n)
{
	if (n == 1 && c[0] == '.')
		return (long)len;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		while (len > 0 && out[len - 1] != '/')
			len--;
		return len > 1 ? (long)len - 1 : 0;
	}
	if (n > NAME_MAX || len + 1 + n >= PATH_MAX)
		return -ENAMETOOLONG;
	out[len] = '/';
	memcpy(out + len + 1, c, n);
	return (long)(len + 1 + n);
}

/* Resolve path against directory base (an absolute normal path of blen
 * bytes) into out (PATH_MAX bytes): an absolute path without ".", ".."
 * or repeated slashes ("" for the root). Returns its length, or -errno.
 * *slash says the path ended in '/'. */
static long normalize(const char *base, size_t blen, const char *path,
		      char *out, int *slash)
{
	long len = 0;

	if (!path[0])
		return -ENOENT;
	if (path[0] != '/') {
		memcpy(out, base, blen);
		len = (long)blen;
	}
	while (*path) {
		size_t n = strcspn(path, "/");

		if (n && (len = push(out, (size_t)len, path, n)) < 0)
			return len;
		path += n;
		*slash = *path == '/';
		while (*path == '/')
			path++;
	}
	out[len] = '\0';
	return len;
}

/* Find the normal path p (len bytes) among the registered files and the
 * directories they imply. 0 or -ENOENT. */
static int find(const char *p, size_t len, struct node *nd)
{
	for (int i = 0; i < nsynth; i++) {
		const char *q = synth[i].path;

		if (!strncmp(q, p, len) && (q[len] == '/' || !q[len])) {
			*nd = (struct node){ i, len, q[len] != '\0' };
			return 0;
		}
	}
	if (len == 0) { /* the root exists even with nothing registered */
		*nd = (struct node){ -1, 0, 1 };
		return 0;
	}
	return -ENOENT;
}

/* The directory dirfd stands for (AT_FDCWD: the root), as a path in
 * *base of *blen bytes. 0, -EBADF or -ENOTDIR. */
static int dir_of(int dirfd, const char **base, size_t *blen)
{
	struct kern_file *f;
	struct synth_open *o;

	*base = "";
	*blen = 0;
	if (dirfd == AT_FDCWD)
		return 0;
	if (!(f = kern_fd_file(dirfd)))
		return -EBADF;
	o = f->priv;
	if (f->ops != &synth_ops || !o->node.dir)
		return -ENOTDIR;
	if (o->node.e >= 0)
		*base = synth[o->node.e].path;
	*blen = o->node.len;
	return 0;
}

/* Look path up relative to dirfd. 0 or -errno. */
static int lookup(int dirfd, const char *path, struct node *nd)
{
	static char buf[PATH_MAX]; /* one core, no sleeping in here */
	const char *base;
	size_t blen;
	int slash = 0, r;
	long len;

	if (path[0] == '/')
		dirfd = AT_FDCWD;
	r = dir_of(dirfd, &base, &blen);
	if (r)
		return r;
	len = normalize(base, blen, path, buf, &slash);
	if (len < 0)
		return (int)len;
	if ((r = find(buf, (size_t)len, nd)))
		return r;
	return slash && !nd->dir ? -ENOTDIR : 0;
}

static ssize_t synth_read(struct kern_file *f, void *buf, size_t n)
{
	struct synth_open *o = f->priv;
	size_t left;

	if (o->node.dir)
		return -EISDIR;
	left = (size_t)o->pos < o->size ? o->size - (size_t)o->pos : 0;
	n = n < left ? n : left;
	if (kern_copy_safe(buf, o->text + o->pos, n))
		return -EFAULT;
	o->pos += (off_t)n;
	return (ssize_t)n;
}

static off_t synth_lseek(struct kern_file *f, off_t off, int whence)
{
	struct synth_open *o = f->priv;
	off_t base = whence == SEEK_SET ? 0 :
		     whence == SEEK_CUR ? o->pos :
		     whence == SEEK_END ? (off_t)o->size :
					  -1;

	if (base < 0 || (off > 0 && base > LONG_MAX - off) || base + off < 0)
		return -EINVAL;
	o->pos = base + off;
	return o->pos;
}

/* stat of node nd (open or not: size is the content's length). */
static void node_stat(const struct node *nd, size_t size, struct stat *st)
{
	st->st_mode = nd->dir ? S_IFDIR | 0555 : S_IFREG | 0444;
	st->st_size = nd->dir ? 0 : (off_t)size;
	st->st_blocks = (blkcnt_t)((size + 511) / 512);
	st->st_nlink = nd->dir ? 2 : 1;
}

static int synth_stat(struct kern_file *f, struct stat *st)
{
	struct synth_open *o = f->priv;

	node_stat(&o->node, o->size, st);
	return 0;
}

static void synth_release(struct kern_file *f)
{
	kern_pool_put(&pool, f->priv);
}

static const struct kern_file_ops synth_ops = {
	.name = "synthetic file",
	.read = synth_read,
	.stat = synth_stat,
	.release = synth_release,
	.lseek = synth_lseek,
};

/* 0 if a node may be opened with flags, else -errno. */
static int check_open(const struct node *nd, int flags)
{
	if ((flags & O_DIRECTORY) && !nd->dir)
		return -ENOTDIR;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if ((flags & 3) != O_RDONLY || (flags & O_TRUNC))
		return nd->dir ? -EISDIR : -EROFS;
	return 0;
}

/* Open node nd: the descriptor or -errno. */
static long open_node(const struct node *nd, int flags)
{
	struct synth_open *o = kern_pool_get(&pool);
	struct kern_file *f;
	int fd;

	if (!o)
		return -ENFILE;
	o->node = *nd;
	if (!nd->dir) {
		o->text = synth[nd->e].content();
		o->text = o->text ? o->text : "";
		o->size = strlen(o->text);
	}
	f = kern_file_new(&synth_ops, o, O_RDONLY | (flags & O_NONBLOCK));
	if (!f) {
		kern_pool_put(&pool, o);
		return -ENFILE;
	}
	fd = kern_fd_install(f, (flags & O_CLOEXEC) != 0);
	if (fd < 0)
		kern_file_put(f);
	return fd;
}

static long do_open(int dirfd, const char *path, int flags)
{
	struct node nd;
	int r = lookup(dirfd, path, &nd);

	if (r == -ENOENT && (flags & O_CREAT))
		return -EROFS;
	if (!r)
		r = check_open(&nd, flags);
	return r ? r : open_node(&nd, flags);
}

/* The service's path (a system-call argument) in the kernel's buffer,
 * or NULL with *err set (-EFAULT, -ENAMETOOLONG). */
static const char *path_in(long upath, long *err)
{
	static char path[PATH_MAX]; /* one core, one call at a time */
	long r = kern_strncpy_in(path, (const char *)upath, sizeof(path));

	*err = r < 0 ? r : 0;
	return r < 0 ? NULL : path;
}

/* open and openat: path (the service's) relative to dirfd. */
static long open_path(int dirfd, long upath, int flags)
{
	long err;
	const char *path = path_in(upath, &err);

	return path ? do_open(dirfd, path, flags) : err;
}

long sys_open(const long *a)
{
	return open_path(AT_FDCWD, a[0], (int)a[1]);
}

long sys_openat(const long *a)
{
	return open_path((int)a[0], a[1], (int)a[2]);
}

/* stat of path relative to dirfd into st. */
static long stat_path(int dirfd, const char *path, struct stat *st)
{
	struct node nd;
	int r = lookup(dirfd, path, &nd);
	const char *text;

	if (r)
		return r;
	memset(st, 0, sizeof(*st));
	st->st_blksize = 4096;
	st->st_ino = (ino_t)(nd.e + 2) << 16 | nd.len;
	text = nd.dir ? NULL : synth[nd.e].content();
	node_stat(&nd, text ? strlen(text) : 0, st);
	return 0;
}

/* stat and newfstatat: path (the service's) relative to dirfd, or the
 * file dirfd itself when empty_fd, into the service's ust. */
static long stat_call(int dirfd, long upath, long ust, int empty_fd)
{
	struct stat st;
	struct kern_file *f;
	long r;
	const char *path = path_in(upath, &r);

	if (!path)
		return r;
	if (!path[0] && empty_fd) {
		f = kern_fd_file(dirfd);
		r = f ? kern_file_stat(f, &st) : -EBADF;
	} else {
		r = stat_path(dirfd, path, &st);
	}
	return r ? r : kern_copy_out((void *)ust, &st, sizeof(st));
}

long sys_stat(const long *a)
{
	return stat_call(AT_FDCWD, a[0], a[1], 0);
}

long sys_newfstatat(const long *a)
{
	if (a[3] & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	return stat_call((int)a[0], a[1], a[2], (a[3] & AT_EMPTY_PATH) != 0);
}

/* access of path (the service's) relative to dirfd for mode. */
static long access_path(int dirfd, long upath, long mode)
{
	struct node nd;
	long r;
	const char *path;

	if (mode & ~(F_OK | R_OK | W_OK | X_OK))
		return -EINVAL;
	if (!(path = path_in(upath, &r)))
		return r;
	if ((r = lookup(dirfd, path, &nd)))
		return r;
	if (mode & W_OK)
		return -EROFS;
	return (mode & X_OK) && !nd.dir ? -EACCES : 0;
}

long sys_access(const long *a)
{
	return access_path(AT_FDCWD, a[0], a[1]);
}

long sys_faccessat(const long *a)
{
	return access_path((int)a[0], a[1], a[2]);
}
