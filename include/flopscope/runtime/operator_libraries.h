// Operator libraries: shared objects that register TorchScript operators (TORCH_LIBRARY) which a file
// may call, such as torchvision's (torchvision::nms, roi_align, ... in detection models) or a user's
// own. They are loaded into the process that loads the file, before the sandbox refuses opening
// files: those named with --load-library, and torchvision's where Debian's python3-torchvision
// installs it (it needs no Python).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace flopscope {

struct OperatorLibrary {
  std::string name;  // the operators' namespace where known ("torchvision"), else the file's name
  std::string path;
  bool requested = false;  // named with --load-library (else found and loaded by flopscope)
};

// Loads each of `paths`: Error(FileNotFound) when one is missing, Error(Unsupported) with the loader's
// reason when one does not load. Then torchvision's library, where installed; its absence or a failure
// to load it is only reported if a file calls its operators (torchvision_advice()). Loads each once.
void load_operator_libraries(const std::vector<std::string>& paths);

// The libraries loaded into this process, in order.
const std::vector<OperatorLibrary>& loaded_operator_libraries();

// What to do about a file calling `op` ("torchvision::nms", "myops::fused") that no loaded library
// registers: install python3-torchvision, or pass --load-library.
std::string missing_operator_advice(const std::string& op);

// One argument of an op's schema, as a user formula's expression may read it.
struct OpArgument {
  enum class Kind { Tensor, TensorList, Number, NumberList, Other };
  std::string name;
  Kind kind = Kind::Other;
};

// The arguments of `op` ("mylib::fused") as this process registers it (its first overload), or
// nullopt when it registers no such op: what user formulas read (bind_user_formulas()).
std::optional<std::vector<OpArgument>> registered_op_arguments(const std::string& op);

}  // namespace flopscope
