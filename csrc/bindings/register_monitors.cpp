#include "../monitors/rate_monitor.hpp"
#include "../monitors/spike_monitor.hpp"
#include "../monitors/state_monitor.hpp"
#include "../monitors/weight_monitor.hpp"
#include "convert.hpp"

namespace pyneuro::bind {

template <class M>
StateDict saved(const M& m) {
    StateDict d;
    m.save(d, "");
    return d;
}

// Recorded data keep growing with every run, so they are returned as copies.
void register_monitors(py::module_& m) {
    py::class_<SpikeMonitor>(m, "SpikeMonitor")
        .def_property_readonly("steps", [](const SpikeMonitor& s) { return to_array(s.steps); })
        .def_property_readonly("ids", [](const SpikeMonitor& s) { return to_array(s.ids); })
        .def("save_state", [](const SpikeMonitor& s) { return to_pydict(saved(s)); })
        .def(
            "load_state", [](SpikeMonitor& s, const py::dict& d, index_t n, step_t now) { s.load(from_pydict(d), "", n, now); },
            py::arg("state"), py::arg("n"), py::arg("now"));

    py::class_<StateMonitor>(m, "StateMonitor")
        .def_readonly("every", &StateMonitor::every)
        .def_property_readonly("steps", [](const StateMonitor& s) { return to_array(s.steps); })
        .def_property_readonly("values", [](const StateMonitor& s) {
            std::vector<float> v(s.values.begin(), s.values.begin() + static_cast<std::ptrdiff_t>(s.steps.size() * s.idx.size()));
            return to_array(std::move(v), {static_cast<py::ssize_t>(s.steps.size()), static_cast<py::ssize_t>(s.idx.size())});
        })
        .def("save_state", [](const StateMonitor& s) { return to_pydict(saved(s)); })
        .def(
            "load_state", [](StateMonitor& s, const py::dict& d, step_t now) { s.load(from_pydict(d), "", now); },
            py::arg("state"), py::arg("now"));

    py::class_<WeightMonitor>(m, "WeightMonitor")
        .def_readonly("every", &WeightMonitor::every)
        .def_property_readonly("steps", [](const WeightMonitor& s) { return to_array(s.steps); })
        .def_property_readonly("values", [](const WeightMonitor& s) {
            std::vector<float> v(s.values.begin(), s.values.begin() + static_cast<std::ptrdiff_t>(s.steps.size() * s.width));
            return to_array(std::move(v), {static_cast<py::ssize_t>(s.steps.size()), static_cast<py::ssize_t>(s.width)});
        })
        .def("save_state", [](const WeightMonitor& s) { return to_pydict(saved(s)); })
        .def(
            "load_state",
            [](WeightMonitor& s, const py::dict& d, std::size_t n_syn, step_t now) { s.load(from_pydict(d), "", n_syn, now); },
            py::arg("state"), py::arg("n_synapses"), py::arg("now"));

    py::class_<RateMonitor>(m, "RateMonitor")
        .def_readonly("bin", &RateMonitor::bin)
        .def_readonly("start", &RateMonitor::start)
        .def_property_readonly("counts", [](const RateMonitor& s) { return to_array(s.counts); })
        .def("save_state", [](const RateMonitor& s) { return to_pydict(saved(s)); })
        .def(
            "load_state", [](RateMonitor& s, const py::dict& d, step_t now) { s.load(from_pydict(d), "", now); },
            py::arg("state"), py::arg("now"));
}

}  // namespace pyneuro::bind
