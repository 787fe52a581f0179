#include "kernels/common/broadcast.h"

namespace edgert {

bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out) {
  const int rank = a.rank > b.rank ? a.rank : b.rank;
  Shape r;
  r.rank = rank;
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - a.rank), ib = i - (rank - b.rank);
    const int32_t da = ia >= 0 ? a.dims[ia] : 1;
    const int32_t db = ib >= 0 ? b.dims[ib] : 1;
    if (da == db || db == 1) {
      r.dims[i] = da;
    } else if (da == 1) {
      r.dims[i] = db;
    } else {
      return false;
    }
  }
  *out = r;
  return true;
}

void BroadcastStrides(const Shape& in, const Shape& out, int64_t strides[kMaxRank]) {
  int64_t s = 1;
  for (int i = out.rank - 1; i >= 0; --i) {
    const int ii = i - (out.rank - in.rank);
    const int32_t d = ii >= 0 ? in.dims[ii] : 1;
    strides[i] = d == 1 ? 0 : s;
    s *= d;
  }
}

BroadcastIterator::BroadcastIterator(const Shape& in, const Shape& out) : out_(out) {
  BroadcastStrides(in, out, strides_);
}

void BroadcastIterator::Next() {
  for (int i = out_.rank - 1; i >= 0; --i) {
    if (++index_[i] < out_.dims[i]) {
      offset_ += strides_[i];
      return;
    }
    offset_ -= strides_[i] * (out_.dims[i] - 1);
    index_[i] = 0;
  }
}

}  // namespace edgert
