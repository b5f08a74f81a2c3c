#include "../core/engine.hpp"
#include "convert.hpp"

namespace pyneuro::bind {

void register_monitors(py::class_<Engine>& c) {
    c.def("add_spike_monitor",
          [](Engine& e, int pop, const py::array& subset) { return e.add_spike_monitor(pop, to_vec<index_t>(subset)); })
        .def("add_state_monitor",
             [](Engine& e, int pop, const std::string& var, const py::array& idx, step_t every) {
                 return e.add_state_monitor(pop, var, to_vec<index_t>(idx), every);
             })
        .def("add_weight_monitor",
             [](Engine& e, int proj, const py::array& sel, step_t every) {
                 return e.add_weight_monitor(proj, to_vec<std::uint64_t>(sel), every);
             })
        .def("add_rate_monitor", [](Engine& e, int pop, step_t bin) { return e.add_rate_monitor(pop, bin); })
        .def("spike_monitor_data",
             [](Engine& e, int m) {
                 auto& s = e.spike_monitor(m);
                 return py::make_tuple(to_array(s.steps), to_array(s.ids));
             })
        .def("state_monitor_data",
             [](Engine& e, int m) {
                 auto& s = e.state_monitor(m);
                 py::array_t<float> v(std::vector<py::ssize_t>{static_cast<py::ssize_t>(s.steps.size()),
                                                               static_cast<py::ssize_t>(s.idx.size())});
                 if (!s.values.empty()) std::memcpy(v.mutable_data(), s.values.data(), s.values.size() * sizeof(float));
                 return py::make_tuple(to_array(s.steps), v);
             })
        .def("weight_monitor_data",
             [](Engine& e, int m) {
                 auto& s = e.weight_monitor(m);
                 py::array_t<float> v(std::vector<py::ssize_t>{static_cast<py::ssize_t>(s.steps.size()),
                                                               static_cast<py::ssize_t>(s.width)});
                 if (!s.values.empty()) std::memcpy(v.mutable_data(), s.values.data(), s.values.size() * sizeof(float));
                 return py::make_tuple(to_array(s.steps), v);
             })
        .def("rate_monitor_data", [](Engine& e, int m) {
            auto& s = e.rate_monitor(m);
            return py::make_tuple(s.start, s.bin, to_array(s.counts));
        });
}

}  // namespace pyneuro::bind
