# os_add_executable(<name> SOURCES <src>... [LIBRARIES <lib>...])
#
# Builds <name>.elf, a bootable libos image: the service's sources linked
# with the libos archives, musl's libc.a and libgcc into one ELF with a PVH
# note. Linking happens twice: pass 1 with an empty symbol table, then
# tools/mksyms writes the table of pass 1's functions and pass 2 links it
# in (last in the image, so no address moves; a post-build check proves
# it). Expects OS_LIBRARIES, OS_LINKER_SCRIPT and OS_MKSYMS to be set.

function(_os_link target)
  target_link_options(${target} PRIVATE
    -nostdlib -static -no-pie -Wl,-T,${OS_LINKER_SCRIPT} -Wl,-u,arch_pvh_start
    -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--build-id=none
    -Wl,--wrap=__stack_chk_fail -Wl,--gc-sections)
  target_link_libraries(${target} PRIVATE ${ARGN}
    -Wl,--start-group ${OS_LIBRARIES} ${OS_MUSL_LIBC} ${OS_LIBGCC}
    -Wl,--end-group)
  set_target_properties(${target} PROPERTIES LINK_DEPENDS ${OS_LINKER_SCRIPT})
endfunction()

function(os_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(dir ${CMAKE_CURRENT_BINARY_DIR})

  add_library(${name}_objs OBJECT ${ARG_SOURCES})
  target_link_libraries(${name}_objs PRIVATE os_guest_flags ${ARG_LIBRARIES})
  target_compile_options(${name}_objs PRIVATE -O2)

  add_custom_command(OUTPUT ${dir}/${name}.ksyms0.S
    COMMAND ${OS_MKSYMS} --name ${name} --empty -o ${dir}/${name}.ksyms0.S
    DEPENDS ${OS_MKSYMS} VERBATIM)
  add_executable(${name}_pass1 $<TARGET_OBJECTS:${name}_objs>
    ${dir}/${name}.ksyms0.S)
  _os_link(${name}_pass1 ${ARG_LIBRARIES})

  add_custom_command(OUTPUT ${dir}/${name}.ksyms.S
    COMMAND ${OS_MKSYMS} --name ${name} -o ${dir}/${name}.ksyms.S
            $<TARGET_FILE:${name}_pass1>
    DEPENDS ${name}_pass1 ${OS_MKSYMS} VERBATIM)
  add_executable(${name} $<TARGET_OBJECTS:${name}_objs> ${dir}/${name}.ksyms.S)
  _os_link(${name} ${ARG_LIBRARIES})
  set_target_properties(${name} PROPERTIES SUFFIX .elf)
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND ${OS_MKSYMS} --name ${name} --check ${dir}/${name}.ksyms.S
            $<TARGET_FILE:${name}>
    VERBATIM)
endfunction()
