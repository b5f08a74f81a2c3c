// Design notes: neuron models compiled from user definitions (pyneuro.models.Custom).
// Split across the plugin boundary as for rules (custom_rule.hpp):
// - CustomModel (compiled into the core) is an ordinary Population: it registers the state variables under their
//   names (so recorders, get/set, lesions, neurogenesis and intrinsic plasticity see them as for a built-in), keeps
//   refractory counters and spike flags, and routes receptor input to the named variable with its sign.
// - A ModelKernelTable (compiled into the user's library; model_kernel.hpp) computes the per-step coefficients from
//   the parameters and dt
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
#include "model_kernel.hpp"
#include "population.hpp"

namespace pyneuro {

class CustomModel final : public Population {
public:
    CustomModel(const ModelKernelTable* k, const std::string& kind, index_t n, const ParamMap& p);
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
    const ModelKernelTable* kernel_;
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
