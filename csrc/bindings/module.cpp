// The compiled module, as a table of contents: one register_* per area. No logic lives in the bindings.
// Each compiled type is its own Python class; the Engine owns them all, and every object it hands out keeps the
// Engine alive (reference_internal), so a handle never outlives what it points to.
#include "convert.hpp"

namespace pyneuro::bind {
void register_populations(py::module_& m);
void register_projections(py::module_& m);
void register_monitors(py::module_& m);
void register_engine(py::module_& m);
}  // namespace pyneuro::bind

PYBIND11_MODULE(_core, m) {
    m.doc() = "pyneuro's compiled core (use the pyneuro package, not this module)";
    pyneuro::bind::register_populations(m);
    pyneuro::bind::register_projections(m);
    pyneuro::bind::register_monitors(m);
    pyneuro::bind::register_engine(m);
}
