#include "../plasticity/rule.hpp"
#include "../synapses/input.hpp"
#include "../structural/structural_rule.hpp"
#include "../synapses/projection.hpp"
#include "convert.hpp"

namespace pyneuro::bind {

void register_projections(py::module_& m) {
    m.def("delay_limit", &Projection::delay_limit_for, py::arg("n_post"),
          "Longest delay (steps) a projection onto n_post neurons can store (delay and target share 32 bits).");

    py::enum_<StructEvent::Kind>(m, "StructEventKind", "Kinds of the structural log's events.")
        .value("created", StructEvent::created)
        .value("pruned", StructEvent::pruned)
        .value("lesioned", StructEvent::lesioned)
        .value("neuron_added", StructEvent::neuron_added)
        .value("added", StructEvent::added)
        .value("removed", StructEvent::removed);

    py::enum_<Schedule::Kind>(m, "SegmentKind", "Kinds of schedule segments.")
        .value("constant", Schedule::constant)
        .value("linear", Schedule::linear)
        .value("exponential", Schedule::exponential);

    py::class_<Projection>(m, "Projection")
        .def_property_readonly("id", &Projection::id)
        .def_property_readonly("size", &Projection::size)
        .def_property_readonly("bytes", &Projection::bytes)
        .def_property_readonly("max_delay", &Projection::ring_delay, "longest delay (steps) spike histories serve")
        .def("set_max_delay", &Projection::set_max_delay, py::arg("steps"))
        .def_property_readonly("delay_limit", &Projection::delay_limit)
        // a fresh snapshot in canonical order, handed over without a copy
        .def("gather",
             [](const Projection& p) {
                 Gathered g = p.gather(false);
                 return py::make_tuple(to_array(std::move(g.pre)), to_array(std::move(g.post)),
                                       to_array(std::move(g.delay)), to_array(std::move(g.w)));
             })
        .def(
            "set_weights", [](Projection& p, const py::array& w) { p.set_weights(to_vec<float>(w)); }, py::arg("weights"))
        .def(
            "add_synapses",
            [](Projection& p, const py::array& pi, const py::array& qi, const py::array& d, const py::array& w) {
                auto a = to_vec<index_t>(pi);
                auto b = to_vec<index_t>(qi);
                auto c = to_vec<std::uint32_t>(d);
                auto x = to_vec<float>(w);
                // the store's change touches only engine-owned memory: release the GIL
                py::gil_scoped_release release;
                return p.add_synapses(a, b, c, x);
            },
            py::arg("pre"), py::arg("post"), py::arg("delay_steps"), py::arg("weights"))
        .def(
            "remove_synapses",
            [](Projection& p, const py::array& idx) {
                auto v = to_vec<std::uint64_t>(idx);
                py::gil_scoped_release release;
                p.remove_synapses(v);
            },
            py::arg("canonical"))
        .def("compact", &Projection::compact)
        .def("check", &Projection::check)
        .def(
            "rule_state", [](const Projection& p, std::size_t k) { return to_pydict(p.rule_state(k)); }, py::arg("rule"))
        .def(
            "load_rule_state", [](Projection& p, std::size_t k, const py::dict& d) { p.load_rule_state(k, from_pydict(d)); },
            py::arg("rule"), py::arg("state"))
        .def(
            "structural_state", [](const Projection& p, std::size_t k) { return to_pydict(p.structural_state(k)); },
            py::arg("rule"))
        .def(
            "load_structural_state",
            [](Projection& p, std::size_t k, const py::dict& d, step_t now) { p.load_structural_state(k, from_pydict(d), now); },
            py::arg("rule"), py::arg("state"), py::arg("now"));

    py::class_<Rule>(m, "Rule")
        .def(
            "set_schedule",
            [](Rule& r, int slot, const py::array& seg, double rest) { r.set_schedule(slot, to_segments(seg), rest); },
            py::arg("slot"), py::arg("segments"), py::arg("rest"))
        .def("reward", &Rule::reward, py::arg("amount"), py::arg("at"), "False for a rule that takes no rewards")
        .def(
            "modulator_level",
            [](const Rule& r, step_t now) -> py::object {
                double level = 0.0;
                if (!r.modulator_level(now, level)) return py::none();
                return py::float_(level);
            },
            py::arg("now"), "the neuromodulator level at step now, or None for a rule without one");

    // An input without a source population (catalogue family "input"); its parameters change through
    // Engine.set_input, which checks them first.
    py::class_<Input>(m, "Input").def_property_readonly("id", &Input::id);

    py::class_<StructuralRule>(m, "StructuralRule").def_readonly("interval", &StructuralRule::interval);
}

}  // namespace pyneuro::bind
