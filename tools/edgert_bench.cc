// edgert-bench MODEL [--threads N] [--runs N] [--warmup N] [--input NAME=file.npy ...] [--json]
// Load time, first-run time, latency percentiles and memory of one model.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "runtime/cpu_features.h"
#include "runtime/interpreter.h"
#include "runtime/json_text.h"
#include "tools/inputs.h"

using namespace edgert;

static int Usage() {
  std::fprintf(stderr,
               "usage: edgert-bench MODEL.ert [--threads N] [--runs N] [--warmup N] [--input NAME=file.npy ...] [--json]\n"
               "                    [--profile] [--profile-nodes N] [--weight-cache FILE] [--lazy-arena] [--f32-arithmetic]\n"
               "                    [--no-fusion]\n"
               "  --threads N  threads the parallel kernels split their work across (default 1; at most 64)\n"
               "  --runs N     timed invocations (default 50)\n"
               "  --warmup N   untimed invocations after the first run (default 5)\n"
               "  --json       print one JSON object instead of text\n"
               "  --profile    also time every op during the timed runs and print them by op type and slowest nodes\n"
               "  --profile-nodes N  how many of the slowest nodes --profile lists (default 10); 0 lists every\n"
               "               node in execution order\n"
               "  --weight-cache FILE  map the packed weights from FILE when it was written for this model and\n"
               "               build; otherwise pack them and write FILE (prepare is then fast the next time)\n"
               "  --lazy-arena leave the activation arena's pages to the first run (shorter prepare, slower first run)\n"
               "  --f32-arithmetic  compute in f32 even where weights are stored as f16 and the CPU has f16\n"
               "               arithmetic (ARMv8.2), which is otherwise used for them\n"
               "  --no-fusion  run every node as written (no residual ADD or activation computed inside the\n"
               "               convolution before it, no CONCATENATION written in place by the convolutions\n"
               "               before it, no depthwise convolution computed inside the 1x1 one after it)\n");
  return 2;
}

static double Ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

static double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double idx = p * (v.size() - 1);
  const size_t lo = static_cast<size_t>(idx);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (idx - lo);
}

// Per-op time over the timed runs: totals by op type, then the slowest nodes.
// "[1,64,64,24] <- [1,128,128,3]": a node's first output and first input
// shapes, so a slow node can be told apart from its siblings.
static std::string NodeShapes(Interpreter& interp, const NodeInfo& node) {
  auto shape_text = [&](int32_t index) {
    std::string s = "[";
    if (index >= 0) {
      const Shape& shape = interp.tensor(index)->shape;
      for (int d = 0; d < shape.rank; ++d) s += (d ? "," : "") + std::to_string(shape[d]);
    }
    return s + "]";
  };
  if (node.outputs.empty()) return "";
  return shape_text(node.outputs[0]) + (node.inputs.empty() ? "" : " <- " + shape_text(node.inputs[0]));
}

static void PrintProfile(Interpreter& interp, int runs, int top_nodes) {
  const auto& ns = interp.step_time_ns();
  const auto& steps = interp.plan();
  double total = 0;
  std::map<std::string, std::pair<double, int>> by_type;
  std::vector<std::pair<double, size_t>> by_node;
  for (size_t i = 0; i < steps.size(); ++i) {
    const double ms = ns[i] / 1e6 / runs;
    total += ms;
    auto& t = by_type[steps[i].kernel->name];
    t.first += ms;
    ++t.second;
    by_node.emplace_back(ms, i);
  }
  std::vector<std::pair<double, std::string>> types;
  for (const auto& kv : by_type) types.emplace_back(kv.second.first, kv.first);
  std::sort(types.rbegin(), types.rend());
  std::printf("\nprofile (mean per run over %d runs; ops sum to %.3f ms):\n", runs, total);
  std::printf("  %-34s %6s %10s %7s\n", "kernel", "nodes", "ms", "share");
  for (const auto& t : types)
    std::printf("  %-34s %6d %10.3f %6.1f%%\n", t.second.c_str(), by_type[t.second].second, t.first,
                total > 0 ? 100.0 * t.first / total : 0.0);
  size_t listed = by_node.size();
  if (top_nodes > 0) {
    std::sort(by_node.rbegin(), by_node.rend());
    listed = std::min(listed, static_cast<size_t>(top_nodes));
    std::printf("  slowest nodes:\n");
  } else {
    std::printf("  nodes in execution order:\n");
  }
  for (size_t k = 0; k < listed; ++k) {
    const size_t i = by_node[k].second;
    const NodeInfo& node = interp.model().nodes()[steps[i].node];
    std::printf(top_nodes > 0 ? "  %10.3f ms %5.1f%%  %s  %s\n" : "  %10.4f ms %5.1f%%  %s  %s\n", by_node[k].first, total > 0 ? 100.0 * by_node[k].first / total : 0.0,
                node.label.c_str(), NodeShapes(interp, node).c_str());
  }
}

int main(int argc, char** argv) {
  std::string model_path;
  int runs = 50, warmup = 5;
  bool json = false;
  bool profile = false;
  int profile_nodes = 10;
  InterpreterOptions options;
  std::vector<std::pair<std::string, std::string>> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) options.num_threads = std::atoi(argv[++i]);
    else if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--warmup" && i + 1 < argc) warmup = std::max(0, std::atoi(argv[++i]));
    else if (a == "--json") json = true;
    else if (a == "--profile") profile = true;
    else if (a == "--profile-nodes" && i + 1 < argc) {
      profile = true;
      profile_nodes = std::max(0, std::atoi(argv[++i]));
    }
    else if (a == "--weight-cache" && i + 1 < argc) options.weight_cache_path = argv[++i];
    else if (a == "--lazy-arena") options.prefault_arena = false;
    else if (a == "--f32-arithmetic") options.f16_arithmetic = false;
    else if (a == "--no-fusion") options.fuse_residual_adds = options.elide_concats = options.fuse_activations =
          options.fuse_depthwise_pointwise = false;
    else if (a == "--input" && i + 1 < argc) {
      std::pair<std::string, std::string> p;
      if (!ParseInputArg(argv[++i], &p)) return Usage();
      inputs.push_back(p);
    } else if (a == "-h" || a == "--help") {
      Usage();
      return 0;
    } else if (!a.empty() && a[0] != '-' && model_path.empty()) model_path = a;
    else return Usage();
  }
  if (model_path.empty()) return Usage();

  auto t0 = std::chrono::steady_clock::now();
  std::shared_ptr<const Model> model;
  Status s = Model::LoadFile(model_path, &model);
  auto t1 = std::chrono::steady_clock::now();
  if (!s.ok()) {
    std::fprintf(stderr, "edgert-bench: %s\n", s.message().c_str());
    return 1;
  }
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  Interpreter interp(model, &resolver, options);
  std::vector<std::vector<uint8_t>> data;
  s = LoadInputs(interp, inputs, &data);
  if (s.ok()) s = interp.Prepare();
  auto t2 = std::chrono::steady_clock::now();
  if (!s.ok()) {
    std::fprintf(stderr, "edgert-bench: %s\n", s.message().c_str());
    return 1;
  }
  FeedInputs(interp, data);
  auto t3 = std::chrono::steady_clock::now();
  s = interp.Invoke();
  auto t4 = std::chrono::steady_clock::now();
  if (!s.ok()) {
    std::fprintf(stderr, "edgert-bench: %s\n", s.message().c_str());
    return 1;
  }
  for (int i = 0; i < warmup && s.ok(); ++i) s = interp.Invoke();
  std::vector<double> times;
  times.reserve(runs);
  interp.SetProfiling(profile);
  interp.ResetProfile();
  for (int i = 0; i < runs && s.ok(); ++i) {
    auto a = std::chrono::steady_clock::now();
    s = interp.Invoke();
    times.push_back(Ms(a, std::chrono::steady_clock::now()));
  }
  if (!s.ok()) {
    std::fprintf(stderr, "edgert-bench: %s\n", s.message().c_str());
    return 1;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  const MemoryReport& m = interp.memory();
  const double load_ms = Ms(t0, t1), prepare_ms = Ms(t1, t2), first_ms = Ms(t3, t4);
  const double median = Percentile(times, 0.5), p90 = Percentile(times, 0.9);
  const double mn = *std::min_element(times.begin(), times.end());
  const long peak_kb = ru.ru_maxrss;
  // Resident now (after the runs), from /proc/self/statm; -1 where unavailable.
  long rss_kb = -1;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    long pages_total = 0, pages_resident = 0;
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) == 2) rss_kb = pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
    std::fclose(f);
  }
  if (json) {
    std::printf(
        "{\"model\": %s, \"ops\": %zu, \"threads\": %d, \"runs\": %d, \"load_ms\": %.3f, \"prepare_ms\": %.3f, "
        "\"first_run_ms\": %.3f, \"median_ms\": %.3f, \"p90_ms\": %.3f, \"min_ms\": %.3f, \"arena_bytes\": %zu, "
        "\"arena_lower_bound_bytes\": %zu, \"persistent_bytes\": %zu, \"constant_bytes\": %zu, "
        "\"released_constant_bytes\": %zu, \"model_file_bytes\": "
        "%zu, \"weight_cache_bytes\": %zu, \"weight_cache\": %s, \"stored_plan_used\": %s, \"peak_rss_kb\": %ld, "
        "\"cpu\": \"%s\", \"isa\": \"%s\", \"inputs\": [",
        JsonQuoted(model_path).c_str(), model->nodes().size(), interp.num_threads(), runs, load_ms, prepare_ms, first_ms, median,
        p90, mn, m.arena_bytes, m.arena_lower_bound, m.persistent_bytes, m.constant_bytes, m.released_constant_bytes,
        model->file_size(), m.weight_cache_bytes, JsonQuoted(m.weight_cache_note).c_str(),
        m.stored_plan_used ? "true" : "false", peak_kb, GetCpuFeatures().name.c_str(),
        GetCpuFeatures().Describe().c_str());
    for (int i = 0; i < interp.num_inputs(); ++i) {
      const Tensor* t = interp.input(i);
      std::printf("%s{\"name\": \"%s\", \"dtype\": \"%s\", \"shape\": [", i ? ", " : "", t->name,
                  DTypeName(t->dtype));
      for (int d = 0; d < t->shape.rank; ++d) std::printf("%s%d", d ? ", " : "", t->shape.dims[d]);
      std::printf("]}");
    }
    std::printf("]}\n");
  } else {
    std::printf("model:            %s (%zu ops, %.2f MB file)\n", model_path.c_str(), model->nodes().size(),
                model->file_size() / 1e6);
    std::printf("cpu:              %s (%d cores; %s)\n", GetCpuFeatures().name.c_str(), GetCpuFeatures().cores,
                GetCpuFeatures().Describe().c_str());
    std::printf("threads:          %d%s\n", interp.num_threads(),
                interp.num_threads() > 1 ? " (used by the optimized kernels; reference kernels run on one)" : "");
    std::printf("load:             %.3f ms\n", load_ms);
    std::printf("prepare:          %.3f ms\n", prepare_ms);
    std::printf("first run:        %.3f ms\n", first_ms);
    std::printf("latency (%d runs): median %.3f ms, p90 %.3f ms, min %.3f ms\n", runs, median, p90, mn);
    std::printf("arena:            %zu bytes (lower bound %zu, %.1f%% above)\n", m.arena_bytes, m.arena_lower_bound,
                m.arena_lower_bound ? 100.0 * (double(m.arena_bytes) / m.arena_lower_bound - 1.0) : 0.0);
    std::printf("persistent:       %zu bytes; constants %zu bytes (used in place; %zu bytes of packed weights "
                "dropped from memory after prepare)\n",
                m.persistent_bytes, m.constant_bytes, m.released_constant_bytes);
    if (!m.plan_note.empty()) std::printf("plan:             %s\n", m.plan_note.c_str());
    if (!options.weight_cache_path.empty())
      std::printf("weight cache:     %s (%zu bytes of packed weights mapped)\n", m.weight_cache_note.c_str(),
                  m.weight_cache_bytes);
    std::printf("peak RSS:         %.1f MB; resident after the runs %.1f MB\n", peak_kb / 1024.0, rss_kb / 1024.0);
  }
  if (profile) PrintProfile(interp, runs, profile_nodes);
  return 0;
}
