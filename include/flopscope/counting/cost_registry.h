// CostRegistry — the one way cost knowledge is registered: a table from a name (an aten op, a module
// type) to the function that costs it and that function's formula in words. Op formulas, module
// rules, backward rules and byte rules are four such tables.
//
// A registration is an object at namespace scope right after the function it registers (as
// torch/utils/flop_counter.py decorates each formula):
//
//   Counts mm(const Inputs& in) { ... }
//   const RegisterOpFormula mm_formula({"aten::mm"}, mm, "n*k*m MACs");
//
// A name registered twice in one table stops the program at start-up, naming both.
#pragma once

#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace flopscope {

template <class Function>
class CostRegistry {
 public:
  struct Entry {
    std::string name;         // "aten::addmm", "torch.nn.modules.linear.Linear"
    Function function;
    std::string description;  // the formula in words, for docs and `flopscope formulas`
  };

  explicit CostRegistry(std::string what) : what_(std::move(what)) {}

  // Registers `function` under each name; throws std::logic_error if a name is taken.
  void add(std::initializer_list<const char*> names, Function function, const char* description) {
    for (const char* name : names) {
      const auto [found, added] = entries_.try_emplace(name, Entry{name, function, description});
      if (!added) {
        throw std::logic_error(what_ + ": '" + name + "' registered twice (\"" + found->second.description + "\" and \"" +
                               description + "\")");
      }
    }
  }

  const Entry* find(const std::string& name) const {
    const auto found = entries_.find(name);
    return found == entries_.end() ? nullptr : &found->second;
  }

  // Every entry, sorted by name.
  std::vector<const Entry*> all() const {
    std::vector<const Entry*> entries;
    for (const auto& [name, entry] : entries_) entries.push_back(&entry);
    return entries;
  }

 private:
  std::string what_;
  std::map<std::string, Entry> entries_;
};

// Registers into the table `table()` returns when constructed (at start-up, as a namespace-scope object).
template <class Function, CostRegistry<Function>& (*Table)()>
struct CostRegistration {
  CostRegistration(std::initializer_list<const char*> names, Function function, const char* description) {
    Table().add(names, function, description);
  }
};

}  // namespace flopscope
