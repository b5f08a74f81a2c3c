// The compiled module, as a table of contents: one register_* per area. No logic lives in the bindings.
#include "../core/engine.hpp"
#include "convert.hpp"

namespace pyneuro::bind {
using EngineClass = py::class_<Engine>;
EngineClass register_engine(py::module_& m);
void register_populations(EngineClass& c);
void register_projections(EngineClass& c);
void register_monitors(EngineClass& c);
}  // namespace pyneuro::bind

PYBIND11_MODULE(_core, m) {
    m.doc() = "pyneuro's compiled core (use the pyneuro package, not this module)";
    auto engine = pyneuro::bind::register_engine(m);
    pyneuro::bind::register_populations(engine);
    pyneuro::bind::register_projections(engine);
    pyneuro::bind::register_monitors(engine);
}
