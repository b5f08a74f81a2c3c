// Design notes: exceptions and OpenMP parallel regions.
// An exception that leaves an OpenMP parallel region terminates the process (std::terminate, SIGABRT), so no
// exception may cross a region's boundary. Every parallel region of the core runs its per-thread work through
// ThreadErrors::guard, which catches whatever the work throws and keeps it in the thread's own slot (no lock, no
// shared write); after the region the calling thread rethrows the exception of the lowest failing index, so the
// error reported never depends on timing. std::bad_alloc reaches Python as MemoryError, ArgumentError (e.g. the
// 2^32 - 1 synapse limit of a shard) as ValueError, through the bindings' usual translation.
// parallel_for_threads(n, f) is the common case: f(k) for k in [0, n), one iteration per thread (schedule(static, 1),
// as every shard-parallel loop of the core), then the rethrow. Regions with barriers (the step loop) use ThreadErrors
// directly and agree among themselves on when to stop (see Engine::run_plain).
// Exception safety of what a region changes is the caller's business: build into fresh storage and commit after
// the rethrow point, or undo (see Projection::add_synapses).
#pragma once
#include <exception>
#include <latch>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace pyneuro {

class ThreadErrors {
public:
    // Slots are allocated here, outside any region, so that guard() itself never allocates.
    explicit ThreadErrors(int n) : err_(static_cast<std::size_t>(n > 0 ? n : 1)) {}

    // Runs f(); returns false (and keeps the exception in slot k) if it threw. Never throws.
    template <class F>
    bool guard(int k, F&& f) noexcept {
        try {
            f();
            return true;
        } catch (...) {
            err_[static_cast<std::size_t>(k)] = std::current_exception();
            return false;
        }
    }
    bool failed() const noexcept {
        for (const auto& e : err_)
            if (e) return true;
        return false;
    }
    // Rethrows the exception of the lowest failing slot, if any (on the calling thread, after the region).
    void rethrow() const {
        for (const auto& e : err_)
            if (e) std::rethrow_exception(e);
    }

private:
    std::vector<std::exception_ptr> err_;
};

// f(k) for k in [0, n), iteration k on thread k of a team of n; exceptions are rethrown after the region.
template <class F>
void parallel_for_threads(int n, F&& f) {
    ThreadErrors errs(n);
#pragma omp parallel for num_threads(n) schedule(static, 1)
    for (int k = 0; k < n; ++k) errs.guard(k, [&] { f(k); });
    errs.rethrow();
}

// Whether the system lets this process run n threads at once ("" if so, else why not). The OpenMP runtime ends the
// process when it cannot create a thread (libgomp: "Thread creation failed"), which no handler can catch, so an
// Engine probes with std::thread (same default stack size) before it accepts a thread count: n - 1 threads are
// started and kept waiting until all exist, then released. A later shortage (memory used up meanwhile) is not
// covered, but a count the system never allows (a thread limit, an address-space limit) is refused up front.
inline std::string probe_threads(int n) {
    if (n <= 1) return "";
    std::latch release(1);
    std::vector<std::thread> ts;
    std::string why;
    try {
        ts.reserve(static_cast<std::size_t>(n - 1));
        for (int k = 1; k < n; ++k) ts.emplace_back([&release] { release.wait(); });
    } catch (const std::system_error& e) {
        why = "only " + std::to_string(ts.size() + 1) + " could be started (" + e.what() + ")";
    } catch (const std::bad_alloc&) {
        why = "only " + std::to_string(ts.size() + 1) + " could be started (out of memory)";
    }
    release.count_down();
    for (auto& t : ts) t.join();
    return why;
}

}  // namespace pyneuro
