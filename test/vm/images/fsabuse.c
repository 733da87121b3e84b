/* fsabuse: a hostile service against the file layer, for the VM tests
 * (test_fs_hostile.c makes the same attacks on the host; here they go
 * through the real system-call entry, user-pointer checks and faults).
 * Calls are made through syscall() so that musl touches nothing first.
 * It lists a directory after a getdents64 whose buffer faulted, stats
 * into bad pointers, removes its working directory and an open one and
 * goes on using them, renames a directory into itself, unlinks an open
 * file and uses it, links out of /tmp into read-only places and in a
 * loop, removes "d/.", and uses an O_PATH descriptor for I/O; with the
 * argument "flood", first fills /tmp with directories to ENOSPC and
 * empties it (run with little RAM: the kernel must not run out). Prints
 * "fsabuse: <n> checks ok" and exits 0, or names each failure and exits
 * 1; a crash of the kernel fails the test too. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096UL

static int failures, checks;

/* Record a failed expectation with its line and errno. */
#define CHECK(cond)                                                        \
	do {                                                               \
		checks++;                                                  \
		if (!(cond)) {                                             \
			printf("fsabuse: line %d: %s failed (errno %d)\n", \
			       __LINE__, #cond, errno);                    \
			failures++;                                        \
		}                                                          \
	} while (0)

/* A system call's result, -errno on failure. */
static long sys(long r)
{
	return r < 0 ? -errno : r;
}

/* The names getdents64 gives for fd in one call, joined with ' '. */
static long names(int fd, char *out, size_t len)
{
	char buf[4096];
	long r = sys(syscall(SYS_getdents64, fd, buf, sizeof(buf)));

	out[0] = '\0';
	for (long at = 0; at < r;) {
		struct dirent *d = (struct dirent *)(buf + at);

		snprintf(out + strlen(out), len - strlen(out), "%s ",
			 d->d_name);
		at += d->d_reclen;
	}
	return r;
}

/* A page the service may not touch. */
static char *no_access(void)
{
	char *p =
		mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	return p;
}

/* A listing whose buffer faulted is not lost. */
static void listing(char *bad)
{
	char got[256];
	int fd;

	CHECK(mkdir("/tmp/gd", 0755) == 0);
	CHECK(close(open("/tmp/gd/one", O_CREAT | O_RDWR, 0644)) == 0);
	fd = open("/tmp/gd", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK(sys(syscall(SYS_getdents64, fd, 8, 4096)) == -EFAULT);
	CHECK(sys(syscall(SYS_getdents64, fd, bad, 4096)) == -EFAULT);
	CHECK(names(fd, got, sizeof(got)) > 0);
	CHECK(!strcmp(got, ". .. one "));
	CHECK(lseek(fd, 0, SEEK_CUR) > 2);
	/* A directory: no bytes to read, send or map, as on Linux. */
	CHECK(sys(pread(fd, got, 10, 0)) == -EISDIR);
	CHECK(sys(sendfile(1, fd, NULL, 10)) == -EINVAL);
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED &&
	      errno == ENODEV);
	CHECK(lseek(fd, 1L << 60, SEEK_SET) == 1L << 60);
	CHECK(names(fd, got, sizeof(got)) == 0);
	CHECK(close(fd) == 0);
}

/* stat and statx into bad pointers, and with bad flags. */
static void stats(char *bad)
{
	char sx[256];

	CHECK(sys(syscall(SYS_statx, AT_FDCWD, 0, 0, 0x7ff, sx)) == -EFAULT);
	CHECK(sys(syscall(SYS_statx, AT_FDCWD, "/tmp", 0, 0x7ff, 0)) ==
	      -EFAULT);
	CHECK(sys(syscall(SYS_statx, AT_FDCWD, "/tmp", 0, 0x7ff, bad)) ==
	      -EFAULT);
	CHECK(sys(syscall(SYS_statx, AT_FDCWD, bad, 0, 0x7ff, sx)) == -EFAULT);
	CHECK(sys(syscall(SYS_statx, AT_FDCWD, "/tmp", -1, 0, sx)) == -EINVAL);
	CHECK(sys(syscall(SYS_stat, "/tmp", bad)) == -EFAULT);
	CHECK(sys(syscall(SYS_getcwd, bad, 100)) == -EFAULT);
	CHECK(sys(syscall(SYS_readlink, "/tmp", sx, 0)) == -EINVAL);
}

/* A removed working directory and a removed open one. */
static void removed_dirs(void)
{
	char buf[256];
	int fd;

	CHECK(mkdir("/tmp/cw", 0755) == 0);
	CHECK(mkdir("/tmp/cw/sub", 0755) == 0);
	fd = open("/tmp/cw/sub", O_RDONLY | O_DIRECTORY);
	CHECK(chdir("/tmp/cw/sub") == 0);
	CHECK(rmdir("/tmp/cw/sub") == 0);
	CHECK(rmdir("/tmp/cw") == 0);
	CHECK(sys(open("x", O_CREAT | O_RDWR, 0644)) == -ENOENT);
	CHECK(sys(mkdir("y", 0755)) == -ENOENT);
	CHECK(sys(syscall(SYS_getcwd, buf, sizeof(buf))) == -ENOENT);
	CHECK(sys(openat(fd, "z", O_CREAT | O_RDWR, 0644)) == -ENOENT);
	CHECK(names(fd, buf, sizeof(buf)) == 0);
	CHECK(fchdir(fd) == 0);
	CHECK(close(fd) == 0);
	CHECK(chdir("/") == 0);
	CHECK(sys(syscall(SYS_getcwd, buf, sizeof(buf))) == 2);
}

/* Renames that would cut a directory off, ".", an unlinked open file. */
static void changes(void)
{
	char buf[8];
	struct stat st;
	int fd;

	CHECK(mkdir("/tmp/rn", 0755) == 0);
	CHECK(mkdir("/tmp/rn/a", 0755) == 0);
	CHECK(mkdir("/tmp/rn/a/b", 0755) == 0);
	CHECK(sys(rename("/tmp/rn/a", "/tmp/rn/a/b/c")) == -EINVAL);
	CHECK(sys(rename("/tmp/rn/a/b", "/tmp/rn/a")) == -ENOTEMPTY);
	CHECK(sys(rmdir("/tmp/rn/a/b/.")) == -EINVAL);
	CHECK(stat("/tmp/rn/a/b", &st) == 0 && S_ISDIR(st.st_mode));
	fd = open("/tmp/rn/f", O_CREAT | O_RDWR, 0644);
	CHECK(unlink("/tmp/rn/f") == 0);
	CHECK(write(fd, "abc", 3) == 3);
	CHECK(pread(fd, buf, sizeof(buf), 0) == 3 && !memcmp(buf, "abc", 3));
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0);
	CHECK(close(fd) == 0);
	fd = open("/tmp/rn", O_PATH);
	CHECK(sys(syscall(SYS_read, fd, buf, 1)) == -EBADF);
	CHECK(fchmod(fd, 0700) == 0); /* as musl's on Linux (via /proc) */
	CHECK(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0700);
	CHECK(close(fd) == 0);
}

/* Links out of /tmp into read-only places, and a loop. */
static void escapes(void)
{
	CHECK(symlink("/etc", "/tmp/toetc") == 0);
	CHECK(symlink("/etc/new", "/tmp/dangle") == 0);
	CHECK(symlink("loop", "/tmp/loop") == 0);
	CHECK(sys(open("/tmp/toetc/new", O_CREAT | O_RDWR, 0644)) == -EROFS);
	CHECK(sys(open("/tmp/dangle", O_CREAT | O_RDWR, 0644)) == -EROFS);
	CHECK(sys(open("/tmp/toetc/hosts", O_RDWR)) == -EROFS);
	CHECK(sys(mkdir("/tmp/toetc/d", 0755)) == -EROFS);
	CHECK(sys(unlink("/tmp/toetc/hosts")) == -EROFS);
	CHECK(sys(open("/tmp/loop", O_CREAT | O_RDWR, 0644)) == -ELOOP);
	CHECK(sys(open("/tmp/../../../tmp/../etc/x", O_CREAT | O_RDWR, 0644)) ==
	      -EROFS);
	CHECK(sys(rename("/tmp/toetc", "/etc/x")) == -EXDEV);
}

/* The path of flood's directory i (of 256 per top directory) into
 * path (300 bytes); i < 0: top directory -i - 1. */
static void flood_path(char *path, long i)
{
	char name[251];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	if (i < 0)
		snprintf(path, 300, "/tmp/%ld", -i - 1);
	else
		snprintf(path, 300, "/tmp/%ld/%s%ld", i / 256, name, i % 256);
}

/* Directories with long names until /tmp is full: ENOSPC (before, the
 * tree's pools took memory until the kernel had none and panicked),
 * then all removed, and the normal checks run in the space that came
 * back. */
static void flood(void)
{
	char path[300];
	long made = 0, r = 0;

	while (!r) {
		if (made % 256 == 0) {
			flood_path(path, -(made / 256) - 1);
			if ((r = sys(mkdir(path, 0755))))
				break;
		}
		flood_path(path, made);
		if (!(r = sys(mkdir(path, 0755))))
			made++;
	}
	printf("fsabuse: flood: %ld directories, then errno %ld\n", made, -r);
	CHECK(r == -ENOSPC);
	for (long i = made - 1; i >= 0; i--) {
		flood_path(path, i);
		CHECK(rmdir(path) == 0);
	}
	for (long d = (made + 255) / 256; d >= 0; d--) {
		flood_path(path, -d - 1);
		rmdir(path); /* the last one may not have been made */
	}
}

int main(int argc, char **argv)
{
	char *bad = no_access();

	if (argc > 1 && !strcmp(argv[1], "flood"))
		flood();

	listing(bad);
	stats(bad);
	removed_dirs();
	changes();
	escapes();
	if (failures) {
		printf("fsabuse: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("fsabuse: %d checks ok\n", checks);
	return 0;
}
