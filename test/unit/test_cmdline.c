/* Unit tests of kernel/core/cmdline.c: options, argv, virtio_mmio, quoting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kern/cmdline.h>

static char err[256];

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct kern_cmdline));
	err[0] = '\0';
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Parse line as image "svc", expecting success. */
static struct kern_cmdline *parse_ok(void **state, const char *line)
{
	struct kern_cmdline *cl = *state;

	assert_int_equal(kern_cmdline_parse(cl, line, "svc", err, sizeof(err)),
			 0);
	return cl;
}

/* Parse line, expecting -EINVAL and an error message. */
static void parse_bad(void **state, const char *line)
{
	struct kern_cmdline *cl = *state;

	assert_int_equal(kern_cmdline_parse(cl, line, "svc", err, sizeof(err)),
			 -EINVAL);
	assert_true(strlen(err) > 0);
}

/* A space-separated line of n copies of word, after prefix. */
static char *repeat(const char *prefix, const char *word, int n)
{
	size_t len = strlen(prefix) + n * (strlen(word) + 1) + 1;
	char *s = malloc(len);

	assert_non_null(s);
	strcpy(s, prefix);
	for (int i = 0; i < n; i++) {
		strcat(s, " ");
		strcat(s, word);
	}
	return s;
}

static void test_split_at_dashes(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "log=debug quiet -- a b");

	assert_int_equal(cl->nopt, 2);
	assert_string_equal(cl->opt[0], "log=debug");
	assert_string_equal(cl->opt[1], "quiet");
	assert_int_equal(cl->argc, 3);
	assert_string_equal(cl->argv[0], "svc");
	assert_string_equal(cl->argv[1], "a");
	assert_string_equal(cl->argv[2], "b");
	assert_null(cl->argv[3]);
	assert_int_equal(cl->nappended, 0);
}

static void test_second_dashes_is_argument(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "-- x -- y");

	assert_int_equal(cl->nopt, 0);
	assert_int_equal(cl->argc, 4);
	assert_string_equal(cl->argv[1], "x");
	assert_string_equal(cl->argv[2], "--");
	assert_string_equal(cl->argv[3], "y");
	assert_null(cl->argv[4]);
}

static void test_no_dashes_all_options(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "a=1 b c=");

	assert_int_equal(cl->nopt, 3);
	assert_string_equal(cl->opt[2], "c=");
	assert_int_equal(cl->argc, 1);
	assert_string_equal(cl->argv[0], "svc");
	assert_null(cl->argv[1]);
}

static void test_empty_line(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, " \t\n ");

	assert_int_equal(cl->nopt, 0);
	assert_int_equal(cl->argc, 1);
	assert_string_equal(cl->argv[0], "svc");
	assert_null(cl->argv[1]);
	assert_null(kern_cmdline_unused(cl));
}

static void test_argv0_is_name(void **state)
{
	struct kern_cmdline *cl = *state;

	assert_int_equal(kern_cmdline_parse(cl, "-- first", "hello.elf", err,
					    sizeof(err)),
			 0);
	assert_int_equal(cl->argc, 2);
	assert_string_equal(cl->argv[0], "hello.elf");
	assert_string_equal(cl->argv[1], "first");
	assert_null(cl->argv[2]);
}

static void test_blanks_separate(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "  a\tb\n\nc  --  d\te  ");

	assert_int_equal(cl->nopt, 3);
	assert_string_equal(cl->opt[0], "a");
	assert_string_equal(cl->opt[1], "b");
	assert_string_equal(cl->opt[2], "c");
	assert_int_equal(cl->argc, 3);
	assert_string_equal(cl->argv[1], "d");
	assert_string_equal(cl->argv[2], "e");
}

#define MMIO "virtio_mmio.device="

static void test_mmio_taken_out(void **state)
{
	struct kern_cmdline *cl =
		parse_ok(state, "virtio_mmio.device=512@0xfeb00000:12 log=info "
				"virtio_mmio.device=512@0xfeb00200:13 -- arg "
				"virtio_mmio.device=512@0xfeb00400:14 last");

	const char *v[KERN_CMDLINE_APPENDED];

	assert_int_equal(kern_cmdline_appended(cl, MMIO, v, 16), 3);
	assert_string_equal(v[0], "512@0xfeb00000:12");
	assert_string_equal(v[1], "512@0xfeb00200:13");
	assert_string_equal(v[2], "512@0xfeb00400:14");
	assert_int_equal(kern_cmdline_appended(cl, MMIO, v, 2), 2);
	assert_int_equal(kern_cmdline_appended(cl, "virtio_mmio.x=", v, 16), 0);
	assert_int_equal(cl->nopt, 1);
	assert_string_equal(cl->opt[0], "log=info");
	assert_int_equal(cl->argc, 3);
	assert_string_equal(cl->argv[1], "arg");
	assert_string_equal(cl->argv[2], "last");
	assert_null(cl->argv[3]);
}

static void test_mmio_prefix_only(void **state)
{
	struct kern_cmdline *cl =
		parse_ok(state, "virtio_mmio.dev=1 virtio_mmio.device=");

	const char *v[KERN_CMDLINE_APPENDED];

	assert_int_equal(kern_cmdline_appended(cl, MMIO, v, 16), 1);
	assert_string_equal(v[0], "");
	assert_int_equal(cl->nopt, 1);
	assert_string_equal(cl->opt[0], "virtio_mmio.dev=1");
}

static void test_too_many_mmio(void **state)
{
	char *line =
		repeat("", "virtio_mmio.device=x", KERN_CMDLINE_APPENDED + 1);

	parse_bad(state, line);
	free(line);
}

static void test_quotes_group_blanks(void **state)
{
	struct kern_cmdline *cl = parse_ok(
		state,
		"msg=\"hello world\" -- \"a b\"  c\"d e\"f \"\" \"\tx\"");

	assert_int_equal(cl->nopt, 1);
	assert_string_equal(cl->opt[0], "msg=hello world");
	assert_int_equal(cl->argc, 5);
	assert_string_equal(cl->argv[1], "a b");
	assert_string_equal(cl->argv[2], "cd ef");
	assert_string_equal(cl->argv[3], "");
	assert_string_equal(cl->argv[4], "\tx");
	assert_null(cl->argv[5]);
}

static void test_empty_quoted_args(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "-- \"\" \"\" end");

	assert_int_equal(cl->argc, 4);
	assert_string_equal(cl->argv[1], "");
	assert_string_equal(cl->argv[2], "");
	assert_string_equal(cl->argv[3], "end");
}

static void test_unterminated_quote(void **state)
{
	parse_bad(state, "-- a \"b c");
	assert_non_null(strstr(err, "quote"));
}

static void test_unterminated_quote_in_option(void **state)
{
	parse_bad(state, "opt=\"x");
	assert_non_null(strstr(err, "quote"));
}

static void test_max_options(void **state)
{
	char *line = repeat("", "o", KERN_CMDLINE_TOKENS);
	struct kern_cmdline *cl = parse_ok(state, line);

	assert_int_equal(cl->nopt, KERN_CMDLINE_TOKENS);
	free(line);
}

static void test_too_many_options(void **state)
{
	char *line = repeat("", "o", KERN_CMDLINE_TOKENS + 1);

	parse_bad(state, line);
	free(line);
}

/* argv[0] takes one of the KERN_CMDLINE_TOKENS slots. */
static void test_max_arguments(void **state)
{
	char *line = repeat("--", "a", KERN_CMDLINE_TOKENS - 1);
	struct kern_cmdline *cl = parse_ok(state, line);

	assert_int_equal(cl->argc, KERN_CMDLINE_TOKENS);
	assert_null(cl->argv[KERN_CMDLINE_TOKENS]);
	free(line);
}

static void test_too_many_arguments(void **state)
{
	char *line = repeat("--", "a", KERN_CMDLINE_TOKENS);

	parse_bad(state, line);
	free(line);
}

static void test_longest_line(void **state)
{
	char *line = malloc(KERN_CMDLINE_MAX);
	struct kern_cmdline *cl;

	assert_non_null(line);
	memset(line, 'x', KERN_CMDLINE_MAX - 1);
	line[KERN_CMDLINE_MAX - 1] = '\0';
	cl = parse_ok(state, line);
	assert_int_equal(cl->nopt, 1);
	assert_int_equal(strlen(cl->opt[0]), KERN_CMDLINE_MAX - 1);
	free(line);
}

static void test_line_too_long(void **state)
{
	char *line = malloc(KERN_CMDLINE_MAX + 1);

	assert_non_null(line);
	memset(line, 'x', KERN_CMDLINE_MAX);
	line[KERN_CMDLINE_MAX] = '\0';
	parse_bad(state, line);
	free(line);
}

static void test_take_value_and_flag(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "log=debug quiet mem= -- x");

	assert_string_equal(kern_cmdline_take(cl, "log"), "debug");
	assert_string_equal(kern_cmdline_take(cl, "quiet"), "");
	assert_string_equal(kern_cmdline_take(cl, "mem"), "");
	assert_null(kern_cmdline_take(cl, "log"));
	assert_null(kern_cmdline_take(cl, "x"));
	assert_null(kern_cmdline_unused(cl));
}

/* env.NAME=value options become the environment, in order, a later NAME
 * replacing an earlier one; they are taken (not unknown); others stay. */
static void test_env(void **state)
{
	struct kern_cmdline *cl =
		parse_ok(state, "env.A=1 log=info env.B_2=two words "
				"env.A=3 env.EMPTY= -- env.ARG=x");
	char *envp[8];

	assert_int_equal(kern_cmdline_env(cl, envp, 7, err, sizeof(err)), 3);
	assert_string_equal(envp[0], "A=3");
	assert_string_equal(envp[1], "B_2=two");
	assert_string_equal(envp[2], "EMPTY=");
	assert_null(envp[3]);
	assert_string_equal(kern_cmdline_unused(cl), "log=info");
	assert_string_equal(cl->argv[1], "env.ARG=x");
}

/* Each malformed env. option is refused, named in the message. */
static void test_env_bad(void **state)
{
	static const char *const bad[] = { "env.A", "env.=x", "env.1A=x",
					   "env.A-B=x", "env.A.B=x" };
	char *envp[4];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kern_cmdline *cl = parse_ok(state, bad[i]);

		err[0] = 0;
		assert_int_equal(
			kern_cmdline_env(cl, envp, 3, err, sizeof(err)),
			-EINVAL);
		assert_non_null(strstr(err, bad[i]));
	}
}

/* More distinct names than room is refused, not cut short. */
static void test_env_too_many(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "env.A=1 env.B=2 env.C=3");
	char *envp[3];

	assert_int_equal(kern_cmdline_env(cl, envp, 2, err, sizeof(err)),
			 -EINVAL);
	assert_true(strlen(err) > 0);
	cl = parse_ok(state, "env.A=1 env.A=2 env.A=3");
	assert_int_equal(kern_cmdline_env(cl, envp, 2, err, sizeof(err)), 1);
	assert_string_equal(envp[0], "A=3");
}

/* Replacing a name needs no room: a full environment still takes it. */
static void test_env_replace_when_full(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "env.A=1 env.A=2");
	char *envp[2];

	assert_int_equal(kern_cmdline_env(cl, envp, 1, err, sizeof(err)), 1);
	assert_string_equal(envp[0], "A=2");
	assert_null(envp[1]);
}

static void test_take_repeated_in_order(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "v=1 w v=2 v");

	assert_string_equal(kern_cmdline_take(cl, "v"), "1");
	assert_string_equal(kern_cmdline_take(cl, "v"), "2");
	assert_string_equal(kern_cmdline_take(cl, "v"), "");
	assert_null(kern_cmdline_take(cl, "v"));
	assert_string_equal(kern_cmdline_unused(cl), "w");
}

static void test_take_no_prefix_match(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "logx=1 logy lo=2");

	assert_null(kern_cmdline_take(cl, "log"));
	assert_null(kern_cmdline_take(cl, "logxy"));
	assert_string_equal(kern_cmdline_take(cl, "logx"), "1");
	assert_string_equal(kern_cmdline_take(cl, "lo"), "2");
	assert_string_equal(kern_cmdline_unused(cl), "logy");
}

static void test_value_keeps_equals(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "a=b=c");

	assert_string_equal(kern_cmdline_take(cl, "a"), "b=c");
}

static void test_unused(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "a b=1 c");

	assert_string_equal(kern_cmdline_unused(cl), "a");
	assert_non_null(kern_cmdline_take(cl, "a"));
	assert_string_equal(kern_cmdline_unused(cl), "b=1");
	assert_non_null(kern_cmdline_take(cl, "c"));
	assert_string_equal(kern_cmdline_unused(cl), "b=1");
	assert_non_null(kern_cmdline_take(cl, "b"));
	assert_null(kern_cmdline_unused(cl));
}

/* An option given twice whose layer takes its name once is left over
 * and names the one taken; repeatable options (taken in a loop, env.)
 * leave nothing over. */
static void test_given_twice(void **state)
{
	struct kern_cmdline *cl = parse_ok(
		state, "log=info net.dns=1.1.1.1 devstats log=debug "
		       "net.dns=8.8.8.8 env.A=1 env.A=2 devstats logx=1");
	char *envp[4];

	assert_string_equal(kern_cmdline_take(cl, "log"), "info");
	assert_non_null(kern_cmdline_take(cl, "devstats"));
	while (kern_cmdline_take(cl, "net.dns"))
		;
	assert_int_equal(kern_cmdline_env(cl, envp, 3, err, sizeof(err)), 1);
	assert_string_equal(envp[0], "A=2");
	assert_string_equal(kern_cmdline_unused(cl), "log=debug");
	assert_string_equal(kern_cmdline_taken_alike(cl, "log=debug"),
			    "log=info");
	assert_non_null(kern_cmdline_take(cl, "log"));
	assert_string_equal(kern_cmdline_unused(cl), "devstats");
	assert_string_equal(kern_cmdline_taken_alike(cl, "devstats"),
			    "devstats");
	assert_non_null(kern_cmdline_take(cl, "devstats"));
	/* Another name that starts the same is not the same option. */
	assert_string_equal(kern_cmdline_unused(cl), "logx=1");
	assert_null(kern_cmdline_taken_alike(cl, "logx=1"));
	assert_null(kern_cmdline_taken_alike(cl, "lo"));
	assert_null(kern_cmdline_taken_alike(cl, "bogus"));
}

static void test_reparse_resets(void **state)
{
	struct kern_cmdline *cl = parse_ok(state, "a b -- c");

	assert_non_null(kern_cmdline_take(cl, "a"));
	cl = parse_ok(state, "a");
	assert_int_equal(cl->nopt, 1);
	assert_int_equal(cl->argc, 1);
	assert_null(cl->argv[1]);
	assert_string_equal(kern_cmdline_unused(cl), "a");
}

/* Parse the baked line and the boot line, expecting success. */
static struct kern_cmdline *baked_ok(void **state, const char *baked,
				     const char *line)
{
	struct kern_cmdline *cl = *state;

	assert_int_equal(kern_cmdline_parse_baked(cl, baked, line, "svc", err,
						  sizeof(err)),
			 0);
	return cl;
}

/* Parse them expecting -EINVAL and a message starting with want. */
static void baked_bad(void **state, const char *baked, const char *line,
		      const char *want)
{
	struct kern_cmdline *cl = *state;

	err[0] = '\0';
	assert_int_equal(kern_cmdline_parse_baked(cl, baked, line, "svc", err,
						  sizeof(err)),
			 -EINVAL);
	if (strncmp(err, want, strlen(want)))
		fail_msg("got \"%s\", want \"%s...\"", err, want);
}

/* With nothing on the boot line, the baked options and arguments are
 * the line, quotes and all. */
static void test_baked_alone(void **state)
{
	struct kern_cmdline *cl = baked_ok(
		state, "log=quiet \"env.MSG=two words\" -- x \"a b\" \"\"", "");
	char *envp[4];

	assert_int_equal(cl->nopt, 2);
	assert_string_equal(kern_cmdline_take(cl, "log"), "quiet");
	assert_int_equal(kern_cmdline_env(cl, envp, 3, err, sizeof(err)), 1);
	assert_string_equal(envp[0], "MSG=two words");
	assert_null(kern_cmdline_unused(cl));
	assert_int_equal(cl->argc, 4);
	assert_string_equal(cl->argv[0], "svc");
	assert_string_equal(cl->argv[1], "x");
	assert_string_equal(cl->argv[2], "a b");
	assert_string_equal(cl->argv[3], "");
	assert_null(cl->argv[4]);
}

/* A boot-line option drops every baked one of its name, whatever the
 * option's rule for repeats: log= takes the first (a second is unknown),
 * net.dns= is a list, env.A= takes the last, a flag once; options of
 * other names stay, baked ones first. */
static void test_boot_options_win(void **state)
{
	struct kern_cmdline *cl = baked_ok(
		state,
		"log=quiet env.A=1 env.AB=x env.B=2 devstats "
		"net.dns=1.1.1.1 net.dns=8.8.8.8 env.C=a=b mm.allow_wx",
		"log=debug env.A=3 devstats=1 net.dns=9.9.9.9 env.C "
		"mm.allow_wx=0");
	char *envp[8];

	assert_int_equal(cl->nopt, 8);
	assert_string_equal(cl->opt[0], "env.AB=x");
	assert_string_equal(cl->opt[1], "env.B=2");
	assert_string_equal(cl->opt[2], "log=debug");
	assert_string_equal(kern_cmdline_take(cl, "log"), "debug");
	assert_null(kern_cmdline_take(cl, "log"));
	assert_string_equal(kern_cmdline_take(cl, "net.dns"), "9.9.9.9");
	assert_null(kern_cmdline_take(cl, "net.dns"));
	assert_string_equal(kern_cmdline_take(cl, "devstats"), "1");
	assert_null(kern_cmdline_take(cl, "devstats"));
	assert_string_equal(kern_cmdline_take(cl, "mm.allow_wx"), "0");
	assert_null(kern_cmdline_take(cl, "mm.allow_wx"));
	/* The boot line's env.C (no '=') is refused, not a baked one. */
	assert_int_equal(kern_cmdline_env(cl, envp, 7, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "env.C:"));
	cl = baked_ok(state, "env.A=1 env.AB=x env.B=2", "env.A=3");
	assert_int_equal(kern_cmdline_env(cl, envp, 7, err, sizeof(err)), 3);
	assert_string_equal(envp[0], "AB=x");
	assert_string_equal(envp[1], "B=2");
	assert_string_equal(envp[2], "A=3");
	assert_null(kern_cmdline_unused(cl));
}

/* The baked line and the boot line are not the same option twice: the
 * boot line's replaces; twice on either line is still twice. */
static void test_given_twice_baked(void **state)
{
	struct kern_cmdline *cl =
		baked_ok(state, "log=quiet devstats", "log=info devstats");

	assert_string_equal(kern_cmdline_take(cl, "log"), "info");
	assert_non_null(kern_cmdline_take(cl, "devstats"));
	assert_null(kern_cmdline_unused(cl));
	cl = baked_ok(state, "log=quiet log=debug", "devstats");
	assert_string_equal(kern_cmdline_take(cl, "log"), "quiet");
	assert_non_null(kern_cmdline_take(cl, "devstats"));
	assert_string_equal(kern_cmdline_unused(cl), "log=debug");
	assert_string_equal(kern_cmdline_taken_alike(cl, "log=debug"),
			    "log=quiet");
	cl = baked_ok(state, "log=quiet", "log=info log=debug");
	assert_string_equal(kern_cmdline_take(cl, "log"), "info");
	assert_string_equal(kern_cmdline_unused(cl), "log=debug");
	assert_string_equal(kern_cmdline_taken_alike(cl, "log=debug"),
			    "log=info");
}

/* The boot line's arguments replace the baked ones when it has any. */
static void test_boot_args_win(void **state)
{
	struct kern_cmdline *cl = baked_ok(state, "-- b1 b2", "-- x");

	assert_int_equal(cl->argc, 2);
	assert_string_equal(cl->argv[1], "x");
	assert_null(cl->argv[2]);
	cl = baked_ok(state, "-- b1 b2", "log=info --");
	assert_int_equal(cl->argc, 3);
	assert_string_equal(cl->argv[1], "b1");
	assert_string_equal(cl->argv[2], "b2");
	assert_null(cl->argv[3]);
	cl = baked_ok(state, "o -- b1", "p");
	assert_int_equal(cl->argc, 2);
	assert_string_equal(cl->argv[1], "b1");
	assert_int_equal(cl->nopt, 2);
	/* "--" ends a line's options only: the boot line's start fresh. */
	cl = baked_ok(state, "-- b1", "q -- x");
	assert_int_equal(cl->nopt, 1);
	assert_string_equal(cl->opt[0], "q");
	assert_string_equal(cl->argv[1], "x");
	/* No baked line is kern_cmdline_parse. */
	cl = baked_ok(state, NULL, "a -- b");
	assert_int_equal(cl->nopt, 1);
	assert_int_equal(cl->argc, 2);
	cl = baked_ok(state, "", "a -- b");
	assert_int_equal(cl->nopt, 1);
	assert_int_equal(cl->argc, 2);
}

/* A malformed baked line is named as such; the boot line's errors are
 * not. */
static void test_baked_bad(void **state)
{
	char *line = malloc(KERN_CMDLINE_MAX + 1), *many;

	assert_non_null(line);
	baked_bad(state, "env.A=\"x", "",
		  "baked command line: unterminated "
		  "quote in 'env.A=x'");
	baked_bad(state, "a", "b=\"x", "unterminated quote in 'b=x'");
	memset(line, 'x', KERN_CMDLINE_MAX);
	line[KERN_CMDLINE_MAX] = '\0';
	baked_bad(state, line, "",
		  "baked command line: command line longer than 4095 bytes");
	baked_bad(state, "a", line, "command line longer than 4095 bytes");
	line[KERN_CMDLINE_MAX - 1] = '\0';
	baked_ok(state, line, "");
	many = repeat("--", "a", KERN_CMDLINE_TOKENS);
	baked_bad(state, many, "", "baked command line: too many arguments");
	free(many);
	many = repeat("", "o", KERN_CMDLINE_TOKENS + 1);
	baked_bad(state, many, "", "baked command line: too many arguments");
	free(many);
	free(line);
}

/* Each line has its own limits: both at their longest and fullest fit. */
static void test_baked_limits_per_line(void **state)
{
	char *line = malloc(KERN_CMDLINE_MAX), *b, *o;
	struct kern_cmdline *cl;

	assert_non_null(line);
	memset(line, 'x', KERN_CMDLINE_MAX - 1);
	line[KERN_CMDLINE_MAX - 1] = '\0';
	cl = baked_ok(state, line, line); /* one name: the baked one goes */
	assert_int_equal(cl->nopt, 1);
	line[0] = 'y';
	cl = baked_ok(state, line, line + 1);
	assert_int_equal(cl->nopt, 2);
	assert_int_equal(strlen(cl->opt[0]), KERN_CMDLINE_MAX - 1);
	b = repeat("", "b", KERN_CMDLINE_TOKENS);
	o = repeat("", "o", KERN_CMDLINE_TOKENS);
	cl = baked_ok(state, b, o); /* repeats within a line all stay */
	assert_int_equal(cl->nopt, 2 * KERN_CMDLINE_TOKENS);
	assert_string_equal(cl->opt[0], "b");
	assert_string_equal(cl->opt[2 * KERN_CMDLINE_TOKENS - 1], "o");
	free(b);
	free(o);
	b = repeat("--", "b", KERN_CMDLINE_TOKENS - 1);
	o = repeat("--", "a", KERN_CMDLINE_TOKENS - 1);
	cl = baked_ok(state, b, o);
	assert_int_equal(cl->argc, KERN_CMDLINE_TOKENS);
	assert_string_equal(cl->argv[1], "a");
	assert_null(cl->argv[KERN_CMDLINE_TOKENS]);
	free(b);
	free(o);
	free(line);
}

/* Sizes as Linux's memparse reads them, the rest of the text left. */
static void test_parse_size(void **state)
{
	static const struct {
		const char *in;
		int r;
		uint64_t v;
		const char *rest;
	} cases[] = {
		{ "0", 0, 0, "" },
		{ "4096", 0, 4096, "" },
		{ "64k", 0, 65536, "" },
		{ "64K", 0, 65536, "" },
		{ "3m", 0, 3 << 20, "" },
		{ "2G", 0, 2ULL << 30, "" },
		{ "0x10M", 0, 16 << 20, "" },
		{ "010", 0, 8, "" },
		{ "25%", 0, 25, "%" },
		{ "1Gx", 0, 1ULL << 30, "x" },
		{ "17179869184G", -ERANGE, 0, NULL },
		{ "18446744073709551616", -ERANGE, 0, NULL },
		{ "", -EINVAL, 0, NULL },
		{ "-1", -EINVAL, 0, NULL },
		{ " 1", -EINVAL, 0, NULL },
		{ "K", -EINVAL, 0, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].in;
		uint64_t v = 0;

		assert_int_equal(kern_parse_size(&s, &v), cases[i].r);
		if (cases[i].r)
			continue;
		assert_int_equal(v, cases[i].v);
		assert_string_equal(s, cases[i].rest);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_split_at_dashes),
		T(test_parse_size),
		T(test_baked_alone),
		T(test_boot_options_win),
		T(test_boot_args_win),
		T(test_baked_bad),
		T(test_baked_limits_per_line),
		T(test_second_dashes_is_argument),
		T(test_no_dashes_all_options),
		T(test_empty_line),
		T(test_argv0_is_name),
		T(test_blanks_separate),
		T(test_env),
		T(test_env_bad),
		T(test_env_too_many),
		T(test_env_replace_when_full),
		T(test_mmio_taken_out),
		T(test_mmio_prefix_only),
		T(test_too_many_mmio),
		T(test_quotes_group_blanks),
		T(test_empty_quoted_args),
		T(test_unterminated_quote),
		T(test_unterminated_quote_in_option),
		T(test_max_options),
		T(test_too_many_options),
		T(test_max_arguments),
		T(test_too_many_arguments),
		T(test_longest_line),
		T(test_line_too_long),
		T(test_take_value_and_flag),
		T(test_take_repeated_in_order),
		T(test_take_no_prefix_match),
		T(test_value_keeps_equals),
		T(test_unused),
		T(test_given_twice),
		T(test_given_twice_baked),
		T(test_reparse_resets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
