// The roofline sections of the table and JSON reports (docs/hardware.md).
#include <algorithm>
#include <cmath>
#include <sstream>

#include "flopscope/counting/op_traffic.h"
#include "flopscope/reports/module_rows.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/reports/workload.h"

namespace flopscope {

namespace {

std::string intensity_text(int64_t flops, int64_t bytes) {
  return bytes > 0 ? fixed(static_cast<double>(flops) / static_cast<double>(bytes), 1) : "-";
}

std::string bound_cell(const Workload& w, const Hardware& device, const PrecisionChoice& precision) {
  const std::optional<Bound> bound = projected_bound(w.flops, w.integer_flops, w.traffic, device, precision);
  if (!bound) return "n/a";
  if (bound->seconds() == 0) return "-";
  return human_seconds(bound->seconds()) + (bound->memory_bound() ? " mem" : " cmp");
}

std::string max_fps_text(const Workload& w, const Hardware& device, const PrecisionChoice& precision) {
  const std::optional<Bound> bound = projected_bound(w.flops, w.integer_flops, w.traffic, device, precision);
  if (!bound) return "n/a";
  return bound->seconds() > 0 ? fixed(1.0 / bound->seconds(), 1) : "-";
}

// this-machine's bound over the time measured here: 1 would be the roofline reached; 0 when unmeasured.
double fraction_of_bound(const Workload& w, const Hardware& here, const PrecisionChoice& precision) {
  const double bound = roofline_bound(w.flops, w.integer_flops, projected_bytes(w.traffic, precision), here, precision.compute).seconds();
  return w.seconds > 0 ? bound / w.seconds : 0.0;
}

std::string fps_text(double fps) { return fixed(fps, fps == std::floor(fps) ? 0 : 2); }

// Each device's bandwidth and, at the chosen precisions (and int8 where quantized ops did integer
// work), its dense peak and ridge point.
void write_hardware(std::ostringstream& out, const HardwareQuestion& question, bool integer_work, size_t width) {
  if (question.devices.empty()) return;
  std::vector<Precision> shown;
  for (const PrecisionChoice& precision : question.precisions) {
    if (std::find(shown.begin(), shown.end(), precision.compute) == shown.end()) shown.push_back(precision.compute);
  }
  if (integer_work && std::find(shown.begin(), shown.end(), Precision::INT8) == shown.end()) shown.push_back(Precision::INT8);
  out << "\n" << wrap_text("Hardware ", "(dense peaks, never the sparsity figures; ridge = peak / bandwidth; sources in each file)", width);
  for (const Hardware& device : question.devices) {
    std::string facts = "memory " + human_rate(device.bandwidth.value, "B/s");
    for (const Precision precision : shown) {
      const Rate* peak = device.peak(precision);
      facts += "; " + to_string(precision) + " " +
               (peak == nullptr ? "n/a" : human_rate(peak->value, "FLOP/s") + " (ridge " + fixed(ridge_point(device, precision), 1) + " FLOP/B)");
    }
    out << wrap_text("  " + device.name + "  ", facts, width, "; ")
        << wrap_text("    ", (device.description.empty() ? "" : device.description + "; ") + "from " + device.origin, width);
  }
}

void write_required(std::ostringstream& out, const AnalyzedRun& run, size_t width) {
  const double fps = run.hardware->fps;
  if (fps <= 0) return;
  const Counts& t = run.analysis->total;
  const double flop_rate = static_cast<double>(t.flops()) * fps;
  const double mac_rate = static_cast<double>(t.macs) * fps;
  out << "\nRequired at " << fps_text(fps) << " fps (one forward per frame)\n";
  out << wrap_text("  compute  ", with_separators(t.flops()) + " FLOPs/frame x " + fps_text(fps) + " = " + human_rate(flop_rate, "FLOP/s") +
                                      " = " + fixed(flop_rate / 1e12, 3) + " TOPS as vendors count (1 multiply-add = 2 ops)",
                   width);
  out << wrap_text("  MACs     ", with_separators(t.macs) + " MACs/frame x " + fps_text(fps) + " = " + human_rate(mac_rate, "MAC/s") +
                                      " (matrix work only: " + fixed(2 * mac_rate / 1e12, 3) + " TOPS)",
                   width);
}

std::vector<std::string> header(const AnalyzedRun& run, bool measured, bool fraction) {
  std::vector<std::string> h = {"module", "calls", "FLOPs", "bytes", "fused bytes", "FLOP/B"};
  if (measured) {
    h.push_back("measured");
    h.push_back("achieved");
  }
  if (fraction) h.push_back("of bound");
  for (const Hardware& device : run.hardware->devices) h.push_back(device.name);
  return h;
}

std::vector<std::string> row(const AnalyzedRun& run, const std::string& label, const Workload& w, const PrecisionChoice& precision,
                             bool measured, const Hardware* measured_on) {
  const int64_t bytes = projected_bytes(w.traffic, precision);
  std::vector<std::string> cells = {label, std::to_string(w.calls), human_flops(w.flops), human_bytes(bytes),
                                    human_bytes(projected_bytes(w.boundary, precision)), intensity_text(w.flops, bytes)};
  if (measured) {
    cells.push_back(human_seconds(w.seconds));
    cells.push_back(w.seconds > 0 && w.flops > 0 ? human_rate(static_cast<double>(w.flops) / w.seconds, "FLOP/s") : "-");
  }
  if (measured_on != nullptr) {
    const double fraction = fraction_of_bound(w, *measured_on, precision);
    cells.push_back(fraction > 0 ? fixed(100.0 * fraction, 1) + "%" : "-");
  }
  for (const Hardware& device : run.hardware->devices) cells.push_back(bound_cell(w, device, precision));
  return cells;
}

}  // namespace

std::string render_roofline_table(const AnalyzedRun& run, const TableOptions& options) {
  std::ostringstream out;
  const HardwareQuestion& question = *run.hardware;
  // Quantized ops' integer multiply-adds run on the int8 units, the rest at the precision's peak.
  const int64_t integer_flops = run.analysis->total.integer_flops;
  write_hardware(out, question, integer_flops > 0, options.width);
  write_required(out, run, options.width);
  const bool measured = run.recording->timed;
  const std::vector<ModuleRow> rows = module_rows(run, options);
  const auto towers = tower_workloads(run);
  const std::string compute_time =
      integer_flops == 0 ? "FLOPs / peak" : "(FLOPs - int8 OPs) / peak + int8 OPs / int8 peak (the quantized ops' " + human_count(integer_flops) + " OPs)";
  for (const PrecisionChoice& precision : question.precisions) {
    const Hardware* measured_on = measured_device(run, precision);
    out << "\n"
        << wrap_text("Roofline at " + to_string(precision) + ": ",
                     "activations " + std::to_string(storage_bits(precision.compute)) + " bits, weights " +
                         std::to_string(storage_bits(precision.weights)) + " bits per element" +
                         (precision.compute == run_precision(run) && precision.weights == precision.compute ? "" : " (projected from the run's sizes)"),
                     options.width)
        << wrap_text("  ", "bound = max(" + compute_time + ", bytes / bandwidth), 'mem' or 'cmp' the roof that binds; bytes: every op reads its "
                           "arguments and writes its results once; fused: the module's inputs, outputs and parameters once (docs/bytes.md)",
                     options.width);
    if (measured) {
      out << wrap_text("  measured: ",
                       "this machine, " + to_string(run_precision(run)) + ", between each module's enter and exit hooks" +
                           (measured_on != nullptr ? "; of bound: this-machine's bound / measured time" : ""),
                       options.width);
    }
    std::vector<std::vector<std::string>> cells = {header(run, measured, measured_on != nullptr)};
    for (const ModuleRow& shown : rows) {
      const Workload w = module_workload(*run.analysis, shown.modules);
      if (w.calls == 0) {  // a container that is never called (ModuleList): kept, its children are indented under it
        std::vector<std::string> dashes(cells[0].size(), "-");
        dashes[0] = shown.tree_label;
        dashes[1] = "0";
        cells.push_back(dashes);
        continue;
      }
      cells.push_back(row(run, shown.tree_label, w, precision, measured, measured_on));
    }
    // When the devices need the room, the achieved rate (FLOPs / measured), the fused bytes, then the
    // calls and the FLOPs (the module table has both) go first.
    const FittedTable table = fit_text_table(cells, 1, {"achieved", "fused bytes", "calls", "FLOPs"}, options.width, {"module"});
    out << table.text << left_out_line(table, options.width);
    const auto max_fps_list = [&](const Workload& w) {
      std::string list;
      for (const Hardware& device : question.devices) list += device.name + " " + max_fps_text(w, device, precision) + "  ";
      return list;
    };
    out << wrap_text("  max fps (1 / bound of the whole forward):  ", max_fps_list(model_workload(run)), options.width, "  ");
    for (const auto& [name, w] : towers) {
      out << wrap_text("  " + name + ": " + human_flops(w.flops) + ", " + human_bytes(projected_bytes(w.traffic, precision)) + ", max fps  ",
                       max_fps_list(w), options.width, "  ");
    }
    for (const Hardware& device : question.devices) {
      if (device.peak(precision.compute) == nullptr) {
        out << "  n/a: " << device.name << " has no " << to_string(precision.compute) << " peak (" << device.origin << ")\n";
      }
    }
  }
  return out.str();
}

nlohmann::json render_roofline_json(const AnalyzedRun& run) {
  const HardwareQuestion& question = *run.hardware;
  nlohmann::json j;
  j["conventions"] =
      "bound_seconds = max(flops / peak, bytes / bandwidth); bytes: every op reads its arguments and writes its results once "
      "(unfused); fused_bytes: a module's inputs, outputs and parameters once; peaks are dense; see docs/bytes.md";
  nlohmann::json devices = nlohmann::json::array();
  for (const Hardware& device : question.devices) {
    nlohmann::json d = hardware_json(device);
    d["origin"] = device.origin;
    devices.push_back(d);
  }
  j["devices"] = devices;
  j["fps"] = question.fps;
  if (question.fps > 0) {
    j["required"] = {{"flop_per_second", static_cast<double>(run.analysis->total.flops()) * question.fps},
                     {"mac_per_second", static_cast<double>(run.analysis->total.macs) * question.fps}};
  }
  // `here`: this-machine when a measured time can be compared with its bound at `precision`.
  const auto bounds_json = [&](const Workload& w, const PrecisionChoice& precision, const Hardware* here) {
    const int64_t bytes = projected_bytes(w.traffic, precision);
    nlohmann::json entry = {{"bytes", bytes}, {"fused_bytes", projected_bytes(w.boundary, precision)}};
    entry["flop_per_byte"] = bytes > 0 ? nlohmann::json(static_cast<double>(w.flops) / static_cast<double>(bytes)) : nlohmann::json(nullptr);
    if (run.recording->timed && w.seconds > 0) {
      entry["measured_seconds"] = w.seconds;
      entry["achieved_flop_per_second"] = static_cast<double>(w.flops) / w.seconds;
      if (here != nullptr) entry["fraction_of_bound"] = fraction_of_bound(w, *here, precision);
    }
    nlohmann::json per_device = nlohmann::json::object();
    for (const Hardware& device : question.devices) {
      const std::optional<Bound> b = projected_bound(w.flops, w.integer_flops, w.traffic, device, precision);
      per_device[device.name] = !b ? nlohmann::json(nullptr)
                                   : nlohmann::json{{"bound_seconds", b->seconds()},
                                                    {"compute_seconds", b->compute_seconds},
                                                    {"memory_seconds", b->memory_seconds},
                                                    {"roof", b->memory_bound() ? "memory" : "compute"},
                                                    {"max_fps", b->seconds() > 0 ? 1.0 / b->seconds() : 0.0}};
    }
    entry["devices"] = per_device;
    return entry;
  };
  nlohmann::json precisions = nlohmann::json::array();
  for (const PrecisionChoice& precision : question.precisions) {
    const Hardware* here = measured_device(run, precision);
    nlohmann::json p = {{"name", to_string(precision)},
                        {"compute", to_string(precision.compute)},
                        {"weights", to_string(precision.weights)},
                        {"total", bounds_json(model_workload(run), precision, here)}};
    nlohmann::json ridges = nlohmann::json::object();
    for (const Hardware& device : question.devices) {
      ridges[device.name] = device.peak(precision.compute) == nullptr ? nlohmann::json(nullptr)
                                                                      : nlohmann::json(ridge_point(device, precision.compute));
    }
    p["ridge_flop_per_byte"] = ridges;
    nlohmann::json modules = nlohmann::json::array();
    for (size_t i = 0; i < run.model->modules().size(); ++i) {
      const Workload w = module_workload(*run.analysis, {static_cast<int>(i)});
      if (w.calls == 0) continue;
      nlohmann::json m = bounds_json(w, precision, here);
      m["name"] = run.model->modules()[i].name;
      m["flops"] = w.flops;
      modules.push_back(m);
    }
    p["modules"] = modules;
    precisions.push_back(p);
  }
  j["precisions"] = precisions;
  return j;
}

}  // namespace flopscope
