// Design notes: neuron models compiled from user definitions (pyneuro.models.Custom).
// Split across the plugin boundary as for rules (custom_rule.hpp):
// - CustomModel (compiled into the core) is an ordinary Population: it registers the state variables under their
//   names (so recorders, get/set, lesions, neurogenesis and intrinsic plasticity see them as for a built-in), keeps
//   refractory counters and spike flags, and routes receptor input to the named variable with its sign.
// - A ModelKernel (compiled into the user's library) computes the per-step coefficients from the parameters and dt
//   (prepare) and integrates a thread's range of neurons (update): a branch-free loop over structure-of-arrays
//   state, compiled for several instruction-set levels like the built-in kernels (PYNEURO_KERNEL), that raises a
//   flag per neuron that fired. Kernel calls are noexcept and never allocate.
// Semantics: per step, every state variable is advanced from the values at the start of the step by the model's
// method; variables marked "unless refractory" keep their value while the neuron is refractory; then a neuron that
// is not refractory and meets the threshold condition fires: the reset statements run in order and it is refractory
// for round(refractory / dt) steps. Input of a step (w times the receptor's sign) is added to the receptor's variable
// before the update. Under the NEST time convention the step's arrivals wait in lagged buffers: the kernel adds them
// to the receptors' variables after the step's update and clears them, in its loop over the neurons (the same float
// additions as Population::flush_lagged, exc before inh, without a second pass over the arrays; folds_lagged).
// Exact integration (linear equations): coefficients [P (n x n, row-major), c (n)] of the linear block of n variables
// come first in coeffs; the kernel's closed form (derived symbolically) is checked against a numerical matrix
// exponential of its linear system and replaced by it when it is not finite or differs by more than 1e-9 relative
// (e.g. equal time constants, where the closed form divides by zero).
#pragma once
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../core/fast_math.hpp"
#include "population.hpp"

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

class ModelKernel {
public:
    virtual ~ModelKernel() = default;
    virtual const CustomModelSpec& spec() const noexcept = 0;
    // Per-step coefficients into coeffs[0, n_coeffs).
    virtual void prepare(const double* params, double dt, double* coeffs) const noexcept = 0;
    // The linear system dx/dt = A x + b of the exact block (A n x n row-major, b n), for the numerical check.
    virtual void linear_system(const double* params, double* A, double* b) const noexcept = 0;
    // One step of neurons [b, e) at step t: state advanced, flag[i] = 1 for the neurons that fired.
    virtual void update(const ModelView& v, index_t b, index_t e, step_t t) const noexcept = 0;
};

class CustomModel final : public Population {
public:
    CustomModel(std::unique_ptr<ModelKernel> k, const std::string& kind, index_t n, const ParamMap& p);
    void prepare(double dt) override;
    void update(Range r, step_t t, const Philox& rng, std::vector<index_t>& out) override;
    int min_isi_steps() const override { return ref_steps_ + 1; }
    float* input(Receptor r, float& sign) override;
    const char* primary_var() const override { return spec_->n_state > 0 ? spec_->state[0] : ""; }
    bool has_nan(Range r) override;
    bool folds_lagged() const override { return true; }
    void grow_extra(index_t old_n, index_t new_n) override;

private:
    void refresh_view();
    std::unique_ptr<ModelKernel> kernel_;
    const CustomModelSpec* spec_;
    std::vector<double> params_, coeffs_;
    std::vector<avector<float>> state_;
    std::vector<float*> state_ptr_;
    avector<float> zeros_;  // stands in for a receptor without lagged arrivals while the other has some
    double refractory_ms_ = 0.0;
    float sign_exc_ = 1.0f, sign_inh_ = 1.0f;
    std::int32_t ref_steps_ = 0;
    double dt_ = 0.1;
    ModelView view_;
};

}  // namespace pyneuro
