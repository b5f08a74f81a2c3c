// Design notes: storage for the large per-synapse arrays (a shard's targets, weights, post-major index, columns).
// Plastic updates at postsynaptic spikes touch one weight per synapse at random across arrays of tens or hundreds
// of megabytes; with 4 KiB pages nearly every such access also misses the TLB (a few thousand entries cover a few
// MiB). Arrays of at least kHugeMin bytes are therefore mapped on their own (mmap) and their whole 2 MiB extents
// are marked MADV_HUGEPAGE before first touch, so the kernel backs them with transparent huge pages where it
// allows (Linux with THP "madvise" or "always"; elsewhere, or if the kernel refuses, they stay ordinary pages).
// Only whole 2 MiB extents inside the array are marked, so resident memory is what the array uses, as before.
// Smaller arrays come from operator new. The allocator is stateless: any instance frees what another allocated.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace pyneuro {

template <class T>
struct HugePageAllocator {
    using value_type = T;
    static constexpr std::size_t kHuge = std::size_t{2} << 20;     // 2 MiB
    static constexpr std::size_t kHugeMin = std::size_t{4} << 20;  // arrays from 4 MiB on
    HugePageAllocator() noexcept = default;
    template <class U>
    HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (bytes >= kHugeMin) {
            void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) throw std::bad_alloc();
            const auto a = reinterpret_cast<std::uintptr_t>(p);
            const std::uintptr_t lo = (a + kHuge - 1) & ~(kHuge - 1), hi = (a + bytes) & ~(kHuge - 1);
            if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // a hint: failure is harmless
            return static_cast<T*>(p);
        }
#endif
        return static_cast<T*>(::operator new(bytes));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        const std::size_t bytes = n * sizeof(T);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (bytes >= kHugeMin) {
            munmap(p, bytes);
            return;
        }
#endif
        ::operator delete(p);
    }
    template <class U>
    bool operator==(const HugePageAllocator<U>&) const noexcept {
        return true;
    }
};

// A vector for per-synapse arrays (see above).
template <class T>
using synvector = std::vector<T, HugePageAllocator<T>>;

}  // namespace pyneuro
