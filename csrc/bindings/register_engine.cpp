#include "../core/engine.hpp"
#include "../core/plugin.hpp"
#include "convert.hpp"

namespace pyneuro::bind {

py::class_<Engine> register_engine(py::module_& m) {
    py::register_exception<ArgumentError>(m, "CoreArgumentError", PyExc_ValueError);
    m.def("load_plugin", &load_plugin, py::arg("path"), "Load a compiled user library; '' on success, else the reason");
    m.def("catalogue_kinds", [](const std::string& family) { return catalogue().kinds(family); }, py::arg("family"));
    m.attr("PLUGIN_ABI") = kPluginAbi;
    py::class_<Engine> c(m, "Engine");
    c
        .def(py::init<double, std::uint64_t, int>(), py::arg("dt"), py::arg("seed"), py::arg("threads"))
        .def_property_readonly("dt", &Engine::dt)
        .def_property_readonly("seed", &Engine::seed)
        .def_property_readonly("threads", &Engine::threads)
        .def_property("now", &Engine::now, &Engine::set_now)
        .def_readwrite("max_rate", &Engine::max_rate)
        .def_property("check_every", [](const Engine& e) { return e.check_every; }, &Engine::set_check_every)
        .def_property("timing", &Engine::timing, &Engine::set_timing)
        .def("phase_times", &Engine::phase_times)
        // The loop touches only engine-owned memory and no Python object, so the GIL is released while it runs
        // (other Python threads, e.g. a progress bar or a Dask worker's heartbeat, keep running).
        .def(
            "run",
            [](Engine& e, step_t n) {
                RunStatus st;
                {
                    py::gil_scoped_release release;
                    st = e.run(n);
                }
                py::dict d;
                d["stopped"] = st.stopped;
                d["reason"] = st.reason;
                d["population"] = st.population;
                d["projection"] = st.projection;
                d["step"] = st.step;
                d["value"] = st.value;
                return d;
            },
            py::arg("n_steps"))
        .def("save_state", [](const Engine& e) { return to_pydict(e.save_state()); })
        .def("load_state", [](Engine& e, const py::dict& d) { e.load_state(from_pydict(d)); });
    return c;
}

}  // namespace pyneuro::bind
