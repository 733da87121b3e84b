# cmake -DHEADER=<musl bits/syscall.h> -DOUT=<file.c> -P SyscallNames.cmake
# Writes kern_syscall_name(): the Linux x86_64 system-call names by number,
# taken from musl's own header so that they always match its numbers.
# Packed, to keep every image small: all names in one string, NUL after
# each, and a 16-bit offset per number (0xffff where there is no call).
file(STRINGS ${HEADER} lines REGEX "^#define __NR_[a-z0-9_]+[ \t]+[0-9]+$")
set(max -1)
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^#define __NR_([a-z0-9_]+)[ \t]+([0-9]+)$" "\\2"
         nr "${line}")
  string(REGEX REPLACE "^#define __NR_([a-z0-9_]+)[ \t]+([0-9]+)$" "\\1"
         name "${line}")
  set(name_${nr} ${name})
  if(nr GREATER max)
    set(max ${nr})
  endif()
endforeach()
set(strings "")
set(offsets "")
set(at 0)
foreach(nr RANGE ${max})
  if(DEFINED name_${nr})
    string(APPEND strings "\t\"${name_${nr}}\\0\"\n")
    string(APPEND offsets "\t${at}, /* ${nr} */\n")
    string(LENGTH "${name_${nr}}" len)
    math(EXPR at "${at} + ${len} + 1")
  else()
    string(APPEND offsets "\t0xffff, /* ${nr} */\n")
  endif()
endforeach()
if(at GREATER 65535)
  message(FATAL_ERROR "system-call names exceed 16-bit offsets")
endif()
file(WRITE ${OUT} "/* Generated from ${HEADER}: do not edit. */
#include <stdint.h>

#include <kern/syscall.h>

static const char strings[] =
${strings};

static const uint16_t offsets[] = {
${offsets}};

const char *kern_syscall_name(long nr)
{
	if (nr < 0 || nr >= (long)(sizeof(offsets) / sizeof(offsets[0])) ||
	    offsets[nr] == 0xffff)
		return 0;
	return strings + offsets[nr];
}
")
