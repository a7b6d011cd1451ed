// Models scripted by other people's code and other PyTorch versions, in whichever LibTorch this build
// uses (CI runs the suite under 1.13 and 2.6):
//   * every torchvision 0.14 (PyTorch 1.13) and 0.21 (PyTorch 2.6) classification, segmentation and
//     video model, at its published input size: parameters and multiply-adds equal to torchvision's
//     published figures, nothing uncovered, every rule matching, and a real run equal to the dry run;
//   * torch.jit.trace files of five torchvision models (traced/torchvision), checked the same way;
//   * PyTorch 2.x attention models (torchscript_models/torch2/test) against hand-computed counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "flopscope/analysis/analysis.h"
#include "flopscope/core/manifest.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

// Real runs of models up to this many published GMACs are in the default suite; the rest are "slow".
constexpr double kDefaultSuiteGmacs = 10.0;

nlohmann::json expected_of(const std::string& relative) { return read_manifest_for(testing::model_path(relative))->expected; }

// The bundled files of one corpus directory, light (default suite) or heavy (slow label) to run.
std::vector<std::string> corpus(const std::string& directory, bool heavy) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(testing::model_path(directory))) {
    if (entry.path().extension() != ".pt") continue;
    const std::string relative = directory + "/" + entry.path().filename().string();
    const double gmacs = expected_of(relative).value("published_gmacs", 0.0);
    if ((gmacs > kDefaultSuiteGmacs) == heavy) files.push_back(relative);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string name_of(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

class TorchvisionModel : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchvisionModel, PublishedFiguresExactlyAndVerifiedByRunning) {
  const std::string& relative = GetParam();
  const nlohmann::json expected = expected_of(relative);
  const nlohmann::json dry = testing::report_json(relative, std::nullopt, /*meta=*/true, 1);
  EXPECT_EQ(dry["model"]["params"], expected["num_params"]);
  // torchvision publishes GFLOPS that are multiply-adds, to three decimals.
  const int64_t macs = dry["totals"]["macs"];
  const double published = expected["published_gmacs"];
  EXPECT_EQ(std::llround(static_cast<double>(macs) / 1e6), std::llround(published * 1000)) << macs << " vs " << published;
  EXPECT_TRUE(dry["uncovered_ops"].empty()) << dry["uncovered_ops"].dump();
  EXPECT_EQ(dry["crosscheck"]["mismatch"], 0);
  EXPECT_EQ(dry["crosscheck"]["rule_failed"], 0);
  EXPECT_EQ(dry["totals"]["matmul_flops"], dry["op_level_totals"]["matmul_flops"]);
  const nlohmann::json real = testing::report_json(relative, std::nullopt, /*meta=*/false, 1);
  EXPECT_EQ(real["totals"], dry["totals"]);
  testing::expect_same_counts(real, dry);
}

INSTANTIATE_TEST_SUITE_P(Torchvision014, TorchvisionModel, ::testing::ValuesIn(corpus("torchvision", false)), name_of);
INSTANTIATE_TEST_SUITE_P(Torchvision021, TorchvisionModel, ::testing::ValuesIn(corpus("torch2/torchvision", false)), name_of);
INSTANTIATE_TEST_SUITE_P(Torchvision014Slow, TorchvisionModel, ::testing::ValuesIn(corpus("torchvision", true)), name_of);
INSTANTIATE_TEST_SUITE_P(Torchvision021Slow, TorchvisionModel, ::testing::ValuesIn(corpus("torch2/torchvision", true)),
                         name_of);
// torch.jit.trace instead of script: the module tree stays, attributes other than tensors do not.
INSTANTIATE_TEST_SUITE_P(Traced014, TorchvisionModel, ::testing::ValuesIn(corpus("traced/torchvision", false)), name_of);
INSTANTIATE_TEST_SUITE_P(Traced014Slow, TorchvisionModel, ::testing::ValuesIn(corpus("traced/torchvision", true)), name_of);

TEST(TorchvisionCorpus, EveryModelIsThere) {
  // 0.14 has 80 classification, 6 segmentation and 6 video models; 0.21 adds 3 video models (Swin3D).
  EXPECT_EQ(corpus("torchvision", false).size() + corpus("torchvision", true).size(), 92u);
  EXPECT_EQ(corpus("torch2/torchvision", false).size() + corpus("torch2/torchvision", true).size(), 95u);
  EXPECT_EQ(corpus("traced/torchvision", false).size() + corpus("traced/torchvision", true).size(), 5u);
}

struct HandCounted {
  const char* relative;
  int64_t matmul_flops;
  int rule_calls;
};

// The 2.x attention models, by hand (tools/export_test_models.py):
//   mha: self-attention B=2, L=10, d=64: 8BLd^2 + 4BL^2d = 655,360 + 51,200 = 706,560.
//   sdpa: linears q 12,288 + kv 12,288 + kv_wide 61,440 + out 49,152 = 135,168 MACs; attention causal
//     2*4*6*6*(8+8) = 4,608, grouped-query 4,608, cross 2*4*6*10*(8+16) = 11,520 -> 155,904 MACs.
//   transformer_encoder: 2 layers of 706,560 attention + 2*2*20*64*128 = 655,360 feed-forward.
//   transformer_decoder: self-attention 170,240 + cross-attention 258,560 + feed-forward 163,840 MACs.
//   rotary_decoder (B=1, L=6, width 32, 4 heads of 8, feed-forward 64): projections 4 x 6*32*32 +
//     attention 2 x 4*6*6*8 + feed-forward 2 x 6*32*64 = 51,456 MACs; 6 Linear calls and 1 GELU call,
//     scripted and traced (whose GELU module lost its approximate attribute).
//   recurrent (B=2, T=5): 2-layer LSTM 76,800 + 92,160, bidirectional GRU 51,840, RNN 5,120, LSTM cell
//     2,880, head 24,000; rules for the embedding, LSTM, GRU, RNN, cell and head; scripted and traced by
//     PyTorch 1.13 and 2.6 (whose CPU LSTM runs aten::mkldnn_rnn_layer instead of the cell's ops).
//   arguments (a list of images 3x10x10 and 3x6x8, a tuple of 2x8 states, 3 steps): convolution 6,912 +
//     2,592, projection 3 x 2*64 = 9,888 MACs; 2 Conv2d and 3 Linear calls.
//   mha_traced: mha traced; nn.MultiheadAttention keeps no embed_dim or num_heads in a traced file, so
//     its call is counted from its ops (no rule call) and still exact.
//   kv_cache_decoder (tokens 1x6, empty caches): per block 4 x 6*32*32 + 2 x 6*32*128 + 2 x 4*6*6*8,
//     head 6*32*100 = 171,264 MACs; scripted and traced, by PyTorch 1.13 and 2.6 (KVCacheDecoder).
const HandCounted kHandCounted[] = {
    {"torch2/test/mha.pt", 706'560, 1},
    {"torch2/test/sdpa.pt", 311'808, 4},
    {"torch2/test/transformer_encoder.pt", 2'723'840, 2},
    {"torch2/test/transformer_decoder.pt", 1'185'280, 12},
    {"test/transformer_encoder.pt", 2'723'840, 2},
    {"test/transformer_decoder.pt", 1'185'280, 12},
    {"test/rotary_decoder.pt", 102'912, 7},
    {"test/rotary_decoder_traced.pt", 102'912, 7},
    {"test/mha_traced.pt", 706'560, 0},
    {"test/recurrent.pt", 252'800, 6},
    {"test/recurrent_traced.pt", 252'800, 6},
    {"torch2/test/recurrent.pt", 252'800, 6},
    {"torch2/test/recurrent_traced.pt", 252'800, 6},
    {"test/kv_cache_decoder.pt", 342'528, 18},
    {"test/kv_cache_decoder_traced.pt", 342'528, 18},
    {"torch2/test/kv_cache_decoder.pt", 342'528, 18},
    {"torch2/test/kv_cache_decoder_traced.pt", 342'528, 18},
    {"test/arguments.pt", 19'776, 5},
    {"torch2/test/arguments.pt", 19'776, 5},
};

TEST(Torch2Corpus, AttentionModelsCountedByHandAndStrictClean) {
  for (const auto& model : kHandCounted) {
    const nlohmann::json j = testing::report_json(model.relative, std::nullopt, false);
    EXPECT_EQ(j["totals"]["matmul_flops"], model.matmul_flops) << model.relative;
    EXPECT_EQ(j["op_level_totals"]["matmul_flops"], model.matmul_flops) << model.relative;
    EXPECT_EQ(j["crosscheck"]["rule_calls"], model.rule_calls) << model.relative;
    EXPECT_EQ(j["crosscheck"]["match"], model.rule_calls) << model.relative;
    EXPECT_TRUE(j["uncovered_ops"].empty()) << model.relative << ": " << j["uncovered_ops"].dump();
  }
}

// A generation step after the prefill: one token against a context of 6 in the caches, which grow
// by it. Per block 4 x 32*32 + 2 x 32*128 + 2 x 4*7*8 MACs, head 32*100: 57,344 matmul FLOPs, real
// and dry, scripted and traced; the caches come back with context 7.
TEST(KVCacheDecoder, DecodeStepAgainstAFilledCache) {
  for (const char* relative : {"test/kv_cache_decoder.pt", "test/kv_cache_decoder_traced.pt", "torch2/test/kv_cache_decoder.pt",
                               "torch2/test/kv_cache_decoder_traced.pt"}) {
    for (const bool meta : {false, true}) {
      LoadOptions load;
      load.meta = meta;
      const testing::Analyzed run = testing::analyze_file(
          relative, testing::inputs({"1x1:int64:randint:0:100", "2x1x4x6x8:float32", "2x1x4x6x8:float32"}), load);
      EXPECT_EQ(run.analysis.total.matmul_flops, 57'344) << relative << (meta ? " dry" : "");
      EXPECT_EQ(run.analysis.op_level_total.matmul_flops, 57'344) << relative << (meta ? " dry" : "");
      EXPECT_EQ(run.analysis.total.activation_flops, 2 * 2 * 2 * 4 * 7 * 8) << relative;
      const auto& outputs = run.recording.calls.front().outputs;
      ASSERT_EQ(outputs.size(), 1u) << relative;
      ASSERT_EQ(outputs[0].elements.size(), 3u) << relative;
      EXPECT_EQ(outputs[0].elements[1].shape, (std::vector<int64_t>{2, 1, 4, 7, 8})) << relative;
    }
  }
}

// A buffer is a weight (a filter bank) until the run writes it (a KV cache in a buffer): buffer_cache
// writes its cache in place, then attends over it, 2 x 8*8*16 activation x activation MACs, and
// projects with a bank it only reads, 8*16*4 weight MACs.
TEST(BufferWeights, ABufferIsAWeightUntilTheRunWritesIt) {
  for (const char* relative : {"test/buffer_cache.pt", "torch2/test/buffer_cache.pt"}) {
    for (const bool meta : {false, true}) {
      const nlohmann::json j = testing::report_json(relative, std::nullopt, meta);
      EXPECT_EQ(j["totals"]["matmul_flops"], 5'120) << relative << (meta ? " dry" : "");
      EXPECT_EQ(j["totals"]["activation_matmul_flops"], 4'096) << relative << (meta ? " dry" : "");
    }
  }
}

// torch.jit.freeze folds the weights into the code as constants, each BatchNorm into the convolution
// before it, and inlines the module tree; constant pooling then merges equal tensors.
TEST(FrozenFiles, WeightsFoldedIntoConstantsAreCountedAsSuch) {
  const nlohmann::json scripted = testing::report_json("test/convnet.pt", std::nullopt, false);
  const nlohmann::json frozen = testing::report_json("test/convnet_frozen.pt", std::nullopt, false);
  EXPECT_EQ(frozen["model"]["params"], 0);
  // convnet's 644 parameters less BatchNorm's 16 (folded into the stem's weight and bias) and the 20 that
  // pooling merged with equal tensors (the placeholder weights are all 0.01: Conv1d's bias 4 with
  // ConvTranspose2d's, GroupNorm's weight and bias 16 with the stem's folded bias): 608 in 9 tensors.
  EXPECT_EQ(frozen["model"]["constants"]["elements"], 608);
  EXPECT_EQ(frozen["model"]["constants"]["tensors"], 9);
  EXPECT_EQ(frozen["model"]["constants"]["bytes"], 608 * 4);
  EXPECT_EQ(scripted["model"]["constants"]["tensors"], 0);
  EXPECT_EQ(frozen["totals"]["matmul_flops"], scripted["totals"]["matmul_flops"]);
  EXPECT_EQ(frozen["totals"]["activation_matmul_flops"], 0);  // the constants are weights, not activations
  EXPECT_EQ(frozen["memory_estimate"]["parameter_bytes"], 608 * 4);
  EXPECT_TRUE(frozen["uncovered_ops"].empty()) << frozen["uncovered_ops"].dump();
  EXPECT_EQ(frozen["modules"].size(), 1u);  // the tree was inlined
}

const nlohmann::json& module_named(const nlohmann::json& report, const std::string& name) {
  for (const auto& m : report["modules"]) {
    if (m["name"] == name) return m;
  }
  static const nlohmann::json none;
  ADD_FAILURE() << "no module " << name;
  return none;
}

// Detection: the data-independent part to the FLOP, the data-dependent part counted for this input
// and marked. detector.pt (tools/export_test_models.py): backbone and scores 57,344 MACs; nms of 20
// boxes keeps K; per kept box roi_align 4,224 FLOPs (128 outputs of 2x2 samples, 33 each) and the
// head 640 MACs.
TEST(DetectionModels, DataDependentWorkIsCountedForThisInputAndMarked) {
  if (!testing::torchvision_loaded()) GTEST_SKIP() << "python3-torchvision is not installed";
  for (const char* relative : {"test/detection/detector.pt", "torch2/test/detection/detector.pt"}) {
    const nlohmann::json j = testing::report_json(relative, std::nullopt, false);
    int64_t kept = -1;
    for (const auto& call : j["calls"]) {
      if (call["module"] == "head") kept = call["inputs"][0]["shape"][0];
    }
    ASSERT_GT(kept, 0) << relative;
    ASSERT_LE(kept, 20) << relative;
    EXPECT_EQ(j["totals"]["matmul_flops"], 2 * (57'344 + 640 * kept)) << relative;
    EXPECT_EQ(j["data_dependent_totals"]["matmul_flops"], 2 * 640 * kept) << relative;
    std::map<std::string, nlohmann::json> ops;
    for (const auto& op : j["calls"][0]["counted_ops"]) ops.emplace(op["op"].get<std::string>(), op);
    EXPECT_EQ(ops["torchvision::nms"]["elementwise_flops"], 3 * 20 + 13 * 190) << relative;  // areas, N(N-1)/2 pairs
    EXPECT_EQ(ops["torchvision::nms"]["data_dependent"], true) << relative;
    EXPECT_EQ(ops["torchvision::roi_align"]["elementwise_flops"], 4'224 * kept) << relative;
    EXPECT_EQ(ops["torchvision::roi_align"]["data_dependent"], true) << relative;
    EXPECT_EQ(module_named(j, "backbone")["data_dependent_calls"], 0) << relative;
    EXPECT_EQ(module_named(j, "head")["data_dependent_calls"], 1) << relative;
    EXPECT_EQ(module_named(j, "")["data_dependent_calls"], 1) << relative;
    EXPECT_EQ(j["crosscheck"]["match"], j["crosscheck"]["rule_calls"]) << relative;
    EXPECT_TRUE(j["uncovered_ops"].empty()) << relative << ": " << j["uncovered_ops"].dump();
  }
}

// torchvision's detection models as torchvision scripts them (forward(List[Tensor]), placeholder
// weights, one 320x320 image; the ResNet-50 FPN ones built with min_size = max_size = 320): the
// backbone and the heads that see every anchor count what PyTorch 2.6's FlopCounterMode counts for the
// same modules run eagerly on the transformed image; what follows nms is data-dependent.
TEST(DetectionModels, TorchvisionBackbonesAndHeadsEqualFlopCounterMode) {
  if (!testing::torchvision_loaded()) GTEST_SKIP() << "python3-torchvision is not installed";
  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, int64_t>>>> models = {
      {"ssdlite320_mobilenet_v3_large.pt", {{"backbone", 774'669'952}, {"head", 391'673'856}}},
      {"fasterrcnn_mobilenet_v3_large_320_fpn.pt", {{"backbone", 1'163'936'000}, {"rpn.head", 274'060'800}}},
      {"retinanet_resnet50_fpn.pt", {{"backbone", 19'933'560'832}, {"head", 28'546'569'216}}},
      {"fcos_resnet50_fpn.pt", {{"backbone", 19'933'560'832}, {"head", 21'082'963'968}}},
      {"maskrcnn_resnet50_fpn.pt", {{"backbone", 28'282'060'800}, {"rpn.head", 10'121'971'200}}},
      {"keypointrcnn_resnet50_fpn.pt", {{"backbone", 28'282'060'800}, {"rpn.head", 10'121'971'200}}},
  };
  for (const char* folder : {"test/detection/", "torch2/test/detection/"}) {
    for (const auto& [file, expected] : models) {
      const std::string relative = folder + file;
      const nlohmann::json j = testing::report_json(relative, std::nullopt, false);
      for (const auto& [module, matmul_flops] : expected) {
        EXPECT_EQ(module_named(j, module)["counts"]["matmul_flops"], matmul_flops) << relative << " " << module;
        EXPECT_EQ(module_named(j, module)["data_dependent_calls"], 0) << relative << " " << module;
      }
      EXPECT_EQ(module_named(j, "")["data_dependent_calls"], 1) << relative;
      EXPECT_EQ(j["crosscheck"]["mismatch"], 0) << relative;
      EXPECT_EQ(j["crosscheck"]["rule_failed"], 0) << relative;
      EXPECT_TRUE(j["uncovered_ops"].empty()) << relative << ": " << j["uncovered_ops"].dump();
    }
  }
}

// Quantized files (tools/export_test_models.py, QUANTIZED), with their weights packed for the int8
// kernels: counted as parameters at their bit width (int8 weights 1 byte, float biases 4), their
// products as multiply-adds done in integers (int8 OPs, 2 per multiply-add, all of them here).
//   quantized_dynamic (quantize_dynamic of an MLP, 4x16): 4*16*32 + 4*32*8 = 3,072 MACs; 768 int8
//     weights and 40 biases: 808 parameters, 928 bytes.
//   quantized_static (static post-training quantization, 1x3x8x8): 8*64*27 + 4*64*8 = 15,872 MACs;
//     216 + 32 int8 weights and 8 + 4 biases: 260 parameters, 296 bytes.
//   quantized_recurrent (quantize_dynamic of a 2-layer LSTM, a bidirectional GRU and a head, 2x5
//     tokens): 122,400 MACs (aten::quantized_lstm, quantized_gru); 8,448 + 2,592 + 1,200 int8 weights,
//     384 + 144 + 50 biases and 800 embedding weights: 13,618 parameters, 17,752 bytes.
TEST(QuantizedFiles, PackedWeightsAreParametersAndTheirProductsMultiplyAdds) {
  struct Case {
    const char* file;
    int64_t macs, params, param_bytes;
  };
  for (const char* folder : {"test/quantized/", "torch2/test/quantized/"}) {
    for (const Case& c : {Case{"quantized_dynamic.pt", 3'072, 808, 928}, Case{"quantized_static.pt", 15'872, 260, 296},
                          Case{"quantized_recurrent.pt", 122'400, 13'618, 17'752}}) {
      const std::string relative = std::string(folder) + c.file;
      const nlohmann::json j = testing::report_json(relative, std::nullopt, false);
      EXPECT_EQ(j["totals"]["macs"], c.macs) << relative;
      EXPECT_EQ(j["op_level_totals"]["macs"], c.macs) << relative;
      EXPECT_EQ(j["totals"]["integer_matmul_flops"], 2 * c.macs) << relative;
      EXPECT_EQ(j["model"]["params"], c.params) << relative;
      EXPECT_EQ(j["model"]["param_bytes"], c.param_bytes) << relative;
      EXPECT_TRUE(j["uncovered_ops"].empty()) << relative << ": " << j["uncovered_ops"].dump();
      EXPECT_EQ(j["crosscheck"]["mismatch"], 0) << relative;
      EXPECT_EQ(j["crosscheck"]["rule_failed"], 0) << relative;
    }
  }
}

// torchaudio's models as their users script them (tools/export_torchaudio.py, torchaudio 2.6, small
// widths): every op has a formula or is a declared zero, every rule agrees with its ops, and the
// matmul FLOPs equal PyTorch 2.6's FlopCounterMode on the same files (tools/compare_flop_counter_mode.py)
// plus the attention products it does not see (QK^T and AV, 2 x 2 x L^2 x d per layer: wav2vec 2.0,
// HuBERT and WavLM L = 79 frames of d = 32, 2 layers, 1,597,696; Conformer L = 10, d = 16, 12,800).
// Parameters are the file's own (wav2vec 2.0's positional convolution keeps its weight as a buffer
// once weight_norm is removed: not a parameter, as PyTorch counts it). A dry run equals the real run,
// except Conformer's, whose padding mask reads the lengths' values (.item()): it says so.
TEST(TorchaudioModels, EveryOpKnownAndMatmulEqualToAnIndependentCount) {
  struct Case {
    const char* file;
    int64_t params, matmul_flops, attention_flops;
  };
  const Case cases[] = {
      {"wav2vec2.pt", 24'138, 4'961'024 + 1'597'696, 1'597'696},
      {"hubert_large_style.pt", 24'266, 4'961'024 + 1'597'696, 1'597'696},
      {"wavlm.pt", 24'546, 5'041'920 + 1'597'696, 1'597'696},
      {"conformer.pt", 8'672, 156'800 + 12'800, 12'800},
      {"emformer.pt", 4'512, 94'720, 12'800},
      {"wav2letter.pt", 23'244'510, 1'201'965'000, 0},
      {"conv_tasnet.pt", 9'609, 1'835'776, 0},
      {"wavernn.pt", 18'514, 3'105'408, 0},
      {"deepspeech.pt", 8'266, 320'000, 0},
      // The mel filter bank (a buffer, so a weight) times the power spectrum: 101 frames x 33 x 8 x 2.
      {"mel_spectrogram.pt", 0, 53'328, 0},
  };
  for (const Case& c : cases) {
    const std::string relative = std::string("torch2/test/audio/") + c.file;
    const nlohmann::json real = testing::report_json(relative, std::nullopt, false);
    EXPECT_EQ(real["model"]["params"], c.params) << relative;
    EXPECT_EQ(real["totals"]["matmul_flops"], c.matmul_flops) << relative;
    EXPECT_EQ(real["op_level_totals"]["matmul_flops"], c.matmul_flops) << relative;
    EXPECT_EQ(real["totals"]["activation_matmul_flops"], c.attention_flops) << relative;
    EXPECT_TRUE(real["uncovered_ops"].empty()) << relative << ": " << real["uncovered_ops"].dump();
    EXPECT_EQ(real["crosscheck"]["mismatch"], 0) << relative;
    EXPECT_EQ(real["crosscheck"]["rule_failed"], 0) << relative;
    if (std::string(c.file) == "conformer.pt") continue;
    EXPECT_EQ(testing::report_json(relative, std::nullopt, true)["totals"], real["totals"]) << relative << " dry";
  }
  // The spectrogram's elementwise work: the window 101 x 64, the FFT 101 x 2.5 x 64 x log2 64, the
  // complex magnitude 4 and its square 1 per value of 101 x 33.
  EXPECT_EQ(testing::report_json("torch2/test/audio/mel_spectrogram.pt", std::nullopt, false)["totals"]["elementwise_flops"],
            6'464 + 96'960 + 5 * 3'333);
}

int64_t convention(const nlohmann::json& report, const std::string& prefix) {
  for (const auto& c : report["conventions_compared"]) {
    if (c["name"].get<std::string>().rfind(prefix, 0) == 0) return c["value"];
  }
  return -1;
}

TEST(Torch2Corpus, CausalAwareFigureInTheConventions) {
  // sdpa.pt's causal call, q = k = v [2, 4, 6, 8]: 36 - 21 = 15 masked pairs per batch-head, each
  // 8 + 8 multiply-adds: 2 * 8 * 15 * 16 = 3,840 FLOPs a causal kernel can skip.
  const nlohmann::json j = testing::report_json("torch2/test/sdpa.pt", std::nullopt, false);
  EXPECT_EQ(convention(j, "matmul FLOPs if causal attention skipped"), 311'808 - 3'840);
  EXPECT_EQ(convention(testing::report_json("torch2/test/mha.pt", std::nullopt, false), "matmul FLOPs if causal"), -1);
}

TEST(Conventions, ModuleCallingItselfCountsOnceInTheHookStyleFigure) {
  // Conv2d.forward calls self._conv_forward: the Linear/Conv hook figure must count each conv once.
  // convnet.pt has no attention, so that figure equals its matmul FLOPs.
  const nlohmann::json j = testing::report_json("test/convnet.pt", std::nullopt, false);
  EXPECT_EQ(convention(j, "Linear/Conv module calls only"), j["totals"]["matmul_flops"].get<int64_t>());
  const nlohmann::json resnet = testing::report_json("torchvision/resnet18.pt", std::nullopt, true);
  EXPECT_EQ(convention(resnet, "Linear/Conv module calls only"), resnet["totals"]["matmul_flops"].get<int64_t>());
}

}  // namespace
}  // namespace flopscope
