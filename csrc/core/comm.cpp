#include "comm.hpp"

#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <stdexcept>

#include "types.hpp"

namespace pyneuro {

namespace {

// The loaded object that exports MPI_Allgatherv: the MPI library mpi4py loaded (found by walking the objects of
// the process, since mpi4py's extension module may have loaded it locally, out of RTLD_DEFAULT's reach).
struct Found {
    void* handle = nullptr;
    std::string name;
};

int visit(struct dl_phdr_info* info, size_t, void* data) {
    auto* f = static_cast<Found*>(data);
    if (f->handle || !info->dlpi_name || !*info->dlpi_name) return 0;
    if (!std::strstr(info->dlpi_name, "mpi")) return 0;
    void* h = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
    if (!h) return 0;
    if (dlsym(h, "MPI_Allgatherv") && dlsym(h, "PMPI_Allgatherv")) {
        f->handle = h;
        f->name = info->dlpi_name;
        return 1;
    }
    dlclose(h);
    return 0;
}

// MPI handles are ints (MPICH ABI) or pointers (Open MPI); H is the handle type of the library in use.
template <typename H>
struct Api {
    using rank_fn = int (*)(H, int*);
    using gather_fn = int (*)(const void*, int, H, void*, int, H, H);
    using gatherv_fn = int (*)(const void*, int, H, void*, const int*, const int*, H, H);
    static H h(std::uint64_t v) {
        if constexpr (sizeof(H) == 4)
            return static_cast<H>(static_cast<std::uint32_t>(v));
        else
            return reinterpret_cast<H>(static_cast<std::uintptr_t>(v));
    }
};

void check(int rc, const char* what) {
    if (rc != 0) throw std::runtime_error(std::string(what) + " failed with MPI error code " + std::to_string(rc));
}

}  // namespace

Comm Comm::from_handle(std::uint64_t comm, std::uint64_t byte_type, int handle_bytes) {
    if (handle_bytes != 4 && handle_bytes != 8)
        throw ArgumentError("MPI handle size " + std::to_string(handle_bytes) + " bytes is not supported (4 or 8)");
    Found f;
    dl_iterate_phdr(visit, &f);
    void* h = f.handle;
    if (!h) {  // an MPI linked into the executable or loaded globally
        if (dlsym(RTLD_DEFAULT, "MPI_Allgatherv")) h = RTLD_DEFAULT;
    }
    if (!h) throw ArgumentError("comm: no MPI library is loaded in this process (import mpi4py.MPI first)");
    Comm c;
    c.comm_ = comm;
    c.byte_ = byte_type;
    c.hbytes_ = handle_bytes;
    c.lib_ = f.name;
    c.allgather_ = dlsym(h, "MPI_Allgather");
    c.allgatherv_ = dlsym(h, "MPI_Allgatherv");
    void* rank = dlsym(h, "MPI_Comm_rank");
    void* size = dlsym(h, "MPI_Comm_size");
    if (!c.allgather_ || !c.allgatherv_ || !rank || !size)
        throw ArgumentError("comm: the loaded MPI library " + c.lib_ + " lacks MPI_Allgather(v)/MPI_Comm_rank/MPI_Comm_size");
    if (handle_bytes == 4) {
        using A = Api<int>;
        check(reinterpret_cast<A::rank_fn>(rank)(A::h(comm), &c.rank_), "MPI_Comm_rank");
        check(reinterpret_cast<A::rank_fn>(size)(A::h(comm), &c.size_), "MPI_Comm_size");
    } else {
        using A = Api<void*>;
        check(reinterpret_cast<A::rank_fn>(rank)(A::h(comm), &c.rank_), "MPI_Comm_rank");
        check(reinterpret_cast<A::rank_fn>(size)(A::h(comm), &c.size_), "MPI_Comm_size");
    }
    if (c.size_ < 1 || c.rank_ < 0 || c.rank_ >= c.size_) throw ArgumentError("comm: the communicator reports an invalid rank/size");
    return c;
}

void Comm::allgather(const void* mine, int n, void* all) const {
    if (size_ == 1) {
        if (n > 0) std::memcpy(all, mine, static_cast<std::size_t>(n));
        return;
    }
    if (hbytes_ == 4) {
        using A = Api<int>;
        check(reinterpret_cast<A::gather_fn>(allgather_)(mine, n, A::h(byte_), all, n, A::h(byte_), A::h(comm_)), "MPI_Allgather");
    } else {
        using A = Api<void*>;
        check(reinterpret_cast<A::gather_fn>(allgather_)(mine, n, A::h(byte_), all, n, A::h(byte_), A::h(comm_)), "MPI_Allgather");
    }
}

void Comm::allgatherv(const void* mine, int n, void* all, const std::vector<int>& counts, const std::vector<int>& displs) const {
    if (size_ == 1) {
        if (n > 0) std::memcpy(all, mine, static_cast<std::size_t>(n));
        return;
    }
    if (hbytes_ == 4) {
        using A = Api<int>;
        check(reinterpret_cast<A::gatherv_fn>(allgatherv_)(mine, n, A::h(byte_), all, counts.data(), displs.data(), A::h(byte_),
                                                          A::h(comm_)),
              "MPI_Allgatherv");
    } else {
        using A = Api<void*>;
        check(reinterpret_cast<A::gatherv_fn>(allgatherv_)(mine, n, A::h(byte_), all, counts.data(), displs.data(), A::h(byte_),
                                                          A::h(comm_)),
              "MPI_Allgatherv");
    }
}

}  // namespace pyneuro
