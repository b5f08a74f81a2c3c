// Design notes: conversions between Python objects and the core's plain structs. No algorithms here: the Python
// layer has validated every value before it reaches these functions.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <vector>

#include "../core/types.hpp"
#include "../plasticity/schedule.hpp"
#include "../synapses/projection.hpp"

namespace pyneuro::bind {

namespace py = pybind11;

template <class T>
std::vector<T> to_vec(const py::handle& obj) {
    auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(obj);
    if (!a) throw py::type_error("expected an array");
    return std::vector<T>(a.data(), a.data() + a.size());
}

// A copy of v (for state that keeps changing: population variables, recorders between runs).
template <class T, class A>
py::array_t<T> to_array(const std::vector<T, A>& v) {
    py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
    if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(T));
    return a;
}

// A vector the core hands over (a snapshot nobody else holds) becomes a numpy array without a copy: the vector
// moves into a capsule that the array keeps alive as its base (boost-histogram's py::array(buffer, owner)).
template <class T, class A>
py::array_t<T> to_array(std::vector<T, A>&& v, std::vector<py::ssize_t> shape = {}) {
    auto* owned = new std::vector<T, A>(std::move(v));
    py::capsule base(owned, [](void* q) { delete static_cast<std::vector<T, A>*>(q); });
    if (shape.empty()) shape = {static_cast<py::ssize_t>(owned->size())};
    return py::array_t<T>(shape, owned->data(), base);
}

// Rows (begin_step, end_step, kind, a, b, c) of a float64 (n, 6) array -> schedule segments.
inline std::vector<Schedule::Segment> to_segments(const py::array& rows) {
    auto v = to_vec<double>(rows);
    if (v.size() % 6 != 0) throw py::value_error("schedule segments must have 6 columns");
    std::vector<Schedule::Segment> out;
    for (std::size_t q = 0; q < v.size(); q += 6)
        out.push_back({static_cast<step_t>(v[q]), static_cast<step_t>(v[q + 1]), static_cast<int>(v[q + 2]), v[q + 3],
                       v[q + 4], v[q + 5]});
    return out;
}

inline ParamMap to_params(const py::dict& d) {
    ParamMap p;
    for (auto item : d) p[py::cast<std::string>(item.first)] = py::cast<double>(item.second);
    return p;
}

inline Receptor to_receptor(const std::string& s) {
    if (s == "exc") return Receptor::exc;
    if (s == "inh") return Receptor::inh;
    throw py::value_error("receptor must be 'exc' or 'inh', got '" + s + "'");
}

inline ConnSpec to_conn(const py::dict& d) {
    ConnSpec c;
    const auto kind = py::cast<std::string>(d["kind"]);
    if (kind == "all_to_all") c.kind = ConnSpec::Kind::all_to_all;
    else if (kind == "one_to_one") c.kind = ConnSpec::Kind::one_to_one;
    else if (kind == "fixed_probability") c.kind = ConnSpec::Kind::fixed_probability;
    else if (kind == "fixed_indegree") c.kind = ConnSpec::Kind::fixed_indegree;
    else if (kind == "fixed_outdegree") c.kind = ConnSpec::Kind::fixed_outdegree;
    else if (kind == "fixed_total_number") c.kind = ConnSpec::Kind::fixed_total_number;
    else if (kind == "from_arrays") c.kind = ConnSpec::Kind::from_arrays;
    else throw py::value_error("unknown connection rule '" + kind + "'");
    if (d.contains("p")) c.p = py::cast<double>(d["p"]);
    if (d.contains("n")) c.n = py::cast<std::uint64_t>(d["n"]);
    if (d.contains("allow_self")) c.allow_self = py::cast<bool>(d["allow_self"]);
    if (d.contains("allow_multapses")) c.allow_multapses = py::cast<bool>(d["allow_multapses"]);
    if (d.contains("pre")) c.pre = to_vec<index_t>(d["pre"]);
    if (d.contains("post")) c.post = to_vec<index_t>(d["post"]);
    return c;
}

inline ValueSpec to_values(const py::dict& d) {
    ValueSpec v;
    const auto kind = py::cast<std::string>(d["kind"]);
    if (kind == "scalar") v.kind = ValueSpec::Kind::scalar;
    else if (kind == "array") v.kind = ValueSpec::Kind::array;
    else if (kind == "uniform") v.kind = ValueSpec::Kind::uniform;
    else if (kind == "normal") v.kind = ValueSpec::Kind::normal;
    else throw py::value_error("unknown value kind '" + kind + "'");
    if (d.contains("a")) v.a = py::cast<double>(d["a"]);
    if (d.contains("b")) v.b = py::cast<double>(d["b"]);
    if (d.contains("lo")) v.lo = py::cast<double>(d["lo"]);
    if (d.contains("hi")) v.hi = py::cast<double>(d["hi"]);
    if (d.contains("redraw")) v.redraw = py::cast<bool>(d["redraw"]);
    if (d.contains("arr")) v.arr = to_vec<double>(d["arr"]);
    return v;
}

inline py::dict to_pydict(const StateDict& s) {
    py::dict out;
    for (const auto& [key, blob] : s) {
        py::array a(py::dtype(std::string("<") + blob.dtype), blob.shape);
        if (!blob.bytes.empty()) std::memcpy(a.mutable_data(), blob.bytes.data(), blob.bytes.size());
        out[py::str(key)] = a;
    }
    return out;
}

inline StateDict from_pydict(const py::dict& d) {
    StateDict s;
    for (auto item : d) {
        py::array a = py::array::ensure(item.second, py::array::c_style);
        Blob b;
        const char kind = a.dtype().kind();
        b.dtype = std::string(1, kind == 'b' ? 'u' : kind) + std::to_string(a.itemsize());
        b.shape.assign(a.shape(), a.shape() + a.ndim());
        b.bytes.resize(static_cast<std::size_t>(a.nbytes()));
        if (a.nbytes() > 0) std::memcpy(b.bytes.data(), a.data(), b.bytes.size());
        s[py::cast<std::string>(item.first)] = std::move(b);
    }
    return s;
}

}  // namespace pyneuro::bind
