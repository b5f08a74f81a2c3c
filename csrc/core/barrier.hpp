// Design notes: a sense-reversing spin barrier for the step loop's team of threads.
// One barrier per step (plus one per rate-check window) is the loop's whole synchronisation; OpenMP's barrier
// would do, but this one costs less on two cores and yields the CPU when a team is oversubscribed.
// Thread safety: wait() is called by exactly `n` threads per phase.
#pragma once
#include <atomic>
#include <thread>

namespace pyneuro {

class SpinBarrier {
public:
    explicit SpinBarrier(int n = 1) : n_(n) {}
    void reset(int n) {
        n_ = n;
        count_.store(0);
        gen_.store(0);
    }
    void wait() {
        if (n_ <= 1) return;
        const unsigned g = gen_.load(std::memory_order_acquire);
        if (count_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
            count_.store(0, std::memory_order_relaxed);
            gen_.fetch_add(1, std::memory_order_release);
            return;
        }
        unsigned spins = 0;
        while (gen_.load(std::memory_order_acquire) == g) {
            if (++spins > 4000) std::this_thread::yield();
#if defined(__x86_64__) || defined(__i386__)
            else __builtin_ia32_pause();
#endif
        }
    }

private:
    int n_;
    alignas(64) std::atomic<int> count_{0};
    alignas(64) std::atomic<unsigned> gen_{0};
};

}  // namespace pyneuro
