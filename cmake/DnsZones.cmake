# os_dns_zones(<target> DIR <dir> OUTPUT <file>): compile the master files
# of <dir> (every <dir>/*.zone, with whatever they $INCLUDE) into the zone
# database <file> with tools/dnszone's dnszonec, as the custom target
# <target>. The database is rebuilt when dnszonec or any file under <dir>
# changes; files added to or removed from <dir> are noticed at the next
# build (CONFIGURE_DEPENDS re-runs the glob). A zone error fails the build
# with dnszonec's "file:line: reason".
function(os_dns_zones target)
  cmake_parse_arguments(PARSE_ARGV 1 Z "" "DIR;OUTPUT" "")
  if(NOT Z_DIR OR NOT Z_OUTPUT OR Z_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "usage: os_dns_zones(<target> DIR <dir> OUTPUT <file>)")
  endif()
  get_filename_component(_dir ${Z_DIR} ABSOLUTE)
  if(NOT IS_DIRECTORY ${_dir})
    message(FATAL_ERROR "os_dns_zones: ${_dir} is not a directory")
  endif()
  # Every file under DIR: the zones and any file they may $INCLUDE.
  file(GLOB_RECURSE _files CONFIGURE_DEPENDS ${_dir}/*)
  add_custom_command(OUTPUT ${Z_OUTPUT}
    COMMAND $<TARGET_FILE:os_dnszonec> -o ${Z_OUTPUT} ${_dir}
    DEPENDS os_dnszonec ${_files}
    COMMENT "Compiling the DNS zones of ${_dir}"
    VERBATIM)
  add_custom_target(${target} DEPENDS ${Z_OUTPUT})
endfunction()
