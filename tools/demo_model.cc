#include "tools/demo_model.h"

#include <cmath>
#include <random>
#include <string>

#include "runtime/builder.h"

namespace edgert {

namespace {

class NetBuilder {
 public:
  explicit NetBuilder(ModelBuilder* b) : b_(b), rng_(1234) {}

  std::vector<float> Random(size_t n, float stddev) {
    std::normal_distribution<float> d(0.f, stddev);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng_);
    return v;
  }

  int Conv(int x, int in_c, int out_c, int k, int stride, int h, schema::Activation act, int* out_h) {
    const std::string n = "conv" + std::to_string(id_++);
    std::vector<float> wv = Random(static_cast<size_t>(out_c) * k * k * in_c, std::sqrt(2.f / (k * k * in_c)));
    int w = -1;
    if (sparse_storage_ && k == 1 && out_c == 16) {  // block-sparse: every other input channel zero
      for (size_t i = 0; i < wv.size(); ++i) wv[i] = i % in_c % 2 == 1 ? 0.f : wv[i];
      w = b_->AddSparseConstant(n + "/w", DType::kF32, {out_c, k, k, in_c}, wv.data(), 16);
    } else if (sparse_storage_ && k == 1) {  // zero mask: 70% of the weights zero
      for (size_t i = 0; i < wv.size(); ++i) wv[i] = i * 7 % 10 < 7 ? 0.f : wv[i];
      w = b_->AddZeroMaskConstant(n + "/w", DType::kF32, {out_c, k, k, in_c}, wv.data(), wv.size() * sizeof(float));
    } else {
      w = b_->AddConstant(n + "/w", DType::kF32, {out_c, k, k, in_c}, wv.data(), wv.size() * sizeof(float));
    }
    const int bias = b_->AddConstant(n + "/b", DType::kF32, {out_c}, Random(out_c, 0.01f));
    *out_h = (h + stride - 1) / stride;
    const int y = b_->AddTensor(n, DType::kF32, {1, *out_h, *out_h, out_c});
    auto o = schema::CreateConv2DOptions(b_->fbb(), schema::Padding_SAME, stride, stride, 1, 1, act);
    b_->AddOp(schema::OpType_CONV_2D, {x, w, bias}, {y}, schema::OpOptions_Conv2DOptions, o.Union(), n);
    return y;
  }

  int Depthwise(int x, int c, int stride, int h, int* out_h) {
    const std::string n = "dw" + std::to_string(id_++);
    const int w = b_->AddConstant(n + "/w", DType::kF32, {1, 3, 3, c}, Random(static_cast<size_t>(9) * c, std::sqrt(2.f / 9)));
    const int bias = b_->AddConstant(n + "/b", DType::kF32, {c}, Random(c, 0.01f));
    *out_h = (h + stride - 1) / stride;
    const int y = b_->AddTensor(n, DType::kF32, {1, *out_h, *out_h, c});
    auto o = schema::CreateDepthwiseConv2DOptions(b_->fbb(), schema::Padding_SAME, stride, stride, 1, 1,
                                                  schema::Activation_RELU6, 0, 1);
    b_->AddOp(schema::OpType_DEPTHWISE_CONV_2D, {x, w, bias}, {y}, schema::OpOptions_DepthwiseConv2DOptions, o.Union(), n);
    return y;
  }

  int Unary(schema::OpType type, int x, const std::vector<int32_t>& shape) {
    const std::string n = "act" + std::to_string(id_++);
    const int y = b_->AddTensor(n, DType::kF32, shape);
    b_->AddOp(type, {x}, {y}, schema::OpOptions_NONE, 0, n);
    return y;
  }

  int Add(int a, int c, const std::vector<int32_t>& shape) {
    const std::string n = "add" + std::to_string(id_++);
    const int y = b_->AddTensor(n, DType::kF32, shape);
    auto o = schema::CreateBinaryOptions(b_->fbb());
    b_->AddOp(schema::OpType_ADD, {a, c}, {y}, schema::OpOptions_BinaryOptions, o.Union(), n);
    return y;
  }

  ModelBuilder* b_;
  std::mt19937 rng_;
  int id_ = 0;
  bool sparse_storage_ = false;  // 1x1 weights stored with a zero mask or block-sparse
};

// Final 1x1 conv, global average pool, flatten, fully connected and softmax.
void AddClassifierHead(ModelBuilder* bp, NetBuilder* nbp, int x, int c, int h, int head, int classes) {
  ModelBuilder& b = *bp;
  NetBuilder& nb = *nbp;
  x = nb.Conv(x, c, head, 1, 1, h, schema::Activation_RELU6, &h);
  const int pooled = b.AddTensor("pool", DType::kF32, {1, 1, 1, head});
  b.AddOp(schema::OpType_AVERAGE_POOL_2D, {x}, {pooled}, schema::OpOptions_Pool2DOptions,
          schema::CreatePool2DOptions(b.fbb(), schema::Padding_VALID, 1, 1, h, h).Union(), "pool");
  const int flat = b.AddTensor("flatten", DType::kF32, {1, head});
  b.AddOp(schema::OpType_RESHAPE, {pooled}, {flat}, schema::OpOptions_ReshapeOptions,
          schema::CreateReshapeOptions(b.fbb(), b.fbb().CreateVector(std::vector<int32_t>{1, head})).Union(), "flatten");
  const int fw = b.AddConstant("fc/w", DType::kF32, {classes, head}, nb.Random(static_cast<size_t>(classes) * head, 0.05f));
  const int fb = b.AddConstant("fc/b", DType::kF32, {classes}, nb.Random(classes, 0.01f));
  const int logits = b.AddTensor("logits", DType::kF32, {1, classes});
  b.AddOp(schema::OpType_FULLY_CONNECTED, {flat, fw, fb}, {logits}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb()).Union(), "fc");
  const int probs = b.AddTensor("probs", DType::kF32, {1, classes});
  b.AddOp(schema::OpType_SOFTMAX, {logits}, {probs}, schema::OpOptions_SoftmaxOptions,
          schema::CreateSoftmaxOptions(b.fbb()).Union(), "softmax");
  b.MarkOutput(probs);
}

}  // namespace

std::vector<uint8_t> BuildDemoMobileNet(int input_size, int classes) {
  ModelBuilder b;
  NetBuilder nb(&b);
  b.SetDescription("MobileNetV2-style demo classifier, deterministic random weights");
  int h = input_size;
  int x = b.AddInput("image", DType::kF32, {1, h, h, 3});
  x = nb.Conv(x, 3, 16, 3, 2, h, schema::Activation_NONE, &h);
  x = nb.Unary(schema::OpType_HARD_SWISH, x, {1, h, h, 16});
  int c = 16;
  struct Stage { int t, c, n, s; };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 2, 2}, {6, 96, 2, 1}, {6, 160, 2, 2}};
  for (const Stage& st : stages) {
    for (int i = 0; i < st.n; ++i) {
      const int stride = i == 0 ? st.s : 1;
      const int in = x;
      int hh = h, y = x;
      const int expanded = c * st.t;
      if (st.t != 1) y = nb.Conv(y, c, expanded, 1, 1, hh, schema::Activation_RELU6, &hh);
      y = nb.Depthwise(y, expanded, stride, hh, &hh);
      y = nb.Conv(y, expanded, st.c, 1, 1, hh, schema::Activation_NONE, &hh);
      if (stride == 1 && st.c == c) y = nb.Add(in, y, {1, hh, hh, st.c});
      x = y;
      h = hh;
      c = st.c;
    }
  }
  AddClassifierHead(&b, &nb, x, c, h, 512, classes);
  return b.Finish();
}

std::vector<uint8_t> BuildTinyDemoNet(bool sparse_storage) {
  ModelBuilder b;
  NetBuilder nb(&b);
  nb.sparse_storage_ = sparse_storage;
  b.SetDescription("tiny demo network");
  int h = 8;
  int x = b.AddInput("image", DType::kF32, {1, h, h, 3});
  x = nb.Conv(x, 3, 8, 3, 2, h, schema::Activation_NONE, &h);
  x = nb.Unary(schema::OpType_HARD_SWISH, x, {1, h, h, 8});
  const int in = x;
  int hh = h;
  int y = nb.Depthwise(x, 8, 1, hh, &hh);
  y = nb.Conv(y, 8, 8, 1, 1, hh, schema::Activation_NONE, &hh);
  x = nb.Add(in, y, {1, hh, hh, 8});
  AddClassifierHead(&b, &nb, x, 8, h, 16, 4);
  return b.Finish();
}

}  // namespace edgert
