/* stoptest: a service for runtest.py's checks of how tools/run stops a
 * guest (SIGTERM, SIGINT or SIGHUP to the runner press the power button,
 * which the kernel turns into SIGTERM for the service).
 *
 *   stoptest handler N   a SIGTERM handler says so; main then exits N
 *   stoptest ignore      SIGTERM ignored: the guest never stops by itself
 *
 * Each prints "stoptest: ready" once its disposition is in place, then
 * waits.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	static const char msg[] = "stoptest: SIGTERM handler ran\n";

	got_term = sig;
	(void)!write(1, msg, sizeof(msg) - 1);
}

static void wait_a_little(void)
{
	struct timespec ts = { 0, 100 * 1000000L };

	nanosleep(&ts, 0);
}

static int handler(int status)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, 0);
	printf("stoptest: ready\n");
	fflush(stdout);
	while (!got_term)
		wait_a_little();
	printf("stoptest: exiting with status %d\n", status);
	return status;
}

__attribute__((noreturn)) static void ignore(void)
{
	signal(SIGTERM, SIG_IGN);
	printf("stoptest: ready (ignoring SIGTERM)\n");
	fflush(stdout);
	for (;;)
		wait_a_little();
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "handler"))
		return handler(atoi(argv[2]));
	if (argc > 1 && !strcmp(argv[1], "ignore"))
		ignore();
	printf("usage: stoptest handler N | ignore\n");
	return 2;
}
