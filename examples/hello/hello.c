/* hello: the smallest libos service. Prints a greeting and its argv, then
 * exits with the status given as "exit=N" (0 by default). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	int status = 0;

	printf("Hello from libos!\n");
	for (int i = 0; i < argc; i++) {
		printf("argv[%d] = \"%s\"\n", i, argv[i]);
		if (strncmp(argv[i], "exit=", 5) == 0)
			status = atoi(argv[i] + 5);
	}
	return status;
}
