/* Unit tests of kernel/fs/fdtable.c: the descriptor table's lowest-free
 * allocation, close, dup/dup2/F_DUPFD rules, FD_CLOEXEC and EMFILE. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fs/fdtable.h"

struct fixture {
	struct kern_fdtable t;
	struct kern_file *storage[KERN_FD_MAX];
};

/* Distinct fake files: only their addresses matter here. */
static char files[8];
#define F(i) ((struct kern_file *)&files[i])

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	kern_fdtable_init(&x->t, x->storage, KERN_FD_MAX);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void test_lowest_first(void **state)
{
	struct kern_fdtable *t = &((struct fixture *)*state)->t;

	for (int i = 0; i < 5; i++)
		assert_int_equal(kern_fdtable_alloc(t, 0, F(0), 0), i);
	assert_ptr_equal(kern_fdtable_take(t, 1), F(0));
	assert_ptr_equal(kern_fdtable_take(t, 3), F(0));
	assert_int_equal(kern_fdtable_alloc(t, 0, F(1), 0), 1);
	assert_int_equal(kern_fdtable_alloc(t, 0, F(2), 0), 3);
	assert_int_equal(kern_fdtable_alloc(t, 0, F(2), 0), 5);
	assert_ptr_equal(kern_fdtable_get(t, 3), F(2));
	assert_int_equal(kern_fdtable_count(t), 6);
}

static void test_take_closed(void **state)
{
	struct kern_fdtable *t = &((struct fixture *)*state)->t;

	assert_null(kern_fdtable_take(t, 0));
	assert_null(kern_fdtable_take(t, -1));
	assert_null(kern_fdtable_take(t, KERN_FD_MAX));
	assert_null(kern_fdtable_get(t, KERN_FD_MAX + 5));
	assert_int_equal(kern_fdtable_alloc(t, 0, F(0), 0), 0);
	assert_non_null(kern_fdtable_take(t, 0));
	assert_null(kern_fdtable_take(t, 0)); /* twice: EBADF */
}

static void test_min(void **state)
{
	struct kern_fdtable *t = &((struct fixture *)*state)->t;

	assert_int_equal(kern_fdtable_alloc(t, 10, F(0), 0), 10);
	assert_int_equal(kern_fdtable_alloc(t, 10, F(0), 0), 11);
	assert_int_equal(kern_fdtable_alloc(t, 63, F(0), 0), 63);
	assert_int_equal(kern_fdtable_alloc(t, 63, F(0), 0), 64);
	assert_int_equal(kern_fdtable_alloc(t, 0, F(0), 0), 0);
	assert_int_equal(kern_fdtable_alloc(t, -1, F(0), 0), -EINVAL);
	assert_int_equal(kern_fdtable_alloc(t, KERN_FD_MAX, F(0), 0), -EINVAL);
	assert_int_equal(kern_fdtable_alloc(t, KERN_FD_MAX - 1, F(0), 0),
			 KERN_FD_MAX - 1);
	assert_int_equal(kern_fdtable_alloc(t, KERN_FD_MAX - 1, F(0), 0),
			 -EMFILE);
}

static void test_emfile(void **state)
{
	struct kern_fdtable *t = &((struct fixture *)*state)->t;

	for (int i = 0; i < KERN_FD_MAX; i++)
		assert_int_equal(kern_fdtable_alloc(t, 0, F(0), 0), i);
	assert_int_equal(kern_fdtable_alloc(t, 0, F(1), 0), -EMFILE);
	assert_int_equal(kern_fdtable_count(t), KERN_FD_MAX);
	kern_fdtable_take(t, 1234);
	assert_int_equal(kern_fdtable_alloc(t, 0, F(1), 0), 1234);
	assert_int_equal(kern_fdtable_alloc(t, 0, F(1), 0), -EMFILE);
}

static void test_small_table(void **state)
{
	struct kern_fdtable *t = &((struct fixture *)*state)->t;
	struct kern_file *d;

	kern_fdtable_init(t, ((struct fixture *)*state)->storage, 70);
	for (int i = 0; i < 70; i++)
		assert_int_equal(kern_fdtable_alloc(t, 0, F(0), 0), i);
	assert_int_equal(kern_fdtable_alloc(t, 0, F(0), 0), -EMFILE);
	assert_int_equal(kern_fdtable_alloc(t, 70, F(0), 0), -EINVAL);
	assert_int_equal(kern_fdtable_dup2(t, 0, 70, 0, &d), -EBADF);
	assert_int_equal(kern_fdtable_dup2(t, 0, 69, 0, &d), 69);
}

static void test_dup2(void **state)
{
	struct kern_fdtable *t = &((struct fixture *)*state)->t;
	struct kern_file *d = F(7);

	kern_fdtable_alloc(t, 0, F(0), 0);
	kern_fdtable_alloc(t, 0, F(1), 1);
	/* onto a closed descriptor: nothing displaced */
	assert_int_equal(kern_fdtable_dup2(t, 0, 9, 0, &d), 9);
	assert_null(d);
	assert_ptr_equal(kern_fdtable_get(t, 9), F(0));
	/* onto an open one: it is closed first, FD_CLOEXEC from the call */
	assert_int_equal(kern_fdtable_dup2(t, 0, 1, 0, &d), 1);
	assert_ptr_equal(d, F(1));
	assert_ptr_equal(kern_fdtable_get(t, 1), F(0));
	assert_int_equal(kern_fdtable_cloexec(t, 1), 0);
	assert_int_equal(kern_fdtable_dup2(t, 0, 2, 1, &d), 2);
	assert_int_equal(kern_fdtable_cloexec(t, 2), 1);
	/* the same descriptor: nothing changes */
	assert_int_equal(kern_fdtable_dup2(t, 2, 2, 0, &d), 2);
	assert_null(d);
	assert_int_equal(kern_fdtable_cloexec(t, 2), 1);
	/* closed or out of range: EBADF, and newfd is left alone */
	assert_int_equal(kern_fdtable_dup2(t, 5, 1, 0, &d), -EBADF);
	assert_ptr_equal(kern_fdtable_get(t, 1), F(0));
	assert_int_equal(kern_fdtable_dup2(t, 5, 5, 0, &d), -EBADF);
	assert_int_equal(kern_fdtable_dup2(t, 0, -1, 0, &d), -EBADF);
	assert_int_equal(kern_fdtable_dup2(t, 0, KERN_FD_MAX, 0, &d), -EBADF);
	assert_int_equal(kern_fdtable_dup2(t, -3, 1, 0, &d), -EBADF);
}

static void test_cloexec(void **state)
{
	struct kern_fdtable *t = &((struct fixture *)*state)->t;

	assert_int_equal(kern_fdtable_alloc(t, 0, F(0), 1), 0);
	assert_int_equal(kern_fdtable_cloexec(t, 0), 1);
	assert_int_equal(kern_fdtable_set_cloexec(t, 0, 0), 0);
	assert_int_equal(kern_fdtable_cloexec(t, 0), 0);
	assert_int_equal(kern_fdtable_cloexec(t, 1), -EBADF);
	assert_int_equal(kern_fdtable_set_cloexec(t, 1, 1), -EBADF);
	/* a closed descriptor forgets its flag */
	kern_fdtable_set_cloexec(t, 0, 1);
	kern_fdtable_take(t, 0);
	assert_int_equal(kern_fdtable_alloc(t, 0, F(0), 0), 0);
	assert_int_equal(kern_fdtable_cloexec(t, 0), 0);
}

/* A model: an array, searched linearly. */
static void test_against_model(void **state)
{
	struct kern_fdtable *t = &((struct fixture *)*state)->t;
	static struct kern_file *model[KERN_FD_MAX];
	uint64_t s = 42;

	for (int i = 0; i < 200000; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		int fd = (int)((s >> 33) % 600), min = (int)((s >> 20) % 300);

		if ((s >> 60) < 8) {
			int want = min;

			while (want < KERN_FD_MAX && model[want])
				want++;
			if (want == KERN_FD_MAX)
				want = -EMFILE;
			else
				model[want] = F(fd % 8);
			assert_int_equal(
				kern_fdtable_alloc(t, min, F(fd % 8), 0), want);
		} else {
			assert_ptr_equal(kern_fdtable_take(t, fd), model[fd]);
			model[fd] = NULL;
		}
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lowest_first), T(test_take_closed),   T(test_min),
		T(test_emfile),	      T(test_small_table),   T(test_dup2),
		T(test_cloexec),      T(test_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
