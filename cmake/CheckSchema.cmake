# Script mode (ctest artifact-schema-up-to-date): the committed C++ of the
# artifact schema is what flatc generates from Artifact.fbs today.
# Inputs: FLATC, SCHEMA (the .fbs), COMMITTED (the _generated.h), OUT_DIR.
file(MAKE_DIRECTORY ${OUT_DIR})
execute_process(COMMAND ${FLATC} --cpp --scoped-enums -o ${OUT_DIR} ${SCHEMA}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "flatc failed on ${SCHEMA}: ${out}")
endif()
get_filename_component(name ${COMMITTED} NAME)
file(READ ${OUT_DIR}/${name} fresh)
file(READ ${COMMITTED} committed)
if(NOT fresh STREQUAL committed)
  message(FATAL_ERROR "${COMMITTED} is stale: regenerate it with\n"
          "  flatc --cpp --scoped-enums -o lib/Runtime/Artifact/Schema lib/Runtime/Artifact/Schema/Artifact.fbs")
endif()
message(STATUS "${name} matches ${SCHEMA}")
