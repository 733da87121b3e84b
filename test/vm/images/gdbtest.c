/* gdbtest: the service of the scripted gdb session (test/vm/gdbtest.py).
 * Built with -O0 -g so gdb, stopped at main, can read its argument count
 * and the locals below; prints them too, so the test can compare. */
#include <stdio.h>
#include <string.h>

/* Keep a value gdb can read in a local, then report it and exit 0. */
int main(int argc, char **argv)
{
	unsigned long magic = 0x1b05dbc0deUL;
	const char *word = argc > 1 ? argv[1] : "none";
	size_t len = strlen(word);

	printf("gdbtest: argc %d, word %s (%zu), magic %#lx\n", argc, word, len,
	       magic);
	return 0;
}
