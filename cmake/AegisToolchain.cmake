# Compiler launcher and linker choices shared by every aegis target.

# ccache, when installed, makes rebuilds (and CI re-runs) cheap.
find_program(AEGIS_CCACHE ccache)
if(AEGIS_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER "${AEGIS_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${AEGIS_CCACHE}")
  set(CMAKE_CUDA_COMPILER_LAUNCHER "${AEGIS_CCACHE}")
endif()

# lld links a static aegis-opt in about 2 s instead of about 10 s with GNU ld.
option(AEGIS_USE_LLD "Link with lld when available" ON)
if(AEGIS_USE_LLD)
  find_program(AEGIS_LLD NAMES ld.lld ld.lld-${AEGIS_LLVM_MAJOR} ld.lld-14)
  if(AEGIS_LLD)
    include(CheckLinkerFlag)
    check_linker_flag(CXX "-fuse-ld=lld" AEGIS_HAVE_FUSE_LD_LLD)
    if(AEGIS_HAVE_FUSE_LD_LLD)
      add_link_options($<$<LINK_LANGUAGE:CXX>:-fuse-ld=lld>)
    endif()
  endif()
endif()

# Warnings for aegis's own code (not for generated TableGen output).
set(AEGIS_WARNING_FLAGS -Wall -Wextra -Wno-unused-parameter)

# -DAEGIS_SANITIZE=address,undefined (scripts/sanitize.sh, docs/Sanitizers.md).
include(AegisSanitizers)
