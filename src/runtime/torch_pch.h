// Precompiled header for the library files that use LibTorch.
#pragma once
#include <torch/script.h>
#include <ATen/record_function.h>
