# os_add_executable(<name> SOURCES <src>... [USES <part>...]
#                   [LIBRARIES <lib>...] [FILES <dir>[=<mount>]...]
#                   [FILES_DEPENDS <file-or-target>...]
#                   [ENV NAME=value...] [CMDLINE "options -- args"])
#
# <part>: net, files, epoll, poll, eventfd, timerfd, itimer
# (cmake/OsParts.cmake). FILES brings the files part (docs/files.md).
#
# Builds <name>.elf, a bootable libos image: the service's sources linked
# with the libos archives, musl's libc.a and libgcc into one ELF with a PVH
# note. Linking happens twice: pass 1 with an empty symbol table, then
# tools/mksyms writes the table of pass 1's functions and pass 2 links it
# in (last in the image, so no address moves; a post-build check proves
# it). The service's objects are compiled -O2 with assert() kept (-UNDEBUG,
# whatever the build type says); NDEBUG as an option compiles them out.
#
# Include this file where OS_LIBRARIES (top layer first), OS_LINKER_SCRIPT,
# OS_MKSYMS, OS_MKCPIO, OS_GUEST_FLAGS, OS_MUSL_LIBC and OS_LIBGCC are set
# (libos's own CMakeLists.txt, or libosConfig.cmake when libos is
# installed): it records them, so os_add_executable works from any
# directory of the project that includes libos, by add_subdirectory or
# find_package.
#
# An image contains only what its service uses (docs/architecture.md,
# "What goes into an image"). Parts the service reaches by calling their
# functions come with the call: os_blk_* brings the block-device layer
# and virtio-blk, os_net_* the network devices and virtio-net. Parts
# reached only through bare system calls (the network stack, the file
# tree; epoll, poll/select, eventfd, timerfd, interval timers) are found
# by pass 0, a link of the service against musl alone whose map shows
# which of musl's members it pulls in (cmake/OsParts.cmake). USES
# <part>... adds parts the service reaches some other way (syscall(2) by
# number). Pass 1's map is checked again, so a call into a part left out
# fails the build.
#
# FILES bakes host directories into the image (kern/baked.h): tools/mkcpio
# packs each <dir> (relative to the calling CMakeLists.txt's directory)
# under <mount> (default /) into <name>.files.cpio at build time, again
# whenever a file or directory under them changes, and <name>.baked.S
# places it, page-aligned, in the read-only section .kern_baked. The
# files under <dir> are found when CMake configures; a file the build
# itself writes there (a compiled database, say) is named in
# FILES_DEPENDS (its path, as the OUTPUT of the custom command that
# writes it, and/or that command's target), so the archive is packed
# after it and again whenever it changes. ENV and
# CMDLINE bake the command line's defaults: ENV's entries become kernel
# options env.NAME=value (quoted when the value has blanks; no '"' or
# newline in a value, no ';' since CMake splits lists there), then
# CMDLINE's text, written with the kernel's quoting ("..." groups
# blanks). The boot command line overrides them (kern_cmdline_parse_baked:
# an option it names replaces the baked ones of that name; its arguments
# after -- replace the baked ones if it has any).
set(_os_config_vars OS_LIBRARIES OS_LINKER_SCRIPT OS_MKSYMS OS_MKCPIO
  OS_GUEST_FLAGS OS_MUSL_LIBC OS_LIBGCC)
foreach(_v ${_os_config_vars})
  if(NOT DEFINED ${_v})
    message(FATAL_ERROR "OsExecutable.cmake: ${_v} is not set")
  endif()
  set_property(GLOBAL PROPERTY _${_v} "${${_v}}")
endforeach()
set_property(GLOBAL PROPERTY _OS_PARTS ${CMAKE_CURRENT_LIST_DIR}/OsParts.cmake)

# Set the recorded configuration in the caller's scope (a function's:
# the helpers it calls see it).
macro(_os_load_config)
  foreach(_v OS_LIBRARIES OS_LINKER_SCRIPT OS_MKSYMS OS_MKCPIO
      OS_GUEST_FLAGS OS_MUSL_LIBC OS_LIBGCC OS_PARTS)
    get_property(${_v} GLOBAL PROPERTY _${_v})
  endforeach()
  set(_OS_PARTS ${OS_PARTS})
endmacro()

# The baked command line from ENV entries and CMDLINE text, into var.
function(_os_baked_cmdline name var env cmdline)
  set(words)
  foreach(e IN LISTS env)
    if(NOT e MATCHES "^[A-Za-z_][A-Za-z0-9_]*=" OR e MATCHES "[\"\n]")
      message(FATAL_ERROR "os_add_executable(${name}): ENV ${e}: not "
        "NAME=value (NAME of letters, digits and '_'; no '\"' or newline "
        "in value)")
    endif()
    if(e MATCHES "[ \t]")
      list(APPEND words "\"env.${e}\"")
    else()
      list(APPEND words "env.${e}")
    endif()
  endforeach()
  if(NOT cmdline STREQUAL "")
    list(APPEND words "${cmdline}")
  endif()
  list(JOIN words " " line)
  string(LENGTH "${line}" len)
  if(len GREATER 4095)
    message(FATAL_ERROR "os_add_executable(${name}): baked command line "
      "of ${len} bytes, longer than the kernel's 4095")
  endif()
  set(${var} "${line}" PARENT_SCOPE)
endfunction()

# The archive of FILES, <dir>/<name>.files.cpio, made by tools/mkcpio.
function(_os_baked_files name archive files_depends)
  set(args)
  set(deps ${files_depends})
  foreach(f ${ARGN})
    string(FIND "${f}" "=" eq REVERSE)
    set(mount "")
    set(src "${f}")
    if(NOT eq EQUAL -1)
      string(SUBSTRING "${f}" 0 ${eq} src)
      string(SUBSTRING "${f}" ${eq} -1 mount)
    endif()
    get_filename_component(src "${src}" ABSOLUTE
      BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    if(NOT IS_DIRECTORY "${src}")
      message(FATAL_ERROR "os_add_executable(${name}): FILES ${f}: "
        "${src} is not a directory")
    endif()
    # Every file and directory as a dependency (a directory's mtime
    # moves when an entry is added, removed or renamed), but no symlink,
    # whose target may not exist.
    file(GLOB_RECURSE found LIST_DIRECTORIES true CONFIGURE_DEPENDS
      "${src}/*")
    list(APPEND deps "${src}")
    foreach(p IN LISTS found)
      if(NOT IS_SYMLINK "${p}")
        list(APPEND deps "${p}")
      endif()
    endforeach()
    list(APPEND args "${src}${mount}")
  endforeach()
  add_custom_command(OUTPUT ${archive}
    COMMAND ${OS_MKCPIO} ${archive} ${args}
    DEPENDS ${OS_MKCPIO} ${deps}
    COMMENT "Packing ${name}'s FILES" VERBATIM)
endfunction()

# <name>_baked: an object library defining what FILES, ENV and CMDLINE
# bake in (kern/baked.h), linked into both passes so no address moves.
function(_os_baked name files files_depends env cmdline)
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  set(asm "/* ${name}'s baked files and command line (kern/baked.h), ")
  string(APPEND asm "written by cmake/OsExecutable.cmake. */\n")
  set(deps)
  if(files)
    set(archive ${dir}/${name}.files.cpio)
    _os_baked_files(${name} ${archive} "${files_depends}" ${files})
    list(APPEND deps ${archive})
    string(APPEND asm "\t.section .kern_baked,\"a\",@progbits\n"
      "\t.balign 4096\n"
      "\t.globl kern_baked_files\n"
      "\t.type kern_baked_files, @object\n"
      "kern_baked_files:\n"
      "\t.incbin \"${archive}\"\n"
      ".Lend:\n"
      "\t.size kern_baked_files, .Lend - kern_baked_files\n"
      "\t.balign 8\n"
      "\t.globl kern_baked_files_size\n"
      "\t.type kern_baked_files_size, @object\n"
      "kern_baked_files_size:\n"
      "\t.quad .Lend - kern_baked_files\n"
      "\t.size kern_baked_files_size, 8\n")
  endif()
  if(env OR NOT cmdline STREQUAL "")
    _os_baked_cmdline(${name} line "${env}" "${cmdline}")
    string(HEX "${line}" hex)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
    string(APPEND asm
      "\t.section .rodata.kern_baked_cmdline,\"a\",@progbits\n"
      "\t.globl kern_baked_cmdline\n"
      "\t.type kern_baked_cmdline, @object\n"
      "kern_baked_cmdline:\n"
      "\t.byte ${bytes}0\n"
      "\t.size kern_baked_cmdline, . - kern_baked_cmdline\n")
  endif()
  string(APPEND asm "\t.section .note.GNU-stack,\"\",@progbits\n")
  file(GENERATE OUTPUT ${dir}/${name}.baked.S CONTENT "${asm}")
  add_library(${name}_baked OBJECT ${dir}/${name}.baked.S)
  if(deps)
    set_source_files_properties(${dir}/${name}.baked.S PROPERTIES
      OBJECT_DEPENDS "${deps}")
  endif()
endfunction()

# Link target from the layers down, each archive once, no --start-group:
# a call that points up a layer is an undefined symbol here. The PVH
# stub (arch) enters the boot sequence (kern_main), the one call up.
function(_os_link target parts)
  target_link_options(${target} PRIVATE
    -nostdlib -static -no-pie -Wl,-T,${OS_LINKER_SCRIPT} -Wl,-u,arch_pvh_start
    -Wl,-u,kern_main @${parts}
    -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--build-id=none
    -Wl,--wrap=__stack_chk_fail -Wl,--gc-sections)
  target_link_libraries(${target} PRIVATE ${ARGN}
    ${OS_LIBRARIES} ${OS_MUSL_LIBC} ${OS_LIBGCC})
  set_target_properties(${target} PROPERTIES
    LINK_DEPENDS "${OS_LINKER_SCRIPT};${parts}")
endfunction()

# Pass 0: the service's objects and libraries against musl and libgcc
# only, every other symbol left unresolved, for its map; then the parts
# it needs, as linker options in <dir>/<name>.parts.
function(_os_parts name uses)
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  set(libs)
  set(deps) # the libraries' files: a change in one reruns pass 0
  foreach(lib ${ARGN})
    if(TARGET ${lib})
      get_target_property(type ${lib} TYPE)
      if(type STREQUAL "INTERFACE_LIBRARY")
        continue() # usage requirements only: no file of its own
      elseif(type STREQUAL "OBJECT_LIBRARY")
        list(APPEND libs $<TARGET_OBJECTS:${lib}>)
        list(APPEND deps ${lib} $<TARGET_OBJECTS:${lib}>)
      else()
        list(APPEND libs $<TARGET_FILE:${lib}>)
        list(APPEND deps ${lib})
      endif()
    else()
      list(APPEND libs ${lib})
      if(IS_ABSOLUTE "${lib}")
        list(APPEND deps ${lib})
      endif()
    endif()
  endforeach()
  string(REPLACE ";" "," uses "${uses}")
  add_custom_command(OUTPUT ${dir}/${name}.parts ${dir}/${name}.parts.txt
    COMMAND ${CMAKE_C_COMPILER} -nostdlib -static -no-pie
            -Wl,--unresolved-symbols=ignore-all -Wl,--noinhibit-exec
            -Wl,-z,noexecstack
            -Wl,-e,main -o ${dir}/${name}_pass0
            -Wl,-Map,${dir}/${name}_pass0.map
            $<TARGET_OBJECTS:${name}_objs> ${libs} ${OS_MUSL_LIBC} ${OS_LIBGCC}
    COMMAND ${CMAKE_COMMAND} -DMODE=detect -DMAP=${dir}/${name}_pass0.map
            -DUSES=${uses} -DOUT=${dir}/${name}.parts -P ${_OS_PARTS}
    DEPENDS ${name}_objs $<TARGET_OBJECTS:${name}_objs> ${deps} ${_OS_PARTS}
            ${OS_MUSL_LIBC}
    COMMAND_EXPAND_LISTS VERBATIM)
  add_custom_target(${name}_parts DEPENDS ${dir}/${name}.parts)
endfunction()

# Depth-first post-order walk of lib's link dependencies (its
# INTERFACE_LINK_LIBRARIES, $<LINK_ONLY:...> unwrapped; interface targets
# and names that are no target left out), appended to the list named
# _os_closure_out in the caller's scope; _os_closure_seen marks targets
# visited.
function(_os_closure_visit lib)
  if(lib MATCHES "^\\$<LINK_ONLY:(.+)>$")
    set(lib ${CMAKE_MATCH_1})
  endif()
  if(NOT TARGET ${lib})
    return()
  endif()
  get_target_property(real ${lib} ALIASED_TARGET) # libos::os_http
  if(real)
    set(lib ${real})
  endif()
  if(${lib} IN_LIST _os_closure_seen)
    return()
  endif()
  get_target_property(type ${lib} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    return()
  endif()
  list(APPEND _os_closure_seen ${lib})
  set(_os_closure_seen ${_os_closure_seen} PARENT_SCOPE)
  get_target_property(deps ${lib} INTERFACE_LINK_LIBRARIES)
  foreach(dep ${deps})
    if(dep)
      _os_closure_visit(${dep})
    endif()
  endforeach()
  list(APPEND _os_closure_out ${lib})
  set(_os_closure_seen ${_os_closure_seen} PARENT_SCOPE)
  set(_os_closure_out ${_os_closure_out} PARENT_SCOPE)
endfunction()

# Set out to the libraries given and every library they link, each once,
# each before those it needs (reverse post-order), so a service names
# only what it calls (os_http brings os_tls and os_mbedtls) and the
# image's single-pass link resolves them before musl. Names that are no
# target (a file) stay where they are, in front.
function(_os_link_closure out)
  set(_os_closure_out)
  set(_os_closure_seen)
  set(files)
  foreach(lib ${ARGN})
    if(TARGET ${lib})
      _os_closure_visit(${lib})
    else()
      list(APPEND files ${lib})
    endif()
  endforeach()
  list(REVERSE _os_closure_out)
  set(${out} ${files} ${_os_closure_out} PARENT_SCOPE)
endfunction()

function(os_add_executable name)
  _os_load_config()
  cmake_parse_arguments(ARG "NDEBUG" "CMDLINE"
    "SOURCES;USES;LIBRARIES;FILES;FILES_DEPENDS;ENV" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "os_add_executable(${name}): unknown arguments "
      "${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT CMAKE_ASM_COMPILER_LOADED OR NOT CMAKE_C_COMPILER_LOADED)
    message(FATAL_ERROR "os_add_executable(${name}): the project must "
      "enable C and ASM, e.g. project(${name} C ASM)")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "os_add_executable(${name}): no SOURCES")
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  # the objects take the usage requirements of LIBRARIES as given
  # (interface targets included), the links take link_libs
  _os_link_closure(link_libs ${ARG_LIBRARIES})
  if(ARG_FILES_DEPENDS AND NOT ARG_FILES)
    message(FATAL_ERROR "os_add_executable(${name}): FILES_DEPENDS without "
      "FILES")
  endif()
  set(baked)
  if(ARG_FILES OR ARG_ENV OR NOT "${ARG_CMDLINE}" STREQUAL "")
    _os_baked(${name} "${ARG_FILES}" "${ARG_FILES_DEPENDS}" "${ARG_ENV}"
      "${ARG_CMDLINE}")
    set(baked $<TARGET_OBJECTS:${name}_baked>)
  endif()

  add_library(${name}_objs OBJECT ${ARG_SOURCES})
  target_link_libraries(${name}_objs PRIVATE ${OS_GUEST_FLAGS}
    ${ARG_LIBRARIES})
  if(ARG_NDEBUG)
    target_compile_options(${name}_objs PRIVATE -O2 -DNDEBUG)
  else()
    target_compile_options(${name}_objs PRIVATE -O2 -UNDEBUG)
  endif()

  add_custom_command(OUTPUT ${dir}/${name}.ksyms0.S
    COMMAND ${OS_MKSYMS} --name ${name} --empty -o ${dir}/${name}.ksyms0.S
    DEPENDS ${OS_MKSYMS} VERBATIM)
  add_executable(${name}_pass1 $<TARGET_OBJECTS:${name}_objs> ${baked}
    ${dir}/${name}.ksyms0.S)
  if(ARG_FILES)
    list(APPEND ARG_USES files) # the tree is what reads them
  endif()
  _os_parts(${name} "${ARG_USES}" ${link_libs})
  _os_link(${name}_pass1 ${dir}/${name}.parts ${link_libs})
  add_dependencies(${name}_pass1 ${name}_parts)
  target_link_options(${name}_pass1 PRIVATE -Wl,-Map,${dir}/${name}_pass1.map)
  add_custom_command(TARGET ${name}_pass1 POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DMODE=check -DMAP=${dir}/${name}_pass1.map
            -DPARTS=${dir}/${name}.parts.txt -DNAME=${name} -P ${_OS_PARTS}
    VERBATIM)

  add_custom_command(OUTPUT ${dir}/${name}.ksyms.S
    COMMAND ${OS_MKSYMS} --name ${name} -o ${dir}/${name}.ksyms.S
            $<TARGET_FILE:${name}_pass1>
    DEPENDS ${name}_pass1 ${OS_MKSYMS} VERBATIM)
  add_executable(${name} $<TARGET_OBJECTS:${name}_objs> ${baked}
    ${dir}/${name}.ksyms.S)
  _os_link(${name} ${dir}/${name}.parts ${link_libs})
  target_link_options(${name} PRIVATE -Wl,-Map,${dir}/${name}.map)
  set_target_properties(${name} PROPERTIES SUFFIX .elf)
  get_property(size_report GLOBAL PROPERTY OS_SIZE_REPORT)
  if(size_report)
    add_custom_target(${name}_size
      COMMAND ${size_report} ${dir}/${name}.map USES_TERMINAL VERBATIM)
    add_dependencies(${name}_size ${name})
    set_property(GLOBAL APPEND PROPERTY OS_SIZE_REPORT_IMAGES ${name})
  endif()
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND ${OS_MKSYMS} --name ${name} --check ${dir}/${name}.ksyms.S
            $<TARGET_FILE:${name}>
    VERBATIM)
endfunction()

# The size report, where libos itself is built (not installed): pass 2
# writes the link map <name>.map beside the image;
# the target <name>_size prints the image's bytes per library from it
# (tools/size-report), and size-report does so for every image, in the
# order they were added. Neither is built by default. lwIP's objects are
# told from the port's in os_net's archive by os_net's sources, named in
# size-report/options, which the tool reads from the build directory.
if(TARGET os_net AND NOT OS_INSTALLED)
  get_filename_component(_os_size_report
    ${CMAKE_CURRENT_LIST_DIR}/../tools/size-report ABSOLUTE)
  set(OS_SIZE_REPORT ${_os_size_report} --build-dir ${CMAKE_BINARY_DIR})
  set_property(GLOBAL PROPERTY OS_SIZE_REPORT ${OS_SIZE_REPORT})
  set(_os_size_dir ${CMAKE_BINARY_DIR}/size-report)
  file(GENERATE OUTPUT ${_os_size_dir}/os_net.sources CONTENT
    "$<TARGET_PROPERTY:os_net,SOURCE_DIR>\n$<JOIN:$<TARGET_PROPERTY:os_net,SOURCES>,\n>\n")
  file(GENERATE OUTPUT ${_os_size_dir}/options CONTENT "--sources
$<TARGET_FILE_NAME:os_net>=${_os_size_dir}/os_net.sources
--vendor
lwIP=${OS_LWIP_DIR}
--vendor
lwIP=$<TARGET_PROPERTY:os_net,BINARY_DIR>/lwip-patched
")
endif()

function(_os_size_report_all)
  get_property(images GLOBAL PROPERTY OS_SIZE_REPORT_IMAGES)
  get_property(size_report GLOBAL PROPERTY OS_SIZE_REPORT)
  set(commands)
  foreach(image ${images})
    get_target_property(dir ${image} BINARY_DIR)
    list(APPEND commands COMMAND ${size_report} ${dir}/${image}.map)
  endforeach()
  if(images)
    add_custom_target(size-report ${commands} USES_TERMINAL VERBATIM)
    add_dependencies(size-report ${images})
  endif()
endfunction()
if(NOT OS_INSTALLED) # at the end of the whole project: every image added
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR}
    CALL _os_size_report_all)
endif()
