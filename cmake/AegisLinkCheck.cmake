# The compiler must not link the runtime's executor, communicators or
# backends (issue 18): aegis-opt needs parameter sets, bootstrap depths and
# the artifact format, not an interpreter, MPI, CUDA or NCCL.
#
# aegis_check_link_closure(<target> FORBIDDEN <lib>...) walks the target's
# link libraries transitively at configure time and stops the configure
# with the chain that reaches a forbidden library. A second check on the
# generated link line is the ctest `aegis-opt-link-line`
# (cmake/CheckLinkLine.cmake).

function(_aegis_link_deps target out)
  set(deps)
  foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(libs ${target} ${property})
    if(libs)
      foreach(lib IN LISTS libs)
        # $<LINK_ONLY:x> and similar wrappers around a plain name.
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
        if(NOT lib MATCHES "^\\$<" AND NOT lib MATCHES "^-")
          list(APPEND deps "${lib}")
        endif()
      endforeach()
    endif()
  endforeach()
  list(REMOVE_DUPLICATES deps)
  set(${out} "${deps}" PARENT_SCOPE)
endfunction()

function(aegis_check_link_closure target)
  cmake_parse_arguments(ARG "" "" "FORBIDDEN" ${ARGN})
  set(queue ${target})
  set(seen ${target})
  set(via_${target} "${target}")
  while(queue)
    list(POP_FRONT queue current)
    if(NOT TARGET ${current})
      continue()
    endif()
    _aegis_link_deps(${current} deps)
    foreach(dep IN LISTS deps)
      if(dep IN_LIST seen)
        continue()
      endif()
      list(APPEND seen ${dep})
      set(via_${dep} "${via_${current}} -> ${dep}")
      foreach(bad IN LISTS ARG_FORBIDDEN)
        if(dep MATCHES "^${bad}$")
          message(FATAL_ERROR
            "aegis: ${target} must not link ${dep} (the compiler links only "
            "AegisParams, AegisBootstrapConfig and AegisArtifactFormat of the "
            "runtime); it is reached through: ${via_${dep}}")
        endif()
      endforeach()
      list(APPEND queue ${dep})
    endforeach()
  endwhile()
endfunction()

# What the compiler must never link.
set(AEGIS_COMPILER_FORBIDDEN_LIBS
  AegisRuntime AegisArtifact AegisComm AegisDist AegisBootstrap
  AegisCudaBackend "MPI::.*" "CUDA::.*" ".*nccl.*")
