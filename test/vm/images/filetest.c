/* filetest: the file layer (issue 11) from a service, for the VM tests
 * (test/vm/vmtest.py, files_* cases). Its arguments are commands, each a
 * name and its operands; "," separates commands run in one boot:
 *   sha DIR...      "filetest: sha HEX  PATH" for every regular file under
 *                   each DIR (opendir/readdir, lstat), with a SHA-256 of
 *                   its own (the kernel's is not reachable from here)
 *   ls DIR...       "filetest: ls T PATH" for every entry under each DIR,
 *                   T as find's %y (f, d, l); d_type must agree with lstat
 *   cat PATH...     "filetest: cat PATH: LINE" for each line of each file
 *   stat PATH...    "filetest: stat PATH mode M size S mtime T" (lstat)
 *   fill            /tmp filled with 64 KiB files to ENOSPC, emptied, and
 *                   filled with as much again; then mkdir, rename, rmdir,
 *                   readdir (300 entries), O_APPEND, O_TRUNC, ftruncate,
 *                   fsync, symlinks and ELOOP in /tmp
 *   urandom         32 bytes of /dev/urandom and of /dev/random in hex;
 *                   /dev/zero, /dev/null and /dev/console
 *   env NAME...     "filetest: env NAME=value" (getenv) or "NAME unset"
 *   erofs           writes outside /tmp fail with EROFS; getcwd, chdir,
 *                   readlink and realpath in the baked-in tree at /data
 *   mmap PATH...    mmap(PROT_READ, MAP_PRIVATE) of each file equals read()
 *   mmapdirect PATH...  a baked file of whole pages maps without a copy:
 *                   no service memory used, two mappings equal
 *   mmapwrite PATH  as mmapdirect, then a write to the mapping (faults)
 *   sendfile PATH PORT  serve PATH with sendfile(2) to one TCP client
 * Each command prints "filetest: <command> ok" when its checks held; at
 * the end "filetest: done", exit 0, or exit 1 after naming each failed
 * check ("filetest: line N: ..."). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <os/mem.h>

static int failures;

/* Record a failed expectation with its line and errno. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("filetest: line %d: %s failed (errno %d %s)\n", \
			       __LINE__, #cond, errno, strerror(errno));       \
			failures++;                                            \
		}                                                              \
	} while (0)

/* A call expected to fail with errno e. */
#define FAILS(call, e)                           \
	do {                                     \
		errno = 0;                       \
		long r_ = (long)(call);          \
		CHECK(r_ == -1 && errno == (e)); \
	} while (0)

/* SHA-256 (FIPS 180-4), small and slow enough. */
struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t fill;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

/* One 64-byte block into the state. */
static void sha_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t w[64], v[8];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^
			      (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, s->h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		uint32_t e = v[4], a = v[0];
		uint32_t t1 = v[7] + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
			      ((e & v[5]) ^ (~e & v[6])) + K[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
			      ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		s->h[i] += v[i];
}

static void sha_init(struct sha256 *s)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
					0xa54ff53a, 0x510e527f, 0x9b05688c,
					0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
	s->fill = 0;
}

static void sha_update(struct sha256 *s, const void *data, size_t n)
{
	const unsigned char *p = data;

	s->len += n;
	while (n) {
		size_t take = 64 - s->fill < n ? 64 - s->fill : n;

		memcpy(s->buf + s->fill, p, take);
		s->fill += take;
		p += take;
		n -= take;
		if (s->fill == 64) {
			sha_block(s, s->buf);
			s->fill = 0;
		}
	}
}

/* The digest as 64 hex digits and a NUL into hex. */
static void sha_final(struct sha256 *s, char *hex)
{
	uint64_t bits = s->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha_update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++)
		sprintf(hex + 8 * i, "%08x", s->h[i]);
}

/* SHA-256 of the file at path into hex; 0 or -1. */
static int sha_file(const char *path, char *hex)
{
	static unsigned char buf[16384];
	struct sha256 s;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	sha_init(&s);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha_update(&s, buf, (size_t)n);
	close(fd);
	if (n < 0)
		return -1;
	sha_final(&s, hex);
	return 0;
}

/* find's %y letter for a mode. */
static char type_letter(mode_t m)
{
	return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : '?';
}

/* find's %y letter for a d_type. */
static char dtype_letter(unsigned char t)
{
	return t == DT_REG ? 'f' : t == DT_DIR ? 'd' : t == DT_LNK ? 'l' : '?';
}

/* Call visit(path, lstat, d_type) for every entry under dir, depth
 * first, without following symlinks. */
static void walk(const char *dir,
		 void (*visit)(const char *, const struct stat *,
			       unsigned char))
{
	DIR *d = opendir(dir);
	struct dirent *e;

	CHECK(d != NULL);
	if (!d)
		return;
	while ((errno = 0, e = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		CHECK(lstat(path, &st) == 0);
		visit(path, &st, e->d_type);
		if (S_ISDIR(st.st_mode))
			walk(path, visit);
	}
	CHECK(errno == 0);
	closedir(d);
}

static void visit_sha(const char *path, const struct stat *st, unsigned char dt)
{
	char hex[65];

	(void)dt;
	if (!S_ISREG(st->st_mode))
		return;
	CHECK(sha_file(path, hex) == 0);
	printf("filetest: sha %s  %s\n", hex, path);
}

static void visit_ls(const char *path, const struct stat *st, unsigned char dt)
{
	CHECK(dtype_letter(dt) == type_letter(st->st_mode));
	printf("filetest: ls %c %s\n", type_letter(st->st_mode), path);
}

static void cmd_sha(char **arg, int n)
{
	for (int i = 0; i < n; i++)
		walk(arg[i], visit_sha);
}

static void cmd_ls(char **arg, int n)
{
	for (int i = 0; i < n; i++)
		walk(arg[i], visit_ls);
}

static void cmd_cat(char **arg, int n)
{
	char line[512];

	for (int i = 0; i < n; i++) {
		FILE *f = fopen(arg[i], "r");

		CHECK(f != NULL);
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			printf("filetest: cat %s: %s\n", arg[i], line);
		}
		CHECK(!ferror(f));
		fclose(f);
	}
}

static void cmd_stat(char **arg, int n)
{
	for (int i = 0; i < n; i++) {
		struct stat st;

		CHECK(lstat(arg[i], &st) == 0);
		printf("filetest: stat %s mode %o size %lld mtime %lld\n",
		       arg[i], (unsigned)st.st_mode, (long long)st.st_size,
		       (long long)st.st_mtime);
	}
}

#define CHUNK (64 * 1024)
#define MAX_FILLS 4096

/* Write chunks to /tmp/fill.N until a write fails; the bytes written.
 * With limit set, stop after that many bytes instead. *files: how many
 * files were made. */
static size_t fill_tmp(size_t limit, int *files, int *err)
{
	static unsigned char chunk[CHUNK];
	size_t total = 0;

	*err = 0;
	for (int i = 0; i < MAX_FILLS && (!limit || total < limit); i++) {
		char name[32];
		size_t want =
			limit && limit - total < CHUNK ? limit - total : CHUNK;
		int fd;
		ssize_t w;

		memset(chunk, 'a' + i % 26, sizeof(chunk));
		snprintf(name, sizeof(name), "/tmp/fill.%d", i);
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			*err = errno;
			*files = i;
			return total;
		}
		*files = i + 1;
		w = write(fd, chunk, want);
		if (w > 0)
			total += (size_t)w;
		if (w == (ssize_t)want) {
			CHECK(fsync(fd) == 0);
			CHECK(close(fd) == 0);
			continue;
		}
		/* A short write: the next one must fail. */
		if (w >= 0)
			w = write(fd, chunk, want - (size_t)w);
		*err = w < 0 ? errno : 0;
		close(fd);
		return total;
	}
	return total;
}

/* Each /tmp/fill.N of files holds its letter; total bytes checked. */
static size_t check_fills(int files)
{
	static unsigned char buf[CHUNK];
	size_t total = 0;

	for (int i = 0; i < files; i++) {
		char name[32];
		int fd;
		ssize_t r;

		snprintf(name, sizeof(name), "/tmp/fill.%d", i);
		fd = open(name, O_RDONLY);
		CHECK(fd >= 0);
		r = read(fd, buf, sizeof(buf));
		CHECK(r >= 0);
		for (ssize_t j = 0; j < r; j++)
			if (buf[j] != 'a' + i % 26) {
				CHECK(buf[j] == 'a' + i % 26);
				break;
			}
		total += r > 0 ? (size_t)r : 0;
		close(fd);
	}
	return total;
}

static void unlink_fills(int files)
{
	for (int i = 0; i < files; i++) {
		char name[32];

		snprintf(name, sizeof(name), "/tmp/fill.%d", i);
		CHECK(unlink(name) == 0);
	}
}

/* The names in dir other than . and .., sorted, joined by spaces. */
static void dir_names(const char *dir, char *out, size_t len)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);

	out[0] = 0;
	CHECK(n >= 0);
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") &&
		    strcmp(list[i]->d_name, "..")) {
			if (out[0])
				strncat(out, " ", len - strlen(out) - 1);
			strncat(out, list[i]->d_name, len - strlen(out) - 1);
		}
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

/* The whole of a small file as a string into buf; its length or -1. */
static ssize_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

#define MANY 300

/* MANY files in a /tmp directory, more than one getdents64 call returns:
 * readdir sees each once. */
static void many_entries(void)
{
	static unsigned char seen[MANY];
	char name[96];
	struct dirent *e;
	DIR *d;
	int count = 0;

	CHECK(mkdir("/tmp/many", 0755) == 0);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name),
			 "/tmp/many/a-rather-long-name-for-an-entry-%04d", i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		CHECK(fd >= 0);
		close(fd);
	}
	d = opendir("/tmp/many");
	CHECK(d != NULL);
	while (d && (e = readdir(d))) {
		int i;

		if (sscanf(e->d_name, "a-rather-long-name-for-an-entry-%d",
			   &i) == 1 &&
		    i >= 0 && i < MANY && !seen[i]++)
			count++;
		else
			CHECK(!strcmp(e->d_name, ".") ||
			      !strcmp(e->d_name, ".."));
	}
	if (d)
		closedir(d);
	printf("filetest: readdir saw %d of %d entries\n", count, MANY);
	CHECK(count == MANY);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name),
			 "/tmp/many/a-rather-long-name-for-an-entry-%04d", i);
		CHECK(unlink(name) == 0);
	}
	CHECK(rmdir("/tmp/many") == 0);
}

/* mkdir, rename, rmdir, readdir, O_APPEND, O_TRUNC, ftruncate in /tmp. */
static void tmp_ops(void)
{
	char names[256], buf[64];
	struct stat st;
	int fd;

	CHECK(mkdir("/tmp/d", 0755) == 0);
	FAILS(mkdir("/tmp/d", 0755), EEXIST);
	fd = open("/tmp/d/a", O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "abc", 3) == 3);
	CHECK(close(fd) == 0);
	CHECK(rename("/tmp/d/a", "/tmp/d/b") == 0);
	CHECK(mkdir("/tmp/d/sub", 0700) == 0);
	dir_names("/tmp/d", names, sizeof(names));
	printf("filetest: /tmp/d holds: %s\n", names);
	CHECK(!strcmp(names, "b sub"));
	CHECK(rename("/tmp/d", "/tmp/e") == 0);
	FAILS(stat("/tmp/d", &st), ENOENT);
	CHECK(stat("/tmp/e/b", &st) == 0 && st.st_size == 3 &&
	      (st.st_mode & 07777) == 0600 && S_ISREG(st.st_mode));
	FAILS(rmdir("/tmp/e"), ENOTEMPTY);
	FAILS(rmdir("/tmp/e/b"), ENOTDIR);
	FAILS(unlink("/tmp/e/sub"), EISDIR);
	CHECK(rmdir("/tmp/e/sub") == 0);

	/* O_APPEND writes at the end whatever the offset. */
	fd = open("/tmp/e/b", O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(write(fd, "def", 3) == 3);
	CHECK(lseek(fd, 0, SEEK_CUR) == 6);
	CHECK(close(fd) == 0);
	CHECK(slurp("/tmp/e/b", buf, sizeof(buf)) == 6 &&
	      !strcmp(buf, "abcdef"));

	/* ftruncate shrinks, and grows with zeros. */
	fd = open("/tmp/e/b", O_RDWR);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 2) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 2);
	CHECK(ftruncate(fd, 10) == 0);
	CHECK(pread(fd, buf, sizeof(buf), 0) == 10);
	CHECK(!memcmp(buf, "ab\0\0\0\0\0\0\0\0", 10));
	CHECK(fsync(fd) == 0);
	CHECK(close(fd) == 0);
	CHECK(truncate("/tmp/e/b", 1) == 0);
	CHECK(stat("/tmp/e/b", &st) == 0 && st.st_size == 1);

	/* O_TRUNC empties. */
	fd = open("/tmp/e/b", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
	CHECK(close(fd) == 0);

	/* Symlinks in /tmp, and a loop of them. */
	CHECK(symlink("b", "/tmp/e/to_b") == 0);
	CHECK(stat("/tmp/e/to_b", &st) == 0 && S_ISREG(st.st_mode));
	CHECK(symlink("loop2", "/tmp/e/loop1") == 0);
	CHECK(symlink("loop1", "/tmp/e/loop2") == 0);
	FAILS(open("/tmp/e/loop1", O_RDONLY), ELOOP);
	CHECK(unlink("/tmp/e/to_b") == 0 && unlink("/tmp/e/loop1") == 0 &&
	      unlink("/tmp/e/loop2") == 0);

	CHECK(unlink("/tmp/e/b") == 0);
	FAILS(unlink("/tmp/e/b"), ENOENT);
	CHECK(rmdir("/tmp/e") == 0);
	many_entries();
	dir_names("/tmp", names, sizeof(names));
	CHECK(names[0] == 0);
}

static void cmd_fill(char **arg, int n)
{
	int files, files2, err;
	size_t first, second;

	(void)arg;
	(void)n;
	first = fill_tmp(0, &files, &err);
	printf("filetest: fill wrote %zu bytes in %d files, then %s\n", first,
	       files, err ? strerror(err) : "no error");
	CHECK(err == ENOSPC);
	CHECK(check_fills(files) == first);
	unlink_fills(files);
	second = fill_tmp(first, &files2, &err);
	printf("filetest: fill after unlink wrote %zu bytes in %d files\n",
	       second, files2);
	CHECK(err == 0 && second == first);
	CHECK(check_fills(files2) == second);
	unlink_fills(files2);
	tmp_ops();
}

/* n bytes of path in hex on one line labelled with the path. */
static void print_hex(const char *path, size_t n)
{
	unsigned char b[64];
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0 && n <= sizeof(b));
	CHECK(read(fd, b, n) == (ssize_t)n);
	close(fd);
	printf("filetest: %s ", path);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

static void cmd_urandom(char **arg, int n)
{
	unsigned char z[256];
	struct stat st;
	int fd;

	(void)arg;
	(void)n;
	print_hex("/dev/urandom", 32);
	print_hex("/dev/random", 32);
	CHECK(stat("/dev/urandom", &st) == 0 && S_ISCHR(st.st_mode));
	fd = open("/dev/zero", O_RDONLY);
	memset(z, 1, sizeof(z));
	CHECK(read(fd, z, sizeof(z)) == sizeof(z));
	CHECK(z[0] == 0 && z[255] == 0 && !memcmp(z, z + 1, 255));
	close(fd);
	fd = open("/dev/null", O_RDWR);
	CHECK(write(fd, z, sizeof(z)) == sizeof(z));
	CHECK(read(fd, z, sizeof(z)) == 0);
	CHECK(stat("/dev/null", &st) == 0 && st.st_rdev == makedev(1, 3));
	CHECK(fstat(fd, &st) == 0 && st.st_rdev == makedev(1, 3));
	close(fd);
	fd = open("/dev/console", O_WRONLY);
	CHECK(fd >= 0);
	CHECK(write(fd, "filetest: via /dev/console\n", 27) == 27);
	close(fd);
}

static void cmd_env(char **arg, int n)
{
	for (int i = 0; i < n; i++) {
		const char *v = getenv(arg[i]);

		if (v)
			printf("filetest: env %s=%s\n", arg[i], v);
		else
			printf("filetest: env %s unset\n", arg[i]);
	}
}

static void expect_cwd(const char *want)
{
	char cwd[PATH_MAX];

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	printf("filetest: cwd %s\n", cwd);
	CHECK(!strcmp(cwd, want));
}

/* Path normalisation, name limits, errors of open, seeks, and "/". */
static void lookups(void)
{
	char name[300], buf[64], names[256];
	struct stat a, b;
	int fd;

	CHECK(stat("/data/hello.txt", &a) == 0);
	CHECK(stat("//data///./hello.txt", &b) == 0 && b.st_ino == a.st_ino);
	CHECK(stat("/../../data/nested/../hello.txt", &b) == 0 &&
	      b.st_ino == a.st_ino);
	FAILS(stat("/data/hello.txt/", &b), ENOTDIR);
	memset(name, 'n', sizeof(name) - 1);
	name[0] = '/';
	name[sizeof(name) - 1] = 0;
	FAILS(stat(name, &b), ENAMETOOLONG);
	FAILS(open("/data/hello.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);
	FAILS(open("/data/nested", O_WRONLY), EISDIR);
	FAILS(open("/data/hello.txt", O_RDONLY | O_NOFOLLOW | O_CREAT | O_EXCL,
		   0644),
	      EEXIST);
	fd = open("/data/hello.txt", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(lseek(fd, -5, SEEK_END) == a.st_size - 5);
	CHECK(read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "tree\n", 5));
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "hello", 5));
	close(fd);
	dir_names("/", names, sizeof(names));
	printf("filetest: / holds: %s\n", names);
	CHECK(strstr(names, "big data dev") && strstr(names, "tmp"));
}

static void cmd_erofs(char **arg, int n)
{
	char buf[PATH_MAX], *p;
	struct stat st;
	int fd;

	(void)arg;
	(void)n;
	FAILS(open("/data/hello.txt", O_WRONLY), EROFS);
	FAILS(open("/data/hello.txt", O_RDWR), EROFS);
	FAILS(open("/data/hello.txt", O_RDONLY | O_TRUNC), EROFS);
	FAILS(open("/data/new.txt", O_WRONLY | O_CREAT, 0644), EROFS);
	FAILS(open("/new.txt", O_WRONLY | O_CREAT, 0644), EROFS);
	FAILS(unlink("/data/hello.txt"), EROFS);
	FAILS(mkdir("/data/dir", 0755), EROFS);
	FAILS(rmdir("/data/nested"), EROFS);
	FAILS(truncate("/data/hello.txt", 0), EROFS);
	FAILS(rename("/data/hello.txt", "/data/moved.txt"), EROFS);
	FAILS(symlink("hello.txt", "/data/sl"), EROFS);
	FAILS(chmod("/data/hello.txt", 0777), EROFS);
	fd = open("/data/hello.txt", O_RDONLY);
	CHECK(fd >= 0);
	FAILS(write(fd, "x", 1), EBADF);
	CHECK(ftruncate(fd, 0) == -1); /* EINVAL on Linux */
	close(fd);
	CHECK(stat("/data/hello.txt", &st) == 0 && st.st_size > 0);
	FAILS(stat("/data/missing", &st), ENOENT);
	FAILS(stat("/data/hello.txt/x", &st), ENOTDIR);

	/* getcwd and chdir, relative paths, and a symlink to a directory. */
	expect_cwd("/");
	CHECK(chdir("/data/nested") == 0);
	expect_cwd("/data/nested");
	CHECK(stat("deeper/leaf.txt", &st) == 0 && S_ISREG(st.st_mode));
	CHECK(chdir("..") == 0);
	expect_cwd("/data");
	CHECK(readlink("link", buf, sizeof(buf)) == 13 &&
	      !memcmp(buf, "nested/deeper", 13));
	CHECK(chdir("link") == 0);
	expect_cwd("/data/nested/deeper");
	FAILS(chdir("leaf.txt"), ENOTDIR);
	CHECK(chdir("/") == 0);
	expect_cwd("/");
	p = realpath("/data/nested/.././link/./leaf.txt", buf);
	CHECK(p != NULL);
	printf("filetest: realpath %s\n", p ? p : "(null)");
	CHECK(p && !strcmp(p, "/data/nested/deeper/leaf.txt"));
	CHECK(realpath("/data/../../data//nested/", buf) &&
	      !strcmp(buf, "/data/nested"));
	CHECK(realpath("/data/missing/..", buf) == NULL);
	lookups();
}

static void cmd_mmap(char **arg, int n)
{
	for (int i = 0; i < n; i++) {
		struct stat st;
		int fd = open(arg[i], O_RDONLY);
		unsigned char *m, *b;

		CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0);
		if (fd < 0)
			continue;
		b = malloc((size_t)st.st_size);
		CHECK(b && read(fd, b, (size_t)st.st_size) == st.st_size);
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0);
		CHECK(m != MAP_FAILED);
		if (m != MAP_FAILED && b) {
			CHECK(!memcmp(m, b, (size_t)st.st_size));
			printf("filetest: mmap %s: %lld bytes as read\n",
			       arg[i], (long long)st.st_size);
			CHECK(munmap(m, (size_t)st.st_size) == 0);
		}
		free(b);
		close(fd);
	}
}

/* Service memory (frames in use and promised) now. */
static uint64_t service_bytes(void)
{
	struct os_mem_stats st;

	os_mem_stats(&st);
	return st.heap + st.committed;
}

/* mmapdirect PATH: a baked-in file of whole pages maps the image's own
 * pages: neither mmap nor touching every page costs service memory, and
 * two mappings show the same bytes. mmapwrite PATH: then writes to the
 * mapping, which must fault (the test expects the fault report). */
static void map_direct(char **arg, int n, int write)
{
	for (int i = 0; i < n; i++) {
		struct stat st;
		int fd = open(arg[i], O_RDONLY);
		uint64_t before = service_bytes(), grew;
		volatile unsigned char *m, *m2;
		unsigned sum = 0;

		CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size % 4096 == 0);
		if (fd < 0)
			continue;
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0);
		m2 = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd,
			  0);
		CHECK(m != MAP_FAILED && m2 != MAP_FAILED);
		if (m == MAP_FAILED || m2 == MAP_FAILED)
			continue;
		for (off_t p = 0; p < st.st_size; p += 4096)
			sum += m[p] + m2[p];
		grew = service_bytes() - before;
		printf("filetest: mmap direct %s: service memory grew by %llu "
		       "bytes (check %u)\n",
		       arg[i], (unsigned long long)grew, sum);
		CHECK(grew == 0);
		CHECK(!memcmp((const void *)m, (const void *)m2,
			      (size_t)st.st_size));
		if (write) {
			printf("filetest: writing to the mapping\n");
			fflush(stdout);
			m[0] = 1;
			printf("filetest: the write did not fault\n");
			CHECK(0);
		}
		munmap((void *)m, (size_t)st.st_size);
		munmap((void *)m2, (size_t)st.st_size);
		close(fd);
	}
}

static void cmd_mmapdirect(char **arg, int n)
{
	map_direct(arg, n, 0);
}

static void cmd_mmapwrite(char **arg, int n)
{
	map_direct(arg, n, 1);
}

static void cmd_sendfile(char **arg, int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct stat st;
	off_t off = 0;
	int fd, s, c, one = 1;

	if (n != 2) {
		CHECK(n == 2);
		return;
	}
	a.sin_port = htons((uint16_t)atoi(arg[1]));
	fd = open(arg[0], O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(s, 1) == 0);
	printf("filetest: serving %s (%lld bytes) on port %s\n", arg[0],
	       (long long)st.st_size, arg[1]);
	fflush(stdout);
	c = accept(s, NULL, NULL);
	CHECK(c >= 0);
	while (c >= 0 && off < st.st_size) {
		ssize_t w = sendfile(c, fd, &off, (size_t)(st.st_size - off));

		if (w <= 0) {
			CHECK(w > 0);
			break;
		}
	}
	printf("filetest: sendfile sent %lld bytes\n", (long long)off);
	CHECK(off == st.st_size);
	close(c);
	close(s);
	close(fd);
}

struct command {
	const char *name;
	void (*run)(char **arg, int n);
};

static const struct command commands[] = {
	{ "sha", cmd_sha },
	{ "ls", cmd_ls },
	{ "cat", cmd_cat },
	{ "stat", cmd_stat },
	{ "fill", cmd_fill },
	{ "urandom", cmd_urandom },
	{ "env", cmd_env },
	{ "erofs", cmd_erofs },
	{ "mmap", cmd_mmap },
	{ "sendfile", cmd_sendfile },
	{ "mmapdirect", cmd_mmapdirect },
	{ "mmapwrite", cmd_mmapwrite },
};

/* Run the command in arg[0..n): its name and operands. */
static void run(char **arg, int n)
{
	int before = failures;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(arg[0], commands[i].name)) {
			commands[i].run(arg + 1, n - 1);
			if (failures == before)
				printf("filetest: %s ok\n", arg[0]);
			return;
		}
	printf("filetest: unknown command %s\n", arg[0]);
	failures++;
}

int main(int argc, char **argv)
{
	int start = 1;

	for (int i = 1; i <= argc; i++)
		if (i == argc || !strcmp(argv[i], ",")) {
			if (i > start)
				run(argv + start, i - start);
			start = i + 1;
		}
	printf("filetest: %s\n", failures ? "failed" : "done");
	return failures ? 1 : 0;
}
