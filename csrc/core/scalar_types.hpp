// Design notes: the integer types of the core's interfaces, apart so that a header without the standard library's
// containers (neurons/model_kernel.hpp, which generated code includes) can name them.
// - Simulated time is an int64 step count (never an accumulated float); t_ms = step * dt.
// - Neuron indices are 0-based uint32 within a population.
#pragma once
#include <cstdint>

namespace pyneuro {

using step_t = std::int64_t;
using index_t = std::uint32_t;

}  // namespace pyneuro
