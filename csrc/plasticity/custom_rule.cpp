#include "custom_rule.hpp"

#include <algorithm>

namespace pyneuro {

CustomRule::CustomRule(std::unique_ptr<RuleKernel> k, const std::string& kind, const ParamMap& p)
    : kernel_(std::move(k)), kind_(kind), spec_(&kernel_->spec()) {
    const CustomRuleSpec& S = *spec_;
    for (int q = 0; q < S.n_params; ++q) params_.push_back(param(p, S.params[q]));
    for (int q = 0; q < S.n_traces; ++q) {
        trace_tau_.push_back(param(p, std::string("trace:") + S.traces[q]));
        if (!(trace_tau_.back() > 0.0)) throw ArgumentError(std::string("trace ") + S.traces[q] + ": tau must be > 0");
    }
    for (int q = 0; q < S.n_syn; ++q) {
        syn_init_.push_back(param_or(p, std::string("syn:") + S.syn[q], 0.0));
        syn_tau_.push_back(param_or(p, std::string("syn_tau:") + S.syn[q], 0.0));
    }
    for (int q = 0; q < S.n_neuron; ++q) neuron_init_.push_back(param_or(p, std::string("neuron:") + S.neuron[q], 0.0));
    interval_ = steps_param(p, "interval_steps", 1.0);
    dt_ = param(p, "dt");
    for (int q = 0; q < S.n_neuron; ++q) {
        const double ms = param_or(p, std::string("neuron_delay:") + S.neuron[q], 0.0);
        if (!(ms >= 0.0 && ms <= 1e4)) throw ArgumentError(std::string("neuron variable ") + S.neuron[q] + ": delay must be in [0, 10000] ms");
        neuron_delay_.push_back(static_cast<int>(std::llround(ms / dt_)));
    }
    ticks = S.has_tick;
    uses_pre = S.has_pre;
    uses_post = S.has_post;
    steps_neurons = S.has_neuron;
}

std::string CustomRule::attach_problem(Projection& p) const {
    for (int q = 0; q < spec_->n_post_vars; ++q)
        if (!p.post().var(spec_->post_vars[q]))
            return std::string("the rule reads state variable '") + spec_->post_vars[q] +
                   "' of the postsynaptic population, which has none of that name";
    for (int q = 0; q < spec_->n_pre_vars; ++q)
        if (!p.pre().var(spec_->pre_vars[q]))
            return std::string("the rule reads state variable '") + spec_->pre_vars[q] +
                   "' of the presynaptic population, which has none of that name";
    return "";
}

void CustomRule::attach(Projection& p) {
    const CustomRuleSpec& S = *spec_;
    for (int q = 0; q < S.n_traces; ++q) {
        Population& pop = S.trace_side[q] == 0 ? p.pre() : p.post();
        traces_.push_back(&pop.trace(trace_tau_[static_cast<std::size_t>(q)], static_cast<TraceMode>(S.trace_mode[q])));
        if (S.trace_side[q] == 0) p.mirror_pre_trace(*traces_.back());  // read in the post-major loops at t - delay
    }
    decay_.resize(static_cast<std::size_t>(S.n_syn));
    bool any_decay = false;
    for (int q = 0; q < S.n_syn; ++q) {
        cols_.push_back(p.add_column(static_cast<float>(syn_init_[static_cast<std::size_t>(q)])));
        if (syn_tau_[static_cast<std::size_t>(q)] > 0.0) {
            decay_[static_cast<std::size_t>(q)].configure(syn_tau_[static_cast<std::size_t>(q)], dt_);
            any_decay = true;
        }
    }
    if (any_decay) {
        col_last_ = p.add_column(0.0f);  // low and high 32 bits of (last update step + 1); 0 = never touched
        p.add_column(0.0f);
    }
    post_ = &p.post();
    pre_ = &p.pre();
    for (int q = 0; q < S.n_pre_vars; ++q) pre_snap_.push_back(pre_->snapshot_index(S.pre_vars[q]));
    for (int q = 0; q < S.n_neuron; ++q) {
        const auto init = static_cast<float>(neuron_init_[static_cast<std::size_t>(q)]);
        neuron_.emplace_back(post_->size(), init);
        const int D = neuron_delay_[static_cast<std::size_t>(q)];
        hist_.emplace_back(D > 0 ? static_cast<std::size_t>(post_->size()) * static_cast<std::size_t>(D + 1) : 0, init);
    }
    refresh_view();
}

void CustomRule::refresh_view() {
    const CustomRuleSpec& S = *spec_;
    neuron_ptr_.clear();
    for (auto& v : neuron_) neuron_ptr_.push_back(v.data());
    hist_ptr_.clear();
    for (auto& v : hist_) hist_ptr_.push_back(v.data());
    view_.neuron_delay = neuron_delay_.data();
    view_.neuron_hist = hist_ptr_.data();
    post_vars_.clear();
    for (int q = 0; q < S.n_post_vars; ++q) post_vars_.push_back(post_->var(S.post_vars[q])->data());
    view_.params = params_.data();
    view_.traces = traces_.data();
    view_.cols = cols_.data();
    view_.decay = decay_.data();
    view_.col_last = col_last_;
    view_.neuron = neuron_ptr_.data();
    view_.post_vars = post_vars_.data();
    view_.pre = pre_;
    view_.pre_snap = pre_snap_.data();
    view_.dt = dt_;
}

void CustomRule::before_run(Projection&) { refresh_view(); }

void CustomRule::after_update(Projection&, int, Range r, step_t t) {
    kernel_->neuron(view_, r, t);
    for (std::size_t q = 0; q < hist_.size(); ++q) {
        const int D = neuron_delay_[q];
        if (D == 0) continue;
        const std::size_t m = static_cast<std::size_t>(D) + 1, slot = static_cast<std::size_t>(t % static_cast<step_t>(m));
        const float* v = neuron_[q].data();
        float* h = hist_[q].data();
        for (index_t i = r.begin; i < r.end; ++i) h[static_cast<std::size_t>(i) * m + slot] = v[i];
    }
}

void CustomRule::on_grow(Projection& p) {
    for (std::size_t q = 0; q < neuron_.size(); ++q) neuron_[q].resize(p.post().size(), static_cast<float>(neuron_init_[q]));
    for (std::size_t q = 0; q < hist_.size(); ++q)
        if (neuron_delay_[q] > 0)
            hist_[q].resize(static_cast<std::size_t>(p.post().size()) * static_cast<std::size_t>(neuron_delay_[q] + 1),
                            static_cast<float>(neuron_init_[q]));
    refresh_view();
}

bool CustomRule::has_nan(Projection& p, int k) const {
    const Shard& s = p.shards()[static_cast<std::size_t>(k)];
    std::uint8_t bad = 0;
    for (float w : s.w) bad |= static_cast<std::uint8_t>(!(w == w));
    for (int c : cols_)
        for (float x : s.cols[static_cast<std::size_t>(c)]) bad |= static_cast<std::uint8_t>(!(x == x));
    for (const auto& v : neuron_)
        for (index_t i = s.posts.begin; i < s.posts.end && i < v.size(); ++i) bad |= static_cast<std::uint8_t>(!(v[i] == v[i]));
    return bad != 0;
}

void CustomRule::save(StateDict& d, const std::string& prefix, const Projection& p) const {
    for (int q = 0; q < spec_->n_syn; ++q) put(d, prefix + "syn/" + spec_->syn[q], p.column(cols_[static_cast<std::size_t>(q)]));
    if (col_last_ >= 0) {
        const std::vector<float> lo = p.column(col_last_), hi = p.column(col_last_ + 1);
        std::vector<std::uint64_t> last(lo.size());
        for (std::size_t q = 0; q < lo.size(); ++q) {
            std::uint32_t a, b;
            std::memcpy(&a, &lo[q], 4);
            std::memcpy(&b, &hi[q], 4);
            last[q] = (static_cast<std::uint64_t>(b) << 32) | a;
        }
        put(d, prefix + "syn_last", last);
    }
    for (int q = 0; q < spec_->n_neuron; ++q) {
        const auto& v = neuron_[static_cast<std::size_t>(q)];
        put(d, prefix + "neuron/" + spec_->neuron[q], std::vector<float>(v.begin(), v.end()));
        const auto& h = hist_[static_cast<std::size_t>(q)];
        if (!h.empty()) put(d, prefix + "neuron_hist/" + spec_->neuron[q], std::vector<float>(h.begin(), h.end()));
    }
}

void CustomRule::load(const StateDict& d, const std::string& prefix, Projection& p) {
    for (int q = 0; q < spec_->n_syn; ++q)
        p.set_column(cols_[static_cast<std::size_t>(q)], take<float>(d, prefix + "syn/" + spec_->syn[q]));
    if (col_last_ >= 0) {
        const auto last = take<std::uint64_t>(d, prefix + "syn_last");
        std::vector<float> lo(last.size()), hi(last.size());
        for (std::size_t q = 0; q < last.size(); ++q) {
            const std::uint32_t a = static_cast<std::uint32_t>(last[q]), b = static_cast<std::uint32_t>(last[q] >> 32);
            std::memcpy(&lo[q], &a, 4);
            std::memcpy(&hi[q], &b, 4);
        }
        p.set_column(col_last_, lo);
        p.set_column(col_last_ + 1, hi);
    }
    for (int q = 0; q < spec_->n_neuron; ++q) {
        auto v = take<float>(d, prefix + "neuron/" + spec_->neuron[q]);
        if (v.size() != post_->size()) throw ArgumentError(std::string("checkpoint: wrong size for rule variable ") + spec_->neuron[q]);
        neuron_[static_cast<std::size_t>(q)].assign(v.begin(), v.end());
        auto& h = hist_[static_cast<std::size_t>(q)];
        if (!h.empty()) {
            auto hv = take<float>(d, prefix + "neuron_hist/" + spec_->neuron[q]);
            if (hv.size() != h.size()) throw ArgumentError(std::string("checkpoint: wrong size for the history of rule variable ") + spec_->neuron[q]);
            h.assign(hv.begin(), hv.end());
        }
    }
    refresh_view();
}

}  // namespace pyneuro
