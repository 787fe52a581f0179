// PAD optimized kernel. Covered: CONSTANT mode with non-negative paddings,
// elements of 1, 2, 4 or 8 bytes (f32 and every other dtype), at every ISA
// level but the reference one; REFLECT / SYMMETRIC / EDGE, cropping (negative
// paddings) and the reference ISA level run the reference kernel.
//
// Prepare runs the reference prepare (validation, output shape), reads the
// paddings and merges every dimension without padding (but the first) into
// the one before it, so that the innermost dimension left is copied as one
// contiguous run and unpadded outer dimensions vanish (NHWC channel padding:
// rows of C values then the fill, N*H*W of them; spatial padding: whole rows
// of W*C values, whole padded rows filled at once). Eval walks the outer
// dimensions recursively: fill the leading padding block, recurse into each
// input slice, fill the trailing block; memcpy for the data, a typed fill (or
// memset for zero bytes) for the padding. Where the innermost output row is
// short (channel padding), the second-innermost dimension is one loop of
// fixed-size moves per row: the leading fill from a repeated-value pattern,
// the data, the trailing fill (rows up to 64 bytes: the whole row's fill, then
// the data over it). On several threads the outermost dimension's input
// slices are split across them (its fills done once). Pure data movement:
// bit-identical.
#include <algorithm>
#include <cstring>

#include "kernels/common/const_input.h"
#include "kernels/common/parallel_tile.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct PadState {
  ReferenceFallback fallback;
  bool covered = false;
  int rank = 0;  // after merging; >= 1
  size_t esize = 0;
  int64_t in_dims[kMaxRank] = {};
  int64_t before[kMaxRank] = {};
  int64_t after[kMaxRank] = {};
  int64_t in_block[kMaxRank] = {};   // input elements per index of dimension d
  int64_t out_block[kMaxRank] = {};  // output elements per index of dimension d
  uint8_t default_value[8] = {};     // used when input 2 is absent
};

// Fills n elements of size esize at dst with *value.
void Fill(uint8_t* dst, int64_t n, const uint8_t* value, size_t esize, bool zero) {
  if (n <= 0) return;
  if (zero) {
    std::memset(dst, 0, static_cast<size_t>(n) * esize);
    return;
  }
  switch (esize) {
    case 1: std::memset(dst, value[0], static_cast<size_t>(n)); break;
    case 2: { uint16_t v; std::memcpy(&v, value, 2); std::fill_n(reinterpret_cast<uint16_t*>(dst), n, v); break; }
    case 4: { uint32_t v; std::memcpy(&v, value, 4); std::fill_n(reinterpret_cast<uint32_t*>(dst), n, v); break; }
    default: { uint64_t v; std::memcpy(&v, value, 8); std::fill_n(reinterpret_cast<uint64_t*>(dst), n, v); break; }
  }
}

// Output rows of at most this many bytes take the row loop of fixed-size moves.
constexpr size_t kShortRow = 256;

// Copies n (<= kShortRow) bytes with fixed-size moves, overlapping where n is
// not a multiple of the move size; no library call.
inline void CopyShort(uint8_t* dst, const uint8_t* src, size_t n) {
  if (n >= 16) {
    for (size_t i = 0; i + 16 < n; i += 16) std::memcpy(dst + i, src + i, 16);
    std::memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else if (n >= 2) {
    std::memcpy(dst, src, 2);
    std::memcpy(dst + n - 2, src + n - 2, 2);
  } else if (n == 1) {
    *dst = *src;
  }
}

struct PadRun {
  const PadState* s;
  const uint8_t* value;
  bool zero;
  const uint8_t* pattern;  // kShortRow bytes: the padding value repeated

  // Writes the output block of dimension d from the input block at src.
  void Block(int d, const uint8_t* src, uint8_t* dst) const {
    const size_t e = s->esize;
    const int64_t inner_out = s->out_block[d];
    Fill(dst, s->before[d] * inner_out, value, e, zero);
    dst += static_cast<size_t>(s->before[d] * inner_out) * e;
    if (d == s->rank - 1) {
      std::memcpy(dst, src, static_cast<size_t>(s->in_dims[d]) * e);
      dst += static_cast<size_t>(s->in_dims[d]) * e;
    } else {
      Slices(d, 0, s->in_dims[d], src, dst);
      dst += static_cast<size_t>(s->in_dims[d] * inner_out) * e;
    }
    Fill(dst, s->after[d] * inner_out, value, e, zero);
  }

  // The input slices [i0, i0 + n) of dimension d (< rank - 1), from the
  // block at src into the data part of the output block at dst (both
  // addresses of slice 0).
  void Slices(int d, int64_t i0, int64_t n, const uint8_t* src, uint8_t* dst) const {
    const size_t e = s->esize;
    const int64_t inner_out = s->out_block[d];
    const size_t in_step = static_cast<size_t>(s->in_block[d]) * e, out_step = static_cast<size_t>(inner_out) * e;
    src += static_cast<size_t>(i0) * in_step;
    dst += static_cast<size_t>(i0) * out_step;
    if (d == s->rank - 2 && out_step <= kShortRow) {
      // Rows of the innermost dimension: the leading fill from the pattern
      // (element-aligned: it repeats with period e), the data, the trailing fill.
      const size_t row_in = in_step, row_out = out_step;
      const size_t lead = static_cast<size_t>(s->before[d + 1]) * e, trail = row_out - lead - row_in;
      if (row_out <= 64) {  // measured faster for short rows: the whole row's fill, the data over it
        for (int64_t i = 0; i < n; ++i, src += row_in, dst += row_out) {
          CopyShort(dst, pattern, row_out);
          CopyShort(dst + lead, src, row_in);
        }
      } else {
        for (int64_t i = 0; i < n; ++i, src += row_in, dst += row_out) {
          CopyShort(dst, pattern, lead);
          CopyShort(dst + lead, src, row_in);
          CopyShort(dst + lead + row_in, pattern, trail);
        }
      }
    } else {
      for (int64_t i = 0; i < n; ++i, src += in_step, dst += out_step) Block(d + 1, src, dst);
    }
  }
};

Status Prepare(KernelContext* ctx) {
  PadState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_PAD(), &s));
  const Tensor* in = ctx->input(0);
  const auto* opts = ctx->options<schema::PadOptions>();
  const int mode = opts ? static_cast<int>(opts->mode()) : 0;
  const size_t esize = DTypeSize(in->dtype);
  if (GetKernelIsa().level == IsaLevel::kReference || mode != schema::PadMode_CONSTANT ||
      (esize != 1 && esize != 2 && esize != 4 && esize != 8) || in->shape.rank < 1)
    return Status::Ok();
  int64_t pads[2 * kMaxRank];
  int count = 0;
  EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 1, "paddings", pads, 2 * kMaxRank, &count));
  const int rank = in->shape.rank;
  for (int i = 0; i < 2 * rank; ++i)
    if (pads[i] < 0) return Status::Ok();  // cropping: the reference kernel
  // Merge each unpadded dimension but the first into the one before: its
  // index runs contiguously inside the previous dimension's blocks.
  int r = 0;
  for (int d = 0; d < rank; ++d) {
    const int64_t n = in->shape.dims[d];
    if (d > 0 && pads[2 * d] == 0 && pads[2 * d + 1] == 0) {
      s->in_dims[r - 1] *= n;
      s->before[r - 1] *= n;
      s->after[r - 1] *= n;
      continue;
    }
    s->in_dims[r] = n;
    s->before[r] = pads[2 * d];
    s->after[r] = pads[2 * d + 1];
    ++r;
  }
  int64_t in_block = 1, out_block = 1;
  for (int d = r - 1; d >= 0; --d) {
    s->in_block[d] = in_block;
    s->out_block[d] = out_block;
    in_block *= s->in_dims[d];
    out_block *= s->before[d] + s->in_dims[d] + s->after[d];
  }
  s->rank = r;
  s->esize = esize;
  // The reference's default value: 0, or the zero point of quantized data.
  if (ctx->input(2) == nullptr && in->is_quantized() && !in->quant.per_channel()) {
    const int32_t zp = in->quant.zero_point[0];
    switch (in->dtype) {
      case DType::kI8: { const int8_t v = static_cast<int8_t>(zp); std::memcpy(s->default_value, &v, 1); break; }
      case DType::kU8: { const uint8_t v = static_cast<uint8_t>(zp); std::memcpy(s->default_value, &v, 1); break; }
      case DType::kI16: { const int16_t v = static_cast<int16_t>(zp); std::memcpy(s->default_value, &v, 2); break; }
      case DType::kI32: std::memcpy(s->default_value, &zp, 4); break;
      default: break;
    }
  }
  s->covered = true;
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const PadState& s = *ctx->state<PadState>();
  if (!s.covered) return s.fallback.Eval(ctx);
  Tensor* out = ctx->output(0);
  if (out->NumElements() == 0) return Status::Ok();
  const Tensor* value_t = ctx->input(2);
  const uint8_t* value = value_t != nullptr ? static_cast<const uint8_t*>(value_t->data) : s.default_value;
  bool zero = true;
  for (size_t i = 0; i < s.esize; ++i) zero = zero && value[i] == 0;
  uint8_t pattern[kShortRow];
  for (size_t i = 0; i < kShortRow; i += s.esize) std::memcpy(pattern + i, value, s.esize);
  const PadRun run{&s, value, zero, pattern};
  const uint8_t* src = static_cast<const uint8_t*>(ctx->input(0)->data);
  uint8_t* dst = static_cast<uint8_t*>(out->data);
  if (s.rank < 2 || ctx->num_threads() <= 1) {
    run.Block(0, src, dst);
    return Status::Ok();
  }
  // Several threads: the outermost dimension's fills here, its input slices
  // split across the threads (each slice's output is the same wherever the
  // tiles end). Work unit: an output byte.
  const size_t e = s.esize;
  const size_t slice_bytes = static_cast<size_t>(s.out_block[0]) * e;
  Fill(dst, s.before[0] * s.out_block[0], value, e, zero);
  uint8_t* data = dst + static_cast<size_t>(s.before[0]) * slice_bytes;
  const size_t slices = static_cast<size_t>(s.in_dims[0]);
  ctx->ParallelFor(slices, ParallelTile(slices, slice_bytes, ctx->num_threads(), 1),
                   [&](int /*worker*/, size_t i0, size_t n) {
                     run.Slices(0, static_cast<int64_t>(i0), static_cast<int64_t>(n), src, data);
                   });
  Fill(data + slices * slice_bytes, s.after[0] * s.out_block[0], value, e, zero);
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_PAD() {
  static const OpKernel kernel = {"PAD/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
