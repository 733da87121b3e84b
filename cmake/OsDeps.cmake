# Where the Debian packages put what libos builds against: musl-dev's
# headers, libc.a and the compiler's own headers and libgcc.a, and the
# dependency sources libos compiles itself (lwIP, http-parser, mbedTLS), which
# tools/bootstrap fetches with apt-get source and unpacks with Debian's
# patches into a cache outside the build tree.

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

# The source cache tools/bootstrap fills: $OS_SRC_CACHE, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/libos/src.
if(DEFINED ENV{OS_SRC_CACHE} AND NOT "$ENV{OS_SRC_CACHE}" STREQUAL "")
  set(_os_src_cache "$ENV{OS_SRC_CACHE}")
elseif(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_os_src_cache "$ENV{XDG_CACHE_HOME}/libos/src")
else()
  set(_os_src_cache "$ENV{HOME}/.cache/libos/src")
endif()

set(OS_LWIP_DIR ${_os_src_cache}/lwip-2.1.3+dfsg1
    CACHE PATH "lwIP 2.1.3 sources (Debian's lwip source package, unpacked)")
if(NOT EXISTS ${OS_LWIP_DIR}/src/Filelists.cmake
   OR NOT EXISTS ${OS_LWIP_DIR}/src/include/lwip/init.h)
  message(FATAL_ERROR "lwIP sources not found in ${OS_LWIP_DIR}; run "
    "tools/bootstrap (it fetches Debian's lwip source package), or point "
    "-DOS_LWIP_DIR at an unpacked lwip 2.1.3+dfsg1 tree")
endif()

set(OS_HTTP_PARSER_DIR ${_os_src_cache}/http-parser-2.9.4
    CACHE PATH "http-parser 2.9.4 sources (Debian's source package)")
if(NOT EXISTS ${OS_HTTP_PARSER_DIR}/http_parser.c
   OR NOT EXISTS ${OS_HTTP_PARSER_DIR}/http_parser.h)
  message(FATAL_ERROR "http-parser sources not found in "
    "${OS_HTTP_PARSER_DIR}; run tools/bootstrap (it fetches Debian's "
    "http-parser source package), or point -DOS_HTTP_PARSER_DIR at an "
    "unpacked http-parser 2.9.4 tree")
endif()

set(OS_MBEDTLS_DIR ${_os_src_cache}/mbedtls-3.6.6
    CACHE PATH "mbedTLS 3.6.6 sources (Debian 13's mbedtls source package)")
if(NOT EXISTS ${OS_MBEDTLS_DIR}/library/ssl_tls.c
   OR NOT EXISTS ${OS_MBEDTLS_DIR}/include/mbedtls/ssl.h)
  message(FATAL_ERROR "mbedTLS sources not found in ${OS_MBEDTLS_DIR}; run "
    "tools/bootstrap (it fetches Debian 13's mbedtls source package), or "
    "point -DOS_MBEDTLS_DIR at an unpacked mbedtls 3.6.6 tree")
endif()
