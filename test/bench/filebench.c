/* filebench: sequential read throughput of a file of the image's baked-in
 * tree against the same bytes in tmpfs, for tools/bench-files.
 *
 *   filebench PATH   read PATH (64 KiB reads, passes until 64 MiB or 5
 *                    passes), copy it to /tmp, read the copy the same way,
 *                    print one line of figures
 *   filebench        stat "/" and exit (the boot-time and size baseline)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define WANT (64.0 * 1024 * 1024)

static char buf[CHUNK];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read path start to end, passes times; bytes read, or -1. */
static double read_all(const char *path, int passes, unsigned *sum)
{
	double total = 0;

	for (int p = 0; p < passes; p++) {
		int fd = open(path, O_RDONLY);
		ssize_t n;

		if (fd < 0)
			return -1;
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			total += (double)n;
			*sum += (unsigned char)buf[n - 1];
		}
		close(fd);
		if (n < 0)
			return -1;
	}
	return total;
}

/* Copy from to to with CHUNK writes; bytes, or -1. */
static double copy(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out;
	double total = 0;
	ssize_t n;

	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n)
			return -1;
		total += (double)n;
	}
	close(in);
	close(out);
	return n < 0 ? -1 : total;
}

/* MiB/s of reading path: passes chosen so at least WANT bytes move. */
static double rate(const char *path, double size, unsigned *sum)
{
	int passes = size > 0 ? (int)(WANT / size) + 1 : 1;
	double t0, bytes;

	passes = passes > 5 ? 5 : passes;
	t0 = now();
	bytes = read_all(path, passes, sum);
	return bytes < 0 ? -1 : bytes / (now() - t0) / (1024 * 1024);
}

int main(int argc, char **argv)
{
	struct stat st;
	unsigned sum = 0;
	double baked, tmp, t0, wrote, wrate;

	if (argc < 2)
		return stat("/", &st) ? 1 : 0;
	if (stat(argv[1], &st)) {
		printf("filebench: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	baked = rate(argv[1], (double)st.st_size, &sum);
	t0 = now();
	wrote = copy(argv[1], "/tmp/copy");
	wrate = wrote / (now() - t0) / (1024 * 1024);
	tmp = rate("/tmp/copy", (double)st.st_size, &sum);
	if (baked < 0 || wrote < 0 || tmp < 0) {
		printf("filebench: I/O failed: %s\n", strerror(errno));
		return 1;
	}
	printf("filebench: %lld bytes; baked read %.1f MiB/s, tmpfs write "
	       "%.1f MiB/s, tmpfs read %.1f MiB/s (check %u)\n",
	       (long long)st.st_size, baked, wrate, tmp, sum);
	return 0;
}
