#include "flopscope/core/input_spec.h"

#include <algorithm>
#include <charconv>
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

int64_t parse_int(const std::string& text, const std::string& spec, const char* what) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (text.empty() || result.ec != std::errc() || result.ptr != end) {
    throw Error(ExitCode::Usage, "bad --input '" + spec + "': " + what + " '" + text + "' is not an integer");
  }
  return value;
}

}  // namespace

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

InputSpec parse_input_spec(const std::string& text) {
  const auto fields = split(text, ':');
  if (fields.size() < 2) {
    throw Error(ExitCode::Usage, "bad --input '" + text + "': expected SHAPE:DTYPE[:FILL], e.g. 1x3x224x224:float32");
  }
  InputSpec spec;
  if (fields[0] != "scalar") {
    for (const auto& dim_text : split(fields[0], 'x')) {
      const int64_t dim = parse_int(dim_text, text, "dimension");
      if (dim < 0) throw Error(ExitCode::Usage, "bad --input '" + text + "': negative dimension " + dim_text);
      spec.shape.push_back(dim);
    }
    checked_numel(spec.shape);
  }
  const std::optional<DType> dtype = parse_dtype(fields[1]);
  if (!dtype) throw Error(ExitCode::Usage, "bad --input '" + text + "': unknown dtype '" + fields[1] + "' (" + dtype_names() + ")");
  spec.dtype = *dtype;
  spec.fill = is_floating(spec.dtype) ? Fill::Randn : Fill::Zeros;
  if (fields.size() == 2) return spec;

  const std::string& fill = fields[2];
  if (fill == "randn" && fields.size() == 3) {
    if (!is_floating(spec.dtype)) throw Error(ExitCode::Usage, "bad --input '" + text + "': randn needs a float dtype");
    spec.fill = Fill::Randn;
  } else if (fill == "zeros" && fields.size() == 3) {
    spec.fill = Fill::Zeros;
  } else if (fill == "ones" && fields.size() == 3) {
    spec.fill = Fill::Ones;
  } else if (fill == "randint" && fields.size() == 5) {
    spec.fill = Fill::RandInt;
    spec.randint_low = parse_int(fields[3], text, "randint bound");
    spec.randint_high = parse_int(fields[4], text, "randint bound");
    if (spec.randint_low >= spec.randint_high) {
      throw Error(ExitCode::Usage, "bad --input '" + text + "': randint needs LOW < HIGH");
    }
    if (spec.dtype == DType::Bool) throw Error(ExitCode::Usage, "bad --input '" + text + "': randint needs a numeric dtype");
  } else {
    throw Error(ExitCode::Usage, "bad --input '" + text + "': unknown fill '" + fields[2] +
                                     "' (randn, zeros, ones, randint:LOW:HIGH)");
  }
  return spec;
}

std::string to_string(const InputSpec& spec) {
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

void apply_batch(std::vector<InputSpec>& specs, int64_t batch) {
  if (batch < 1) throw Error(ExitCode::Usage, "--batch must be at least 1, got " + std::to_string(batch));
  for (auto& spec : specs) {
    if (!spec.shape.empty()) spec.shape[0] = batch;
    checked_numel(spec.shape);
  }
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
