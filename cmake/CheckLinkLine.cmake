# Script mode (ctest aegis-opt-link-line): the command that links aegis-opt
# names none of the runtime's executor, communicator or backend archives,
# nor MPI, CUDA or NCCL. Inputs: NINJA, BINARY_DIR, TARGET.
execute_process(COMMAND ${NINJA} -C ${BINARY_DIR} -t commands ${TARGET}
                OUTPUT_VARIABLE commands RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cannot list the build commands of ${TARGET}")
endif()
string(REGEX MATCHALL "[^\n]*-o bin/${TARGET} [^\n]*" links "${commands}")
list(LENGTH links count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one link command for bin/${TARGET}, found ${count}")
endif()
foreach(bad libAegisRuntime\\.a libAegisArtifact\\.a libAegisComm\\.a
            libAegisDist\\.a libAegisBootstrap\\.a libAegisCudaBackend\\.a
            libmpi nccl cudart)
  if(links MATCHES "${bad}")
    string(REPLACE "\\" "" name "${bad}")
    message(FATAL_ERROR "${TARGET} links ${name}: the compiler must not link "
                        "the runtime's executor, communicators or backends")
  endif()
endforeach()
message(STATUS "${TARGET}'s link line has no executor, communicator or backend library")
