// Op traffic — the bytes one recorded op moves (the bytes model of docs/bytes.md).
//
// Every distinct tensor argument is read once and every returned tensor written once, at its dtype's
// size; parameters are arguments like any other, so a weight is read once per op that uses it. Views
// (returns that share an argument's memory and are not written: reshape of a contiguous tensor,
// transpose, dropout in eval) move nothing. An embedding lookup reads the indices and only the rows it
// gathers. Allocations without initialization (aten::empty) move nothing. Ops whose bytes differ
// from their arguments and results have a byte rule, registered in src/counting/op_traffic.cpp right
// after its function (cost_registry.h).
#pragma once

#include <vector>

#include "flopscope/core/traffic.h"
#include "flopscope/core/value_info.h"
#include "flopscope/counting/cost_registry.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

Traffic op_traffic(const OpRecord& op);

// The bytes of an op that does not read each argument and write each result once.
using TrafficRule = Traffic (*)(const OpRecord& op);
using TrafficRuleEntry = CostRegistry<TrafficRule>::Entry;
CostRegistry<TrafficRule>& traffic_rule_registry();

// A module call's inputs read once and its results written once (results that are its inputs, as
// nn.Identity returns, move nothing), recursing into tuples, lists and dicts.
Traffic boundary_traffic(const std::vector<ValueInfo>& inputs, const std::vector<ValueInfo>& outputs);

// One tensor of `elements` elements of `dtype`, priced by kind.
Traffic tensor_traffic(int64_t elements, const std::string& dtype, bool is_parameter);

}  // namespace flopscope
