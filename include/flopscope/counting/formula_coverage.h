// The recorder's OpCoverage answered by flopscope's op formulas: an op is counted when its formula
// accepts the recorded inputs, and an op that counts zero FLOPs is kept when it moves bytes.
#pragma once

#include "flopscope/runtime/recorder.h"

namespace flopscope {

const OpCoverage& formula_coverage();

}  // namespace flopscope
