#include "custom_model.hpp"

#include <algorithm>

#include "../core/expm.hpp"

namespace pyneuro {

CustomModel::CustomModel(const ModelKernelTable* k, const std::string& kind, index_t n, const ParamMap& p)
    : Population(kind, n), kernel_(k), spec_(k->spec) {
    const CustomModelSpec& S = *spec_;
    for (int q = 0; q < S.n_params; ++q) params_.push_back(param(p, S.params[q]));
    state_.reserve(static_cast<std::size_t>(S.n_state));  // reg() keeps pointers to the arrays
    for (int q = 0; q < S.n_state; ++q) {
        state_.emplace_back();
        reg(S.state[q], state_.back(), static_cast<float>(param_or(p, std::string("init:") + S.state[q], 0.0)));
    }
    refractory_ms_ = param_or(p, "refractory", 0.0);
    if (!(refractory_ms_ >= 0.0)) throw ArgumentError("refractory must be >= 0 ms");
    sign_exc_ = static_cast<float>(param_or(p, "sign:exc", 1.0));
    sign_inh_ = static_cast<float>(param_or(p, "sign:inh", 1.0));
    coeffs_.assign(static_cast<std::size_t>(std::max(S.n_coeffs, 1)), 0.0);
    refr_.assign(n, 0);
    flag_.assign(n, 0);
    zeros_.assign(n, 0.0f);
    refresh_view();
}

void CustomModel::refresh_view() {
    state_ptr_.clear();
    for (auto& v : state_) state_ptr_.push_back(v.data());
    view_.state = state_ptr_.data();
    view_.refr = refr_.data();
    view_.flag = flag_.data();
    view_.params = params_.data();
    view_.coeffs = coeffs_.data();
    view_.ref_steps = ref_steps_;
    view_.dt = dt_;
}

void CustomModel::prepare(double dt) {
    dt_ = dt;
    ref_steps_ = steps_of(refractory_ms_, dt);
    kernel_->prepare(params_.data(), dt, coeffs_.data());
    const int n = spec_->n_linear;
    if (n > 0) {
        // check the closed-form propagator against a numerical one; take the numerical one where it fails
        std::vector<double> A(static_cast<std::size_t>(n * n)), b(static_cast<std::size_t>(n));
        kernel_->linear_system(params_.data(), A.data(), b.data());
        std::vector<double> P, c(static_cast<std::size_t>(n), 0.0);
        bool ok = true;
        if (spec_->linear_form == 1) {
            const int m = n + 1;
            std::vector<double> M(static_cast<std::size_t>(m * m), 0.0);
            for (int i = 0; i < n; ++i) {
                for (int j = 0; j < n; ++j) M[static_cast<std::size_t>(i * m + j)] = A[static_cast<std::size_t>(i * n + j)] * dt;
                M[static_cast<std::size_t>(i * m + n)] = b[static_cast<std::size_t>(i)] * dt;
            }
            const std::vector<double> E = expm(M, m);
            ok = !E.empty();
            if (ok) {
                P.resize(static_cast<std::size_t>(n * n));
                for (int i = 0; i < n; ++i) {
                    for (int j = 0; j < n; ++j) P[static_cast<std::size_t>(i * n + j)] = E[static_cast<std::size_t>(i * m + j)];
                    c[static_cast<std::size_t>(i)] = E[static_cast<std::size_t>(i * m + n)];
                }
            }
        } else {
            std::vector<double> Ah(A);
            for (double& x : Ah) x *= dt;
            P = expm(Ah, n);
            ok = !P.empty();
            // fixed point: A c = -b
            std::vector<double> rhs(static_cast<std::size_t>(n * n), 0.0);
            for (int i = 0; i < n; ++i) rhs[static_cast<std::size_t>(i * n)] = -b[static_cast<std::size_t>(i)];
            ok = ok && expm_detail::solve(A, rhs, n);
            if (ok)
                for (int i = 0; i < n; ++i) c[static_cast<std::size_t>(i)] = rhs[static_cast<std::size_t>(i * n)];
        }
        if (!ok) throw ArgumentError(std::string(kind()) + ": the linear equations have no finite propagator for these parameters");
        double scale = 0.0;
        for (double x : P) scale = std::max(scale, std::fabs(x));
        bool close = true;
        for (int q = 0; q < n * n; ++q) {
            const double a = coeffs_[static_cast<std::size_t>(q)], e = P[static_cast<std::size_t>(q)];
            close = close && std::isfinite(a) && std::fabs(a - e) <= 1e-9 * std::fabs(e) + 1e-12 * scale;
        }
        double cscale = 0.0;
        for (double x : c) cscale = std::max(cscale, std::fabs(x));
        for (int q = 0; q < n; ++q) {
            const double a = coeffs_[static_cast<std::size_t>(n * n + q)], e = c[static_cast<std::size_t>(q)];
            close = close && std::isfinite(a) && std::fabs(a - e) <= 1e-9 * std::fabs(e) + 1e-12 * cscale;
        }
        if (!close) {
            std::copy(P.begin(), P.end(), coeffs_.begin());
            std::copy(c.begin(), c.end(), coeffs_.begin() + n * n);
        }
    }
    for (double x : coeffs_)
        if (!std::isfinite(x)) throw ArgumentError(std::string(kind()) + ": a per-step coefficient is not finite for these parameters");
    refresh_view();
}

void CustomModel::update(Range r, step_t t, const Philox&, std::vector<index_t>& out) {
    if (r.size() == 0) return;
    float* le = lagged_buffer(Receptor::exc);
    float* li = lagged_buffer(Receptor::inh);
    if (le || li) {
        ModelView v = view_;
        v.lag_exc = le ? le : zeros_.data();
        v.lag_inh = li ? li : zeros_.data();
        kernel_->update(v, r.begin, r.end, t);
    } else {
        kernel_->update(view_, r.begin, r.end, t);
    }
    collect_flags(flag_.data(), r.begin, r.end, out);
}

float* CustomModel::input(Receptor r, float& sign) {
    const int q = r == Receptor::exc ? spec_->exc : spec_->inh;
    sign = r == Receptor::exc ? sign_exc_ : sign_inh_;
    return q < 0 ? nullptr : state_[static_cast<std::size_t>(q)].data();
}

bool CustomModel::has_nan(Range r) {
    std::uint8_t bad = 0;
    for (const auto& v : state_)
        for (index_t i = r.begin; i < r.end; ++i) bad |= static_cast<std::uint8_t>(!(v[i] == v[i]));
    return bad != 0;
}

void CustomModel::grow_extra(index_t, index_t new_n) {
    zeros_.assign(new_n, 0.0f);
    refresh_view();
}

}  // namespace pyneuro
