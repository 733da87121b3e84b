/* The copies of kern/uaccess.h built on the check and the raw copies
 * (ucheck.c in the image, stand-ins in the host unit tests). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/uio.h>

#include <kern/uaccess.h>

#define PAGE 4096ULL

int kern_copy_in(void *dst, const void *usrc, size_t n)
{
	if (kern_user_check(usrc, n, KERN_UREAD))
		return -EFAULT;
	return kern_copy_safe(dst, usrc, n);
}

int kern_copy_out(void *udst, const void *src, size_t n)
{
	if (kern_user_check(udst, n, KERN_UWRITE))
		return -EFAULT;
	return kern_copy_safe(udst, src, n);
}

/* Page by page: only the bytes up to the NUL need be the service's. */
long kern_strncpy_in(char *dst, const char *usrc, size_t size)
{
	size_t done = 0;

	while (done < size) {
		uintptr_t at = (uintptr_t)usrc + done;
		size_t chunk = PAGE - at % PAGE;
		long r;

		chunk = chunk < size - done ? chunk : size - done;
		if (kern_user_check((const void *)at, chunk, KERN_UREAD))
			return -EFAULT;
		r = kern_strncpy_safe(dst + done, (const char *)at, chunk);
		if (r < 0)
			return r;
		if ((size_t)r < chunk)
			return (long)(done + (size_t)r);
		done += chunk;
	}
	return -ENAMETOOLONG;
}

int kern_iov_in(const struct iovec *uiov, long cnt, unsigned access,
		const struct iovec **out)
{
	static struct iovec iov[IOV_MAX]; /* one core, one call at a time */
	size_t total = 0;

	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	if (kern_copy_in(iov, uiov, (size_t)cnt * sizeof(*iov)))
		return -EFAULT;
	for (long i = 0; i < cnt; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	for (long i = 0; i < cnt; i++)
		if (kern_user_check(iov[i].iov_base, iov[i].iov_len, access))
			return -EFAULT;
	*out = iov;
	return 0;
}
