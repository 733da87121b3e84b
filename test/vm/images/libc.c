/* libc: exercises musl inside libos: constructors and destructors,
 * __thread variables (initialised and zeroed), printf of floats, malloc
 * of 1 KiB and 16 MiB, calloc zeroing, realloc, an unsupported system
 * call, atexit and exit(n). Prints its arguments and environment, then
 * one "libc: <check> ok" line per check; exits with argv[1] (default 0). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int constructed;
static __thread int tls_init = 42;
static __thread long tls_zero[64];

__attribute__((constructor)) static void ctor(void)
{
	constructed = 7;
}

static void at_exit(void)
{
	printf("libc: atexit ok\n");
}

/* An unsupported system call fails with ENOSYS (and is logged once). */
static int check_enosys(void)
{
	for (int i = 0; i < 3; i++)
		if (syscall(SYS_fork) != -1 || errno != ENOSYS)
			return 0;
	return 1;
}

static int check_malloc(size_t size)
{
	unsigned char *p = malloc(size);

	if (!p)
		return 0;
	memset(p, 0x5a, size);
	for (size_t i = 0; i < size; i += 4096)
		if (p[i] != 0x5a)
			return 0;
	free(p);
	return 1;
}

static int check_calloc_realloc(void)
{
	size_t n = 3 << 20;
	unsigned char *p = calloc(n, 1), *q;

	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	p[n - 1] = 9;
	q = realloc(p, 2 * n);
	if (!q || q[n - 1] != 9)
		return 0;
	free(q);
	return 1;
}

extern char **environ;

int main(int argc, char **argv)
{
	char buf[64];

	for (int i = 1; i < argc; i++)
		printf("libc: arg %d %s\n", i, argv[i]);
	for (char **e = environ; *e; e++)
		printf("libc: env %s\n", *e);
	if (getenv("MSG"))
		printf("libc: getenv MSG=%s\n", getenv("MSG"));

	if (constructed == 7)
		printf("libc: constructor ok\n");
	tls_zero[63] += 5;
	if (tls_init == 42 && tls_zero[0] == 0 && tls_zero[63] == 5)
		printf("libc: tls ok\n");
	snprintf(buf, sizeof(buf), "%f %.3e %g", 3.14159, 12345.678, 0.5);
	printf("libc: printf %s\n", buf);
	if (check_malloc(1024))
		printf("libc: malloc 1 KiB ok\n");
	if (check_malloc(16 << 20))
		printf("libc: malloc 16 MiB ok\n");
	if (check_calloc_realloc())
		printf("libc: calloc realloc ok\n");
	if (check_enosys())
		printf("libc: enosys ok\n");
	atexit(at_exit);
	exit(argc > 1 ? atoi(argv[1]) : 0);
}
