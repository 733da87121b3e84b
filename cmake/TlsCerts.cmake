# os_tls_certs(<target> DIR <dir> NAMES <name>...): make a test CA and a
# server certificate and key for each name in <dir> at build time with
# tools/mkcerts (Botan's command-line tool), as the custom target
# <target>: <dir>/ca.pem, <dir>/<name>.pem and <dir>/<name>.key. Made
# once per build tree (again only when tools/mkcerts changes), so images
# and tests of one build share them. For examples and tests; a real
# deployment bakes or hands in its own (docs/tls.md).
function(os_tls_certs target)
  cmake_parse_arguments(PARSE_ARGV 1 C "" "DIR" "NAMES")
  if(NOT C_DIR OR NOT C_NAMES OR C_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "usage: os_tls_certs(<target> DIR <dir> NAMES <name>...)")
  endif()
  set(_outputs ${C_DIR}/ca.pem)
  foreach(_n ${C_NAMES})
    list(APPEND _outputs ${C_DIR}/${_n}.pem ${C_DIR}/${_n}.key)
  endforeach()
  add_custom_command(OUTPUT ${_outputs}
    COMMAND ${PROJECT_SOURCE_DIR}/tools/mkcerts ${C_DIR} ${C_NAMES}
    DEPENDS ${PROJECT_SOURCE_DIR}/tools/mkcerts
    COMMENT "Making a test CA and certificates in ${C_DIR}"
    VERBATIM)
  add_custom_target(${target} DEPENDS ${_outputs})
endfunction()
