#include "../core/engine.hpp"
#include "../core/plugin.hpp"
#include "convert.hpp"

namespace pyneuro::bind {

void register_engine(py::module_& m) {
    py::register_exception<ArgumentError>(m, "CoreArgumentError", PyExc_ValueError);
    m.def("load_plugin", &load_plugin, py::arg("path"), "Load a compiled user library; '' on success, else the reason");
    m.def("catalogue_kinds", [](const std::string& family) { return catalogue().kinds(family); }, py::arg("family"));
    m.attr("PLUGIN_ABI") = kPluginAbi;
    // Every object the engine hands out is owned by the engine and keeps it alive.
    constexpr auto owned = py::return_value_policy::reference_internal;
    py::class_<Engine> c(m, "Engine");
    c.def(py::init<double, std::uint64_t, int>(), py::arg("dt"), py::arg("seed"), py::arg("threads"))
        .def_property_readonly("dt", &Engine::dt)
        .def_property_readonly("seed", &Engine::seed)
        .def_property_readonly("threads", &Engine::threads)
        .def_property_readonly("now", &Engine::now)
        .def_readwrite("max_rate", &Engine::max_rate)
        .def_property("check_every", [](const Engine& e) { return e.check_every; }, &Engine::set_check_every)
        .def_property("timing", &Engine::timing, &Engine::set_timing)
        .def("phase_times", &Engine::phase_times)
        // several processes: an MPI communicator's raw handle, MPI_BYTE's and the handle size (core/comm.hpp)
        .def(
            "set_comm",
            [](Engine& e, std::uint64_t comm, std::uint64_t byte_type, int handle_bytes) {
                e.set_comm(Comm::from_handle(comm, byte_type, handle_bytes));
            },
            py::arg("comm"), py::arg("byte_type"), py::arg("handle_bytes"))
        .def_property_readonly("rank", [](const Engine& e) { return e.comm().rank(); })
        .def_property_readonly("ranks", [](const Engine& e) { return e.comm().size(); })
        .def_property_readonly("mpi_library", [](const Engine& e) { return e.comm().library(); })
        .def(
            "owned", [](const Engine& e, index_t n) { const Range r = e.owned(n); return py::make_tuple(r.begin, r.end); }, py::arg("n"))
        .def(
            "owned_of",
            [](const Engine& e, const Population& p) {
                const Range r = e.owned_of(e.id_of(p));
                return py::make_tuple(r.begin, r.end);
            },
            py::arg("population"))
        .def_property_readonly("exchanged_bytes", &Engine::exchanged_bytes)
        .def_property_readonly("exchanges", &Engine::exchanges)
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
        // checkpoints: the engine's own state; load_state, then every object's, then finish_load
        .def("save_state", [](const Engine& e) { return to_pydict(e.save_state()); })
        .def(
            "load_state", [](Engine& e, const py::dict& d) { e.load_state(from_pydict(d)); }, py::arg("state"))
        .def("finish_load", &Engine::finish_load)
        // populations
        .def(
            "add_population",
            [](Engine& e, const std::string& kind, index_t n, const py::dict& params) {
                return &e.population(e.add_population(kind, n, to_params(params)));
            },
            owned, py::arg("kind"), py::arg("n"), py::arg("params"))
        .def(
            "add_neurons",
            [](Engine& e, const Population& p, index_t n, const py::array& xyz) { e.add_neurons(e.id_of(p), n, to_vec<float>(xyz)); },
            py::arg("population"), py::arg("n"), py::arg("positions"))
        .def(
            "set_var_slice",
            [](Engine& e, const Population& p, const std::string& name, index_t begin, const py::array& values) {
                e.set_var_slice(e.id_of(p), name, begin, to_vec<float>(values));
            },
            py::arg("population"), py::arg("name"), py::arg("begin"), py::arg("values"))
        .def(
            "set_maturation",
            [](Engine& e, const Population& p, index_t begin, index_t end, double boost, double tau_ms) {
                e.set_maturation(e.id_of(p), begin, end, boost, tau_ms);
            },
            py::arg("population"), py::arg("begin"), py::arg("end"), py::arg("boost"), py::arg("tau_ms"))
        .def(
            "parts",
            [](const Engine& e, const Population& p) {
                std::vector<index_t> out;
                for (const Range& r : e.parts(e.id_of(p))) {
                    out.push_back(r.begin);
                    out.push_back(r.end);
                }
                const auto n = static_cast<py::ssize_t>(out.size() / 2);
                return to_array(std::move(out), {n, 2});
            },
            py::arg("population"), "each thread's range [begin, end) of the population, one row per thread")
        .def(
            "pop_population", [](Engine& e, const Population& p) { e.pop_population(e.id_of(p)); }, py::arg("population"),
            "take back the population just added (its initial state failed); any handle to it is invalid afterwards")
        // inputs without a source population, built by kind through the catalogue
        .def(
            "add_input",
            [](Engine& e, const std::string& kind, const Population& p, const std::string& receptor, const py::dict& params) {
                return &e.input(e.add_input(kind, e.id_of(p), to_receptor(receptor), to_params(params)));
            },
            owned, py::arg("kind"), py::arg("population"), py::arg("receptor"), py::arg("params"))
        .def(
            "set_input", [](Engine& e, const Input& in, const py::dict& params) { e.set_input(e.id_of(in), to_params(params)); },
            py::arg("input"), py::arg("params"))
        .def(
            "input_current",
            [](const Engine& e, const Input& in, index_t i, step_t t0, step_t t1) {
                return to_array(e.input_current(e.id_of(in), i, t0, t1));
            },
            py::arg("input"), py::arg("neuron"), py::arg("t0"), py::arg("t1"),
            "what a current input injects into neuron i of its target at steps [t0, t1)")
        .def("set_nest_time", &Engine::set_nest_time, py::arg("on"))
        .def_property_readonly("nest_time", &Engine::nest_time)
        .def(
            "add_neuron_rule",
            [](Engine& e, Population& p, const std::string& kind, const py::dict& params) {
                e.add_neuron_rule(e.id_of(p), kind, to_params(params));
                return p.neuron_rules().back().get();
            },
            owned, py::arg("population"), py::arg("kind"), py::arg("params"))
        // projections
        .def(
            "connect",
            [](Engine& e, const Population& pre, const Population& post, const std::string& receptor, const py::dict& conn,
               const py::dict& w, const py::dict& d) {
                const int a = e.id_of(pre), b = e.id_of(post);
                ConnSpec cs = to_conn(conn);
                ValueSpec ws = to_values(w), ds = to_values(d);
                const Receptor r = to_receptor(receptor);
                int id;
                {
                    // building draws and sorts only engine-owned memory: release the GIL
                    py::gil_scoped_release release;
                    id = e.connect(a, b, r, cs, ws, ds);
                }
                return &e.projection(id);
            },
            owned, py::arg("pre"), py::arg("post"), py::arg("receptor"), py::arg("conn"), py::arg("weight"), py::arg("delay"))
        .def(
            "connect_arrays",
            [](Engine& e, const Population& pre, const Population& post, const std::string& receptor, const py::array& pi,
               const py::array& qi, const py::array& d, const py::array& w) {
                const int id = e.connect_arrays(e.id_of(pre), e.id_of(post), to_receptor(receptor), to_vec<index_t>(pi),
                                                to_vec<index_t>(qi), to_vec<std::uint32_t>(d), to_vec<float>(w));
                return &e.projection(id);
            },
            owned, py::arg("pre"), py::arg("post"), py::arg("receptor"), py::arg("pre_idx"), py::arg("post_idx"),
            py::arg("delay_steps"), py::arg("weights"))
        .def(
            "pop_projection", [](Engine& e, const Projection& p) { e.pop_projection(e.id_of(p)); }, py::arg("projection"),
            "take back the projection just connected (its rules failed); any handle to it is invalid afterwards")
        .def(
            "add_rule",
            [](Engine& e, Projection& p, const std::string& kind, const py::dict& params) {
                e.add_rule(e.id_of(p), kind, to_params(params));
                return p.rules().back().get();
            },
            owned, py::arg("projection"), py::arg("kind"), py::arg("params"))
        .def(
            "add_structural",
            [](Engine& e, Projection& p, const std::string& kind, const py::dict& params) {
                e.add_structural(e.id_of(p), kind, to_params(params));
                return p.structural().back().get();
            },
            owned, py::arg("projection"), py::arg("kind"), py::arg("params"))
        .def("structural_log",
             [](const Engine& e) {
                 auto c = e.log_columns();
                 return py::make_tuple(to_array(std::move(c.step)), to_array(std::move(c.kind)), to_array(std::move(c.proj)),
                                       to_array(std::move(c.pre)), to_array(std::move(c.post)), to_array(std::move(c.w)));
             })
        .def(
            "log_structural",
            [](Engine& e, step_t step, StructEvent::Kind kind, const Projection* proj, const py::array& pre,
               const py::array& post, const py::array& w) {
                const int pid = proj ? e.id_of(*proj) : -1;
                auto a = to_vec<index_t>(pre);
                auto b = to_vec<index_t>(post);
                auto x = to_vec<float>(w);
                if (b.size() != a.size() || x.size() != a.size()) throw py::value_error("pre, post and weight differ in length");
                std::vector<StructEvent> ev;
                for (std::size_t q = 0; q < a.size(); ++q) ev.push_back({step, static_cast<std::uint8_t>(kind), pid, a[q], b[q], x[q]});
                e.log_events(std::move(ev));
            },
            py::arg("step"), py::arg("kind"), py::arg("projection"), py::arg("pre"), py::arg("post"), py::arg("weight"),
            "append events to the structural log (a neuron event has projection None)")
        // recorders
        .def(
            "add_spike_monitor",
            [](Engine& e, const Population& p, const py::array& subset) {
                return &e.spike_monitor(e.add_spike_monitor(e.id_of(p), to_vec<index_t>(subset)));
            },
            owned, py::arg("population"), py::arg("subset"))
        .def(
            "add_state_monitor",
            [](Engine& e, const Population& p, const std::string& var, const py::array& idx, step_t every) {
                return &e.state_monitor(e.add_state_monitor(e.id_of(p), var, to_vec<index_t>(idx), every));
            },
            owned, py::arg("population"), py::arg("var"), py::arg("indices"), py::arg("every"))
        .def(
            "add_weight_monitor",
            [](Engine& e, const Projection& p, const py::array& sel, step_t every) {
                return &e.weight_monitor(e.add_weight_monitor(e.id_of(p), to_vec<std::uint64_t>(sel), every));
            },
            owned, py::arg("projection"), py::arg("selection"), py::arg("every"))
        .def(
            "add_rate_monitor",
            [](Engine& e, const Population& p, step_t bin) { return &e.rate_monitor(e.add_rate_monitor(e.id_of(p), bin)); },
            owned, py::arg("population"), py::arg("bin"));
}

}  // namespace pyneuro::bind
