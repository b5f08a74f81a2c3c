// Design notes: how work is split between threads.
// Every population is split into `threads` contiguous ranges of neurons; thread k owns range k of every
// population: it integrates those neurons, owns their spike lists and traces, and owns every synapse that ends
// in them (the projection's shard k). Range boundaries are multiples of 16 neurons so that vector loops see
// aligned blocks. No two threads ever write the same memory during a step.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "types.hpp"

namespace pyneuro {

struct Range {
    index_t begin = 0, end = 0;
    index_t size() const { return end - begin; }
    bool contains(index_t i) const { return i >= begin && i < end; }
};

inline std::vector<Range> split_range(index_t n, int parts) {
    std::vector<Range> out(static_cast<std::size_t>(parts));
    index_t chunk = (n + static_cast<index_t>(parts) - 1) / static_cast<index_t>(parts);
    chunk = (chunk + 15u) & ~15u;
    index_t b = 0;
    for (int k = 0; k < parts; ++k) {
        const index_t e = std::min<index_t>(n, b + chunk);
        out[static_cast<std::size_t>(k)] = {b, e};
        b = e;
    }
    return out;
}

// Which part owns index i (the parts come from split_range).
inline int owner_of(const std::vector<Range>& parts, index_t i) {
    for (std::size_t k = 0; k < parts.size(); ++k)
        if (parts[k].contains(i)) return static_cast<int>(k);
    return static_cast<int>(parts.size()) - 1;
}

}  // namespace pyneuro
