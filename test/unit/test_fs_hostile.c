/* A hostile service against the file layer's calls (kernel/fs/vfs.c,
 * vfs_calls.c, vfs_change.c, the positioned I/O of sys_io.c) on the real
 * tree, tmpfs and open files, under ASan: removed working and open
 * directories, renames into themselves, unlinked open files, bad
 * pointers and odd counts, and what Linux answers for the same sequence
 * in its /tmp. Memory, the clock and the console are stand-ins here; a
 * copy to or from the "poisoned" range fails as a fault would. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include <kern/clock.h>
#include <kern/file.h>
#include <kern/loop.h>
#include <kern/exit.h>
#include <kern/mm.h>
#include <kern/uaccess.h>

#include "core/sys.h"
#include "fs/file_internal.h"
#include "fs/node.h"
#include "mm/pool.h"
#include "fs/tmpfs.h"
#include "fs/overlay.h"
#include "fs/vfs_calls.h"
#include "proc/signal.h"

#define PAGE 4096
#define TMP_LIMIT (64 * PAGE)
#define NODE FS_TMP_NODE_BYTES

/* A system call with its arguments as the dispatcher passes them. */
#define SYS(fn, ...) fn((const long[]){ __VA_ARGS__, 0, 0, 0, 0, 0, 0 })
#define L(x) ((long)(x))

/* Service memory: a page, then two a copy faults on. */
static char mem[3 * PAGE] __attribute__((aligned(PAGE)));
static char *const poison = mem + PAGE;

static int poisoned(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)poison;

	return n && a < lo + 2 * PAGE && a + n > lo;
}

/* Stand-ins for the kernel below the file layer. */
static size_t frames_out;

void *kern_mm_alloc(size_t n)
{
	void *p = aligned_alloc(PAGE, n * PAGE);

	assert_non_null(p);
	return memset(p, 0, n * PAGE);
}

void *kern_mm_try_alloc(size_t n)
{
	frames_out += n;
	return kern_mm_alloc(n);
}

void kern_mm_free(void *p, size_t n)
{
	frames_out -= n;
	free(p);
}

/* The kernel's panic: the test fails. */
void kern_panic(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

/* The service's memory is any host pointer at or above 4096. */
int kern_user_check(const void *p, size_t n, unsigned access)
{
	(void)access;
	return (uintptr_t)p < PAGE || (uintptr_t)p + n < (uintptr_t)p ?
		       -EFAULT :
		       0;
}

/* A fault part way: the bytes before the poisoned range are copied. */
int kern_copy_safe(void *dst, const void *src, size_t n)
{
	uintptr_t lo = (uintptr_t)poison, d = (uintptr_t)dst,
		  s = (uintptr_t)src;
	size_t ok = n;

	if (poisoned(dst, n))
		ok = d < lo ? lo - d : 0;
	if (poisoned(src, n) && (s < lo ? lo - s : 0) < ok)
		ok = s < lo ? lo - s : 0;
	memmove(dst, src, ok);
	return ok < n ? -EFAULT : 0;
}

long kern_strncpy_safe(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (poisoned(src + i, 1))
			return -EFAULT;
		if (!(dst[i] = src[i]))
			return (long)i;
	}
	return (long)n;
}

uint64_t kern_clock_ns(void)
{
	return 0;
}

uint64_t kern_clock_realtime_ns(void)
{
	return 1700000000ULL * 1000000000ULL;
}

int kern_loop_wait(int (*cond)(void *), void *arg, uint64_t deadline,
		   int interruptible)
{
	(void)deadline;
	(void)interruptible;
	return cond(arg) ? 0 : -ETIMEDOUT;
}

unsigned long long kern_signal_setmask(unsigned long long mask)
{
	return mask;
}

void kern_signal_deliver(void)
{
}

static const struct kern_file_ops console_ops = { .name = "console" };

struct kern_file *kern_console_file(void)
{
	return kern_file_new(&console_ops, NULL, O_RDWR);
}

/* A cpio newc archive being written (the baked-in tree). */
static char arc[8192];
static size_t arc_len;

static void arc_add(unsigned mode, const char *name, const char *data)
{
	size_t nlen = strlen(name) + 1, dlen = data ? strlen(data) : 0;
	static unsigned ino = 1;

	arc_len += (size_t)sprintf(arc + arc_len,
				   "070701%08X%08X%08X%08X%08X%08X%08zX"
				   "%08X%08X%08X%08X%08zX%08X",
				   ino++, mode, 0, 0, 1, 1000, dlen, 0, 0, 0, 0,
				   nlen, 0);
	memcpy(arc + arc_len, name, nlen);
	arc_len = (arc_len + nlen + 3) & ~3UL;
	memcpy(arc + arc_len, data ? data : "", dlen);
	arc_len = (arc_len + dlen + 3) & ~3UL;
}

/* The tree as fs_boot makes it: an archive, then /tmp. */
static int setup_tree(void **state)
{
	char err[160];
	struct fs_node *tmp;

	(void)state;
	kern_file_init();
	fs_tmp_set_limit(TMP_LIMIT);
	arc_add(S_IFDIR | 0755, "etc", NULL);
	arc_add(S_IFREG | 0644, "etc/passwd", "root:x:0:0\n");
	arc_add(S_IFLNK | 0777, "etc/tmplink", "/tmp");
	arc_add(S_IFLNK | 0777, "a", "etc");
	arc_add(S_IFREG | 0644, "TRAILER!!!", NULL);
	if (fs_load_archive(arc, arc_len, err, sizeof(err)))
		fail_msg("archive: %s", err);
	tmp = fs_node_new(FS_KIND_DIR, S_IFDIR | 01777);
	tmp->flags |= FS_NODE_TMP | FS_NODE_MOUNT;
	fs_node_link(fs_root(), tmp, "tmp", 3);
	return 0;
}

static long do_open(const char *path, int flags)
{
	return SYS(sys_open, L(path), flags, 0644);
}

static long do_close(long fd)
{
	return SYS(sys_close, fd);
}

static long do_mkdir(const char *path)
{
	return SYS(sys_mkdir, L(path), 0755);
}

static long do_rmdir(const char *path)
{
	return SYS(sys_rmdir, L(path));
}

static long do_chdir(const char *path)
{
	return SYS(sys_chdir, L(path));
}

static long do_getdents(long fd, void *buf, long n)
{
	return SYS(sys_getdents64, fd, L(buf), n);
}

/* Names getdents64 gives for fd from its position on, one call, into
 * out (joined with ' '); the call's result. */
static long names(long fd, char *out, size_t len)
{
	char buf[4096];
	long r = do_getdents(fd, buf, sizeof(buf));

	out[0] = '\0';
	for (long at = 0; at < r;) {
		struct dirent *d = (struct dirent *)(buf + at);

		strncat(out, d->d_name, len - strlen(out) - 2);
		strcat(out, " ");
		at += d->d_reclen;
	}
	return r;
}

/* A listing that met a fault is not lost: the next call gives it all,
 * as on Linux. */
static void test_getdents_fault(void **state)
{
	char got[256], big[4096];
	long fd;

	(void)state;
	assert_int_equal(do_mkdir("/tmp/gd"), 0);
	assert_int_equal(do_close(do_open("/tmp/gd/one", O_CREAT | O_RDWR)), 0);
	fd = do_open("/tmp/gd", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(do_getdents(fd, (void *)8, 4096), -EFAULT);
	assert_int_equal(do_getdents(fd, poison, 4096), -EFAULT);
	assert_true(names(fd, got, sizeof(got)) > 0);
	assert_string_equal(got, ". .. one ");
	/* Counts too small for one entry, and huge ones. */
	assert_int_equal(SYS(sys_lseek, fd, 0, SEEK_SET), 0);
	assert_int_equal(do_getdents(fd, got, 1), -EINVAL);
	assert_int_equal(do_getdents(fd, got, 1), -EINVAL);
	assert_int_equal(do_getdents(fd, big, -1), 72); /* a huge count */
	assert_int_equal(SYS(sys_lseek, fd, 0, SEEK_SET), 0);
	assert_true(names(fd, got, sizeof(got)) > 0);
	assert_string_equal(got, ". .. one ");
	assert_int_equal(names(fd, got, sizeof(got)), 0);
	assert_int_equal(SYS(sys_lseek, fd, 1L << 60, SEEK_SET), 1L << 60);
	assert_int_equal(names(fd, got, sizeof(got)), 0);
	assert_int_equal(do_close(fd), 0);
}

/* A removed working directory: nothing can be made in it, getcwd says
 * ENOENT, and nothing crashes. An open descriptor of a removed
 * directory likewise. */
static void test_removed_cwd(void **state)
{
	char buf[256];
	long fd;

	(void)state;
	assert_int_equal(do_mkdir("/tmp/cw"), 0);
	assert_int_equal(do_mkdir("/tmp/cw/sub"), 0);
	fd = do_open("/tmp/cw/sub", O_RDONLY | O_DIRECTORY);
	assert_int_equal(do_chdir("/tmp/cw/sub"), 0);
	assert_int_equal(do_rmdir("/tmp/cw/sub"), 0);
	assert_int_equal(do_rmdir("/tmp/cw"), 0); /* parent freed now */
	assert_int_equal(do_open("x", O_CREAT | O_RDWR), -ENOENT);
	assert_int_equal(do_mkdir("y"), -ENOENT);
	assert_int_equal(SYS(sys_getcwd, L(buf), sizeof(buf)), -ENOENT);
	assert_int_equal(SYS(sys_openat, fd, L("z"), O_CREAT | O_RDWR, 0),
			 -ENOENT);
	assert_int_equal(names(fd, buf, sizeof(buf)), 0);
	assert_int_equal(SYS(sys_fchdir, fd), 0);
	assert_int_equal(do_close(fd), 0);
	assert_int_equal(do_chdir("/"), 0);
	assert_int_equal(SYS(sys_getcwd, L(buf), sizeof(buf)), 2);
}

/* What Linux answers in its /tmp for the same calls (checked on the
 * host), one test per behaviour. "." and ".." as the last name: rmdir,
 * unlink and rename refuse them (before, rmdir("d/.") removed d). */
static void test_dots(void **state)
{
	(void)state;
	assert_int_equal(do_mkdir("/tmp/lx"), 0);
	assert_int_equal(do_mkdir("/tmp/lx/d"), 0);
	assert_int_equal(do_chdir("/tmp/lx"), 0);
	assert_int_equal(do_rmdir("d/."), -EINVAL);
	assert_int_equal(do_rmdir("d/./"), -EINVAL);
	assert_int_equal(do_rmdir("."), -EINVAL);
	assert_int_equal(do_rmdir("d/.."), -ENOTEMPTY);
	assert_int_equal(SYS(sys_unlink, L("d/.")), -EISDIR);
	assert_int_equal(SYS(sys_rename, L("d/."), L("e")), -EBUSY);
	assert_int_equal(SYS(sys_rename, L("d"), L("d/..")), -EBUSY);
	assert_int_equal(do_rmdir("d"), 0);
	assert_int_equal(do_chdir("/"), 0);
}

/* AT_EMPTY_PATH with AT_FDCWD is the working directory. */
static void test_empty_path(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(do_chdir("/tmp/lx"), 0);
	assert_int_equal(
		SYS(sys_newfstatat, AT_FDCWD, L(""), L(&st), AT_EMPTY_PATH), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_true(st.st_mode & S_ISVTX ? 0 : 1); /* not /tmp's */
	assert_int_equal(
		SYS(sys_faccessat2, AT_FDCWD, L(""), W_OK, AT_EMPTY_PATH), 0);
	assert_int_equal(do_chdir("/etc"), 0);
	assert_int_equal(
		SYS(sys_faccessat2, AT_FDCWD, L(""), W_OK, AT_EMPTY_PATH),
		-EROFS);
	assert_int_equal(SYS(sys_faccessat2, 999, L(""), F_OK, AT_EMPTY_PATH),
			 -EBADF);
	assert_int_equal(SYS(sys_faccessat2, AT_FDCWD, L(""), F_OK, 0),
			 -ENOENT);
	assert_int_equal(do_chdir("/"), 0);
}

/* O_CREAT with O_DIRECTORY is EINVAL (it made a regular file). */
static void test_creat_directory(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(do_open("/tmp/lx/cd", O_CREAT | O_DIRECTORY), -EINVAL);
	assert_int_equal(SYS(sys_lstat, L("/tmp/lx/cd"), L(&st)), -ENOENT);
	assert_int_equal(do_open("/tmp/lx", O_CREAT | O_DIRECTORY), -EINVAL);
}

/* An unlinked file still open has no links. */
static void test_unlinked_nlink(void **state)
{
	struct stat st;
	long fd = do_open("/tmp/lx/f", O_CREAT | O_RDWR);

	(void)state;
	assert_int_equal(SYS(sys_fstat, fd, L(&st)), 0);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(SYS(sys_unlink, L("/tmp/lx/f")), 0);
	assert_int_equal(SYS(sys_fstat, fd, L(&st)), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(do_close(fd), 0);
}

/* A directory: lseek(fd, 0, SEEK_CUR) tells where it is; pread is
 * EISDIR as read is. */
static void test_dir_pos(void **state)
{
	char buf[4096];
	struct iovec iov = { buf, 10 };
	long dfd = do_open("/tmp/lx", O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_int_equal(SYS(sys_lseek, dfd, 0, SEEK_CUR), 0);
	assert_int_equal(do_getdents(dfd, buf, 24), 24); /* "." */
	assert_int_equal(SYS(sys_lseek, dfd, 0, SEEK_CUR), 1);
	assert_int_equal(SYS(sys_lseek, dfd, -2, SEEK_CUR), -EINVAL);
	assert_int_equal(SYS(sys_lseek, dfd, 0, SEEK_END), -EINVAL);
	assert_int_equal(SYS(sys_pread64, dfd, L(buf), 10, 0), -EISDIR);
	assert_int_equal(SYS(sys_preadv, dfd, L(&iov), 1, 0), -EISDIR);
	assert_int_equal(SYS(sys_read, dfd, L(buf), 10), -EISDIR);
	assert_int_equal(do_close(dfd), 0);
}

/* An O_PATH descriptor does no I/O: EBADF (fchmod aside, see there). */
static void test_o_path(void **state)
{
	char buf[4];
	struct stat st;
	long pfd = do_open("/tmp/lx", O_PATH), ffd;

	(void)state;
	assert_true(pfd >= 0);
	ffd = do_open("/tmp/lx/g", O_CREAT | O_RDWR);
	assert_int_equal(do_close(ffd), 0);
	ffd = do_open("/tmp/lx/g", O_PATH | O_RDWR);
	assert_int_equal(SYS(sys_read, ffd, L(buf), 1), -EBADF);
	assert_int_equal(SYS(sys_write, ffd, L(buf), 1), -EBADF);
	assert_int_equal(SYS(sys_pwrite64, ffd, L(buf), 1, 0), -EBADF);
	/* musl's fchmod goes through /proc on Linux's EBADF: it works. */
	assert_int_equal(SYS(sys_fchmod, pfd, 0700), 0);
	assert_int_equal(SYS(sys_fsync, ffd), -EBADF);
	assert_int_equal(SYS(sys_ftruncate, ffd, 0), -EBADF);
	assert_int_equal(SYS(sys_fstat, pfd, L(&st)), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(do_close(ffd), 0);
	assert_int_equal(do_close(pfd), 0);
	assert_int_equal(SYS(sys_unlink, L("/tmp/lx/g")), 0);
}

/* Renames that would cut a directory off the tree, and over open and
 * closed files: the replaced file's pages come back when nothing holds
 * it. */
static void test_rename(void **state)
{
	char buf[8];
	long fd;
	uint64_t base;

	(void)state;
	assert_int_equal(do_mkdir("/tmp/rn"), 0);
	assert_int_equal(do_mkdir("/tmp/rn/a"), 0);
	assert_int_equal(do_mkdir("/tmp/rn/a/b"), 0);
	assert_int_equal(SYS(sys_rename, L("/tmp/rn/a"), L("/tmp/rn/a/b/c")),
			 -EINVAL);
	assert_int_equal(SYS(sys_rename, L("/tmp/rn/a"), L("/tmp/rn/a/c")),
			 -EINVAL);
	assert_int_equal(SYS(sys_rename, L("/tmp/rn/a/b"), L("/tmp/rn/a")),
			 -ENOTEMPTY);
	assert_int_equal(SYS(sys_rename, L("/tmp/rn"), L("/tmp/rn")), 0);
	assert_int_equal(SYS(sys_rename, L("/tmp/rn/a"), L("/etc/x")), -EXDEV);
	assert_int_equal(SYS(sys_rename, L("/etc/passwd"), L("/tmp/rn/x")),
			 -EROFS);
	base = fs_tmp_used();
	fd = do_open("/tmp/rn/old", O_CREAT | O_RDWR);
	assert_int_equal(SYS(sys_write, fd, L("old"), 3), 3);
	assert_int_equal(do_close(fd), 0);
	fd = do_open("/tmp/rn/new", O_CREAT | O_RDWR);
	assert_int_equal(SYS(sys_write, fd, L("new"), 3), 3);
	assert_int_equal(fs_tmp_used(), base + 2 * NODE + 4 * PAGE);
	assert_int_equal(SYS(sys_rename, L("/tmp/rn/old"), L("/tmp/rn/new")),
			 0);
	/* Linux: RENAME_NOREPLACE onto itself still finds the name. */
	assert_int_equal(SYS(sys_renameat2, AT_FDCWD, L("/tmp/rn/new"),
			     AT_FDCWD, L("/tmp/rn/new"), RENAME_NOREPLACE),
			 -EEXIST);
	/* The replaced file is still open: its pages are held. */
	assert_int_equal(fs_tmp_used(), base + 2 * NODE + 4 * PAGE);
	assert_int_equal(SYS(sys_pread64, fd, L(buf), 8, 0), 3);
	assert_int_equal(do_close(fd), 0);
	assert_int_equal(fs_tmp_used(), base + NODE + 2 * PAGE);
	assert_int_equal(SYS(sys_unlink, L("/tmp/rn/new")), 0);
	assert_int_equal(fs_tmp_used(), base);
	assert_int_equal(frames_out,
			 fs_node_table_frames() + kern_pool_frames());
}

/* An unlinked open file still reads and writes; its pages come back at
 * its close. */
static void test_unlinked_open(void **state)
{
	uint64_t base;
	char buf[8];
	long fd;

	(void)state;
	base = fs_tmp_used();
	fd = do_open("/tmp/gone", O_CREAT | O_RDWR);
	assert_int_equal(SYS(sys_unlink, L("/tmp/gone")), 0);
	assert_int_equal(SYS(sys_write, fd, L("abc"), 3), 3);
	assert_int_equal(SYS(sys_pread64, fd, L(buf), 8, 0), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(SYS(sys_ftruncate, fd, 1), 0);
	assert_int_equal(do_open("/tmp/gone", O_RDONLY), -ENOENT);
	assert_int_equal(do_close(fd), 0);
	assert_int_equal(fs_tmp_used(), base);
}

/* Links out of tmpfs into read-only places, loops, and ".." above /. */
static void test_escapes(void **state)
{
	uint64_t base;
	long fd;
	(void)state;
	base = fs_tmp_used();
	assert_int_equal(SYS(sys_symlink, L("/etc"), L("/tmp/toetc")), 0);
	assert_int_equal(SYS(sys_symlink, L("/etc/new"), L("/tmp/dangle")), 0);
	assert_int_equal(SYS(sys_symlink, L("loop"), L("/tmp/loop")), 0);
	assert_int_equal(do_open("/tmp/toetc/new", O_CREAT | O_RDWR), -EROFS);
	assert_int_equal(do_open("/tmp/dangle", O_CREAT | O_RDWR), -EROFS);
	assert_int_equal(do_open("/tmp/toetc/passwd", O_RDWR), -EROFS);
	assert_int_equal(do_open("/tmp/toetc/passwd", O_RDONLY | O_TRUNC),
			 -EROFS);
	assert_int_equal(do_mkdir("/tmp/toetc/d"), -EROFS);
	assert_int_equal(SYS(sys_unlink, L("/tmp/toetc/passwd")), -EROFS);
	assert_int_equal(SYS(sys_truncate, L("/tmp/toetc/passwd"), 0), -EROFS);
	assert_int_equal(SYS(sys_chmod, L("/tmp/toetc/passwd"), 0777), -EROFS);
	assert_int_equal(do_open("/tmp/loop", O_CREAT | O_RDWR), -ELOOP);
	assert_int_equal(
		do_open("/tmp/../../../tmp/../etc/x", O_CREAT | O_RDWR),
		-EROFS);
	assert_int_equal(SYS(sys_rename, L("/tmp/toetc"), L("/tmp/toetc2")), 0);
	/* A link of the image into /tmp leads somewhere writable. */
	fd = do_open("/etc/tmplink/via", O_CREAT | O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(do_close(fd), 0);
	assert_int_equal(SYS(sys_unlink, L("/tmp/via")), 0);
	assert_int_equal(SYS(sys_unlink, L("/tmp/toetc2")), 0);
	assert_int_equal(SYS(sys_unlink, L("/tmp/dangle")), 0);
	assert_int_equal(SYS(sys_unlink, L("/tmp/loop")), 0);
	assert_int_equal(fs_tmp_used(), base);
}

/* statx and the stat calls with bad pointers and flags. */
static void test_stat_bad(void **state)
{
	char sx[256];

	(void)state;
	assert_int_equal(SYS(sys_statx, AT_FDCWD, 0, 0, 0x7ff, L(sx)), -EFAULT);
	assert_int_equal(SYS(sys_statx, AT_FDCWD, L("/etc"), 0, 0x7ff, 0),
			 -EFAULT);
	assert_int_equal(SYS(sys_statx, AT_FDCWD, L("/etc"), 0, 0x7ff,
			     L(poison + PAGE - 8)),
			 -EFAULT);
	assert_int_equal(SYS(sys_statx, AT_FDCWD, L(poison), 0, 0x7ff, L(sx)),
			 -EFAULT);
	assert_int_equal(SYS(sys_statx, AT_FDCWD, L("/etc"), -1, 0, L(sx)),
			 -EINVAL);
	assert_int_equal(SYS(sys_statx, 999, L("x"), 0, 0, L(sx)), -EBADF);
	assert_int_equal(SYS(sys_statx, 999, L(""), AT_EMPTY_PATH, 0, L(sx)),
			 -EBADF);
	assert_int_equal(SYS(sys_stat, L("/etc"), 8), -EFAULT);
	assert_int_equal(SYS(sys_readlink, L("/a"), L(poison), 10), -EFAULT);
	assert_int_equal(SYS(sys_readlink, L("/a"), L(sx), 0), -EINVAL);
	assert_int_equal(SYS(sys_getcwd, 8, 100), -EFAULT);
	assert_int_equal(SYS(sys_getcwd, L(sx), 1), -ERANGE);
}

/* The tmpfs limit: a write reaching it stops short, the next fails,
 * the file keeps what it had, and unlink gives back every page. A
 * symlink that cannot be written leaves nothing behind. */
static void test_enospc(void **state)
{
	static char block[TMP_LIMIT];
	char back[8];
	long fd, r;
	uint64_t base = fs_tmp_used(), room;

	(void)state;
	assert_int_equal(frames_out,
			 fs_node_table_frames() + kern_pool_frames());
	memset(block, 'x', sizeof(block));
	fd = do_open("/tmp/full", O_CREAT | O_RDWR);
	room = (TMP_LIMIT - base - NODE) / PAGE * PAGE;
	r = SYS(sys_write, fd, L(block), sizeof(block));
	assert_int_equal(r, room - PAGE); /* the index page */
	assert_int_equal(SYS(sys_write, fd, L(block), 1), -ENOSPC);
	assert_int_equal(SYS(sys_pwrite64, fd, L(block), 1, 1L << 30), -ENOSPC);
	assert_int_equal(SYS(sys_symlink, L("/etc"), L("/tmp/sl")), -ENOSPC);
	assert_int_equal(SYS(sys_lstat, L("/tmp/sl"), L(back)), -ENOENT);
	assert_int_equal(SYS(sys_lseek, fd, 0, SEEK_END), r);
	assert_int_equal(SYS(sys_pread64, fd, L(back), 8, r - 4), 4);
	assert_memory_equal(back, "xxxx", 4);
	assert_int_equal(SYS(sys_pread64, fd, L(back), 8, r), 0);
	assert_int_equal(SYS(sys_unlink, L("/tmp/full")), 0);
	assert_int_equal(fs_tmp_used(), base + NODE + room);
	assert_int_equal(do_close(fd), 0);
	assert_int_equal(fs_tmp_used(), base);
	assert_int_equal(frames_out,
			 fs_node_table_frames() + kern_pool_frames());
	/* Room for a node but not its pages: the link made and undone. */
	fs_tmp_set_limit((base + NODE + PAGE - 1) / PAGE * PAGE);
	assert_int_equal(SYS(sys_symlink, L("/etc"), L("/tmp/sl")), -ENOSPC);
	assert_int_equal(SYS(sys_lstat, L("/tmp/sl"), L(back)), -ENOENT);
	assert_int_equal(fs_tmp_used(), base);
	assert_int_equal(do_mkdir("/tmp/sl"), 0);
	assert_int_equal(do_rmdir("/tmp/sl"), 0);
	assert_int_equal(fs_tmp_used(), base);
	fs_tmp_set_limit(TMP_LIMIT);
}

/* Names and nodes count against the limit too: making directories
 * stops with ENOSPC within it (before, the tree's pools took memory
 * until the kernel had none and panicked), and every byte comes back. */
static void test_node_flood(void **state)
{
	uint64_t base = fs_tmp_used();
	char path[300], name[251];
	long made = 0, r = 0;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(do_mkdir("/tmp/flood"), 0);
	while (!r && made < 2 * TMP_LIMIT / NODE) {
		snprintf(path, sizeof(path), "/tmp/flood/%s%ld", name, made);
		if (!(r = do_mkdir(path)))
			made++;
	}
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(made, (TMP_LIMIT - base) / NODE - 1);
	assert_int_equal(SYS(sys_open, L("/tmp/flood/f"), O_CREAT | O_RDWR, 0),
			 -ENOSPC);
	while (made--) {
		snprintf(path, sizeof(path), "/tmp/flood/%s%ld", name, made);
		assert_int_equal(do_rmdir(path), 0);
	}
	assert_int_equal(do_rmdir("/tmp/flood"), 0);
	assert_int_equal(fs_tmp_used(), base);
}

/* A write whose buffer faults part way past the end of the file: the
 * bytes it left in the page must not appear when the file grows. */
static void test_write_fault(void **state)
{
	char *src = poison - 100, back[200];
	long fd;

	(void)state;
	memset(src, 'y', 100);
	fd = do_open("/tmp/wf", O_CREAT | O_RDWR);
	assert_int_equal(SYS(sys_pwrite64, fd, L(src), 200, 0), -EFAULT);
	assert_int_equal(SYS(sys_ftruncate, fd, 200), 0);
	assert_int_equal(SYS(sys_pread64, fd, L(back), 200, 0), 200);
	for (int i = 0; i < 200; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(do_close(fd), 0);
	assert_int_equal(SYS(sys_unlink, L("/tmp/wf")), 0);
}

/* len bytes of address space (a multiple of 1 MiB) backed by the same
 * MiB again and again, so a 2 GiB buffer costs 1 MiB of memory. */
static char *alias(size_t len)
{
	const size_t mib = 1 << 20;
	int fd = memfd_create("alias", 0);
	char *p =
		mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(fd >= 0 && p != MAP_FAILED && len % mib == 0);
	assert_int_equal(ftruncate(fd, mib), 0);
	for (size_t at = 0; at < len; at += mib)
		assert_true(mmap(p + at, mib, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd,
				 0) == p + at);
	close(fd);
	return p;
}

/* preadv with a segment longer than one transfer: the count stops at
 * the end of what that segment took, as Linux stops at MAX_RW_COUNT,
 * and the next segment is left alone. */
static void test_preadv_clamp(void **state)
{
	uint64_t base;
	const size_t max_rw = 0x7ffff000, len = 2049UL << 20;
	char mark[4] = "----";
	struct iovec iov[2];
	char *big;
	long fd;

	(void)state;
	base = fs_tmp_used();
	big = alias(len);
	fs_tmp_set_limit(16 << 20); /* a 4 MiB index */
	fd = do_open("/tmp/sparse", O_CREAT | O_RDWR);
	assert_int_equal(SYS(sys_pwrite64, fd, L("MARK"), 4, max_rw), 4);
	assert_int_equal(SYS(sys_ftruncate, fd, (long)len), 0);
	assert_int_equal(SYS(sys_pread64, fd, L(mark), 4, max_rw), 4);
	memcpy(mark, "----", 4);
	iov[0] = (struct iovec){ big, len };
	iov[1] = (struct iovec){ mark, 4 };
	assert_int_equal(SYS(sys_preadv, fd, L(iov), 2, 0), max_rw);
	assert_memory_equal(mark, "----", 4);
	assert_int_equal(munmap(big, len), 0);
	assert_int_equal(do_close(fd), 0);
	assert_int_equal(SYS(sys_unlink, L("/tmp/sparse")), 0);
	assert_int_equal(fs_tmp_used(), base);
	fs_tmp_set_limit(TMP_LIMIT);
}

/* An initrd whose path crosses a link of the baked tree ("a" is a link
 * to "etc"): refused, naming the path, never written through the link. */
static void test_overlay_through_link(void **state)
{
	char err[160];

	(void)state;
	arc_len = 0;
	arc_add(S_IFREG | 0644, "a/b", "through");
	arc_add(S_IFREG | 0644, "TRAILER!!!", NULL);
	assert_int_equal(fs_load_archive(arc, arc_len, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "a/b"));
	assert_null(fs_node_walk("/etc/b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getdents_fault),
		cmocka_unit_test(test_removed_cwd),
		cmocka_unit_test(test_dots),
		cmocka_unit_test(test_empty_path),
		cmocka_unit_test(test_creat_directory),
		cmocka_unit_test(test_unlinked_nlink),
		cmocka_unit_test(test_dir_pos),
		cmocka_unit_test(test_o_path),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_unlinked_open),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_stat_bad),
		cmocka_unit_test(test_enospc),
		cmocka_unit_test(test_node_flood),
		cmocka_unit_test(test_write_fault),
		cmocka_unit_test(test_preadv_clamp),
		cmocka_unit_test(test_overlay_through_link),
	};

	return cmocka_run_group_tests(tests, setup_tree, NULL);
}
