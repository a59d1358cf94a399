# Finds the pinned MLIR/LLVM and brings in the CMake helpers aegis uses.
# Only included when AEGIS_BUILD_COMPILER is ON: the runtime never sees it.

if(NOT DEFINED MLIR_DIR)
  set(MLIR_DIR "${AEGIS_LLVM_PREFIX}/lib/cmake/mlir")
endif()
find_package(MLIR REQUIRED CONFIG)
if(NOT LLVM_VERSION_MAJOR EQUAL AEGIS_LLVM_MAJOR)
  message(FATAL_ERROR "aegis is pinned to LLVM/MLIR ${AEGIS_LLVM_MAJOR} but found "
          "${LLVM_PACKAGE_VERSION} at ${MLIR_DIR}; install libmlir-${AEGIS_LLVM_MAJOR}-dev "
          "(scripts/setup.sh does) or set -DAEGIS_LLVM_PREFIX")
endif()
message(STATUS "aegis: MLIR ${LLVM_PACKAGE_VERSION} from ${MLIR_DIR}")

list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
set(LLVM_RUNTIME_OUTPUT_INTDIR ${PROJECT_BINARY_DIR}/bin)
set(LLVM_LIBRARY_OUTPUT_INTDIR ${PROJECT_BINARY_DIR}/lib)
set(MLIR_BINARY_DIR ${PROJECT_BINARY_DIR})

include(TableGen)
include(AddLLVM)
include(AddMLIR)

# Debian's package links tools against libLLVM.so by default; aegis links
# statically (faster start-up, no runtime dependency on the exact .so).
set(LLVM_LINK_LLVM_DYLIB OFF)
set(MLIR_LINK_MLIR_DYLIB OFF)
# Its MLIR targets also name the "LLVM" shared library as their dependency:
# point them at the static LLVM component libraries instead.
set(AEGIS_LLVM_STATIC_COMPONENTS LLVMSupport LLVMDemangle LLVMRemarks LLVMBitstreamReader)
get_directory_property(_aegis_imported IMPORTED_TARGETS)
foreach(_target IN LISTS _aegis_imported)
  if(_target MATCHES "^MLIR")
    get_target_property(_libs ${_target} INTERFACE_LINK_LIBRARIES)
    if(_libs AND "LLVM" IN_LIST _libs)
      list(TRANSFORM _libs REPLACE "^LLVM$" "${AEGIS_LLVM_STATIC_COMPONENTS}")
      set_target_properties(${_target} PROPERTIES INTERFACE_LINK_LIBRARIES "${_libs}")
    endif()
  endif()
endforeach()
add_link_options(LINKER:--as-needed)

# LLVM_DEFINITIONS is one string in Debian's config: split it, or
# -D_GLIBCXX_USE_CXX11_ABI arrives mangled.
separate_arguments(AEGIS_LLVM_DEFINITIONS NATIVE_COMMAND "${LLVM_DEFINITIONS}")

set(AEGIS_MLIR_INCLUDE_DIRS ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})

# The ONNX importer reads models with libonnx (protobuf).
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED CONFIG)

# Debian's LLVMConfig points LLVM_EXTERNAL_LIT at a missing llvm-lit.
find_program(AEGIS_LIT NAMES lit llvm-lit HINTS ${LLVM_TOOLS_BINARY_DIR} NO_DEFAULT_PATH)
if(NOT AEGIS_LIT)
  find_program(AEGIS_LIT NAMES lit llvm-lit)
endif()
if(NOT AEGIS_LIT)
  message(FATAL_ERROR "lit not found under ${LLVM_TOOLS_BINARY_DIR}; install llvm-${AEGIS_LLVM_MAJOR}-tools")
endif()
set(LLVM_EXTERNAL_LIT "${AEGIS_LIT}" CACHE STRING "lit used by check-aegis" FORCE)

find_program(AEGIS_FILECHECK FileCheck HINTS ${LLVM_TOOLS_BINARY_DIR} NO_DEFAULT_PATH)
if(NOT AEGIS_FILECHECK)
  message(FATAL_ERROR "FileCheck not found under ${LLVM_TOOLS_BINARY_DIR}; install llvm-${AEGIS_LLVM_MAJOR}-tools")
endif()

# Applies the MLIR include paths and definitions to a target, keeping them out
# of the runtime's targets.
function(aegis_mlir_target target)
  target_include_directories(${target} SYSTEM PUBLIC ${AEGIS_MLIR_INCLUDE_DIRS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/include)
  target_compile_definitions(${target} PUBLIC ${AEGIS_LLVM_DEFINITIONS})
endfunction()

# Generated documentation: `aegis-doc` copies the Markdown that TableGen
# produces into docs/ in the source tree (committed, so it reads on the web);
# the `docs-up-to-date` test fails when the committed copy is stale.
add_custom_target(aegis-doc)
set_property(GLOBAL PROPERTY AEGIS_DOC_PAIRS "")
function(aegis_add_doc td_name out_path)
  set(LLVM_TARGET_DEFINITIONS ${td_name}.td)
  string(REPLACE "/" "_" name "${out_path}")
  mlir_tablegen(${name}.md ${ARGN})
  set(generated ${CMAKE_CURRENT_BINARY_DIR}/${name}.md)
  set(committed ${PROJECT_SOURCE_DIR}/docs/${out_path}.md)
  add_custom_target(${name}DocGen ALL DEPENDS ${generated})
  add_custom_target(${name}DocCopy
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${generated} ${committed}
    DEPENDS ${generated})
  add_dependencies(aegis-doc ${name}DocCopy)
  set_property(GLOBAL APPEND PROPERTY AEGIS_DOC_PAIRS "${generated}|${committed}")
endfunction()
