#include "../core/engine.hpp"
#include "convert.hpp"

namespace pyneuro::bind {

void register_projections(py::class_<Engine>& c) {
    c.def("connect",
          [](Engine& e, int pre, int post, const std::string& receptor, const py::dict& conn, const py::dict& w,
             const py::dict& d) {
              ConnSpec cs = to_conn(conn);
              ValueSpec ws = to_values(w), ds = to_values(d);
              const Receptor r = to_receptor(receptor);
              // building draws and sorts only engine-owned memory: release the GIL
              py::gil_scoped_release release;
              return e.connect(pre, post, r, cs, ws, ds);
          })
        .def("connect_arrays",
             [](Engine& e, int pre, int post, const std::string& receptor, const py::array& pi, const py::array& qi,
                const py::array& d, const py::array& w) {
                 return e.connect_arrays(pre, post, to_receptor(receptor), to_vec<index_t>(pi), to_vec<index_t>(qi),
                                         to_vec<std::uint32_t>(d), to_vec<float>(w));
             })
        .def("pop_projection", &Engine::pop_projection)
        .def("add_rule", [](Engine& e, int proj, const std::string& kind,
                            const py::dict& params) { e.add_rule(proj, kind, to_params(params)); })
        .def("add_neuron_rule", [](Engine& e, int pop, const std::string& kind,
                                   const py::dict& params) { e.add_neuron_rule(pop, kind, to_params(params)); })
        .def("set_schedule",
             [](Engine& e, int target, int rule, int slot, const py::array& seg, double rest) {
                 // seg: (n, 6) float64 rows (begin_step, end_step, kind, a, b, c)
                 auto v = to_vec<double>(seg);
                 if (v.size() % 6 != 0) throw py::value_error("schedule segments must have 6 columns");
                 std::vector<Schedule::Segment> out;
                 for (std::size_t q = 0; q < v.size(); q += 6)
                     out.push_back({static_cast<step_t>(v[q]), static_cast<step_t>(v[q + 1]), static_cast<int>(v[q + 2]),
                                    v[q + 3], v[q + 4], v[q + 5]});
                 e.set_schedule(target, rule, slot, out, rest);
             })
        .def("reward", &Engine::reward)
        .def("modulator_level", &Engine::modulator_level)
        .def("rule_state", [](const Engine& e, int proj, int rule) { return to_pydict(e.rule_state(proj, rule)); })
        .def("proj_add_synapses",
             [](Engine& e, int proj, const py::array& pi, const py::array& qi, const py::array& d, const py::array& w) {
                 auto a = to_vec<index_t>(pi);
                 auto b = to_vec<index_t>(qi);
                 auto c = to_vec<std::uint32_t>(d);
                 auto x = to_vec<float>(w);
                 py::gil_scoped_release release;
                 return e.projection(proj).add_synapses(a, b, c, x);
             })
        .def("proj_remove_synapses",
             [](Engine& e, int proj, const py::array& idx) {
                 auto v = to_vec<std::uint64_t>(idx);
                 py::gil_scoped_release release;
                 e.projection(proj).remove_synapses(v);
             })
        .def("proj_set_max_delay", [](Engine& e, int proj, std::uint32_t steps) { e.projection(proj).set_max_delay(steps); })
        .def("proj_max_delay", [](Engine& e, int proj) { return e.projection(proj).ring_delay(); })
        .def("add_structural", [](Engine& e, int proj, const std::string& kind,
                                  const py::dict& params) { e.add_structural(proj, kind, to_params(params)); })
        .def("structural_log",
             [](const Engine& e) {
                 const auto c = e.log_columns();
                 return py::make_tuple(to_array(c.step), to_array(c.kind), to_array(c.proj), to_array(c.pre),
                                       to_array(c.post), to_array(c.w));
             })
        .def("log_structural",
             [](Engine& e, std::int64_t step, int kind, int proj, const py::array& pre, const py::array& post, const py::array& w) {
                 auto a = to_vec<index_t>(pre);
                 auto b = to_vec<index_t>(post);
                 auto x = to_vec<float>(w);
                 std::vector<StructEvent> ev;
                 for (std::size_t q = 0; q < a.size(); ++q) ev.push_back({step, static_cast<std::uint8_t>(kind), proj, a[q], b[q], x[q]});
                 e.log_events(std::move(ev));
             })
        .def("proj_compact", [](Engine& e, int proj) { e.projection(proj).compact(); })
        .def("proj_check", [](const Engine& e, int proj) { return const_cast<Engine&>(e).projection(proj).check(); })
        .def("proj_size", [](Engine& e, int proj) { return e.projection(proj).size(); })
        .def("proj_bytes", [](Engine& e, int proj) { return e.projection(proj).bytes(); })
        .def("proj_gather",
             [](Engine& e, int proj) {
                 Gathered g = e.projection(proj).gather(false);
                 return py::make_tuple(to_array(g.pre), to_array(g.post), to_array(g.delay), to_array(g.w));
             })
        .def("add_input",
             [](Engine& e, const std::string& kind, int pop, const std::string& receptor, const py::dict& params) {
                 return e.add_input(kind, pop, to_receptor(receptor), to_params(params));
             })
        .def("set_input", [](Engine& e, int id, const py::dict& params) { e.set_input(id, to_params(params)); })
        .def("input_current",
             [](const Engine& e, int id, index_t i, step_t t0, step_t t1) { return to_array(e.input_current(id, i, t0, t1)); })
        .def("set_nest_time", &Engine::set_nest_time)
        .def_property_readonly("nest_time", &Engine::nest_time)
        .def("proj_set_weights",
             [](Engine& e, int proj, const py::array& w) { e.projection(proj).set_weights(to_vec<float>(w)); });
}

}  // namespace pyneuro::bind
