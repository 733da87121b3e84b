/* Private to kernel/: path resolution for the file tree (vfs.c), pure
 * code with no I/O (unit-tested on the host). kern_path_normalize()
 * joins a path to the working directory and normalises it lexically;
 * kern_path_resolve() walks it component by component, following
 * symbolic links through a small table of operations the file layer
 * supplies, so ".." after a link applies to the link's target (physical,
 * as POSIX requires), with at most KERN_PATH_MAXSYMLINKS links.
 *
 * Results are absolute and normal: "/" for the root, else "/a/b" with no
 * ".", "..", repeated or trailing slash. A path is a C string, so a NUL
 * inside it cannot be seen here: the system-call layer copies the
 * service's path with a length limit of PATH_MAX and rejects one that
 * does not end within it (ENAMETOOLONG), as Linux does. */
#ifndef KERNEL_FS_PATH_H
#define KERNEL_FS_PATH_H

#include <stddef.h>

/* Linux's MAXSYMLINKS: links followed in one resolution; one more is
 * ELOOP. */
#define KERN_PATH_MAXSYMLINKS 40

/* What kern_path_resolve() asks of the file system. Paths given to them
 * are absolute and normal, and every directory above them has already
 * been resolved (none of their components is a link).
 * readlink: if path is a symbolic link, copies at most buflen bytes of
 *   its target into buf (no NUL) and returns the target's full length
 *   (so a longer one is detected); -EINVAL if path exists and is not a
 *   link; -ENOENT if it does not exist; any other -errno is passed on.
 * is_dir: optional (NULL: ENOTDIR is not detected here). For a path
 *   readlink said is not a link: 1 if it is a directory, 0 if not, or
 *   -errno. */
struct kern_path_ops {
	long (*readlink)(void *ctx, const char *path, char *buf, size_t buflen);
	int (*is_dir)(void *ctx, const char *path);
};

/* Join path to cwd (absolute; made normal here too) unless path is
 * absolute, and normalise lexically into out (outlen bytes): "//" and
 * "." dropped, ".." removes the previous component (never above "/").
 * Returns 0, -ENOENT for an empty path, -ENAMETOOLONG for a component
 * longer than NAME_MAX, a path of PATH_MAX bytes or more, or a result
 * (or a prefix on the way to it) that does not fit in min(outlen,
 * PATH_MAX) bytes with its NUL; -EINVAL if cwd is not absolute. Lexical
 * ".." is right only where no link is involved: kern_path_resolve() is
 * the physical walk. */
int kern_path_normalize(const char *cwd, const char *path, char *out,
			size_t outlen);

/* 1 if path must name a directory (it ends in '/', or its last
 * component is "." or ".."), else 0. Normalisation drops this, so the
 * caller asks here (e.g. open("file/") is ENOTDIR). */
int kern_path_must_be_dir(const char *path);

/* Resolve path physically against cwd (as kern_path_normalize) into out
 * (outlen bytes): each component is asked of ops->readlink and a link
 * spliced in its place (an absolute target restarts at "/", a relative
 * one at the link's directory) before any ".." after it is applied. A
 * component followed by another (or by '/') must resolve to a directory
 * (ENOTDIR if ops->is_dir says not). The last component is followed if
 * follow_last (stat, open) or the path ends in '/'; else (lstat,
 * readlink, O_NOFOLLOW) it is left as it is. The last component need not
 * exist (out then names what O_CREAT or mkdir would create: through a
 * dangling final link, its target). Returns 0 or -errno: the errors of
 * kern_path_normalize, -ELOOP past KERN_PATH_MAXSYMLINKS links, -ENOENT
 * for a missing directory or an empty link target, -ENOTDIR, -ENAMETOOLONG
 * when a target and the rest of the path exceed PATH_MAX - 1 bytes, or an
 * error of ops. */
int kern_path_resolve(const struct kern_path_ops *ops, void *ctx,
		      const char *cwd, const char *path, int follow_last,
		      char *out, size_t outlen);

#endif
