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
#include <kern/mm.h>
#include <kern/uaccess.h>

#include "core/sys.h"
#include "fs/file_internal.h"
#include "fs/node.h"
#include "fs/overlay.h"
#include "fs/vfs_calls.h"
#include "proc/signal.h"

#define PAGE 4096
#define TMP_LIMIT (64 * PAGE)

/* A system call with its arguments as the dispatcher passes them. */
#define SYS(fn, ...) fn((const long[]){ __VA_ARGS__, 0, 0, 0, 0, 0, 0 })
#define L(x) ((long)(x))

/* Service memory a copy faults on. */
static char poison[2 * PAGE] __attribute__((aligned(PAGE)));

static int poisoned(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)poison;

	return n && a < lo + sizeof(poison) && a + n > lo;
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
	for (size_t i = 0; i < n; i++) {
		if (poisoned((char *)dst + i, 1) ||
		    poisoned((char *)src + i, 1))
			return -EFAULT;
		((char *)dst)[i] = ((const char *)src)[i];
	}
	return 0;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getdents_fault),
		cmocka_unit_test(test_removed_cwd),
	};

	return cmocka_run_group_tests(tests, setup_tree, NULL);
}
