# `cmake --install build --prefix P`: what a service outside this tree
# builds against, as the CMake package libos (find_package(libos)):
#   P/lib/libos/        the archives (libos_*.a) and linker.ld
#   P/libexec/libos/    the host tools the image build runs (mksyms, mkcpio)
#   P/include/          os/ (the public API) and lib/'s dns/, http/, tls/
#   P/include/libos/    lwIP (with our lwipopts.h), http-parser and mbedTLS
#   P/lib/cmake/libos/  libosConfig.cmake, its version file, the exported
#                       targets (libos::os_http, ...) and OsExecutable.cmake
#   P/bin/libos-run, P/bin/libos-new-service   tools/run, tools/new-service
# Every path in the package is relative to P, so P can move. In the build
# tree, libos::<target> names the same targets as in an installed package.
# Included by the top-level CMakeLists.txt after the targets exist.

set(_os_exported os_arch os_kernel os_drivers os_net os_boot os_dns
  os_http os_http_parser os_tls os_mbedtls)
foreach(_t ${_os_exported} os_guest_flags os_kernel_flags)
  add_library(libos::${_t} ALIAS ${_t})
endforeach()

option(LIBOS_INSTALL "Generate libos's install rules" ${PROJECT_IS_TOP_LEVEL})
if(NOT LIBOS_INSTALL)
  return()
endif()

include(CMakePackageConfigHelpers)
set(_os_pkgdir lib/cmake/libos)
set(OS_INSTALL_LIBDIR lib/libos)

install(TARGETS ${_os_exported} os_guest_flags os_kernel_flags os_mksyms
  os_mkcpio EXPORT libosTargets
  ARCHIVE DESTINATION ${OS_INSTALL_LIBDIR}
  RUNTIME DESTINATION libexec/libos)
install(FILES ${OS_LINKER_SCRIPT} DESTINATION ${OS_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/os DESTINATION include)
foreach(_lib dns http tls)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/${_lib}/include/${_lib}
    DESTINATION include)
endforeach()
install(DIRECTORY ${OS_LWIP_DIR}/src/include/
  ${PROJECT_SOURCE_DIR}/net/include/arch DESTINATION include/libos/lwip
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_SOURCE_DIR}/net/include/lwipopts.h
  DESTINATION include/libos/lwip)
install(FILES ${OS_HTTP_PARSER_DIR}/http_parser.h
  DESTINATION include/libos/http-parser)
install(DIRECTORY ${OS_MBEDTLS_DIR}/include/mbedtls
  ${OS_MBEDTLS_DIR}/include/psa DESTINATION include/libos/mbedtls
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_SOURCE_DIR}/lib/tls/tls_mbedtls_config.h
  DESTINATION include/libos/mbedtls)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/tools/run DESTINATION bin
  RENAME libos-run)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/tools/new-service DESTINATION bin
  RENAME libos-new-service)

install(EXPORT libosTargets NAMESPACE libos:: DESTINATION ${_os_pkgdir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/libosConfig.cmake.in
  ${PROJECT_BINARY_DIR}/libosConfig.cmake
  INSTALL_DESTINATION ${_os_pkgdir}
  PATH_VARS OS_INSTALL_LIBDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/libosConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/libosConfig.cmake
  ${PROJECT_BINARY_DIR}/libosConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/OsExecutable.cmake
  ${CMAKE_CURRENT_LIST_DIR}/OsParts.cmake DESTINATION ${_os_pkgdir})
