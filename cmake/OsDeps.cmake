# Where the Debian packages put what libos builds against: musl-dev's
# headers, libc.a and the compiler's own headers and libgcc.a.
# tools/bootstrap installs them.

set(OS_MUSL_INCLUDE_DIR /usr/include/x86_64-linux-musl
    CACHE PATH "musl headers (Debian musl-dev)")
set(OS_MUSL_LIBC /usr/lib/x86_64-linux-musl/libc.a
    CACHE FILEPATH "musl's static libc (Debian musl-dev)")

if(NOT EXISTS ${OS_MUSL_INCLUDE_DIR}/stdio.h OR NOT EXISTS ${OS_MUSL_LIBC})
  message(FATAL_ERROR "musl not found (${OS_MUSL_LIBC}); run tools/bootstrap")
endif()

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
  OUTPUT_VARIABLE OS_CC_INCLUDE_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-libgcc-file-name
  OUTPUT_VARIABLE OS_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE)
