#include "catalogue.hpp"

#include "../neurons/custom_model.hpp"
#include "../neurons/population.hpp"
#include "../plasticity/custom_rule.hpp"
#include "../plasticity/rule.hpp"
#include "../structural/structural_rule.hpp"
#include "../synapses/input.hpp"

namespace pyneuro {

namespace {
struct WithBuiltins {
    Catalogue cat;
    WithBuiltins() { register_builtins(cat); }
};
}  // namespace

Catalogue& catalogue() {
    static WithBuiltins holder;  // built on first use (thread-safe since C++11)
    return holder.cat;
}

template <class F>
F Catalogue::find(const std::map<std::string, F>& m, const std::string& kind, const char* what) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = m.find(kind);
    if (it != m.end()) return it->second;
    std::string known;
    for (const auto& kv : m) known += (known.empty() ? "" : ", ") + kv.first;
    throw ArgumentError(std::string("unknown ") + what + " '" + kind + "' (known: " + known + ")");
}

namespace {
template <class T>
std::unique_ptr<T> checked(std::unique_ptr<T> obj, const std::string& error, const std::string& kind) {
    if (!obj) throw ArgumentError(error.empty() ? "could not build '" + kind + "'" : error);
    return obj;
}
}  // namespace

std::unique_ptr<Population> Catalogue::make_model(const std::string& kind, index_t n, const ParamMap& p, const BuildContext& c) const {
    const ModelKernelTable* table = nullptr;
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = kernels_.find(kind);
        if (it != kernels_.end()) table = it->second;
    }
    if (table) return std::make_unique<CustomModel>(table, kind, n, p);
    std::string err;
    return checked(find(models_, kind, "neuron model")(n, p, c, err), err, kind);
}

std::unique_ptr<Rule> Catalogue::make_rule(const std::string& kind, const ParamMap& p, const BuildContext& c) const {
    std::string err;
    return checked(find(rules_, kind, "plasticity rule")(p, c, err), err, kind);
}

std::unique_ptr<NeuronRule> Catalogue::make_neuron_rule(const std::string& kind, const ParamMap& p, const BuildContext& c) const {
    std::string err;
    return checked(find(nrules_, kind, "neuron rule")(p, c, err), err, kind);
}

std::unique_ptr<StructuralRule> Catalogue::make_structural(const std::string& kind, const ParamMap& p, const BuildContext& c) const {
    std::string err;
    return checked(find(structural_, kind, "structural rule")(p, c, err), err, kind);
}

std::unique_ptr<Input> Catalogue::make_input(const std::string& kind, int id, Population& target, Receptor r,
                                             const ParamMap& p, const BuildContext& c) const {
    std::string err;
    return checked(find(inputs_, kind, "input")(id, target, r, p, c, err), err, kind);
}

std::unique_ptr<Rule> CoreBuildContext::custom_rule(std::unique_ptr<RuleKernel> k, const char* kind, const ParamMap& p,
                                                    std::string& error) const noexcept {
    try {
        if (!k) throw ArgumentError("no kernel");
        return std::make_unique<CustomRule>(std::move(k), kind, p);
    } catch (const std::exception& e) {
        error = e.what();
    }
    return nullptr;
}

int Catalogue::add_model_kernel(const ModelKernelTable* t) noexcept {
    try {
        std::lock_guard<std::mutex> lock(mu_);
        if (models_.count(t->kind)) return 1;
        auto it = kernels_.find(t->kind);
        if (it != kernels_.end()) return it->second == t ? 0 : 1;
        kernels_.emplace(t->kind, t);
        return 0;
    } catch (...) {
        return 2;
    }
}

std::vector<std::string> Catalogue::kinds(const std::string& family) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    auto names = [&out](const auto& m) {
        for (const auto& kv : m) out.push_back(kv.first);
    };
    if (family == "model") {
        names(models_);
        names(kernels_);
    }
    else if (family == "rule") names(rules_);
    else if (family == "neuron_rule") names(nrules_);
    else if (family == "structural") names(structural_);
    else if (family == "input") names(inputs_);
    else throw ArgumentError("unknown catalogue family '" + family + "' (model, rule, neuron_rule, structural, input)");
    return out;
}

}  // namespace pyneuro
