// Exact fits of f(x) = a + b·x + c·x² through integer points, in fractions: nothing is rounded, so
// "the fit holds" means equality at every point, and a coefficient prints as an integer or p/q.
//
// The first min(3, n) points determine the coefficients (one point: f = b·x, two: a line); every
// further point checks them. When that fails and there are 4 points or more, the fit is tried once
// more without the first point: a batch of 1 often runs less (a gradient summed over the batch needs
// no sum), and "exact from B=2 on, B=1 is 768 FLOPs below" says more than "not polynomial". Pure: no
// LibTorch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flopscope {

// num/den in lowest terms, den > 0.
struct Fraction {
  __int128 num = 0;
  __int128 den = 1;
  bool is_zero() const { return num == 0; }
  double value() const { return static_cast<double>(num) / static_cast<double>(den); }
  std::string text() const;  // "12", "-3/64"
};

struct QuadraticFit {
  bool exact = false;      // one polynomial of degree <= 2 passes through every point
  bool too_large = false;  // not decided: an intermediate product exceeded 128 bits
  // Not exact, but exact on every point after the first: a, b, c are that fit, and first_off is
  // f(x0) minus the fit's value there.
  bool exact_after_first = false;
  Fraction first_off;
  Fraction a, b, c;        // meaningful when exact or exact_after_first
  int determined_by = 0;   // points that fixed the coefficients (at most 3)
  int checked_on = 0;      // further points on which it held (exact) or the first one it failed on + 1
  // c·x² / f(x): the share of the quadratic term at x (0 when f(x) is 0).
  double quadratic_share(int64_t x) const;
  // "a + b·x + c·x²" with zero terms left out, e.g. "1,024 + 3/64·P²".
  std::string formula(const std::string& variable) const;
  // The polynomial at x: nullopt when it is not an integer there or exceeds int64. Meaningful when exact.
  std::optional<int64_t> value_at(int64_t x) const;
};

// x sorted ascending, distinct, positive; f parallel to x.
QuadraticFit fit_quadratic(const std::vector<int64_t>& x, const std::vector<int64_t>& f);

}  // namespace flopscope
