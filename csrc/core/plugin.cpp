#include "plugin.hpp"

#include <dlfcn.h>

#include <mutex>
#include <vector>

namespace pyneuro {

std::string load_plugin(const std::string& path) {
    static std::mutex mu;  // one load at a time
    std::lock_guard<std::mutex> lock(mu);
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char* e = dlerror();
        return std::string("cannot load ") + path + ": " + (e ? e : "unknown error");
    }
    auto entry = reinterpret_cast<PluginEntry>(dlsym(h, kPluginEntry));
    if (!entry) return path + " has no entry point " + kPluginEntry;
    std::vector<char> msg(1024, '\0');
    const int rc = entry(&catalogue(), kPluginAbi, msg.data(), msg.size() - 1);
    if (rc != 0) return std::string(msg.data()).empty() ? "the library's registration failed (code " + std::to_string(rc) + ")" : std::string(msg.data());
    return "";
}

}  // namespace pyneuro
