// CONCATENATION optimized kernel. Prepare runs the reference prepare (all
// validation, the output shape), then covers:
// - unquantized tensors of any dtype without a fused activation: each outer
//   slice (the dims before the axis) of each input is one memcpy;
// - int8 / uint8 tensors: each input gets a 256-entry table mapping a stored
//   input value to its stored output value, filled once with the reference's
//   formula (its float requantization when the input's scale / zero point
//   differ from the output's, then the activation's clamp), so results are
//   bit-identical, applied with the level's table-lookup microkernel where it
//   has one; an input whose table is the identity is copied with memcpy.
// Other nodes (int16, f32 with a fused activation) and every node at the
// reference ISA level run the reference kernel. Outer slices are split across
// threads.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/common/const_input.h"
#include "kernels/common/parallel_tile.h"
#include "kernels/common/quant.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct ConcatState {
  ReferenceFallback fallback;
  bool covered = false;
  int num_inputs = 0;
  size_t outer = 1;                  // product of the dims before the axis
  size_t* chunk = nullptr;           // per input: bytes of one outer slice
  size_t out_chunk = 0;              // sum of chunk
  const uint8_t** table = nullptr;   // per input: nullptr (memcpy) or 256 output bytes
  X8LutUkernelFn lut = nullptr;      // the level's table lookup, when it has one
  size_t tile = 1;                   // outer slices per parallel tile
};

// The reference's stored output value for stored input value q (int8 or
// uint8 as int32): requantized unless the input has the output's scale and
// zero point, then clamped to [q_min, q_max].
int32_t ConcatOutputValue(int32_t q, bool copy, float scale, float bias, int32_t out_zp, int32_t q_min,
                          int32_t q_max) {
  int32_t v = q;
  if (!copy) {
    float r = std::round(static_cast<float>(q) * scale + bias);
    r = std::min(std::max(r, -1073741824.f), 1073741824.f);  // keep the conversion defined
    v = static_cast<int32_t>(r) + out_zp;
  }
  return std::min(std::max(v, q_min), q_max);
}

Status Prepare(KernelContext* ctx) {
  ConcatState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_CONCATENATION(), &s));
  if (GetKernelIsa().level == IsaLevel::kReference) return Status::Ok();
  const Tensor* out = ctx->output(0);
  const auto* opts = ctx->options<schema::ConcatenationOptions>();
  const int n = ctx->num_inputs();
  const bool quantized = out->is_quantized();
  if (quantized ? (out->dtype != DType::kI8 && out->dtype != DType::kU8)
                : opts->activation() != schema::Activation_NONE)
    return Status::Ok();
  const Tensor* first = ctx->input(0);
  int axis = 0;
  if (!NormalizeAxis(opts->axis(), first->shape.rank, &axis)) return ctx->InvalidModel("bad concatenation axis");
  s->num_inputs = n;
  s->outer = static_cast<size_t>(first->shape.Product(0, axis));
  s->chunk = static_cast<size_t*>(ctx->AllocatePersistent(sizeof(size_t) * n));
  s->table = static_cast<const uint8_t**>(ctx->AllocatePersistent(sizeof(const uint8_t*) * n));
  if (s->chunk == nullptr || s->table == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  const size_t esize = DTypeSize(out->dtype);
  s->out_chunk = 0;
  for (int i = 0; i < n; ++i) {
    const Tensor* t = ctx->input(i);
    s->chunk[i] = static_cast<size_t>(t->shape.Product(axis, t->shape.rank)) * esize;
    s->out_chunk += s->chunk[i];
    s->table[i] = nullptr;
  }
  if (quantized) {
    // The reference's parameters, computed the same way.
    const float out_scale = out->quant.scale[0];
    const int32_t out_zp = out->quant.zero_point[0];
    const float inverse_output_scale = 1.f / out_scale;
    int32_t q_min = 0, q_max = 0;
    ActivationRangeQuantized(opts->activation(), out->dtype, out_scale, out_zp, &q_min, &q_max);
    const bool is_signed = out->dtype == DType::kI8;
    for (int i = 0; i < n; ++i) {
      const Tensor* t = ctx->input(i);
      const bool copy = t->quant.scale[0] == out_scale && t->quant.zero_point[0] == out_zp;
      const float scale = t->quant.scale[0] * inverse_output_scale;
      const float bias = -static_cast<float>(t->quant.zero_point[0]) * scale;
      uint8_t table[256];
      bool identity = true;
      for (int byte = 0; byte < 256; ++byte) {
        const int32_t q = is_signed ? static_cast<int8_t>(byte) : byte;
        const int32_t v = ConcatOutputValue(q, copy, scale, bias, out_zp, q_min, q_max);
        table[byte] = static_cast<uint8_t>(v);
        identity = identity && v == q;
      }
      if (identity) continue;
      uint8_t* mem = static_cast<uint8_t*>(ctx->AllocatePersistent(256));
      if (mem == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
      std::memcpy(mem, table, 256);
      s->table[i] = mem;
    }
  }
  s->lut = GetKernelIsa().x8.lut;
  s->tile = ParallelTile(s->outer, std::max<size_t>(s->out_chunk / 4, 1), ctx->num_threads(), 1);
  s->covered = true;
  return Status::Ok();
}

// Copies n bytes: runs of up to 256 bytes (a channel concatenation's slices
// are often 64-256 bytes, one per pixel) in 32- and 16-byte moves instead of
// a memcpy call each.
inline void CopyRun(uint8_t* dst, const uint8_t* src, size_t n) {
  if (n > 256) {
    std::memcpy(dst, src, n);
    return;
  }
  size_t i = 0;
  for (; i + 32 <= n; i += 32) std::memcpy(dst + i, src + i, 32);
  if (i + 16 <= n) {
    std::memcpy(dst + i, src + i, 16);
    i += 16;
  }
  if (i < n) std::memcpy(dst + i, src + i, n - i);
}

Status Eval(KernelContext* ctx) {
  const ConcatState& s = *ctx->state<ConcatState>();
  if (!s.covered) return s.fallback.Eval(ctx);
  if (s.out_chunk == 0) return Status::Ok();
  uint8_t* out = static_cast<uint8_t*>(ctx->output(0)->data);
  // The inputs' data, read once per eval rather than per slice (up to
  // kListedInputs of them; more are looked up per slice).
  constexpr int kListedInputs = 16;
  const uint8_t* data[kListedInputs] = {};
  for (int i = 0; i < s.num_inputs && i < kListedInputs; ++i) data[i] = static_cast<const uint8_t*>(ctx->input(i)->data);
  ctx->ParallelFor(s.outer, s.tile, [&](int, size_t start, size_t count) {
    for (size_t o = start; o < start + count; ++o) {
      uint8_t* dst = out + o * s.out_chunk;
      for (int i = 0; i < s.num_inputs; ++i) {
        const size_t bytes = s.chunk[i];
        if (bytes == 0) continue;
        const uint8_t* src =
            (i < kListedInputs ? data[i] : static_cast<const uint8_t*>(ctx->input(i)->data)) + o * bytes;
        const uint8_t* table = s.table[i];
        if (table == nullptr) {
          CopyRun(dst, src, bytes);
        } else if (s.lut != nullptr) {
          s.lut(bytes, src, dst, table);
        } else {
          for (size_t j = 0; j < bytes; ++j) dst[j] = table[src[j]];
        }
        dst += bytes;
      }
    }
  });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_CONCATENATION() {
  static const OpKernel kernel = {"CONCATENATION/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
