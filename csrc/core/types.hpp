// Design notes: basic types of the core.
// - Simulated time is an int64 step count (never an accumulated float); t_ms = step * dt.
// - Neuron indices are 0-based uint32 within a population; synapse offsets are integers into a shard's
//   arrays (never pointers), so the store can be compacted or grown while a network runs.
// - Parameters arrive as a name->double map (ParamMap) that each model/rule lowers once into a plain struct.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "scalar_types.hpp"

namespace pyneuro {

// Allocator for per-neuron state arrays: 64-byte (cache-line) alignment, so that thread ranges, whose bounds are
// multiples of 16 elements, never share a cache line (no false sharing at range boundaries).
template <class T, std::size_t Align = 64>
struct AlignedAllocator {
    using value_type = T;
    template <class U>
    struct rebind {
        using other = AlignedAllocator<U, Align>;
    };
    AlignedAllocator() noexcept = default;
    template <class U>
    AlignedAllocator(const AlignedAllocator<U, Align>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(Align))); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t(Align)); }
    template <class U>
    bool operator==(const AlignedAllocator<U, Align>&) const noexcept {
        return true;
    }
};
template <class T>
using avector = std::vector<T, AlignedAllocator<T>>;

// Whether any element is non-zero (models skip an optional per-neuron input while it is all zero).
template <class T>
inline bool any_nonzero(const avector<T>& v) {
    for (const T& x : v)
        if (x != T(0)) return true;
    return false;
}
using ParamMap = std::map<std::string, double>;

// Raised for invalid arguments that reach the core (the Python layer validates first; this is the backstop).
struct ArgumentError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

inline double param(const ParamMap& p, const std::string& name) {
    auto it = p.find(name);
    if (it == p.end()) throw ArgumentError("missing parameter '" + name + "'");
    return it->second;
}

inline double param_or(const ParamMap& p, const std::string& name, double fallback) {
    auto it = p.find(name);
    return it == p.end() ? fallback : it->second;
}

// A period in whole steps (a rule's interval): finite and in [1, 2^52] (the clock's exact range); a larger double
// would not convert to a step count (undefined behaviour, in practice a period of one step).
inline std::int64_t steps_param(const ParamMap& p, const std::string& name, double fallback = -1.0) {
    const double v = fallback < 0.0 ? param(p, name) : param_or(p, name, fallback);
    if (!(v >= 1.0 && v <= 4503599627370496.0))
        throw ArgumentError("parameter '" + name + "' = " + std::to_string(v) + " is outside [1, 2^52] steps");
    return static_cast<std::int64_t>(v);
}

// A typed, shaped byte buffer: the unit of checkpoint state exchanged with the Python layer.
struct Blob {
    std::string dtype;                 // numpy dtype string: "f4", "f8", "i4", "i8", "u4", "u2", "u1"
    std::vector<std::int64_t> shape;
    std::vector<std::uint8_t> bytes;

    template <class C>
    static Blob of(const std::string& dt, const C& v) {
        using T = typename C::value_type;
        Blob b;
        b.dtype = dt;
        b.shape = {static_cast<std::int64_t>(v.size())};
        b.bytes.resize(v.size() * sizeof(T));
        if (!v.empty()) std::memcpy(b.bytes.data(), v.data(), b.bytes.size());
        return b;
    }
    template <class T>
    std::vector<T> as() const {
        std::vector<T> v(bytes.size() / sizeof(T));
        if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
        return v;
    }
};
using StateDict = std::map<std::string, Blob>;

template <class T> inline const char* dtype_of();
template <> inline const char* dtype_of<float>() { return "f4"; }
template <> inline const char* dtype_of<double>() { return "f8"; }
template <> inline const char* dtype_of<std::int32_t>() { return "i4"; }
template <> inline const char* dtype_of<std::int64_t>() { return "i8"; }
template <> inline const char* dtype_of<std::uint32_t>() { return "u4"; }
template <> inline const char* dtype_of<std::uint64_t>() { return "u8"; }
template <> inline const char* dtype_of<std::uint16_t>() { return "u2"; }
template <> inline const char* dtype_of<std::uint8_t>() { return "u1"; }

template <class C>
inline void put(StateDict& d, const std::string& key, const C& v) {
    d[key] = Blob::of(dtype_of<typename C::value_type>(), v);
}

template <class T>
inline std::vector<T> take(const StateDict& d, const std::string& key) {
    auto it = d.find(key);
    if (it == d.end()) throw ArgumentError("checkpoint state lacks '" + key + "'");
    if (it->second.dtype != dtype_of<T>())
        throw ArgumentError("checkpoint state '" + key + "' has dtype " + it->second.dtype + ", expected " +
                            dtype_of<T>());
    return it->second.as<T>();
}

inline bool has(const StateDict& d, const std::string& key) { return d.count(key) != 0; }

// Checkpoint validation. State read back from a file is checked against the network it describes before it is
// used: a failed check throws an ArgumentError that names the key, and the object keeps or resets to a state that
// is safe to destroy (never half-filled arrays that a loop would index).
inline void require(bool ok, const std::string& key, const std::string& what) {
    if (!ok) throw ArgumentError("checkpoint state '" + key + "': " + what);
}
// take<T>, with exactly n entries.
template <class T>
inline std::vector<T> take_n(const StateDict& d, const std::string& key, std::size_t n) {
    auto v = take<T>(d, key);
    require(v.size() == n, key, "expected " + std::to_string(n) + " values, got " + std::to_string(v.size()));
    return v;
}
// Every value finite (and, for lo/hi given, within [lo, hi]).
template <class C>
inline void require_finite(const C& v, const std::string& key, double lo = -INFINITY, double hi = INFINITY) {
    for (const auto& x : v) {
        const double y = static_cast<double>(x);
        require(std::isfinite(y) && y >= lo && y <= hi, key,
                "values must be finite and within [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                    std::to_string(y));
    }
}
// Every value within [lo, hi] (integers).
template <class C>
inline void require_range(const C& v, const std::string& key, std::int64_t lo, std::int64_t hi) {
    for (const auto& x : v) {
        const auto y = static_cast<std::int64_t>(x);
        require(static_cast<long double>(x) == static_cast<long double>(y) && y >= lo && y <= hi, key,
                "values must lie in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(y));
    }
}

}  // namespace pyneuro
