/* Per-device counters (see drv/devstats.h and include/os/devstats.h),
 * and their report at exit under the kernel option devstats. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <drv/devstats.h>
#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/exit.h>

#define MAX_DEVS 16

static struct drv_devstats *table[MAX_DEVS];
static int ndevs;

int drv_devstats_register(struct drv_devstats *ds)
{
	if (ndevs == MAX_DEVS)
		return -ENOSPC;
	table[ndevs++] = ds;
	return 0;
}

int os_dev_count(void)
{
	return ndevs;
}

int os_dev_stats(int i, struct os_dev_stats *st)
{
	if (i < 0 || i >= ndevs)
		return -ENODEV;
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", table[i]->name);
	snprintf(st->driver, sizeof(st->driver), "%s", table[i]->driver);
	table[i]->fill(table[i], st);
	return 0;
}

static void print_all(void)
{
	struct os_dev_stats s;

	for (int i = 0; i < ndevs; i++) {
		os_dev_stats(i, &s);
		kern_log(KERN_LOG_QUIET, /* asked for: printed at any level */
			 "devstats %s (%s): rx %lu pkts %lu B, tx %lu pkts "
			 "%lu B, requests %lu, errors %lu, drops %lu, ring "
			 "full %lu, interrupts %lu, notifications %lu",
			 s.name, s.driver, (unsigned long)s.rx_packets,
			 (unsigned long)s.rx_bytes, (unsigned long)s.tx_packets,
			 (unsigned long)s.tx_bytes, (unsigned long)s.requests,
			 (unsigned long)s.errors, (unsigned long)s.drops,
			 (unsigned long)s.ring_full,
			 (unsigned long)s.interrupts,
			 (unsigned long)s.notifications);
	}
}

void drv_devstats_init(struct kern_cmdline *cl)
{
	if (kern_cmdline_take(cl, "devstats"))
		kern_atexit(print_all);
}
