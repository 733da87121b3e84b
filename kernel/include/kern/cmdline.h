/* The kernel command line: kernel options before "--", the service's argv
 * after it, and tokens QEMU appends on its own (virtio_mmio.device=...),
 * which are taken out wherever they stand. Pure code, unit-tested. */
#ifndef KERN_CMDLINE_H
#define KERN_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

/* Per line: its bytes with the NUL, its kernel options, its arguments
 * with argv[0]. The image's baked line and the boot line are split into
 * one struct kern_cmdline, which holds both. */
#define KERN_CMDLINE_MAX 4096
#define KERN_CMDLINE_TOKENS 128
#define KERN_CMDLINE_APPENDED 16

struct kern_cmdline {
	char buf[2 * KERN_CMDLINE_MAX];	    /* the tokens, NUL-separated */
	char *opt[2 * KERN_CMDLINE_TOKENS]; /* kernel options, "name" or
					       "name=value" */
	unsigned char opt_used[2 * KERN_CMDLINE_TOKENS];
	int nopt;
	char *argv[2 * KERN_CMDLINE_TOKENS + 1]; /* argv[0]: the image name */
	int argc;
	char *appended[KERN_CMDLINE_APPENDED]; /* tokens QEMU appends */
	int nappended;
};

/* Split line into cl. Tokens are separated by blanks; "..." groups blanks
 * into one token (no escapes). argv[0] is name. Returns 0, or -EINVAL with
 * a message in err (an unterminated quote, too many tokens, a line too
 * long). */
int kern_cmdline_parse(struct kern_cmdline *cl, const char *line,
		       const char *name, char *err, size_t errlen);

/* Split the image's baked line (os_add_executable's ENV and CMDLINE; NULL
 * for none) and then the boot line into cl, so that the boot line wins:
 * a baked kernel option is dropped when the boot line gives one of the
 * same name (the text before '=': "log", "env.HOME", a flag's whole
 * token), whatever that option's own rule for repeats (first taken,
 * list, error), so a boot-line net.dns= replaces every baked one; the
 * others come first, in order. The service's arguments are the boot
 * line's if it has any after "--", else the baked ones. Each line is
 * limited on its own as kern_cmdline_parse says; an error in the baked
 * line is -EINVAL with err starting "baked command line: ". */
int kern_cmdline_parse_baked(struct kern_cmdline *cl, const char *baked,
			     const char *line, const char *name, char *err,
			     size_t errlen);

/* The value of the next unused kernel option called name ("" for a bare
 * flag), marking it used; NULL when there is none left. */
const char *kern_cmdline_take(struct kern_cmdline *cl, const char *name);

/* The first kernel option nobody took, or NULL. */
const char *kern_cmdline_unused(const struct kern_cmdline *cl);

/* An option that was taken and has o's name (the text before '='), or
 * NULL. For an option nobody took (kern_cmdline_unused), one says that
 * it was given twice and its layer takes the name once: a repeatable
 * option (net.dns=, env.NAME=) is taken every time, so its repeats are
 * never left over. */
const char *kern_cmdline_taken_alike(const struct kern_cmdline *cl,
				     const char *o);

/* Take every kernel option env.NAME=value, in order, and set envp[0..]
 * to its "NAME=value" (pointing into cl) for the service's environment;
 * a later NAME replaces an earlier one. NAME is a letter or '_' then
 * letters, digits or '_'. Returns the number of entries (envp[n] is set
 * to NULL; envp holds max + 1 pointers), or -EINVAL with a message in err
 * naming the bad option (no '=', a bad NAME, more than max). */
int kern_cmdline_env(struct kern_cmdline *cl, char **envp, int max, char *err,
		     size_t errlen);

/* The values (what follows prefix) of the tokens QEMU appended that start
 * with prefix, such as "virtio_mmio.device=", in order: up to max of them
 * into vals; returns how many were stored.
 *
 * The boot sequence splits the line once and hands it to each layer's
 * init function, which takes its own options there: never in a driver's
 * probe, which runs only when the hardware is there (without it the
 * option would be unknown). */
int kern_cmdline_appended(const struct kern_cmdline *cl, const char *prefix,
			  const char **vals, int max);

/* An unsigned number in C notation (0x hex, 0 octal, else decimal) at
 * *s, which is moved past it. 0, -EINVAL when there is none (no sign or
 * blank is skipped), -ERANGE when it does not fit in 64 bits. For the
 * option parsers: no errno, the kernel's own. */
int kern_parse_u64(const char **s, uint64_t *v);

/* A size at *s: kern_parse_u64 with an optional K, M or G (either case;
 * Linux's memparse), *s moved past it. 0, -EINVAL or -ERANGE. */
int kern_parse_size(const char **s, uint64_t *v);

#endif
