# Header-only libraries from Debian (docs: ../shared/TOOLCHAIN.md):
#   CLI11         (libcli11-dev)       aegis-run's command line
#   nlohmann-json (nlohmann-json3-dev) JSON reports and manifests
#   FlatBuffers   (libflatbuffers-dev) the artifact's metadata; its C++ is
#                 generated from lib/Runtime/Artifact/Schema/Artifact.fbs and
#                 committed, so flatc (flatbuffers-compiler) is only needed
#                 to check or regenerate it
# Both are found by their headers, so a machine without the packages (the
# lent GPU machine) can point AEGIS_THIRD_PARTY_INCLUDE_DIR at a copy of
# /usr/include/CLI, /usr/include/nlohmann and /usr/include/flatbuffers
# (scripts/gpu-prepare.sh). Targets: aegis::cli11, aegis::json,
# aegis::flatbuffers (INTERFACE, include directories only).

set(AEGIS_THIRD_PARTY_INCLUDE_DIR "" CACHE PATH
    "Extra directory holding CLI/CLI.hpp and nlohmann/json.hpp")

find_path(AEGIS_CLI11_INCLUDE_DIR CLI/CLI.hpp
          HINTS ${AEGIS_THIRD_PARTY_INCLUDE_DIR})
find_path(AEGIS_JSON_INCLUDE_DIR nlohmann/json.hpp
          HINTS ${AEGIS_THIRD_PARTY_INCLUDE_DIR})
find_path(AEGIS_FLATBUFFERS_INCLUDE_DIR flatbuffers/flatbuffers.h
          HINTS ${AEGIS_THIRD_PARTY_INCLUDE_DIR})
find_program(AEGIS_FLATC flatc)
if(NOT AEGIS_CLI11_INCLUDE_DIR)
  message(FATAL_ERROR "aegis: CLI11 not found (CLI/CLI.hpp): apt-get install "
          "libcli11-dev, or set AEGIS_THIRD_PARTY_INCLUDE_DIR")
endif()
if(NOT AEGIS_JSON_INCLUDE_DIR)
  message(FATAL_ERROR "aegis: nlohmann-json not found (nlohmann/json.hpp): "
          "apt-get install nlohmann-json3-dev, or set AEGIS_THIRD_PARTY_INCLUDE_DIR")
endif()

if(NOT AEGIS_FLATBUFFERS_INCLUDE_DIR)
  message(FATAL_ERROR "aegis: FlatBuffers not found (flatbuffers/flatbuffers.h): "
          "apt-get install libflatbuffers-dev, or set AEGIS_THIRD_PARTY_INCLUDE_DIR")
endif()

add_library(aegis_cli11 INTERFACE)
target_include_directories(aegis_cli11 SYSTEM INTERFACE ${AEGIS_CLI11_INCLUDE_DIR})
add_library(aegis::cli11 ALIAS aegis_cli11)
add_library(aegis_json INTERFACE)
target_include_directories(aegis_json SYSTEM INTERFACE ${AEGIS_JSON_INCLUDE_DIR})
add_library(aegis::json ALIAS aegis_json)
add_library(aegis_flatbuffers INTERFACE)
target_include_directories(aegis_flatbuffers SYSTEM INTERFACE ${AEGIS_FLATBUFFERS_INCLUDE_DIR})
add_library(aegis::flatbuffers ALIAS aegis_flatbuffers)
