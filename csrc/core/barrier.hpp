// Design notes: a generation-counting barrier for the step loop's team of threads.
// One barrier per step (plus one per rate-check window) is the loop's whole synchronisation. Waiters spin
// briefly (a step takes microseconds, so the partner usually arrives within the spin), then sleep on the
// generation word (C++20 atomic wait, a futex on Linux), so an oversubscribed machine is not burnt by spinning.
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
    void wait() { wait(arrive()); }

    // Split phase: arrive() says "my part of this phase is done" and returns a ticket; wait(ticket) returns once
    // every thread has arrived. Work between the two overlaps the others' arrival.
    unsigned arrive() {
        if (n_ <= 1) return 0;
        const unsigned g = gen_.load(std::memory_order_acquire);
        if (count_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
            count_.store(0, std::memory_order_relaxed);
            gen_.fetch_add(1, std::memory_order_seq_cst);  // seq_cst: pairs with the sleepers_ handshake
            if (sleepers_.load(std::memory_order_seq_cst) > 0) gen_.notify_all();
        }
        return g;
    }
    void wait(unsigned g) {
        if (n_ <= 1) return;
        for (int spins = 0; spins < 4000; ++spins) {  // ~0.1 ms, far longer than a step takes
            if (gen_.load(std::memory_order_acquire) != g) return;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        while (gen_.load(std::memory_order_seq_cst) == g) gen_.wait(g, std::memory_order_acquire);
        sleepers_.fetch_sub(1, std::memory_order_acq_rel);
    }

private:
    int n_;
    alignas(64) std::atomic<int> count_{0};
    alignas(64) std::atomic<unsigned> gen_{0};
    std::atomic<int> sleepers_{0};
};

}  // namespace pyneuro
