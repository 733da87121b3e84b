/* Host stand-ins for the memory and copy hooks under the file tree
 * (kernel/fs/node.c, tmpfs.c, overlay.c) in the unit tests test_fs_node,
 * test_tmpfs and test_overlay: frames from the C heap, counted, with a
 * switch that makes kern_mm_try_alloc fail as when memory runs out. */
#ifndef TEST_UNIT_FS_MOCKS_H
#define TEST_UNIT_FS_MOCKS_H

#include <stddef.h>

/* Frames handed out by kern_mm_try_alloc and not yet freed. */
extern size_t mock_try_frames;

/* kern_mm_try_alloc succeeds this many more times, then returns NULL
 * (negative: always succeeds, the default). */
extern long mock_try_left;

/* kern_mm_try_alloc refuses requests of more frames than this (0: no
 * limit): the file tree's table of names cannot grow, its pools can. */
extern size_t mock_try_max;

#endif
