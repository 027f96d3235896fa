// Finds and loads the torch module (libsimulacra_neural.so: the neural
// generator's VAE and the mixture density network) the first time a network
// is made, so that LibTorch is mapped only into processes that use one.
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "mixture_density_net.hpp"
#include "neural_module.hpp"
#include "neural_net.hpp"
#include "simulacra/engine/errors.hpp"

namespace simulacra::learned {

namespace {

namespace fs = std::filesystem;

constexpr const char* kModuleName = "libsimulacra_neural.so";

// Where the module may be, in order: $SIMULACRA_NEURAL_MODULE; beside the
// binary that holds this code (the `simulacra` program, a test), or in ../lib
// from it (an installed tree); where the build put it.
std::vector<fs::path> module_candidates() {
  std::vector<fs::path> paths;
  if (const char* env = std::getenv("SIMULACRA_NEURAL_MODULE"); env != nullptr && *env != '\0') {
    paths.emplace_back(env);
    return paths;
  }
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&module_candidates), &info) != 0 && info.dli_fname != nullptr) {
    std::error_code ignored;
    const fs::path self = fs::canonical(fs::path(info.dli_fname), ignored);
    if (!self.empty()) {
      paths.push_back(self.parent_path() / kModuleName);
      paths.push_back(self.parent_path().parent_path() / "lib" / kModuleName);
    }
  }
  paths.emplace_back(SIMULACRA_NEURAL_MODULE_BUILD_PATH);
  return paths;
}

struct LoadedModule {
  void* handle = nullptr;
  std::string error;  ///< why loading failed, when handle is null
};

LoadedModule load_module() {
  LoadedModule loaded;
  std::string tried;
  for (const fs::path& path : module_candidates()) {
    std::error_code ignored;
    if (!fs::exists(path, ignored)) {
      tried += (tried.empty() ? "" : ", ") + path.string();
      continue;
    }
    // Never unloaded: torch registers global state at load time.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      loaded.error = "cannot load the neural module " + path.string() + ": " + (why != nullptr ? why : "unknown error");
      return loaded;
    }
    loaded.handle = handle;
    loaded.error = path.string();  // where it came from, for a missing entry point
    return loaded;
  }
  loaded.error = "cannot find the neural module " + std::string(kModuleName) + " (looked for " + tried +
                 "; set SIMULACRA_NEURAL_MODULE to its path)";
  return loaded;
}

}  // namespace

void* neural_module_symbol(const char* name) {
  static std::once_flag once;
  static LoadedModule module;
  std::call_once(once, [] { module = load_module(); });
  if (module.handle == nullptr) throw DataError(module.error);
  void* symbol = dlsym(module.handle, name);
  if (symbol == nullptr) throw DataError(module.error + ": not the neural module of this build (no " + name + ")");
  return symbol;
}

std::unique_ptr<NeuralGenerator::Network> NeuralGenerator::Network::create(const EncodedLayout& layout,
                                                                           std::size_t latent, std::size_t hidden,
                                                                           std::uint64_t seed) {
  const auto factory = reinterpret_cast<NeuralNetworkFactory>(neural_module_symbol(kNeuralNetworkFactory));
  return std::unique_ptr<Network>(factory(layout, latent, hidden, seed));
}

std::unique_ptr<MixtureDensityNetwork::Network> MixtureDensityNetwork::Network::create(
    std::size_t y_dim, std::size_t x_dim, const MixtureDensityOptions& options) {
  const auto factory = reinterpret_cast<MixtureNetworkFactory>(neural_module_symbol(kMixtureNetworkFactory));
  return std::unique_ptr<Network>(factory(y_dim, x_dim, options));
}

}  // namespace simulacra::learned
