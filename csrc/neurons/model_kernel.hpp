// Design notes: the interface of a neuron model compiled from a user definition (pyneuro.models.Custom), as plain
// data and function pointers. The generated library includes this header and the math helpers only (no standard
// container, no string, no class of the core), so its compilation costs about what its own code costs; it exports
// one C function, kModelEntry, that hands the core its table, and the core wraps the table into a CustomModel
// (custom_model.hpp) registered in the catalogue under the table's kind.
// - prepare: the per-step coefficients from the parameters and dt; linear_system: dx/dt = A x + b of the exact
//   block (A n x n row-major, b n), for the core's numerical check of the closed-form propagator; update: one step
//   of neurons [b, e) at step t (a branch-free loop over structure-of-arrays state that raises flag[i] for the
//   neurons that fired). All noexcept, never allocating.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../core/scalar_types.hpp"

namespace pyneuro {

struct CustomModelSpec {
    int n_params;
    const char* const* params;   // values p[name]
    int n_state;
    const char* const* state;    // initial values p["init:" + name]
    int n_coeffs;                // per-step coefficients computed by prepare()
    int exc, inh;                // state variable fed by each receptor (-1: input ignored); sign p["sign:exc"], p["sign:inh"]
    int n_linear;                // exact integration: size of the linear block (0: none)
    int linear_form;             // 0: x' = c + P (x - c) (c the fixed point); 1: x' = P x + c
};

struct ModelView {
    float* const* state = nullptr;  // base pointers, one per state variable
    std::int32_t* refr = nullptr;
    std::uint8_t* flag = nullptr;
    const double* params = nullptr;
    const double* coeffs = nullptr;
    std::int32_t ref_steps = 0;
    double dt = 0.1;
    float* lag_exc = nullptr;  // lagged arrivals (NEST time convention) of each receptor, or nullptr when none lag;
    float* lag_inh = nullptr;  // when one is set both are (an array of zeros stands in for the other)
};

struct ModelKernelTable {
    const char* kind;
    const CustomModelSpec* spec;
    void (*prepare)(const double* params, double dt, double* coeffs) noexcept;
    void (*linear_system)(const double* params, double* A, double* b) noexcept;
    void (*update)(const ModelView& v, index_t b, index_t e, step_t t) noexcept;
};

// extern "C" const ModelKernelTable* pyneuro_model_kernel(int abi) noexcept: the table, or nullptr when the
// library was built for another version of this interface.
constexpr int kModelAbi = 1;
constexpr const char* kModelEntry = "pyneuro_model_kernel";

}  // namespace pyneuro
