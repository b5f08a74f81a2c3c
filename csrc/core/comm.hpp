// Design notes: the engine's link to MPI, for one network split over several processes (ranks).
// The core is built without MPI headers or libraries: a communicator arrives from Python (mpi4py) as its raw
// handle, an integer (`MPI._handleof(comm)`), with the handle of MPI_BYTE and the size of a handle (4 bytes in
// MPICH's ABI, where handles are ints; 8 in Open MPI's, where they are pointers). The few MPI functions the loop
// needs (MPI_Comm_rank, MPI_Comm_size, MPI_Allgather, MPI_Allgatherv) are looked up with dlsym in the MPI library
// that the process has already loaded (the one mpi4py loaded), so the package builds and runs where no MPI exists,
// and uses whichever MPI the user's mpi4py was built for.
// Only the thread that called Engine::run calls MPI (the OpenMP master thread, which is the thread that
// initialised MPI through mpi4py), so MPI_THREAD_FUNNELED suffices.
// A default Comm is a single process: rank 0 of 1, and no MPI function is ever called.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace pyneuro {

class Comm {
public:
    Comm() = default;
    // Resolves the MPI functions and checks the handle by asking the communicator its rank and size; throws
    // ArgumentError when no MPI library is loaded in this process or the handle size is not 4 or 8.
    static Comm from_handle(std::uint64_t comm, std::uint64_t byte_type, int handle_bytes);

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool distributed() const { return size_ > 1; }
    std::string library() const { return lib_; }

    // Every rank's `n` bytes at `mine`, concatenated in rank order into `all` (size() * n bytes).
    void allgather(const void* mine, int n, void* all) const;
    // Every rank's bytes, concatenated in rank order: counts[r] bytes from rank r at displs[r].
    void allgatherv(const void* mine, int n, void* all, const std::vector<int>& counts, const std::vector<int>& displs) const;
    // Every rank's vector (the same length on every rank), concatenated in rank order.
    template <typename T>
    std::vector<T> gather_all(const std::vector<T>& mine) const {
        std::vector<T> all(mine.size() * static_cast<std::size_t>(size_));
        if (!mine.empty()) allgather(mine.data(), static_cast<int>(mine.size() * sizeof(T)), all.data());
        return all;
    }
    // Every rank's vector of any length, concatenated in rank order (two collective calls).
    template <typename T>
    std::vector<T> gather_varying(const std::vector<T>& mine) const {
        const std::vector<std::int64_t> n = gather_all(std::vector<std::int64_t>{static_cast<std::int64_t>(mine.size())});
        std::vector<int> counts(n.size()), displs(n.size());
        std::size_t total = 0;
        for (std::size_t r = 0; r < n.size(); ++r) {
            counts[r] = static_cast<int>(static_cast<std::size_t>(n[r]) * sizeof(T));
            displs[r] = static_cast<int>(total * sizeof(T));
            total += static_cast<std::size_t>(n[r]);
        }
        std::vector<T> all(std::max<std::size_t>(total, 1));
        allgatherv(mine.data(), static_cast<int>(mine.size() * sizeof(T)), all.data(), counts, displs);
        all.resize(total);
        return all;
    }
    // Element-wise sum over the ranks of a vector of integers (the same length on every rank), in place.
    template <typename T>
    void sum(std::vector<T>& v) const {
        if (size_ == 1 || v.empty()) return;
        const std::vector<T> all = gather_all(v);
        std::fill(v.begin(), v.end(), T{0});
        for (std::size_t r = 0; r < static_cast<std::size_t>(size_); ++r)
            for (std::size_t i = 0; i < v.size(); ++i) v[i] += all[r * v.size() + i];
    }

private:
    using Fn = void*;
    std::uint64_t comm_ = 0, byte_ = 0;
    int hbytes_ = 0;
    int rank_ = 0, size_ = 1;
    Fn allgather_ = nullptr, allgatherv_ = nullptr;
    std::string lib_;
};

}  // namespace pyneuro
