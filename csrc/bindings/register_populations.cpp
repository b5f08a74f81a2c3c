#include "../core/engine.hpp"
#include "../neurons/poisson.hpp"
#include "../neurons/spike_generator.hpp"
#include "convert.hpp"

namespace pyneuro::bind {

void register_populations(py::class_<Engine>& c) {
    c.def("add_population",
          [](Engine& e, const std::string& kind, index_t n, const py::dict& params) {
              return e.add_population(kind, n, to_params(params));
          })
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
                 if (name == "rate") e.mark_rates_changed(p);
             })
        .def("set_generator_events",
             [](Engine& e, int p, const py::array& steps, const py::array& idx) {
                 auto* g = dynamic_cast<SpikeGenerator*>(&e.population(p));
                 if (!g) throw py::type_error("population is not a SpikeGenerator");
                 g->set_events(to_vec<step_t>(steps), to_vec<index_t>(idx));
             });
}

}  // namespace pyneuro::bind
