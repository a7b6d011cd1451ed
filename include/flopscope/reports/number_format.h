// How reports write numbers: exact integers with thousands separators, counts with decimal prefixes
// (never rates), and fixed decimals. One place, so every report writes a number the same way.
#pragma once

#include <cstdint>
#include <string>

namespace flopscope {

// "2,907,909,120"
std::string with_separators(int64_t n);
// "41.09 GFLOPs", "1.07 TFLOPs", "512 FLOPs": decimal prefixes, a count (never a rate).
std::string human_flops(int64_t flops);
// "149.62 M", "3.15 K"
std::string human_count(int64_t n);
// A count in a table's cell: exact ("2,907,909,120"), or with an SI prefix ("2.91 G", "-1.5 M").
std::string count_cell(int64_t n, bool si);
// "67.16 MB": decimal prefixes (1 MB = 10^6 bytes).
std::string human_bytes(int64_t bytes);
// "2048 MiB": binary mebibytes, rounded, as memory limits are given (--max-memory 2G).
std::string mebibytes(int64_t bytes);
// "1.23 ms", "45.6 us", "2.00 s": three significant digits.
std::string human_seconds(double seconds);
// "989 TFLOP/s", "1.01 TB/s": a rate with a decimal prefix; `unit` is "FLOP/s", "B/s", "MAC/s", "OP/s".
std::string human_rate(double per_second, const std::string& unit);
// Chart ticks: at most three significant digits, no trailing zeros. "20 MFLOPs", "1.5 GFLOP/s".
std::string round_number(double value, const std::string& unit);
// "50 ms", "1.2 s", "200 us".
std::string round_seconds(double seconds);
// `digits` significant digits, never in exponent form: significant(2458.85, 3) == "2459",
// significant(26.9, 3) == "26.9", significant(0.5, 3) == "0.500".
std::string significant(double value, int digits);
// `value` with exactly `decimals` decimals: fixed(0.4558, 2) == "0.46".
std::string fixed(double value, int decimals);

}  // namespace flopscope
