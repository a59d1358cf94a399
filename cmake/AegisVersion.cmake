# Generates include/aegis/Version.inc at build time so that the git commit is
# always current without re-running CMake. The file is only rewritten when its
# content changes, so this does not trigger rebuilds.
set(AEGIS_VERSION_INC "${PROJECT_BINARY_DIR}/include/aegis/Version.inc")
add_custom_target(aegis-version-inc
  COMMAND ${CMAKE_COMMAND}
          -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
          -DOUTPUT=${AEGIS_VERSION_INC}
          -DAEGIS_VERSION=${PROJECT_VERSION}
          -DAEGIS_LLVM_MAJOR=${AEGIS_LLVM_MAJOR}
          -P ${PROJECT_SOURCE_DIR}/cmake/WriteVersion.cmake
  BYPRODUCTS ${AEGIS_VERSION_INC}
  COMMENT "Updating aegis version information"
  VERBATIM)
