/* The kernel command line: kernel options before "--", the service's argv
 * after it, and tokens QEMU appends on its own (virtio_mmio.device=...),
 * which are taken out wherever they stand. Pure code, unit-tested. */
#ifndef KERN_CMDLINE_H
#define KERN_CMDLINE_H

#include <stddef.h>

#define KERN_CMDLINE_MAX 4096
#define KERN_CMDLINE_TOKENS 128
#define KERN_CMDLINE_MMIO 16

struct kern_cmdline {
	char buf[KERN_CMDLINE_MAX];	/* the tokens, NUL-separated */
	char *opt[KERN_CMDLINE_TOKENS]; /* kernel options, "name" or
					   "name=value" */
	unsigned char opt_used[KERN_CMDLINE_TOKENS];
	int nopt;
	char *argv[KERN_CMDLINE_TOKENS + 1]; /* argv[0] is the image name */
	int argc;
	char *mmio[KERN_CMDLINE_MMIO]; /* values of virtio_mmio.device= */
	int nmmio;
};

/* Split line into cl. Tokens are separated by blanks; "..." groups blanks
 * into one token (no escapes). argv[0] is name. Returns 0, or -EINVAL with
 * a message in err (an unterminated quote, too many tokens, a line too
 * long). */
int kern_cmdline_parse(struct kern_cmdline *cl, const char *line,
		       const char *name, char *err, size_t errlen);

/* The value of the next unused kernel option called name ("" for a bare
 * flag), marking it used; NULL when there is none left. */
const char *kern_cmdline_take(struct kern_cmdline *cl, const char *name);

/* The first kernel option nobody took, or NULL. */
const char *kern_cmdline_unused(const struct kern_cmdline *cl);

/* The boot command line, split by the boot sequence; each layer's init
 * takes its own options from it (kern_cmdline_take), in a function the
 * boot sequence always calls: never in a driver's probe, which runs only
 * when the hardware is there (without it the option would be unknown). */
extern struct kern_cmdline kern_boot_cmdline;

#endif
