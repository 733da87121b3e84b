/* What os_add_executable bakes into an image beside the code
 * (cmake/OsExecutable.cmake writes them in an assembly file of its own;
 * an image built without them has none, so they are weak: the address of
 * a missing one is 0).
 *
 * FILES <dir>[=<mount>]...: the tree tools/mkcpio packed, a cpio newc
 * archive (kernel/fs/cpio.h) in the read-only section .kern_baked, which
 * starts on a page (arch/x86_64/linker.ld keeps it from --gc-sections),
 * so that every regular file's data, starting on a page of the archive,
 * starts on a page of memory. An image has the tree when
 * &kern_baked_files_size != 0; kern_baked_files_size is its bytes.
 *
 * ENV NAME=value... and CMDLINE "options -- args": the baked command
 * line, NUL-ended, ENV's entries first as env.NAME=value options, with
 * the quoting of kern/cmdline.h. kern_options_parse splits it before the
 * boot line, which overrides it (kern_cmdline_parse_baked). Absent when
 * kern_baked_cmdline is 0. */
#ifndef KERN_BAKED_H
#define KERN_BAKED_H

extern const unsigned char kern_baked_files[] __attribute__((weak));
extern const unsigned long kern_baked_files_size __attribute__((weak));
extern const char kern_baked_cmdline[] __attribute__((weak));

#endif
