# Compile flags for code that runs inside a libos image, as interface
# targets: os_guest_flags for all of it (musl headers, no PIC/PIE, frame
# pointers for backtraces, stack protector), os_kernel_flags adding what
# kernel-side code needs. Host code (tools, unit tests) uses neither.

add_library(os_guest_flags INTERFACE)
target_compile_options(os_guest_flags INTERFACE
  -nostdinc "SHELL:-isystem ${OS_MUSL_INCLUDE_DIR}"
  "SHELL:-isystem ${OS_CC_INCLUDE_DIR}"
  -fno-pic -fno-pie -mcmodel=small
  -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
  -fstack-protector-strong
  -fno-asynchronous-unwind-tables -fno-unwind-tables
  -Wall -Wextra -Werror=implicit-function-declaration
  $<$<CONFIG:>:-O2 -g>) # a project without a build type still gets these
target_include_directories(os_guest_flags INTERFACE
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/../include>
  $<INSTALL_INTERFACE:include>)

# Kernel code shares musl's __stack_chk_guard (a global instead of
# %fs:0x28, since FS moves under it when musl sets up its TLS); see
# docs/architecture.md. -mno-red-zone although interrupts use IST stacks.
add_library(os_kernel_flags INTERFACE)
target_link_libraries(os_kernel_flags INTERFACE os_guest_flags)
target_compile_options(os_kernel_flags INTERFACE
  -mno-red-zone -mstack-protector-guard=global -fno-common -D_GNU_SOURCE
  -ffunction-sections)

# Sources that run in exception context: general registers only.
function(os_exception_context)
  set_source_files_properties(${ARGN} DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
    PROPERTIES COMPILE_OPTIONS -mgeneral-regs-only)
endfunction()
