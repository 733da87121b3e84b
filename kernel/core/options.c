/* The kernel's command-line options, checked strictly at boot. */
#include <string.h>

#include <kern/baked.h>
#include <kern/console.h>
#include <kern/exit.h>
#include "debug/ksyms.h"

#include "mm/mm_internal.h"
#include "core/options.h"

static void option_log(struct kern_cmdline *cl)
{
	const char *v = kern_cmdline_take(cl, "log");

	if (!v)
		return;
	if (strcmp(v, "quiet") == 0)
		kern_log_set_level(KERN_LOG_QUIET);
	else if (strcmp(v, "info") == 0)
		kern_log_set_level(KERN_LOG_INFO);
	else if (strcmp(v, "debug") == 0)
		kern_log_set_level(KERN_LOG_DEBUG);
	else
		kern_bootconf_error("log=%s: expected quiet, info or debug", v);
}

void kern_options_parse(struct kern_cmdline *cl, const struct arch_bootinfo *bi)
{
	char err[128];

	if (bi->cmdline_truncated)
		kern_bootconf_error("command line longer than %d bytes",
				    ARCH_CMDLINE_MAX - 1);
	if (kern_cmdline_parse_baked(cl, kern_baked_cmdline, bi->cmdline,
				     kern_image_name, err, sizeof(err)))
		kern_bootconf_error("%s", err);
	option_log(cl);
	mm_take_options(cl); /* mm.allow_wx */
	if (kern_baked_cmdline)
		kern_debug("baked command line: %s", kern_baked_cmdline);
	kern_debug("command line: %s", bi->cmdline);
}

void kern_options_check_unused(const struct kern_cmdline *cl)
{
	const char *bad = kern_cmdline_unused(cl);

	if (bad)
		kern_bootconf_error(
			"unknown kernel option '%s' (kernel options "
			"go before '--', the service's arguments "
			"after it)",
			bad);
}
