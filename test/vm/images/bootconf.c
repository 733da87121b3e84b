/* bootconf: a service stopping the boot over its own configuration with
 * os_exit_bootconf (os/exit.h): status 121 and the message, as the
 * kernel's own option checks give.
 *
 *   bootconf msg      a message
 *   bootconf long     a message of 1000 bytes (cut to 255)
 *   bootconf null     a NULL message
 *   bootconf wild     a message at an address the service cannot read
 *   bootconf exit121  exit(121), which is reported as out of range (120)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <os/exit.h>

int main(int argc, char **argv)
{
	static char long_msg[1001];

	if (argc < 2) {
		printf("usage: bootconf msg|long|null|wild|exit121\n");
		return 2;
	}
	printf("bootconf: %s\n", argv[1]);
	fflush(stdout);
	if (!strcmp(argv[1], "msg"))
		os_exit_bootconf("zone database: truncated at byte 12");
	if (!strcmp(argv[1], "long")) {
		memset(long_msg, 'z', sizeof(long_msg) - 1);
		os_exit_bootconf(long_msg);
	}
	if (!strcmp(argv[1], "null"))
		os_exit_bootconf(NULL);
	if (!strcmp(argv[1], "wild"))
		os_exit_bootconf((const char *)0xffff800000001000UL);
	if (!strcmp(argv[1], "exit121"))
		exit(121);
	return 2;
}
