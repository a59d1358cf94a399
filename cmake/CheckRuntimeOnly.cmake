# Script mode: configures and builds the runtime alone (-DAEGIS_BUILD_COMPILER=OFF)
# with LLVM and MLIR hidden from find_package, then runs the aegis-run it built.
# This keeps the rule that lib/Runtime and aegis-run never need LLVM/MLIR.
# Inputs: SOURCE_DIR, BINARY_DIR, GENERATOR, CUDA (ON/OFF).
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BINARY_DIR} -G ${GENERATOR}
          -DCMAKE_BUILD_TYPE=Release
          -DAEGIS_BUILD_COMPILER=OFF
          -DAEGIS_ENABLE_CUDA=${CUDA}
          -DAEGIS_BUILD_TESTS=OFF
          -DAEGIS_BUILD_BENCHMARKS=OFF
          -DCMAKE_DISABLE_FIND_PACKAGE_MLIR=ON
          -DCMAKE_DISABLE_FIND_PACKAGE_LLVM=ON
          -DAEGIS_LLVM_PREFIX=/nonexistent
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "runtime-only configure failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} --target aegis-run
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "runtime-only build failed")
endif()
execute_process(COMMAND ${BINARY_DIR}/bin/aegis-run --version
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^aegis [0-9]")
  message(FATAL_ERROR "runtime-only aegis-run --version failed: ${out}")
endif()
file(READ ${BINARY_DIR}/CMakeCache.txt cache)
if(cache MATCHES "MLIR_DIR:PATH=/")
  message(FATAL_ERROR "runtime-only build found MLIR")
endif()
message(STATUS "runtime-only build OK: ${out}")
