// Design notes: the catalogue maps a kind name to a factory, for the five families the engine builds: neuron
// models, synaptic rules, neuron rules, structural rules and inputs (sources of arrivals without a population) (as Arbor's mechanism catalogue does for mechanisms).
// The engine builds every object by name through it and reaches it through its interface only: it names no
// concrete model or rule.
// - The built-ins register when the core is loaded (builtins.cpp), through the same Registrar a compiled user
//   library receives in its entry point (plugin.hpp); both kinds are then indistinguishable.
// - Plugin boundary: Registrar and BuildContext are abstract classes reached through virtual calls only, so a
//   library compiled apart needs no link-time symbol of the core. Factories are noexcept: a failure comes back as
//   a null pointer and a message, never as a C++ exception crossing a library boundary.
// Thread safety: registration and lookup take a lock; both happen while building, never inside the step loop.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "types.hpp"

namespace pyneuro {

class Population;
class Rule;
class NeuronRule;
class StructuralRule;
class Input;
enum class Receptor : int;
class RuleKernel;
struct ModelKernelTable;

// What a factory may ask of the network being built, and the core's services for compiled user definitions: the
// core's generic rule around a kernel (custom_rule.hpp); nullptr and a message on failure. (A compiled model hands
// the core a table instead, registered through Catalogue::add_model_kernel: neurons/model_kernel.hpp.)
class BuildContext {
public:
    virtual double dt() const noexcept = 0;                     // ms
    virtual Population* population(int id) const noexcept = 0;  // nullptr when there is no such population
    virtual std::unique_ptr<Rule> custom_rule(std::unique_ptr<RuleKernel> k, const char* kind, const ParamMap& p,
                                              std::string& error) const noexcept = 0;
protected:
    ~BuildContext() = default;
};

// The core's implementation of the services for compiled definitions (catalogue.cpp); a network's context adds
// dt and its populations.
class CoreBuildContext : public BuildContext {
public:
    std::unique_ptr<Rule> custom_rule(std::unique_ptr<RuleKernel> k, const char* kind, const ParamMap& p,
                                      std::string& error) const noexcept override;
protected:
    ~CoreBuildContext() = default;
};

// Factories: the parameters arrive as a name -> number map that each lowers once into its own plain struct.
// On failure they return nullptr and write the reason into `error`.
using ModelFactory = std::unique_ptr<Population> (*)(index_t n, const ParamMap& p, const BuildContext& c, std::string& error) noexcept;
using RuleFactory = std::unique_ptr<Rule> (*)(const ParamMap& p, const BuildContext& c, std::string& error) noexcept;
using NeuronRuleFactory = std::unique_ptr<NeuronRule> (*)(const ParamMap& p, const BuildContext& c, std::string& error) noexcept;
using StructuralFactory = std::unique_ptr<StructuralRule> (*)(const ParamMap& p, const BuildContext& c, std::string& error) noexcept;
using InputFactory = std::unique_ptr<Input> (*)(int id, Population& target, Receptor r, const ParamMap& p, const BuildContext& c,
                                                std::string& error) noexcept;

// The registration interface (the built-ins and every compiled user library use it alike). Each call returns 0, or
// 1 when the name is taken by another factory (registering the same factory twice is allowed and does nothing).
class Registrar {
public:
    virtual int add_model(const char* kind, ModelFactory f) noexcept = 0;
    virtual int add_rule(const char* kind, RuleFactory f) noexcept = 0;
    virtual int add_neuron_rule(const char* kind, NeuronRuleFactory f) noexcept = 0;
    virtual int add_structural(const char* kind, StructuralFactory f) noexcept = 0;
    virtual int add_input(const char* kind, InputFactory f) noexcept = 0;
protected:
    ~Registrar() = default;
};

class Catalogue final : public Registrar {
public:
    int add_model(const char* kind, ModelFactory f) noexcept override { return add(models_, kind, f); }
    int add_rule(const char* kind, RuleFactory f) noexcept override { return add(rules_, kind, f); }
    int add_neuron_rule(const char* kind, NeuronRuleFactory f) noexcept override { return add(nrules_, kind, f); }
    int add_structural(const char* kind, StructuralFactory f) noexcept override { return add(structural_, kind, f); }
    int add_input(const char* kind, InputFactory f) noexcept override { return add(inputs_, kind, f); }
    // A neuron model compiled from a user definition, under its table's kind (0, or 1 when the name is taken).
    int add_model_kernel(const ModelKernelTable* t) noexcept;

    // Building (throw ArgumentError naming the kind, or the factory's message).
    std::unique_ptr<Population> make_model(const std::string& kind, index_t n, const ParamMap& p, const BuildContext& c) const;
    std::unique_ptr<Rule> make_rule(const std::string& kind, const ParamMap& p, const BuildContext& c) const;
    std::unique_ptr<NeuronRule> make_neuron_rule(const std::string& kind, const ParamMap& p, const BuildContext& c) const;
    std::unique_ptr<StructuralRule> make_structural(const std::string& kind, const ParamMap& p, const BuildContext& c) const;
    std::unique_ptr<Input> make_input(const std::string& kind, int id, Population& target, Receptor r, const ParamMap& p,
                                      const BuildContext& c) const;

    // Registered names per family: "model", "rule", "neuron_rule", "structural", "input".
    std::vector<std::string> kinds(const std::string& family) const;

private:
    template <class F>
    int add(std::map<std::string, F>& m, const char* kind, F f) noexcept {
        try {
            std::lock_guard<std::mutex> lock(mu_);
            auto it = m.find(kind);
            if (it != m.end()) return it->second == f ? 0 : 1;
            m.emplace(kind, f);
            return 0;
        } catch (...) {
            return 2;
        }
    }
    template <class F>
    F find(const std::map<std::string, F>& m, const std::string& kind, const char* what) const;

    mutable std::mutex mu_;
    std::map<std::string, ModelFactory> models_;
    std::map<std::string, const ModelKernelTable*> kernels_;  // compiled user models
    std::map<std::string, RuleFactory> rules_;
    std::map<std::string, NeuronRuleFactory> nrules_;
    std::map<std::string, StructuralFactory> structural_;
    std::map<std::string, InputFactory> inputs_;
};

// The process's catalogue, with the built-ins registered on first use.
Catalogue& catalogue();

// Registers the built-in models and rules (builtins.cpp): the core's own "plugin".
void register_builtins(Registrar& r);

}  // namespace pyneuro
