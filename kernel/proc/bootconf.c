/* os_exit_bootconf (os/exit.h): a service stopping the boot over its own
 * configuration, with the kernel's boot-configuration stop. The message
 * is the service's pointer, copied with the pointer checks. */
#include <errno.h>

#include <kern/exit.h>
#include <kern/uaccess.h>
#include <os/exit.h>

void os_exit_bootconf(const char *message)
{
	char buf[256];
	long n = kern_strncpy_in(buf, message, sizeof(buf));

	if (n == -ENAMETOOLONG) /* readable, only long: cut it */
		n = kern_strncpy_safe(buf, message, sizeof(buf) - 1);
	if (n < 0)
		kern_bootconf_error("(the service's message at %p is not "
				    "readable)",
				    (const void *)message);
	buf[n < (long)sizeof(buf) - 1 ? n : (long)sizeof(buf) - 1] = '\0';
	kern_bootconf_error("%s", buf);
}
