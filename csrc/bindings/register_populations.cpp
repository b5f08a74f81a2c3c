#include "../core/engine.hpp"
#include "convert.hpp"

namespace pyneuro::bind {

void register_populations(py::class_<Engine>& c) {
    c.def("add_population",
          [](Engine& e, const std::string& kind, index_t n, const py::dict& params) {
              return e.add_population(kind, n, to_params(params));
          })
        .def("pop_population", &Engine::pop_population)
        .def("pop_size", [](Engine& e, int p) { return e.population(p).size(); })
        .def("pop_var_names", [](Engine& e, int p) { return e.population(p).var_names(); })
        .def("pop_get",
             [](Engine& e, int p, const std::string& name) {
                 auto* v = e.population(p).var(name);
                 if (!v) throw py::value_error("unknown state variable '" + name + "'");
                 return to_array(*v);
             })
        .def("pop_set",
             [](Engine& e, int p, const std::string& name, const py::array& values) {
                 auto* v = e.population(p).var(name);
                 if (!v) throw py::value_error("unknown state variable '" + name + "'");
                 auto x = to_vec<float>(values);
                 if (x.size() != v->size()) throw py::value_error("wrong number of values for '" + name + "'");
                 v->assign(x.begin(), x.end());
                 e.state_set(p, name);
             })
        .def("pop_set_positions",
             [](Engine& e, int p, const py::array& xyz, int dim) { e.population(p).set_positions(to_vec<float>(xyz), dim); })
        .def("pop_positions",
             [](Engine& e, int p) {
                 const Population& P = e.population(p);
                 py::array_t<float> a(std::vector<py::ssize_t>{static_cast<py::ssize_t>(P.size()), P.position_dim()});
                 if (!P.positions().empty()) std::memcpy(a.mutable_data(), P.positions().data(), P.positions().size() * 4);
                 return a;
             })
        .def("pop_lesion", [](Engine& e, int p, const py::array& ids) { e.population(p).lesion(to_vec<index_t>(ids)); })
        .def("pop_lesioned",
             [](Engine& e, int p) {
                 const Population& P = e.population(p);
                 py::array_t<std::uint8_t> a(static_cast<py::ssize_t>(P.size()));
                 std::memset(a.mutable_data(), 0, P.size());
                 const auto& m = P.lesion_mask();
                 if (!m.empty()) std::memcpy(a.mutable_data(), m.data(), std::min<std::size_t>(m.size(), P.size()));
                 return a;
             })
        .def("set_generator_events",
             [](Engine& e, int p, const py::array& steps, const py::array& idx) {
                 if (!e.population(p).set_events(to_vec<step_t>(steps), to_vec<index_t>(idx)))
                     throw py::type_error("population does not take given spikes (SpikeGenerator)");
             })
        // neurogenesis
        .def("pop_add_neurons",
             [](Engine& e, int p, index_t n, const py::array& xyz) { e.add_neurons(p, n, to_vec<float>(xyz)); })
        .def("pop_set_slice",
             [](Engine& e, int p, const std::string& name, index_t begin, const py::array& values) {
                 e.set_var_slice(p, name, begin, to_vec<float>(values));
             })
        .def("pop_set_maturation", &Engine::set_maturation)
        .def("pop_plasticity_gain",
             [](Engine& e, int p) {
                 const Population& P = e.population(p);
                 std::vector<double> g(P.size());
                 for (index_t i = 0; i < P.size(); ++i) g[i] = P.plasticity_gain(i, e.now());
                 return to_array(g);
             })
        .def("pop_parts", [](Engine& e, int p) {
            std::vector<index_t> out;
            for (const Range& r : e.parts(p)) {
                out.push_back(r.begin);
                out.push_back(r.end);
            }
            return to_array(out);
        });
}

}  // namespace pyneuro::bind
