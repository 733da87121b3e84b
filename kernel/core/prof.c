/* Where the guest's time goes, by layer (kern/prof.h): cycles charged to
 * the current layer at each change, printed as shares at exit. */
#include <stdio.h>

#include <arch/cpu.h>
#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/prof.h>

static const char *const names[KERN_PROF_LAYERS] = { "service", "kernel", "net",
						     "driver", "idle" };
int kern_prof_on;
static int current = KERN_PROF_KERNEL;
static uint64_t last;
static uint64_t cycles[KERN_PROF_LAYERS];
static uint64_t copies, copied;

/* Charge the cycles since the last change to the current layer. */
static void charge(void)
{
	uint64_t now = arch_rdtsc();

	cycles[current] += now - last;
	last = now;
}

int kern_prof_switch(int layer)
{
	int prev = current;

	charge();
	current = layer;
	return prev;
}

void kern_prof_restore(int prev)
{
	charge();
	current = prev;
}

void kern_prof_count_copy(uint64_t n)
{
	copies++;
	copied += n;
}

uint64_t kern_prof_cycles(int layer)
{
	return layer >= 0 && layer < KERN_PROF_LAYERS ? cycles[layer] : 0;
}

/* At exit: "prof: N cycles: service S%, kernel K%, ..." (tenths). */
static void print_shares(void)
{
	uint64_t total = 0;
	char line[160];
	int n;

	charge();
	for (int i = 0; i < KERN_PROF_LAYERS; i++)
		total += cycles[i];
	n = snprintf(line, sizeof(line),
		     "prof: %llu cycles:", (unsigned long long)total);
	for (int i = 0; i < KERN_PROF_LAYERS && n < (int)sizeof(line); i++) {
		uint64_t t = total ? cycles[i] * 1000 / total : 0;

		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      "%s %s %llu.%llu%%", i ? "," : "", names[i],
			      (unsigned long long)(t / 10),
			      (unsigned long long)(t % 10));
	}
	kern_log(KERN_LOG_QUIET, "%s", line); /* asked for: any level */
	kern_log(KERN_LOG_QUIET, "prof: copied %llu bytes in %llu copies",
		 (unsigned long long)copied, (unsigned long long)copies);
}

void kern_prof_init(struct kern_cmdline *cl)
{
	if (!kern_cmdline_take(cl, "prof"))
		return;
	last = arch_rdtsc();
	kern_prof_on = 1;
	kern_atexit(print_shares);
}
