// TorchScript source compiled in a test that calls test-only operators: `flopscope_test.op(...)` and
// `flopscope_user.op(...)` resolve to the ops those namespaces register, everything else as usual.
#pragma once

#include <torch/csrc/jit/frontend/resolver.h>
#include <torch/csrc/jit/frontend/sugared_value.h>

namespace flopscope::testing {

struct ScriptNamespaces : torch::jit::Resolver {
  std::shared_ptr<torch::jit::SugaredValue> resolveValue(const std::string& name, torch::jit::GraphFunction& function,
                                                         const torch::jit::SourceRange& location) override {
    if (name == "aten" || name.rfind("flopscope_", 0) == 0) return std::make_shared<torch::jit::BuiltinModule>(name);
    return torch::jit::nativeResolver()->resolveValue(name, function, location);
  }
};

}  // namespace flopscope::testing
