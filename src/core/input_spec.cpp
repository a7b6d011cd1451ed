#include "flopscope/core/input_spec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "flopscope/core/error.h"

namespace flopscope {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  while (true) {
    const auto pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos - start));
    if (pos == std::string::npos) return parts;
    start = pos + 1;
  }
}

[[noreturn]] void fail(const std::string& whole, const std::string& part, const std::string& why) {
  throw Error(ExitCode::Usage, "bad --input '" + whole + "': " + (part == whole ? "" : "in '" + part + "': ") + why);
}

int64_t parse_int(const std::string& text, const std::string& whole, const std::string& part, const char* what) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (text.empty() || result.ec != std::errc() || result.ptr != end) fail(whole, part, std::string(what) + " '" + text + "' is not an integer");
  return value;
}

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// SHAPE[:DTYPE[:FILL]]; the dtype defaults to float32, as PyTorch's does.
InputSpec parse_tensor(const std::string& text, const std::string& whole) {
  auto fields = split(text, ':');
  if (fields.size() == 1) fields.push_back("float32");
  InputSpec spec;
  if (fields[0] != "scalar") {
    for (const auto& dim_text : split(fields[0], 'x')) {
      const int64_t dim = parse_int(dim_text, whole, text, "dimension");
      if (dim < 0) fail(whole, text, "negative dimension " + dim_text);
      spec.shape.push_back(dim);
    }
    checked_numel(spec.shape);
  }
  const std::optional<DType> dtype = parse_dtype(fields[1]);
  if (!dtype) fail(whole, text, "unknown dtype '" + fields[1] + "' (" + dtype_names() + ")");
  spec.dtype = *dtype;
  spec.fill = is_floating(spec.dtype) ? Fill::Randn : Fill::Zeros;
  if (fields.size() == 2) return spec;

  const std::string& fill = fields[2];
  if (fill == "randn" && fields.size() == 3) {
    if (!is_floating(spec.dtype)) fail(whole, text, "randn needs a float dtype");
    spec.fill = Fill::Randn;
  } else if (fill == "zeros" && fields.size() == 3) {
    spec.fill = Fill::Zeros;
  } else if (fill == "ones" && fields.size() == 3) {
    spec.fill = Fill::Ones;
  } else if (fill == "randint" && fields.size() == 5) {
    spec.fill = Fill::RandInt;
    spec.randint_low = parse_int(fields[3], whole, text, "randint bound");
    spec.randint_high = parse_int(fields[4], whole, text, "randint bound");
    if (spec.randint_low >= spec.randint_high) fail(whole, text, "randint needs LOW < HIGH");
    if (spec.dtype == DType::Bool) fail(whole, text, "randint needs a numeric dtype");
  } else {
    fail(whole, text, "unknown fill '" + fields[2] + "' (randn, zeros, ones, randint:LOW:HIGH)");
  }
  return spec;
}

// none, int:N, float:X, bool:true|false, or a tensor.
InputSpec parse_leaf(const std::string& text, const std::string& whole) {
  InputSpec spec;
  if (text == "none") {
    spec.kind = InputSpec::Kind::None;
  } else if (starts_with(text, "int:")) {
    spec.kind = InputSpec::Kind::Int;
    spec.integer = parse_int(text.substr(4), whole, text, "value");
  } else if (starts_with(text, "float:")) {
    spec.kind = InputSpec::Kind::Float;
    const std::string number = text.substr(6);
    const char* end = number.data() + number.size();
    const auto result = std::from_chars(number.data(), end, spec.real);
    if (number.empty() || result.ec != std::errc() || result.ptr != end || !std::isfinite(spec.real)) {
      fail(whole, text, "value '" + number + "' is not a finite number");
    }
  } else if (starts_with(text, "bool:")) {
    spec.kind = InputSpec::Kind::Bool;
    const std::string value = text.substr(5);
    if (value != "true" && value != "false") fail(whole, text, "a bool is true or false, not '" + value + "'");
    spec.integer = value == "true" ? 1 : 0;
  } else {
    return parse_tensor(text, whole);
  }
  return spec;
}

// Recursive descent over the whole text; lists and tuples nest up to kMaxDepth.
class SpecParser {
 public:
  explicit SpecParser(const std::string& text) : text_(text) {}

  InputSpec parse() {
    if (!text_.empty() && text_.find_first_not_of("0123456789,") == std::string::npos) {
      fail(text_, text_, "dimensions are joined by 'x' and followed by a dtype: e.g. 1x3x224x224:float32");
    }
    InputSpec spec = parse_spec(0);
    if (pos_ < text_.size()) {
      fail(text_, text_, "unexpected '" + text_.substr(pos_) + "' after a complete spec; write a list as [SPEC,SPEC] and a tuple as (SPEC,SPEC)");
    }
    return spec;
  }

 private:
  static constexpr int kMaxDepth = 16;

  InputSpec parse_spec(int depth) {
    if (pos_ < text_.size() && (text_[pos_] == '[' || text_[pos_] == '(')) return parse_sequence(depth);
    const size_t end = std::min(text_.find_first_of(",[]()", pos_), text_.size());
    const std::string leaf = text_.substr(pos_, end - pos_);
    pos_ = end;
    if (leaf.empty()) fail(text_, text_, "a spec is missing at position " + std::to_string(pos_ + 1));
    return parse_leaf(leaf, text_);
  }

  InputSpec parse_sequence(int depth) {
    const char open = text_[pos_];
    const char close = open == '[' ? ']' : ')';
    if (depth >= kMaxDepth) fail(text_, text_, "lists and tuples nest deeper than " + std::to_string(kMaxDepth));
    InputSpec spec;
    spec.kind = open == '[' ? InputSpec::Kind::List : InputSpec::Kind::Tuple;
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == close) {
      ++pos_;
      return spec;
    }
    while (true) {
      spec.elements.push_back(parse_spec(depth + 1));
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == close) {
        ++pos_;
        return spec;
      }
      fail(text_, text_, std::string("'") + open + "' at position " + std::to_string(pos_) + " is not closed by '" + close + "'");
    }
  }

  const std::string& text_;
  size_t pos_ = 0;
};

std::string number_text(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string tensor_text(const InputSpec& spec) {
  std::string text;
  for (size_t i = 0; i < spec.shape.size(); ++i) text += (i ? "x" : "") + std::to_string(spec.shape[i]);
  if (spec.shape.empty()) text = "scalar";
  text += ":" + dtype_name(spec.dtype);
  switch (spec.fill) {
    case Fill::Randn: return text + ":randn";
    case Fill::Zeros: return text + ":zeros";
    case Fill::Ones: return text + ":ones";
    case Fill::RandInt:
      return text + ":randint:" + std::to_string(spec.randint_low) + ":" + std::to_string(spec.randint_high);
  }
  return text;
}

// The tensors --batch resizes: arguments and tuple members; a list is resized as a whole.
void batch_tensors(InputSpec& spec, int64_t batch) {
  switch (spec.kind) {
    case InputSpec::Kind::Tensor:
      if (!spec.shape.empty()) spec.shape[0] = batch;
      checked_numel(spec.shape);
      break;
    case InputSpec::Kind::Tuple:
      for (InputSpec& element : spec.elements) batch_tensors(element, batch);
      break;
    case InputSpec::Kind::List:
      if (!spec.elements.empty()) {
        const std::vector<InputSpec> written = spec.elements;
        spec.elements.clear();
        for (int64_t i = 0; i < batch; ++i) spec.elements.push_back(written[static_cast<size_t>(i) % written.size()]);
      }
      break;
    default: break;
  }
}

std::optional<int64_t> batch_of(const InputSpec& spec) {
  switch (spec.kind) {
    case InputSpec::Kind::Tensor:
      if (!spec.shape.empty()) return spec.shape[0];
      break;
    case InputSpec::Kind::List:
      if (!spec.elements.empty()) return static_cast<int64_t>(spec.elements.size());
      break;
    case InputSpec::Kind::Tuple:
      for (const InputSpec& element : spec.elements) {
        if (const auto batch = batch_of(element)) return batch;
      }
      break;
    default: break;
  }
  return std::nullopt;
}

}  // namespace

bool operator==(const InputSpec& a, const InputSpec& b) {
  return a.kind == b.kind && a.shape == b.shape && a.dtype == b.dtype && a.fill == b.fill && a.randint_low == b.randint_low &&
         a.randint_high == b.randint_high && a.elements == b.elements && a.integer == b.integer && a.real == b.real;
}

int64_t checked_numel(const std::vector<int64_t>& shape) {
  int64_t numel = 1;
  for (const int64_t dim : shape) {
    if (dim != 0 && numel > std::numeric_limits<int64_t>::max() / dim) {
      throw Error(ExitCode::Usage, "input shape has more elements than fit in a 64-bit count");
    }
    numel *= dim;
  }
  return numel;
}

InputSpec parse_input_spec(const std::string& text) { return SpecParser(text).parse(); }

std::string to_string(const InputSpec& spec) {
  switch (spec.kind) {
    case InputSpec::Kind::Tensor: return tensor_text(spec);
    case InputSpec::Kind::None: return "none";
    case InputSpec::Kind::Int: return "int:" + std::to_string(spec.integer);
    case InputSpec::Kind::Float: return "float:" + number_text(spec.real);
    case InputSpec::Kind::Bool: return spec.integer != 0 ? "bool:true" : "bool:false";
    case InputSpec::Kind::List:
    case InputSpec::Kind::Tuple: {
      std::string text(1, spec.kind == InputSpec::Kind::List ? '[' : '(');
      for (size_t i = 0; i < spec.elements.size(); ++i) text += (i ? "," : "") + to_string(spec.elements[i]);
      return text + (spec.kind == InputSpec::Kind::List ? ']' : ')');
    }
  }
  return "";
}

int64_t input_bytes(const InputSpec& spec) {
  if (spec.is_tensor()) {
    const int64_t numel = checked_numel(spec.shape);
    const int64_t size = dtype_bytes(dtype_name(spec.dtype));
    if (numel > std::numeric_limits<int64_t>::max() / size) throw Error(ExitCode::Usage, "input bytes do not fit in a 64-bit count");
    return numel * size;
  }
  int64_t bytes = 0;
  for (const InputSpec& element : spec.elements) {
    const int64_t more = input_bytes(element);
    if (more > std::numeric_limits<int64_t>::max() - bytes) throw Error(ExitCode::Usage, "input bytes do not fit in a 64-bit count");
    bytes += more;
  }
  return bytes;
}

void apply_batch(std::vector<InputSpec>& specs, int64_t batch) {
  if (batch < 1) throw Error(ExitCode::Usage, "--batch must be at least 1, got " + std::to_string(batch));
  for (auto& spec : specs) batch_tensors(spec, batch);
}

int64_t batch_size(const std::vector<InputSpec>& specs) {
  for (const InputSpec& spec : specs) {
    if (const auto batch = batch_of(spec)) return *batch;
  }
  return 1;
}

std::string VariedDims::text() const {
  std::string out = std::to_string(input) + ":";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? "," : "") + std::to_string(dims[i]);
  return out;
}

VariedDims parse_varied_dims(const std::string& text) {
  const auto fail = [&text]() {
    return Error(ExitCode::Usage, "--vary wants INPUT:DIM[,DIM...]=N1,N2,... (e.g. 0:2,3=160,224,288), got '" + text + "'");
  };
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw fail();
  const auto number = [&](const std::string& item) {
    size_t value = 0;
    const auto result = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || result.ec != std::errc() || result.ptr != item.data() + item.size() || value > 64) throw fail();
    return value;
  };
  VariedDims varied;
  varied.input = number(text.substr(0, colon));
  for (const auto& item : split(text.substr(colon + 1), ',')) varied.dims.push_back(number(item));
  std::sort(varied.dims.begin(), varied.dims.end());
  if (std::adjacent_find(varied.dims.begin(), varied.dims.end()) != varied.dims.end()) throw fail();
  return varied;
}

void apply_sized_dims(std::vector<InputSpec>& specs, const SizedDims& sized) {
  const VariedDims& varied = sized.varied;
  if (sized.size < 1) throw Error(ExitCode::Usage, "--vary sizes must be at least 1, got " + std::to_string(sized.size));
  if (varied.input >= specs.size()) {
    throw Error(ExitCode::Usage, "--vary " + varied.text() + ": the method takes " + std::to_string(specs.size()) +
                                     " input(s), numbered from 0");
  }
  InputSpec& spec = specs[varied.input];
  if (!spec.is_tensor()) {
    throw Error(ExitCode::Usage, "--vary " + varied.text() + ": input " + std::to_string(varied.input) + " (" + to_string(spec) +
                                     ") is not a tensor; --vary sizes dims of a tensor argument");
  }
  for (const size_t dim : varied.dims) {
    if (dim >= spec.shape.size()) {
      throw Error(ExitCode::Usage, "--vary " + varied.text() + ": input " + std::to_string(varied.input) + " (" +
                                       to_string(spec) + ") has no dim " + std::to_string(dim));
    }
    spec.shape[dim] = sized.size;
  }
  checked_numel(spec.shape);
}

}  // namespace flopscope
