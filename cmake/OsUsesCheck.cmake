# The check behind os_add_executable()'s USES (cmake/OsExecutable.cmake):
# run on pass 1's link map, it fails the build when the service pulled in
# one of musl's socket calls while not saying USES net. Those calls are
# bare system calls that nothing in the link would connect to net/, so
# the image would boot without a network stack and every call would fail
# with ENOSYS.
#
#   cmake -DMAP=<pass 1 map> -DNAME=<image> -DUSES=<part,part,...>
#         -P OsUsesCheck.cmake
#
# Exits 0 when the image declares what it uses, 1 with a message naming
# the call and the object that made it otherwise.

cmake_minimum_required(VERSION 3.25)

# musl's members that are the socket API (getaddrinfo and the resolver
# reach them too, so they count through them).
set(_net_members socket socketpair bind connect listen accept accept4
  send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg shutdown
  getsockname getpeername getsockopt setsockopt)

string(REPLACE "," ";" USES "${USES}")
if("net" IN_LIST USES)
  return()
endif()
file(STRINGS "${MAP}" lines)
set(want "")
foreach(line IN LISTS lines)
  if(want)
    string(STRIP "${line}" by)
    message(FATAL_ERROR "${NAME}: the service calls ${want}() (libc.a's "
      "${want}.lo, pulled in by ${by}), but its os_add_executable() does "
      "not say USES net: the image would have no network stack. Add "
      "USES net.")
  endif()
  if(line MATCHES "^Memory Configuration")
    break()
  endif()
  foreach(m IN LISTS _net_members)
    if(line MATCHES "libc\\.a\\(${m}\\.lo\\)$")
      set(want ${m})
    endif()
  endforeach()
endforeach()
