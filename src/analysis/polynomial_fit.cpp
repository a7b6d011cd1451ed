#include "flopscope/analysis/polynomial_fit.h"

#include <algorithm>
#include <utility>

namespace flopscope {
namespace {

using Wide = __int128;

struct Overflow {};

Wide checked_mul(Wide a, Wide b) {
  Wide out = 0;
  if (__builtin_mul_overflow(a, b, &out)) throw Overflow{};
  return out;
}

Wide checked_add(Wide a, Wide b) {
  Wide out = 0;
  if (__builtin_add_overflow(a, b, &out)) throw Overflow{};
  return out;
}

Wide gcd(Wide a, Wide b) {
  a = a < 0 ? -a : a;
  b = b < 0 ? -b : b;
  while (b != 0) a = std::exchange(b, a % b);
  return a;
}

Fraction make(Wide num, Wide den) {
  if (den < 0) num = -num, den = -den;
  const Wide g = gcd(num, den);
  return g > 1 ? Fraction{num / g, den / g} : Fraction{num, den};
}

Fraction operator+(const Fraction& p, const Fraction& q) {
  const Wide g = gcd(p.den, q.den);
  return make(checked_add(checked_mul(p.num, q.den / g), checked_mul(q.num, p.den / g)), checked_mul(p.den / g, q.den));
}
Fraction operator-(const Fraction& p) { return {-p.num, p.den}; }
Fraction operator-(const Fraction& p, const Fraction& q) { return p + -q; }
Fraction operator*(const Fraction& p, Wide k) {
  const Wide g = gcd(k, p.den);
  return make(checked_mul(p.num, k / g), p.den / g);
}
Fraction operator/(const Fraction& p, Wide k) {
  const Wide g = gcd(p.num, k);
  return make(g > 1 ? p.num / g : p.num, checked_mul(p.den, g > 1 ? k / g : k));
}
bool operator==(const Fraction& p, const Fraction& q) { return p.num == q.num && p.den == q.den; }

Fraction whole(Wide value) { return {value, 1}; }

std::string digits(Wide value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  std::string out;
  for (; value != 0; value /= 10) out.push_back(static_cast<char>('0' + static_cast<int>(negative ? -(value % 10) : value % 10)));
  if (negative) out.push_back('-');
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

std::string Fraction::text() const { return den == 1 ? digits(num) : digits(num) + "/" + digits(den); }

std::optional<int64_t> QuadraticFit::value_at(int64_t x) const {
  try {
    const Fraction value = a + b * x + c * checked_mul(x, x);
    if (value.den != 1 || value.num > INT64_MAX || value.num < INT64_MIN) return std::nullopt;
    return static_cast<int64_t>(value.num);
  } catch (const Overflow&) {
    return std::nullopt;
  }
}

double QuadraticFit::quadratic_share(int64_t x) const {
  const double xd = static_cast<double>(x);
  const double total = a.value() + b.value() * xd + c.value() * xd * xd;
  return total != 0 ? c.value() * xd * xd / total : 0.0;
}

std::string QuadraticFit::formula(const std::string& variable) const {
  std::string out;
  const auto term = [&](const Fraction& k, const std::string& power) {
    if (k.is_zero()) return;
    const Fraction magnitude{k.num < 0 ? -k.num : k.num, k.den};
    const bool unit = magnitude.num == 1 && magnitude.den == 1 && !power.empty();
    out += out.empty() ? (k.num < 0 ? "-" : "") : (k.num < 0 ? " - " : " + ");
    out += unit ? power : magnitude.text() + (power.empty() ? "" : "*" + power);
  };
  term(a, "");
  term(b, variable);
  term(c, variable + "^2");
  return out.empty() ? "0" : out;
}

namespace {

QuadraticFit fit_all(const std::vector<int64_t>& x, const std::vector<int64_t>& f) {
  QuadraticFit fit;
  const size_t n = std::min(x.size(), f.size());
  if (n == 0) return fit;
  fit.determined_by = static_cast<int>(std::min<size_t>(n, 3));
  try {
    if (n == 1) {
      fit.b = make(f[0], x[0]);
    } else {
      const Fraction d01 = whole(Wide(f[1]) - f[0]) / (Wide(x[1]) - x[0]);
      if (n == 2) {
        fit.b = d01;
      } else {
        const Fraction d12 = whole(Wide(f[2]) - f[1]) / (Wide(x[2]) - x[1]);
        fit.c = (d12 - d01) / (Wide(x[2]) - x[0]);
        fit.b = d01 - fit.c * (Wide(x[0]) + x[1]);
      }
      fit.a = whole(f[0]) - fit.b * x[0] - fit.c * checked_mul(x[0], x[0]);
    }
    fit.exact = true;
    for (size_t i = static_cast<size_t>(fit.determined_by); i < n; ++i) {
      ++fit.checked_on;
      const Wide xi = x[i];
      if (!(fit.a + fit.b * xi + fit.c * checked_mul(xi, xi) == whole(f[i]))) {
        fit.exact = false;
        break;
      }
    }
  } catch (const Overflow&) {
    fit.exact = false;
    fit.too_large = true;
  }
  return fit;
}

}  // namespace

QuadraticFit fit_quadratic(const std::vector<int64_t>& x, const std::vector<int64_t>& f) {
  QuadraticFit fit = fit_all(x, f);
  if (fit.exact || fit.too_large || x.size() < 4 || f.size() < 4) return fit;
  QuadraticFit rest = fit_all({x.begin() + 1, x.end()}, {f.begin() + 1, f.end()});
  if (!rest.exact) return fit;
  try {
    const Wide x0 = x[0];
    rest.first_off = whole(f[0]) - (rest.a + rest.b * x0 + rest.c * checked_mul(x0, x0));
  } catch (const Overflow&) {
    return fit;
  }
  rest.exact = false;
  rest.exact_after_first = true;
  return rest;
}

}  // namespace flopscope
