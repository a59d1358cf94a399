//===- Factory.cpp - Creating communicators by backend name ---------------===//

#include "aegis/Runtime/Comm/Factory.h"

#if AEGIS_COMM_HAVE_MPI
#include "aegis/Runtime/Comm/MpiCommunicator.h"
#endif

namespace aegis::comm {

bool isBackendAvailable(BackendKind kind) {
  switch (kind) {
  case BackendKind::Threads:
    return true;
  case BackendKind::Mpi:
    return AEGIS_COMM_HAVE_MPI != 0;
  case BackendKind::Nccl:
    return AEGIS_COMM_HAVE_NCCL != 0;
  }
  return false;
}

std::unique_ptr<Communicator> createCommunicator(BackendKind kind, int rank,
                                                 int size,
                                                 const CommSetup &setup,
                                                 const CommOptions &options) {
  switch (kind) {
  case BackendKind::Threads:
    require(setup.group != nullptr,
            "the threads backend needs CommSetup::group, shared by all ranks "
            "(createThreadGroup), or use runOnThreads");
    require(size == threadGroupSize(*setup.group), "asked for ", size,
            " thread ranks but the group has ", threadGroupSize(*setup.group));
    return createThreadCommunicator(setup.group, rank, options);
  case BackendKind::Mpi: {
#if AEGIS_COMM_HAVE_MPI
    std::unique_ptr<Communicator> comm = createMpiWorldCommunicator(options);
    require((rank == -1 || rank == comm->rank()) &&
                (size == -1 || size == comm->size()),
            "asked for MPI rank ", rank, " of ", size,
            " but this process is rank ", comm->rank(), " of ", comm->size(),
            " in MPI_COMM_WORLD; pass -1 to take them from MPI");
    return comm;
#else
    fail("this aegis build has no MPI backend; install an MPI (e.g. "
         "libopenmpi-dev) and reconfigure with -DAEGIS_ENABLE_MPI=ON");
#endif
  }
  case BackendKind::Nccl: {
#if AEGIS_COMM_HAVE_NCCL
    int device = setup.cudaDevice;
    if (device < 0) {
      int devices = ncclVisibleDevices();
      require(devices > 0, "the NCCL backend needs a CUDA device, and none "
                           "is visible");
      device = rank % devices;
    }
    return createNcclCommunicator(rank, size, device, setup.nccl, options);
#else
    fail("this aegis build has no NCCL backend; it needs "
         "-DAEGIS_ENABLE_CUDA=ON and libnccl");
#endif
  }
  }
  fail("unknown communicator backend ", int(kind));
}

} // namespace aegis::comm
