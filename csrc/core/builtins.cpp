// The built-in models and rules, registered in the catalogue through the same Registrar interface a compiled
// user library receives (see catalogue.hpp). Adding a built-in: its header, and one line here.
#include "../neurons/adex.hpp"
#include "../neurons/gamma_source.hpp"
#include "../neurons/izhikevich.hpp"
#include "../neurons/lif.hpp"
#include "../neurons/lif_alpha.hpp"
#include "../neurons/lif_cond_alpha.hpp"
#include "../neurons/lif_cond.hpp"
#include "../neurons/lif_cond_ampa_nmda.hpp"
#include "../neurons/lif_delta.hpp"
#include "../neurons/poisson.hpp"
#include "../neurons/spike_generator.hpp"
#include "../plasticity/inhibitory_stdp.hpp"
#include "../plasticity/intrinsic_plasticity.hpp"
#include "../plasticity/oja_hebbian.hpp"
#include "../plasticity/pair_stdp.hpp"
#include "../plasticity/reward_stdp.hpp"
#include "../plasticity/synaptic_scaling.hpp"
#include "../plasticity/triplet_stdp.hpp"
#include "../structural/growth.hpp"
#include "../structural/pruning.hpp"
#include "../synapses/current_input.hpp"
#include "../synapses/poisson_input.hpp"
#include "catalogue.hpp"

namespace pyneuro {

namespace {

// Runs make() and turns an exception into the factory's error report.
template <class Make>
auto reporting(std::string& error, Make&& make) noexcept -> decltype(make()) {
    try {
        return make();
    } catch (const std::exception& e) {
        error = e.what();
    } catch (...) {
        error = "unknown error";
    }
    return nullptr;
}

template <class T>
std::unique_ptr<Population> model(index_t n, const ParamMap& p, const BuildContext&, std::string& err) noexcept {
    return reporting(err, [&]() -> std::unique_ptr<Population> { return std::make_unique<T>(n, p); });
}

template <class T>
std::unique_ptr<Rule> rule(const ParamMap& p, const BuildContext&, std::string& err) noexcept {
    return reporting(err, [&]() -> std::unique_ptr<Rule> { return std::make_unique<T>(p); });
}

std::unique_ptr<Rule> triplet(const ParamMap& p, const BuildContext&, std::string& err) noexcept {
    return reporting(err, [&]() -> std::unique_ptr<Rule> { return std::make_unique<TripletSTDP>(p, false); });
}

std::unique_ptr<Rule> bcm(const ParamMap& p, const BuildContext&, std::string& err) noexcept {
    return reporting(err, [&]() -> std::unique_ptr<Rule> { return std::make_unique<TripletSTDP>(p, true); });
}

std::unique_ptr<Rule> reward_stdp(const ParamMap& p, const BuildContext& c, std::string& err) noexcept {
    return reporting(err, [&]() -> std::unique_ptr<Rule> {
        auto r = std::make_unique<RewardSTDP>(p);
        const int m = static_cast<int>(param_or(p, "modulator", -1.0));
        if (m >= 0) {
            Population* pop = c.population(m);
            if (!pop) throw ArgumentError("RewardSTDP: no population " + std::to_string(m) + " for the modulator");
            r->set_modulator(pop);
        }
        return r;
    });
}

template <class T>
std::unique_ptr<NeuronRule> neuron_rule(const ParamMap& p, const BuildContext&, std::string& err) noexcept {
    return reporting(err, [&]() -> std::unique_ptr<NeuronRule> { return std::make_unique<T>(p); });
}

template <class T>
std::unique_ptr<StructuralRule> structural(const ParamMap& p, const BuildContext&, std::string& err) noexcept {
    return reporting(err, [&]() -> std::unique_ptr<StructuralRule> { return std::make_unique<T>(p); });
}

template <class T>
std::unique_ptr<Input> input(int id, Population& target, Receptor rc, const ParamMap& p, const BuildContext&,
                             std::string& err) noexcept {
    return reporting(err, [&]() -> std::unique_ptr<Input> { return std::make_unique<T>(id, target, rc, p); });
}

}  // namespace

void register_builtins(Registrar& r) {
    r.add_model("LIF", &model<LIF>);
    r.add_model("LIFCond", &model<LIFCond>);
    r.add_model("LIFCondAmpaNmda", &model<LIFCondAmpaNmda>);
    r.add_model("LIFDelta", &model<LIFDelta>);
    r.add_model("LIFAlpha", &model<LIFAlpha>);
    r.add_model("LIFCondAlpha", &model<LIFCondAlpha>);
    r.add_model("Izhikevich", &model<Izhikevich>);
    r.add_model("AdEx", &model<AdEx>);
    r.add_model("PoissonSource", &model<PoissonSource>);
    r.add_model("GammaSource", &model<GammaSource>);
    r.add_model("SpikeGenerator", &model<SpikeGenerator>);

    r.add_rule("STDP", &rule<PairSTDP>);
    r.add_rule("TripletSTDP", &triplet);
    r.add_rule("BCM", &bcm);
    r.add_rule("InhibitorySTDP", &rule<InhibitorySTDP>);
    r.add_rule("SynapticScaling", &rule<SynapticScaling>);
    r.add_rule("OjaHebbian", &rule<OjaHebbian>);
    r.add_rule("RewardSTDP", &reward_stdp);

    r.add_neuron_rule("IntrinsicPlasticity", &neuron_rule<IntrinsicPlasticity>);

    r.add_structural("Pruning", &structural<Pruning>);
    r.add_structural("Growth", &structural<Growth>);
    r.add_structural("Sprouting", &structural<Sprouting>);
    r.add_structural("HomeostaticGrowth", &structural<HomeostaticGrowth>);

    r.add_input("PoissonInput", &input<PoissonInput>);
    r.add_input("StepCurrent", &input<StepCurrent>);
    r.add_input("ACCurrent", &input<ACCurrent>);
    r.add_input("NoisyCurrent", &input<NoisyCurrent>);
}

}  // namespace pyneuro
