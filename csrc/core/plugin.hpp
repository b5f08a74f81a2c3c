// Design notes: loading a compiled user library (a plugin) into the process. A plugin is a shared library built
// from generated code against the headers installed with the package, with exactly the core's compiler flags. It
// exports one C function, kPluginEntry, which registers its factories in the catalogue through the Registrar it is
// given and reports failure as a non-zero code and a message (no C++ exception crosses the boundary). The ABI
// version guards against a library built for other headers (the cache key also holds a hash of the headers).
// A compiled neuron model exports kModelEntry instead (neurons/model_kernel.hpp): a table the core registers itself.
// A loaded library stays loaded for the life of the process (the catalogue holds its factories).
#pragma once
#include <cstddef>
#include <string>

#include "catalogue.hpp"

namespace pyneuro {

constexpr int kPluginAbi = 2;
constexpr const char* kPluginEntry = "pyneuro_plugin_register";
// int pyneuro_plugin_register(Registrar* r, int abi, char* error, std::size_t error_len) noexcept
using PluginEntry = int (*)(Registrar*, int, char*, std::size_t);

// Loads the library at `path` and runs its entry point on the process's catalogue; "" on success, else why not.
std::string load_plugin(const std::string& path);

}  // namespace pyneuro
