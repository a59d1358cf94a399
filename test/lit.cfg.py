# -*- Python -*-
# lit configuration for the aegis regression suite.

import os
import shutil
import subprocess
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "AEGIS"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".onnxtxt"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.aegis_obj_root, "test")

config.substitutions.append(("%aegis_src_root", config.aegis_src_root))
config.substitutions.append(("%llvm_version", config.aegis_llvm_version))
config.substitutions.append(("%python", sys.executable))

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.aegis_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["aegis-opt", "aegis-translate", "aegis-run"], tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.aegis_tools_dir, append_path=True)


def has_cuda_device():
    """GPU-only tests (REQUIRES: cuda) run only where aegis was built with
    CUDA and aegis-run sees a device."""
    if not config.aegis_cuda_enabled:
        return False
    if os.environ.get("AEGIS_DISABLE_GPU_TESTS"):
        return False
    exe = os.path.join(config.aegis_tools_dir, "aegis-run")
    try:
        result = subprocess.run([exe, "--list-devices"], capture_output=True,
                                timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


if config.aegis_cuda_enabled:
    config.available_features.add("cuda-build")
# Encrypted runs of several minutes (REQUIRES: long-tests): run with
# AEGIS_LONG_TESTS=1 (e.g. `AEGIS_LONG_TESTS=1 ctest --test-dir build -R lit`);
# CI's time budget skips them.
if os.environ.get("AEGIS_LONG_TESTS"):
    config.available_features.add("long-tests")
if has_cuda_device():
    config.available_features.add("cuda")
# Placed artifacts under mpirun (REQUIRES: mpirun), one process per device.
if shutil.which("mpirun"):
    config.available_features.add("mpirun")
    config.substitutions.append(
        ("%mpirun", "mpirun --allow-run-as-root --oversubscribe"))
