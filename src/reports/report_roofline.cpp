// The roofline sections of the table and JSON reports (docs/hardware.md).
#include <cmath>
#include <sstream>

#include "flopscope/counting/op_traffic.h"
#include "flopscope/reports/module_rows.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/text_table.h"

namespace flopscope {

namespace {

// A part of the model as the roofline sees it: work, traffic, measured time.
struct Workload {
  int64_t flops = 0;
  Traffic traffic;   // unfused: every op round-trips memory
  Traffic boundary;  // fused: inputs, outputs and parameters once
  double seconds = 0.0;
  int calls = 0;
};

Workload module_workload(const Analysis& analysis, const std::vector<int>& members) {
  Workload w;
  for (const int index : members) {
    const ModuleCounts& m = analysis.modules[static_cast<size_t>(index)];
    w.flops += m.total.flops();
    w.traffic += m.traffic;
    w.boundary += m.boundary;
    w.seconds += m.seconds;
    w.calls += m.calls;
  }
  return w;
}

// The whole forward: the root module's calls (the top-level call and nothing else).
Workload model_workload(const AnalyzedRun& run) { return module_workload(*run.analysis, {0}); }

// Each tower's work and traffic, as one workload.
std::vector<std::pair<std::string, Workload>> tower_workloads(const AnalyzedRun& run) {
  std::vector<std::pair<std::string, Workload>> towers;
  for (const Tower& tower : run.towers) {
    const TowerTotals t = tower_totals(*run.model, *run.recording, *run.analysis, tower);
    Workload w;
    w.flops = t.counts.flops();
    w.traffic = t.traffic;
    towers.emplace_back(tower.name, w);
  }
  return towers;
}

// The precision the real run used: that of the model's floating-point parameters (float32 if none).
Precision run_precision(const Model& model) {
  for (const ModuleInfo& m : model.modules()) {
    for (const TensorEntry& p : m.parameters) {
      if (p.dtype == "float16") return Precision::FP16;
      if (p.dtype == "bfloat16") return Precision::BF16;
      if (p.dtype == "float64") return Precision::FP64;
      if (p.dtype == "float32") return Precision::FP32;
    }
  }
  return Precision::FP32;
}

std::string intensity_text(int64_t flops, int64_t bytes) {
  return bytes > 0 ? fixed(static_cast<double>(flops) / static_cast<double>(bytes), 1) : "-";
}

std::string bound_cell(const Workload& w, const Hardware& device, const PrecisionChoice& precision) {
  if (device.peak(precision.compute) == nullptr) return "n/a";
  if (w.flops == 0 && projected_bytes(w.traffic, precision) == 0) return "-";
  const Bound bound = roofline_bound(w.flops, projected_bytes(w.traffic, precision), device, precision.compute);
  return human_seconds(bound.seconds()) + (bound.memory_bound() ? " mem" : " cmp");
}

std::string max_fps_text(const Workload& w, const Hardware& device, const PrecisionChoice& precision) {
  if (device.peak(precision.compute) == nullptr) return "n/a";
  const Bound bound = roofline_bound(w.flops, projected_bytes(w.traffic, precision), device, precision.compute);
  return bound.seconds() > 0 ? fixed(1.0 / bound.seconds(), 1) : "-";
}

// The measured device: this-machine, when chosen, at the precision the run used.
const Hardware* measured_device(const AnalyzedRun& run, const PrecisionChoice& precision) {
  if (!run.recording->timed || run.options->device != "cpu") return nullptr;
  if (precision.compute != run_precision(*run.model) || precision.weights != precision.compute) return nullptr;
  for (const Hardware& device : run.hardware->devices) {
    if (device.name == kThisMachine && device.peak(precision.compute) != nullptr) return &device;
  }
  return nullptr;
}

std::string fps_text(double fps) { return fixed(fps, fps == std::floor(fps) ? 0 : 2); }

// Each device's bandwidth and, at the chosen precisions, its dense peak and ridge point.
void write_hardware(std::ostringstream& out, const HardwareQuestion& question) {
  if (question.devices.empty()) return;
  out << "\nHardware (dense peaks, never the sparsity figures; ridge = peak / bandwidth; sources in each file)\n";
  for (const Hardware& device : question.devices) {
    out << "  " << device.name << "  memory " << human_rate(device.bandwidth.value, "B/s");
    for (const PrecisionChoice& precision : question.precisions) {
      const Rate* peak = device.peak(precision.compute);
      out << "; " << to_string(precision.compute) << " "
          << (peak == nullptr ? "n/a" : human_rate(peak->value, "FLOP/s") + " (ridge " + fixed(ridge_point(device, precision.compute), 1) + " FLOP/B)");
    }
    out << "\n    " << (device.description.empty() ? "" : device.description + "; ") << "from " << device.origin << '\n';
  }
}

void write_required(std::ostringstream& out, const AnalyzedRun& run) {
  const double fps = run.hardware->fps;
  if (fps <= 0) return;
  const Counts& t = run.analysis->total;
  const double flop_rate = static_cast<double>(t.flops()) * fps;
  const double mac_rate = static_cast<double>(t.macs) * fps;
  out << "\nRequired at " << fps_text(fps) << " fps (one forward per frame)\n";
  out << "  compute  " << with_separators(t.flops()) << " FLOPs/frame x " << fps_text(fps) << " = " << human_rate(flop_rate, "FLOP/s")
      << " = " << fixed(flop_rate / 1e12, 3) << " TOPS as vendors count (1 multiply-add = 2 ops)\n";
  out << "  MACs     " << with_separators(t.macs) << " MACs/frame x " << fps_text(fps) << " = " << human_rate(mac_rate, "MAC/s")
      << " (matrix work only: " << fixed(2 * mac_rate / 1e12, 3) << " TOPS)\n";
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
    const Bound bound = roofline_bound(w.flops, bytes, *measured_on, precision.compute);
    cells.push_back(w.seconds > 0 && bound.seconds() > 0 ? fixed(100.0 * bound.seconds() / w.seconds, 1) + "%" : "-");
  }
  for (const Hardware& device : run.hardware->devices) cells.push_back(bound_cell(w, device, precision));
  return cells;
}

}  // namespace

std::string render_roofline_table(const AnalyzedRun& run, const TableOptions& options) {
  std::ostringstream out;
  const HardwareQuestion& question = *run.hardware;
  write_hardware(out, question);
  write_required(out, run);
  const bool measured = run.recording->timed;
  const std::vector<ModuleRow> rows = module_rows(run, options);
  const auto towers = tower_workloads(run);
  for (const PrecisionChoice& precision : question.precisions) {
    const Hardware* measured_on = measured_device(run, precision);
    out << "\nRoofline at " << to_string(precision) << ": activations " << storage_bits(precision.compute) << " bits, weights "
        << storage_bits(precision.weights) << " bits per element"
        << (precision.compute == run_precision(*run.model) && precision.weights == precision.compute ? "" : " (projected from the run's sizes)")
        << "\n  bound = max(FLOPs / peak, bytes / bandwidth), 'mem' or 'cmp' the roof that binds; bytes: every op reads its\n"
        << "  arguments and writes its results once; fused: the module's inputs, outputs and parameters once (docs/bytes.md)\n";
    if (measured) {
      out << "  measured: this machine, " << to_string(run_precision(*run.model)) << ", between each module's enter and exit hooks"
          << (measured_on != nullptr ? "; of bound: this-machine's bound / measured time" : "") << "\n";
    }
    std::vector<std::vector<std::string>> cells = {header(run, measured, measured_on != nullptr)};
    for (const ModuleRow& shown : rows) {
      const Workload w = module_workload(*run.analysis, shown.modules);
      if (w.calls == 0) continue;
      cells.push_back(row(run, shown.label, w, precision, measured, measured_on));
    }
    out << format_text_table(cells, 1);
    const Workload total = model_workload(run);
    out << "  max fps (1 / bound of the whole forward):";
    for (const Hardware& device : question.devices) out << "  " << device.name << " " << max_fps_text(total, device, precision);
    out << '\n';
    for (const auto& [name, w] : towers) {
      out << "  " << name << ": " << human_flops(w.flops) << ", " << human_bytes(projected_bytes(w.traffic, precision))
          << ", max fps";
      for (const Hardware& device : question.devices) out << "  " << device.name << " " << max_fps_text(w, device, precision);
      out << '\n';
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
  const auto bounds_json = [&](const Workload& w, const PrecisionChoice& precision) {
    const int64_t bytes = projected_bytes(w.traffic, precision);
    nlohmann::json entry = {{"bytes", bytes}, {"fused_bytes", projected_bytes(w.boundary, precision)}};
    nlohmann::json per_device = nlohmann::json::object();
    for (const Hardware& device : question.devices) {
      if (device.peak(precision.compute) == nullptr) {
        per_device[device.name] = nullptr;
        continue;
      }
      const Bound b = roofline_bound(w.flops, bytes, device, precision.compute);
      per_device[device.name] = {{"bound_seconds", b.seconds()},
                                 {"compute_seconds", b.compute_seconds},
                                 {"memory_seconds", b.memory_seconds},
                                 {"roof", b.memory_bound() ? "memory" : "compute"},
                                 {"max_fps", b.seconds() > 0 ? 1.0 / b.seconds() : 0.0}};
    }
    entry["devices"] = per_device;
    return entry;
  };
  nlohmann::json precisions = nlohmann::json::array();
  for (const PrecisionChoice& precision : question.precisions) {
    nlohmann::json p = {{"name", to_string(precision)},
                        {"compute", to_string(precision.compute)},
                        {"weights", to_string(precision.weights)},
                        {"total", bounds_json(model_workload(run), precision)}};
    nlohmann::json modules = nlohmann::json::array();
    for (size_t i = 0; i < run.model->modules().size(); ++i) {
      const Workload w = module_workload(*run.analysis, {static_cast<int>(i)});
      if (w.calls == 0) continue;
      nlohmann::json m = bounds_json(w, precision);
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
