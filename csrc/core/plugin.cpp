#include "plugin.hpp"

#include <dlfcn.h>

#include <mutex>
#include <vector>

#include "../neurons/model_kernel.hpp"

namespace pyneuro {

std::string load_plugin(const std::string& path) {
    static std::mutex mu;  // one load at a time
    std::lock_guard<std::mutex> lock(mu);
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char* e = dlerror();
        return std::string("cannot load ") + path + ": " + (e ? e : "unknown error");
    }
    using ModelEntry = const ModelKernelTable* (*)(int) noexcept;
    if (auto model = reinterpret_cast<ModelEntry>(dlsym(h, kModelEntry))) {  // a compiled neuron model
        const ModelKernelTable* t = model(kModelAbi);
        if (!t) return path + " was built for another version of the model interface (this core has " + std::to_string(kModelAbi) + ")";
        const int rc = catalogue().add_model_kernel(t);
        if (rc != 0) return std::string("the catalogue already holds another definition named ") + t->kind;
        return "";
    }
    auto entry = reinterpret_cast<PluginEntry>(dlsym(h, kPluginEntry));
    if (!entry) return path + " has no entry point " + kPluginEntry;
    std::vector<char> msg(1024, '\0');
    const int rc = entry(&catalogue(), kPluginAbi, msg.data(), msg.size() - 1);
    if (rc != 0) return std::string(msg.data()).empty() ? "the library's registration failed (code " + std::to_string(rc) + ")" : std::string(msg.data());
    return "";
}

}  // namespace pyneuro
