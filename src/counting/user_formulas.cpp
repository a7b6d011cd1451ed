#include "flopscope/counting/user_formulas.h"

#include <muParser.h>

#include <cmath>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "flopscope/core/error.h"

namespace flopscope {
namespace {

// What a name in an expression reads of an argument: `x` (a number), `x.numel`, `x.size_1`, ...
struct Reading {
  enum class Property { Value, Numel, Rank, Defined, Size, Len, Item };
  std::string argument;
  Property property = Property::Value;
  int64_t index = 0;  // Size, Item: negative counts from the end
};

const char* const kNameForms =
    "a number argument as NAME, a tensor as NAME.numel, NAME.rank, NAME.defined, NAME.size0, NAME.size_1 (the last "
    "dimension), a list as NAME.len, NAME.item0, NAME.item_1";

// nullopt when `name` is none of the forms kNameForms lists.
std::optional<Reading> parse_name(const std::string& name) {
  static const std::regex form(R"(([A-Za-z_][A-Za-z0-9_]*)(?:\.(numel|rank|defined|len|size|item)(_?)([0-9]*))?)");
  std::smatch m;
  if (!std::regex_match(name, m, form)) return std::nullopt;
  static const std::map<std::string, Reading::Property> properties = {
      {"", Reading::Property::Value},         {"numel", Reading::Property::Numel}, {"rank", Reading::Property::Rank},
      {"defined", Reading::Property::Defined}, {"len", Reading::Property::Len},     {"size", Reading::Property::Size},
      {"item", Reading::Property::Item}};
  Reading reading{m[1], properties.at(m[2]), 0};
  const bool indexed = reading.property == Reading::Property::Size || reading.property == Reading::Property::Item;
  const std::string digits = m[4];
  if (indexed != !digits.empty() || (m[3].length() > 0 && (!indexed || digits == "0")) || digits.size() > 2) return std::nullopt;
  if (indexed) reading.index = (m[3].length() > 0 ? -1 : 1) * std::stoll(digits);
  return reading;
}

// One parsed expression; the names it reads are slots that evaluate() takes the values of.
class Expression {
 public:
  explicit Expression(const std::string& text) {
    parser_.DefineNameChars("0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.");
    parser_.SetVarFactory(&Expression::new_slot, this);
    try {
      parser_.SetExpr(text);
      for (const auto& [name, slot] : parser_.GetUsedVar()) names_.emplace_back(name, slot);  // parses
    } catch (const mu::Parser::exception_type& e) {
      throw std::invalid_argument(e.GetMsg());
    }
  }
  Expression(const Expression&) = delete;
  Expression& operator=(const Expression&) = delete;

  const std::vector<std::pair<std::string, double*>>& names() const { return names_; }
  double evaluate() const { return parser_.Eval(); }

 private:
  static double* new_slot(const char*, void* self) {
    auto& slots = static_cast<Expression*>(self)->slots_;
    slots.push_back(0.0);
    return &slots.back();
  }

  mu::Parser parser_;
  std::deque<double> slots_;  // a deque: slots keep their address as it grows
  std::vector<std::pair<std::string, double*>> names_;
};

bool reads_as(const Reading& reading, OpArgument::Kind kind) {
  using P = Reading::Property;
  using K = OpArgument::Kind;
  switch (reading.property) {
    case P::Value: return kind == K::Number;
    case P::Numel: return kind == K::Tensor || kind == K::TensorList;
    case P::Rank: case P::Defined: case P::Size: return kind == K::Tensor;
    case P::Len: return kind == K::TensorList || kind == K::NumberList;
    case P::Item: return kind == K::NumberList;
  }
  return false;
}

const char* kind_name(OpArgument::Kind kind) {
  switch (kind) {
    case OpArgument::Kind::Tensor: return "a tensor";
    case OpArgument::Kind::TensorList: return "a list of tensors";
    case OpArgument::Kind::Number: return "a number";
    case OpArgument::Kind::NumberList: return "a list of numbers";
    case OpArgument::Kind::Other: break;
  }
  return "an argument no expression can read";
}

double number_of(const ValueInfo& value, const std::string& name) {
  switch (value.kind) {
    case ValueInfo::Kind::Int: case ValueInfo::Kind::Bool: return static_cast<double>(value.int_value);
    case ValueInfo::Kind::Double: return value.double_value;
    default: throw std::invalid_argument(name + " is " + describe(value) + ", not a number");
  }
}

double read(const Reading& reading, const ValueInfo& value, const std::string& name) {
  using P = Reading::Property;
  const bool none = value.kind == ValueInfo::Kind::None;
  const auto element_index = [&](size_t count) {
    const int64_t i = reading.index < 0 ? static_cast<int64_t>(count) + reading.index : reading.index;
    if (i < 0 || i >= static_cast<int64_t>(count)) throw std::invalid_argument(name + ": " + describe(value) + " has no such element");
    return static_cast<size_t>(i);
  };
  switch (reading.property) {
    case P::Value: return number_of(value, name);
    case P::Defined: return value.is_tensor() ? 1 : 0;
    case P::Numel: {
      if (value.kind == ValueInfo::Kind::List) {
        double total = 0;
        for (const ValueInfo& element : value.elements) total += static_cast<double>(element.is_tensor() ? element.numel() : 0);
        return total;
      }
      return none ? 0 : static_cast<double>(value.numel());
    }
    case P::Rank: return none ? 0 : static_cast<double>(value.shape.size());
    case P::Size:
      if (!value.is_tensor()) throw std::invalid_argument(name + ": the argument is " + describe(value));
      return static_cast<double>(value.shape[element_index(value.shape.size())]);
    case P::Len: return static_cast<double>(value.kind == ValueInfo::Kind::IntList ? value.shape.size() : value.elements.size());
    case P::Item:
      if (value.kind == ValueInfo::Kind::Int) return static_cast<double>(value.int_value);  // int[2] given as one int
      if (value.kind != ValueInfo::Kind::IntList) throw std::invalid_argument(name + ": the argument is " + describe(value));
      return static_cast<double>(value.shape[element_index(value.shape.size())]);
  }
  return 0;
}

// A user formula as it counts: its expressions, and once bound, where each name reads its value.
class CompiledFormula {
 public:
  explicit CompiledFormula(const UserFormula& formula) : formula_(formula) {
    if (!formula.macs.empty()) macs_ = std::make_unique<Expression>(formula.macs);
    if (!formula.elementwise_flops.empty()) elementwise_ = std::make_unique<Expression>(formula.elementwise_flops);
  }

  const UserFormula& formula() const { return formula_; }

  // Every name that is none of the forms an expression may use, with the expression's key.
  std::vector<std::string> malformed_names() const {
    std::vector<std::string> malformed;
    for (const auto& [key, expression] : expressions()) {
      for (const auto& [name, slot] : expression->names()) {
        if (!parse_name(name)) malformed.push_back(key + ": '" + name + "' is not a name an expression can use (" + kNameForms + ")");
      }
    }
    return malformed;
  }

  // Ties each name to its argument's position; an empty result, or the problems found.
  std::vector<std::string> bind(const std::vector<OpArgument>& arguments) {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> problems;
    bindings_.clear();
    std::string names;
    for (const OpArgument& argument : arguments) names += (names.empty() ? "" : ", ") + argument.name;
    for (const auto& [key, expression] : expressions()) {
      for (const auto& [name, slot] : expression->names()) {
        const Reading reading = *parse_name(name);
        size_t position = 0;
        while (position < arguments.size() && arguments[position].name != reading.argument) ++position;
        if (position == arguments.size()) {
          problems.push_back(key + ": '" + name + "' reads '" + reading.argument + "', which is not an argument of " +
                             formula_.op + " (arguments: " + names + ")");
        } else if (!reads_as(reading, arguments[position].kind)) {
          problems.push_back(key + ": '" + name + "' does not fit '" + reading.argument + "', " +
                             kind_name(arguments[position].kind) + " (" + kNameForms + ")");
        } else {
          bindings_.push_back({reading, position, slot, name});
        }
      }
    }
    arity_ = problems.empty() ? std::optional<size_t>(arguments.size()) : std::nullopt;
    return problems;
  }

  Counts count(const std::vector<ValueInfo>& inputs) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!arity_) throw std::invalid_argument(formula_.op + ": its formula was not bound to the op's arguments");
    if (inputs.size() != *arity_) {
      throw std::invalid_argument(formula_.op + " was called with " + std::to_string(inputs.size()) +
                                  " arguments; its formula reads the schema with " + std::to_string(*arity_));
    }
    for (const Binding& binding : bindings_) *binding.slot = read(binding.reading, inputs[binding.position], binding.name);
    bool weights = false;
    for (const ValueInfo& input : inputs) weights = weights || (input.is_tensor() && input.is_parameter);
    const Counts macs = multiply_adds(whole(macs_.get(), "macs"));
    return (weights ? macs : as_activation_product(macs)) + elementwise(whole(elementwise_.get(), "elementwise_flops"), 1);
  }

 private:
  struct Binding {
    Reading reading;
    size_t position;
    double* slot;
    std::string name;
  };

  std::vector<std::pair<std::string, const Expression*>> expressions() const {
    std::vector<std::pair<std::string, const Expression*>> present;
    if (macs_) present.emplace_back("\"macs\"", macs_.get());
    if (elementwise_) present.emplace_back("\"elementwise_flops\"", elementwise_.get());
    return present;
  }

  int64_t whole(const Expression* expression, const char* key) const {
    if (expression == nullptr) return 0;
    const double value = expression->evaluate();
    if (!std::isfinite(value) || value < -0.5 || value > 9.0e18) {
      throw std::invalid_argument(formula_.op + ": \"" + key + "\" gave " + std::to_string(value) + ", not a count");
    }
    return std::llround(value);
  }

  UserFormula formula_;
  std::unique_ptr<Expression> macs_, elementwise_;
  std::mutex mutex_;  // evaluation writes the slots
  std::vector<Binding> bindings_;
  std::optional<size_t> arity_;
};

struct UserTable {
  std::map<std::string, std::shared_ptr<CompiledFormula>> formulas;
  std::map<std::string, OpFormulaEntry> entries;
};

UserTable& user_table() {
  static UserTable table;
  return table;
}

std::string entry_text(const UserFormula& formula) {
  std::string text = formula.description.empty() ? "" : formula.description + ": ";
  if (!formula.macs.empty()) text += "MACs = " + formula.macs;
  if (!formula.elementwise_flops.empty()) text += std::string(formula.macs.empty() ? "" : "; ") + "elementwise FLOPs = " + formula.elementwise_flops;
  return text + " (from " + formula.origin + ")";
}

// The problems of one entry of a formulas file (empty when it is good); fills `formula`.
std::vector<std::string> read_entry(const std::string& op, const nlohmann::json& entry, UserFormula& formula) {
  static const std::regex op_name(R"([A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*)");
  if (!std::regex_match(op, op_name)) return {"not an op name: write NAMESPACE::NAME, as in the op's schema (mylib::fused_gelu)"};
  if (!entry.is_object()) return {"should be an object with \"macs\", \"elementwise_flops\" and \"description\""};
  if (find_builtin_op_formula(op) != nullptr) {
    return {"flopscope has a formula for it (flopscope formulas lists them): a user formula cannot replace it"};
  }
  std::vector<std::string> problems;
  for (const auto& [key, value] : entry.items()) {
    std::string* field = key == "macs" ? &formula.macs
                         : key == "elementwise_flops" ? &formula.elementwise_flops
                         : key == "description" ? &formula.description : nullptr;
    if (field == nullptr) {
      problems.push_back("unknown key \"" + key + "\" (keys: macs, elementwise_flops, description)");
    } else if (value.is_number()) {
      *field = value.dump();
    } else if (!value.is_string()) {
      problems.push_back("\"" + key + "\" should be a string");
    } else {
      *field = value.get<std::string>();
    }
  }
  if (problems.empty() && formula.macs.empty() && formula.elementwise_flops.empty()) {
    problems.push_back("gives neither \"macs\" nor \"elementwise_flops\"");
  }
  if (!problems.empty()) return problems;
  try {
    return CompiledFormula(formula).malformed_names();
  } catch (const std::invalid_argument& e) {
    return {std::string("expression: ") + e.what()};
  }
}

}  // namespace

namespace {

std::vector<UserFormula> read_formulas_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ExitCode::Usage, "--formulas " + path + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json file = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (file.is_discarded()) throw Error(ExitCode::Usage, "--formulas " + path + ": not valid JSON");
  if (!file.is_object()) {
    throw Error(ExitCode::Usage, "--formulas " + path + ": should be an object from op name to formula (docs/formulas-file.md)");
  }
  std::vector<UserFormula> formulas;
  std::string problems;
  for (const auto& [op, entry] : file.items()) {
    UserFormula formula{op, "", "", "", path};
    for (const std::string& problem : read_entry(op, entry, formula)) {
      problems += (problems.empty() ? "" : "\n") + path + ": '" + op + "': " + problem;
    }
    formulas.push_back(formula);
  }
  if (!problems.empty()) throw Error(ExitCode::Usage, problems);
  return formulas;
}

}  // namespace

std::vector<UserFormula> read_user_formulas(const std::vector<std::string>& paths) {
  std::vector<UserFormula> formulas;
  for (const std::string& path : paths) {
    for (UserFormula& formula : read_formulas_file(path)) formulas.push_back(std::move(formula));
  }
  return formulas;
}

void use_user_formulas(const std::vector<UserFormula>& formulas) {
  UserTable table;
  for (const UserFormula& formula : formulas) {
    if (find_builtin_op_formula(formula.op) != nullptr) {
      throw Error(ExitCode::Usage, formula.origin + ": '" + formula.op + "': flopscope has a formula for it; a user formula cannot replace it");
    }
    if (table.formulas.count(formula.op) > 0) {
      throw Error(ExitCode::Usage, formula.origin + ": '" + formula.op + "' has a formula in " +
                                       table.formulas.at(formula.op)->formula().origin + " too; keep one");
    }
    auto compiled = std::make_shared<CompiledFormula>(formula);
    table.formulas.emplace(formula.op, compiled);
    table.entries.emplace(formula.op, OpFormulaEntry{formula.op, [compiled](const std::vector<ValueInfo>& inputs) {
                                                       return compiled->count(inputs);
                                                     },
                                                     entry_text(formula)});
  }
  user_table() = std::move(table);
}

std::string user_formulas_note() {
  std::map<std::string, std::string> ops_of_file;
  for (const auto& [op, compiled] : user_table().formulas) {
    std::string& ops = ops_of_file[compiled->formula().origin];
    ops += (ops.empty() ? "" : ", ") + op;
  }
  std::string note;
  for (const auto& [file, ops] : ops_of_file) note += (note.empty() ? "" : "\n") + ("user formulas from " + file + ": " + ops);
  return note;
}

const OpFormulaEntry* find_user_formula(const std::string& op) {
  const auto& entries = user_table().entries;
  const auto found = entries.find(op);
  return found == entries.end() ? nullptr : &found->second;
}

void bind_user_formulas() {
  std::string problems;
  for (const auto& [op, compiled] : user_table().formulas) {
    const std::optional<std::vector<OpArgument>> arguments = registered_op_arguments(op);
    if (!arguments) continue;
    for (const std::string& problem : compiled->bind(*arguments)) {
      problems += (problems.empty() ? "" : "\n") + compiled->formula().origin + ": '" + op + "': " + problem;
    }
  }
  if (!problems.empty()) throw Error(ExitCode::Usage, problems);
}

}  // namespace flopscope
