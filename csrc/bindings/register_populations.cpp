#include "../neurons/population.hpp"
#include "convert.hpp"

namespace pyneuro::bind {

void register_populations(py::module_& m) {
    py::class_<Population>(m, "Population")
        .def_property_readonly("id", &Population::id)
        .def_property_readonly("size", &Population::size)
        .def_property_readonly("kind", &Population::kind)
        .def_property_readonly("var_names", &Population::var_names)
        .def(
            "get",
            [](Population& p, const std::string& name) {
                auto* v = p.var(name);
                if (!v) throw py::value_error("unknown state variable '" + name + "'");
                return to_array(*v);
            },
            py::arg("name"))
        .def(
            "set", [](Population& p, const std::string& name, const py::array& values) { p.assign(name, to_vec<float>(values)); },
            py::arg("name"), py::arg("values"))
        .def_property_readonly("positions",
                               [](const Population& p) {
                                   std::vector<float> xyz = p.positions();
                                   return to_array(std::move(xyz), {static_cast<py::ssize_t>(p.size()), p.position_dim()});
                               })
        .def(
            "set_positions", [](Population& p, const py::array& xyz, int dim) { p.set_positions(to_vec<float>(xyz), dim); },
            py::arg("xyz"), py::arg("dim"))
        .def(
            "lesion", [](Population& p, const py::array& ids) { p.lesion(to_vec<index_t>(ids)); }, py::arg("ids"))
        .def_property_readonly("lesioned", [](const Population& p) { return to_array(p.lesion_flags()); })
        .def(
            "plasticity_gains", [](const Population& p, step_t now) { return to_array(p.plasticity_gains(now)); },
            py::arg("now"))
        // checkpoints: the population's dynamic state (its neuron rules' included), checked when loaded
        .def("save_state",
             [](const Population& p) {
                 StateDict d;
                 p.save(d, "");
                 return to_pydict(d);
             })
        .def(
            "set_events",
            [](Population& p, const py::array& steps, const py::array& idx) {
                return p.set_events(to_vec<step_t>(steps), to_vec<index_t>(idx));
            },
            py::arg("steps"), py::arg("indices"), "given spikes (steps, neuron ids); False for a model that takes none")
        .def(
            "load_state", [](Population& p, const py::dict& d, step_t now) { p.load(from_pydict(d), "", now); },
            py::arg("state"), py::arg("now"));

    py::class_<NeuronRule>(m, "NeuronRule")
        .def(
            "set_schedule",
            [](NeuronRule& r, int slot, const py::array& seg, double rest) { r.set_schedule(slot, to_segments(seg), rest); },
            py::arg("slot"), py::arg("segments"), py::arg("rest"));
}

}  // namespace pyneuro::bind
