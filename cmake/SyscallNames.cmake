# cmake -DHEADER=<musl bits/syscall.h> -DOUT=<file.c> -P SyscallNames.cmake
# Writes kern_syscall_name(): the Linux x86_64 system-call names by number,
# taken from musl's own header so that they always match its numbers.
file(STRINGS ${HEADER} lines REGEX "^#define __NR_[a-z0-9_]+[ \t]+[0-9]+$")
set(body "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^#define __NR_([a-z0-9_]+)[ \t]+([0-9]+)$"
         "\t[\\2] = \"\\1\",\n" entry "${line}")
  string(APPEND body "${entry}")
endforeach()
file(WRITE ${OUT} "/* Generated from ${HEADER}: do not edit. */
#include <kern/syscall.h>

static const char *const names[] = {
${body}};

const char *kern_syscall_name(long nr)
{
	if (nr < 0 || nr >= (long)(sizeof(names) / sizeof(names[0])))
		return 0;
	return names[nr];
}
")
