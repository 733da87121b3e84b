# Which optional parts of libos an image needs, from the musl functions
# its service calls (cmake/OsExecutable.cmake runs this script). The
# network stack, the file tree and the kernel's epoll, poll/select,
# eventfd, timerfd and interval timers are reached only through bare system calls, which the
# link cannot connect to their code: so a first link of the service
# against musl alone (pass 0) shows which of musl's members it pulls in,
# and each part whose members appear goes into the image.
#
#   cmake -DMODE=detect -DMAP=<pass 0 map> -DUSES=<a,b> -DOUT=<file>
#         -P OsParts.cmake
#     writes OUT, the linker options forcing each detected or declared
#     (USES) part into the link, one per line (a GCC response file), and
#     OUT.txt with the parts' names, one per line;
#   cmake -DMODE=check -DMAP=<pass 1 map> -DPARTS=<OUT.txt> -DNAME=<image>
#         -P OsParts.cmake
#     fails (status 1, naming the call and who made it) when the image's
#     own link pulled in a member of a part that is not in it: the image
#     would answer those calls with ENOSYS.
cmake_minimum_required(VERSION 3.25)

# part: musl members (src/network, src/linux, src/select, ...) ...
set(_os_part_members_net socket socketpair bind connect listen accept
  accept4 send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg
  shutdown getsockname getpeername getsockopt setsockopt)
set(_os_part_members_epoll epoll)
set(_os_part_members_poll poll ppoll select pselect)
set(_os_part_members_eventfd eventfd)
set(_os_part_members_timerfd timerfd)
set(_os_part_members_itimer setitimer getitimer alarm ualarm)
set(_os_part_members_files open openat creat fopen freopen __fopen_rb_ca
  opendir fdopendir readdir scandir nftw ftw glob getdents stat lstat fstatat
  access faccessat euidaccess readlink readlinkat realpath getcwd chdir fchdir
  mkdir mkdirat rmdir unlink unlinkat remove rename renameat symlink symlinkat
  truncate ftruncate chmod fchmod fchmodat umask fsync fdatasync pread pwrite
  preadv pwritev tmpfile mkstemp mkstemps mkostemps mkdtemp tempnam tmpnam
  sendfile)
# ... and the symbol that brings the part into the link.
set(_os_part_anchor_net net_init)
set(_os_part_anchor_epoll sys_epoll_create1)
set(_os_part_anchor_poll sys_poll)
set(_os_part_anchor_eventfd sys_eventfd2)
set(_os_part_anchor_timerfd sys_timerfd_create)
set(_os_part_anchor_itimer sys_setitimer)
set(_os_part_anchor_files kern_fs_setup)
set(_os_parts net epoll poll eventfd timerfd itimer files)

# Set <out> to the list "part member by" of musl members of any part
# that the map says were pulled in, "by" being what asked for them. ld
# prints a member at the start of a line, with "by" after it on the same
# line when the archive's path is short (under 29 characters with the
# member), else on the next line, indented.
function(_os_parts_pulled map out)
  file(STRINGS "${map}" lines)
  set(found)
  set(pending)
  foreach(line IN LISTS lines)
    if(line MATCHES "^(Memory Configuration|Discarded input sections)")
      break()
    endif()
    if(pending)
      string(STRIP "${line}" by)
      string(REPLACE ";" " " by "${by}")
      list(APPEND found "${pending}|${by}")
      set(pending)
    endif()
    if(line MATCHES "^[^ \t(]*libc\\.a\\(([a-z0-9_]+)\\.lo\\)[ \t]*(.*)$")
      set(member ${CMAKE_MATCH_1})
      string(REPLACE ";" " " by "${CMAKE_MATCH_2}")
      foreach(part IN LISTS _os_parts)
        if(NOT member IN_LIST _os_part_members_${part})
          continue()
        elseif(by STREQUAL "")
          set(pending "${part}|${member}")
        else()
          list(APPEND found "${part}|${member}|${by}")
        endif()
      endforeach()
    endif()
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

string(REPLACE "," ";" USES "${USES}")
_os_parts_pulled("${MAP}" pulled)
if(MODE STREQUAL "detect")
  set(parts ${USES})
  foreach(p IN LISTS pulled)
    string(REPLACE "|" ";" p "${p}")
    list(GET p 0 part)
    list(APPEND parts ${part})
  endforeach()
  list(REMOVE_DUPLICATES parts)
  set(opts "")
  foreach(part IN LISTS parts)
    if(NOT DEFINED _os_part_anchor_${part})
      message(FATAL_ERROR "unknown part '${part}' (known: ${_os_parts})")
    endif()
    string(APPEND opts "-Wl,-u,${_os_part_anchor_${part}}\n")
  endforeach()
  # Rewrite only on change, so that images relink only when they must.
  file(CONFIGURE OUTPUT "${OUT}" CONTENT "${opts}")
  string(REPLACE ";" "\n" names "${parts}")
  file(CONFIGURE OUTPUT "${OUT}.txt" CONTENT "${names}\n")
elseif(MODE STREQUAL "check")
  file(STRINGS "${PARTS}" parts)
  foreach(p IN LISTS pulled)
    string(REPLACE "|" ";" p "${p}")
    list(GET p 0 part)
    list(GET p 1 member)
    list(GET p 2 by)
    if(NOT part IN_LIST parts)
      message(FATAL_ERROR "${NAME}: ${by} calls ${member}() (musl's "
        "${member}.lo), but the image was linked without libos's ${part} "
        "part, so the call would fail with ENOSYS. The first link of the "
        "service alone (pass 0) did not see the call: name the part in "
        "os_add_executable(... USES ${part}).")
    endif()
  endforeach()
else()
  message(FATAL_ERROR "OsParts.cmake: MODE must be detect or check")
endif()
