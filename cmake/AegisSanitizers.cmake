# Sanitizer builds (issue 19): -DAEGIS_SANITIZE=address,undefined adds
#   -fsanitize=<list> -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# to the compile and link flags of every C and C++ target configured after
# this point (it is included from AegisToolchain.cmake, before any
# add_subdirectory). Empty (the default) changes nothing. CUDA sources are
# left alone: nvcc does not take -fsanitize (use compute-sanitizer there).
# scripts/sanitize.sh configures, builds and tests such a build in build-asan/.

set(AEGIS_SANITIZE "" CACHE STRING
    "Comma-separated -fsanitize= list for every C/C++ target, e.g. address,undefined (empty: none)")

if(AEGIS_SANITIZE)
  string(REPLACE " " "" _aegis_san "${AEGIS_SANITIZE}")
  if(_aegis_san MATCHES "(^|,)thread(,|$)" AND _aegis_san MATCHES "(^|,)(address|leak)(,|$)")
    message(FATAL_ERROR "AEGIS_SANITIZE=${AEGIS_SANITIZE}: thread cannot be combined with address or leak")
  endif()
  # -fno-sanitize-recover=undefined makes every UBSan finding fatal (a failed
  # test) instead of a message in a passing test's log.
  set(_aegis_san_flags -fsanitize=${_aegis_san} -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined)

  # Fail at configure time, not in the middle of the build, when the
  # compiler lacks the runtime (libasan, libubsan) for the list.
  include(CheckCXXSourceCompiles)
  string(MAKE_C_IDENTIFIER "AEGIS_HAVE_SANITIZE_${_aegis_san}" _aegis_san_ok)
  string(REPLACE ";" " " CMAKE_REQUIRED_FLAGS "${_aegis_san_flags}")
  set(CMAKE_REQUIRED_LINK_OPTIONS ${_aegis_san_flags})
  check_cxx_source_compiles("int main() { return 0; }" ${_aegis_san_ok})
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(NOT ${_aegis_san_ok})
    message(FATAL_ERROR "AEGIS_SANITIZE=${AEGIS_SANITIZE}: ${CMAKE_CXX_COMPILER} cannot "
            "compile and link with ${_aegis_san_flags} (is libasan/libubsan installed?)")
  endif()

  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_aegis_san_flags}>")
  add_link_options("$<$<LINK_LANGUAGE:C,CXX>:${_aegis_san_flags}>")
  message(STATUS "aegis: sanitizers ${_aegis_san} on every C/C++ target")
endif()
