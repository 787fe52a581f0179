// Portable Winograd transforms (kernels/optimized/f32_winograd.h): the ISA
// table's choice at levels without transform microkernels, and the tests'
// reference for those.
#include "kernels/optimized/f32_winograd.h"

namespace edgert {
namespace opt {

void f32_winograd_input_ukernel_2x2_3x3__scalar(size_t channels, const float* const* input, float* output,
                                                size_t output_stride) {
  for (size_t c = 0; c < channels; ++c) {
    float d[16], t[16];
    for (int e = 0; e < 16; ++e) d[e] = input[e][c];
    for (int j = 0; j < 4; ++j) {
      t[j] = d[j] - d[8 + j];
      t[4 + j] = d[4 + j] + d[8 + j];
      t[8 + j] = d[8 + j] - d[4 + j];
      t[12 + j] = d[4 + j] - d[12 + j];
    }
    for (int i = 0; i < 4; ++i) {
      const float* r = t + 4 * i;
      float* o = output + static_cast<size_t>(4 * i) * output_stride + c;
      o[0] = r[0] - r[2];
      o[output_stride] = r[1] + r[2];
      o[2 * output_stride] = r[2] - r[1];
      o[3 * output_stride] = r[1] - r[3];
    }
  }
}

void f32_winograd_output_minmax_ukernel_2x2_3x3__scalar(size_t channels, const float* input, size_t input_stride,
                                                        const float* bias, float* const* output,
                                                        const F32MinMaxParams* params) {
  for (size_t c = 0; c < channels; ++c) {
    float s0[4], s1[4];
    for (int j = 0; j < 4; ++j) {
      const float m0 = input[static_cast<size_t>(j) * input_stride + c];
      const float m1 = input[static_cast<size_t>(4 + j) * input_stride + c];
      const float m2 = input[static_cast<size_t>(8 + j) * input_stride + c];
      const float m3 = input[static_cast<size_t>(12 + j) * input_stride + c];
      s0[j] = (m0 + m1) + m2;
      s1[j] = (m1 - m2) - m3;
    }
    const float y[4] = {((s0[0] + s0[1]) + s0[2]) + bias[c], ((s0[1] - s0[2]) - s0[3]) + bias[c],
                        ((s1[0] + s1[1]) + s1[2]) + bias[c], ((s1[1] - s1[2]) - s1[3]) + bias[c]};
    for (int p = 0; p < 4; ++p) {
      // max then min as the SIMD kernels compute them: a NaN gives min.
      float v = y[p] > params->min ? y[p] : params->min;
      v = v < params->max ? v : params->max;
      output[p][c] = v;
    }
  }
}

namespace {

// w = B^T d of F(4x4, 3x3) for 6 values d[0], d[step], ... (see kernels/dispatch.h).
inline void Input6(const float* d, int step, float* w, int wstep) {
  const float d0 = d[0], d1 = d[step], d2 = d[2 * step], d3 = d[3 * step], d4 = d[4 * step], d5 = d[5 * step];
  w[0] = 4.f * d0 + (-5.f * d2 + d4);
  w[wstep] = -4.f * (d1 + d2) + (d3 + d4);
  w[2 * wstep] = 4.f * (d1 - d2) + (d4 - d3);
  w[3 * wstep] = 2.f * (d3 - d1) + (d4 - d2);
  w[4 * wstep] = 2.f * (d1 - d3) + (d4 - d2);
  w[5 * wstep] = 4.f * d1 + (-5.f * d3 + d5);
}

// y = A^T m of F(4x4, 3x3) for 6 values m[0], m[step], ...
inline void Output6(const float* m, int step, float* y, int ystep) {
  const float a = m[step] + m[2 * step], b = m[step] - m[2 * step];
  const float c = m[3 * step] + m[4 * step], d = m[3 * step] - m[4 * step];
  y[0] = (m[0] + a) + c;
  y[ystep] = 2.f * d + b;
  y[2 * ystep] = 4.f * c + a;
  y[3 * ystep] = (8.f * d + b) + m[5 * step];
}

}  // namespace

void f32_winograd_input_ukernel_4x4_3x3__scalar(size_t channels, const float* const* input, float* output,
                                                size_t output_stride) {
  for (size_t c = 0; c < channels; ++c) {
    float d[36], t[36], v[6];
    for (int e = 0; e < 36; ++e) d[e] = input[e][c];
    for (int j = 0; j < 6; ++j) Input6(d + j, 6, t + j, 6);
    for (int i = 0; i < 6; ++i) {
      Input6(t + 6 * i, 1, v, 1);
      for (int j = 0; j < 6; ++j) output[static_cast<size_t>(6 * i + j) * output_stride + c] = v[j];
    }
  }
}

void f32_winograd_output_minmax_ukernel_4x4_3x3__scalar(size_t channels, const float* input, size_t input_stride,
                                                        const float* bias, float* const* output,
                                                        const F32MinMaxParams* params) {
  for (size_t c = 0; c < channels; ++c) {
    float m[36], s[24], y[4];
    for (int e = 0; e < 36; ++e) m[e] = input[static_cast<size_t>(e) * input_stride + c];
    for (int j = 0; j < 6; ++j) Output6(m + j, 6, s + j, 6);
    for (int i = 0; i < 4; ++i) {
      Output6(s + 6 * i, 1, y, 1);
      for (int j = 0; j < 4; ++j) {
        const float x = y[j] + bias[c];
        float v = x > params->min ? x : params->min;
        v = v < params->max ? v : params->max;
        output[4 * i + j][c] = v;
      }
    }
  }
}

}  // namespace opt
}  // namespace edgert
