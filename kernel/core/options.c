/* The kernel's command-line options, checked strictly at boot. */
#include <string.h>

#include <kern/baked.h>
#include <kern/component.h>
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

/* The options of optional parts (kern/component.h): their prefix, the
 * part's component and os_add_executable's USES name, and what it is. */
static const struct {
	const char *prefix, *part, *what;
} part_options[] = {
	{ "net.", "net", "the network stack" },
	{ "tmpfs.", "files", "the file tree" },
};

/* Stop if option o belongs to a part the image was linked without. */
static void check_part(const char *o)
{
	for (size_t i = 0; i < sizeof(part_options) / sizeof(part_options[0]);
	     i++) {
		const char *p = part_options[i].prefix;

		if (strncmp(o, p, strlen(p)) == 0 &&
		    !kern_component_linked(part_options[i].part))
			kern_bootconf_error(
				"kernel option '%s' is for %s, which this "
				"image does not have: give "
				"os_add_executable(... USES %s), or leave "
				"the option out",
				o, part_options[i].what, part_options[i].part);
	}
}

void kern_options_check_unused(const struct kern_cmdline *cl)
{
	const char *bad = kern_cmdline_unused(cl), *first;

	if (!bad)
		return;
	first = kern_cmdline_taken_alike(cl, bad);
	if (first && strchr(bad, '='))
		kern_bootconf_error("kernel option '%.*s' given twice (%s, "
				    "then %s): it takes one value; give it "
				    "once",
				    (int)strcspn(bad, "="), bad, first, bad);
	if (first)
		kern_bootconf_error("kernel option '%s' given twice: give it "
				    "once",
				    bad);
	check_part(bad);
	kern_bootconf_error("unknown kernel option '%s' (kernel options go "
			    "before '--', the service's arguments after it)",
			    bad);
}
