// Field numbers are those of onnx/onnx.proto.
#include "runtime/importers/onnx/onnx_model.h"

#include <cstring>
#include <limits>

#include "runtime/importers/onnx/protobuf_reader.h"

namespace edgert {
namespace onnx_import {
namespace {

Status Malformed(const char* fmt, const char* what) {
  return Status::Error(StatusCode::kInvalidModel, fmt, what);
}

Status CheckDepth(int depth, const char* what) {
  if (depth > kMaxProtoDepth) return Malformed("malformed ONNX: %s nested too deeply", what);
  return Status::Ok();
}

Status ParseGraph(const uint8_t* data, size_t size, int depth, OnnxGraph* g);

#define ONNX_WIRE(f, w, what) EDGERT_RETURN_IF_ERROR(ExpectWire((f), (w), (what)))

Status ParseStringField(const ProtoField& f, std::string* out, const char* what) {
  ONNX_WIRE(f, WireType::kLengthDelimited, what);
  *out = f.str();
  return Status::Ok();
}

Status ParseInt32Field(const ProtoField& f, int32_t* out, const char* what) {
  ONNX_WIRE(f, WireType::kVarint, what);
  *out = static_cast<int32_t>(f.value);
  return Status::Ok();
}

Status ParseAttribute(const uint8_t* data, size_t size, int depth, OnnxAttribute* a) {
  EDGERT_RETURN_IF_ERROR(CheckDepth(depth, "AttributeProto"));
  ProtoReader r(data, size, "AttributeProto");
  ProtoField f;
  while (r.Next(&f)) {
    switch (f.number) {
      case 1: EDGERT_RETURN_IF_ERROR(ParseStringField(f, &a->name, "AttributeProto.name")); break;
      case 2:
        ONNX_WIRE(f, WireType::kFixed32, "AttributeProto.f");
        a->f = f.as_float();
        break;
      case 3:
        ONNX_WIRE(f, WireType::kVarint, "AttributeProto.i");
        a->i = f.as_int64();
        break;
      case 4: EDGERT_RETURN_IF_ERROR(ParseStringField(f, &a->s, "AttributeProto.s")); break;
      case 5:
        ONNX_WIRE(f, WireType::kLengthDelimited, "AttributeProto.t");
        a->t = OnnxTensor();
        EDGERT_RETURN_IF_ERROR(ParseOnnxTensor(f.data, f.size, depth + 1, &a->t));
        a->has_t = true;
        break;
      case 6:
        ONNX_WIRE(f, WireType::kLengthDelimited, "AttributeProto.g");
        {
          auto g = std::make_shared<OnnxGraph>();
          EDGERT_RETURN_IF_ERROR(ParseGraph(f.data, f.size, depth + 1, g.get()));
          a->g = std::move(g);
        }
        a->has_g = true;
        break;
      case 7: EDGERT_RETURN_IF_ERROR(AppendFloats(f, &a->floats, "AttributeProto.floats")); break;
      case 8: EDGERT_RETURN_IF_ERROR(AppendVarints(f, &a->ints, "AttributeProto.ints")); break;
      case 9:
        ONNX_WIRE(f, WireType::kLengthDelimited, "AttributeProto.strings");
        a->strings.push_back(f.str());
        break;
      case 20: EDGERT_RETURN_IF_ERROR(ParseInt32Field(f, &a->type, "AttributeProto.type")); break;
      default: break;
    }
  }
  return r.status();
}

Status ParseNode(const uint8_t* data, size_t size, int depth, OnnxNode* n) {
  EDGERT_RETURN_IF_ERROR(CheckDepth(depth, "NodeProto"));
  ProtoReader r(data, size, "NodeProto");
  ProtoField f;
  while (r.Next(&f)) {
    switch (f.number) {
      case 1:
        ONNX_WIRE(f, WireType::kLengthDelimited, "NodeProto.input");
        n->inputs.push_back(f.str());
        break;
      case 2:
        ONNX_WIRE(f, WireType::kLengthDelimited, "NodeProto.output");
        n->outputs.push_back(f.str());
        break;
      case 3: EDGERT_RETURN_IF_ERROR(ParseStringField(f, &n->name, "NodeProto.name")); break;
      case 4: EDGERT_RETURN_IF_ERROR(ParseStringField(f, &n->op_type, "NodeProto.op_type")); break;
      case 5:
        ONNX_WIRE(f, WireType::kLengthDelimited, "NodeProto.attribute");
        n->attributes.emplace_back();
        EDGERT_RETURN_IF_ERROR(ParseAttribute(f.data, f.size, depth + 1, &n->attributes.back()));
        break;
      case 7: EDGERT_RETURN_IF_ERROR(ParseStringField(f, &n->domain, "NodeProto.domain")); break;
      default: break;
    }
  }
  return r.status();
}

Status ParseDim(const uint8_t* data, size_t size, OnnxDim* d) {
  ProtoReader r(data, size, "TensorShapeProto.Dimension");
  ProtoField f;
  while (r.Next(&f)) {
    if (f.number == 1) {
      ONNX_WIRE(f, WireType::kVarint, "Dimension.dim_value");
      d->has_value = true;
      d->value = f.as_int64();
      d->param.clear();
    } else if (f.number == 2) {
      EDGERT_RETURN_IF_ERROR(ParseStringField(f, &d->param, "Dimension.dim_param"));
      d->has_value = false;
    }
  }
  return r.status();
}

Status ParseTensorType(const uint8_t* data, size_t size, OnnxValueInfo* v) {
  ProtoReader r(data, size, "TypeProto.Tensor");
  ProtoField f;
  while (r.Next(&f)) {
    if (f.number == 1) {
      EDGERT_RETURN_IF_ERROR(ParseInt32Field(f, &v->elem_type, "TypeProto.Tensor.elem_type"));
    } else if (f.number == 2) {
      ONNX_WIRE(f, WireType::kLengthDelimited, "TypeProto.Tensor.shape");
      v->has_shape = true;
      v->dims.clear();
      ProtoReader sr(f.data, f.size, "TensorShapeProto");
      ProtoField df;
      while (sr.Next(&df)) {
        if (df.number != 1) continue;
        ONNX_WIRE(df, WireType::kLengthDelimited, "TensorShapeProto.dim");
        v->dims.emplace_back();
        EDGERT_RETURN_IF_ERROR(ParseDim(df.data, df.size, &v->dims.back()));
      }
      EDGERT_RETURN_IF_ERROR(sr.status());
    }
  }
  return r.status();
}

Status ParseValueInfo(const uint8_t* data, size_t size, OnnxValueInfo* v) {
  ProtoReader r(data, size, "ValueInfoProto");
  ProtoField f;
  while (r.Next(&f)) {
    if (f.number == 1) {
      EDGERT_RETURN_IF_ERROR(ParseStringField(f, &v->name, "ValueInfoProto.name"));
    } else if (f.number == 2) {
      ONNX_WIRE(f, WireType::kLengthDelimited, "ValueInfoProto.type");
      ProtoReader tr(f.data, f.size, "TypeProto");
      ProtoField tf;
      while (tr.Next(&tf)) {
        if (tf.number != 1) continue;  // only tensor_type
        ONNX_WIRE(tf, WireType::kLengthDelimited, "TypeProto.tensor_type");
        v->has_tensor_type = true;
        EDGERT_RETURN_IF_ERROR(ParseTensorType(tf.data, tf.size, v));
      }
      EDGERT_RETURN_IF_ERROR(tr.status());
    }
  }
  return r.status();
}

Status ParseGraph(const uint8_t* data, size_t size, int depth, OnnxGraph* g) {
  EDGERT_RETURN_IF_ERROR(CheckDepth(depth, "GraphProto"));
  ProtoReader r(data, size, "GraphProto");
  ProtoField f;
  while (r.Next(&f)) {
    switch (f.number) {
      case 1:
        ONNX_WIRE(f, WireType::kLengthDelimited, "GraphProto.node");
        g->nodes.emplace_back();
        EDGERT_RETURN_IF_ERROR(ParseNode(f.data, f.size, depth + 1, &g->nodes.back()));
        break;
      case 2: EDGERT_RETURN_IF_ERROR(ParseStringField(f, &g->name, "GraphProto.name")); break;
      case 5:
        ONNX_WIRE(f, WireType::kLengthDelimited, "GraphProto.initializer");
        g->initializers.emplace_back();
        EDGERT_RETURN_IF_ERROR(ParseOnnxTensor(f.data, f.size, depth + 1, &g->initializers.back()));
        break;
      case 11:
      case 12:
      case 13: {
        ONNX_WIRE(f, WireType::kLengthDelimited, "GraphProto.input/output/value_info");
        std::vector<OnnxValueInfo>* list = f.number == 11 ? &g->inputs : f.number == 12 ? &g->outputs : &g->value_info;
        list->emplace_back();
        EDGERT_RETURN_IF_ERROR(ParseValueInfo(f.data, f.size, &list->back()));
        break;
      }
      case 15:
        return Status(StatusCode::kUnsupported, "sparse initializers (GraphProto.sparse_initializer) are not supported");
      default: break;
    }
  }
  return r.status();
}

}  // namespace

Status ParseOnnxTensor(const uint8_t* data, size_t size, int depth, OnnxTensor* t) {
  EDGERT_RETURN_IF_ERROR(CheckDepth(depth, "TensorProto"));
  ProtoReader r(data, size, "TensorProto");
  ProtoField f;
  while (r.Next(&f)) {
    switch (f.number) {
      case 1: EDGERT_RETURN_IF_ERROR(AppendVarints(f, &t->dims, "TensorProto.dims")); break;
      case 2: EDGERT_RETURN_IF_ERROR(ParseInt32Field(f, &t->data_type, "TensorProto.data_type")); break;
      case 3: return Status(StatusCode::kUnsupported, "segmented tensors (TensorProto.segment) are not supported");
      case 4: EDGERT_RETURN_IF_ERROR(AppendFloats(f, &t->float_data, "TensorProto.float_data")); break;
      case 5: EDGERT_RETURN_IF_ERROR(AppendVarints(f, &t->int32_data, "TensorProto.int32_data")); break;
      case 7: EDGERT_RETURN_IF_ERROR(AppendVarints(f, &t->int64_data, "TensorProto.int64_data")); break;
      case 8: EDGERT_RETURN_IF_ERROR(ParseStringField(f, &t->name, "TensorProto.name")); break;
      case 9:
        EDGERT_RETURN_IF_ERROR(ParseStringField(f, &t->raw_data, "TensorProto.raw_data"));
        t->has_raw_data = true;
        break;
      case 10: EDGERT_RETURN_IF_ERROR(AppendDoubles(f, &t->double_data, "TensorProto.double_data")); break;
      case 13: t->external = true; break;  // external_data
      case 14:
        ONNX_WIRE(f, WireType::kVarint, "TensorProto.data_location");
        if (f.value == 1) t->external = true;
        break;
      default: break;
    }
  }
  return r.status();
}

Status ParseOnnxModel(const uint8_t* data, size_t size, OnnxModel* model) {
  *model = OnnxModel();
  ProtoReader r(data, size, "ModelProto");
  ProtoField f;
  while (r.Next(&f)) {
    switch (f.number) {
      case 1:
        ONNX_WIRE(f, WireType::kVarint, "ModelProto.ir_version");
        model->ir_version = f.as_int64();
        break;
      case 2: EDGERT_RETURN_IF_ERROR(ParseStringField(f, &model->producer_name, "ModelProto.producer_name")); break;
      case 3:
        EDGERT_RETURN_IF_ERROR(ParseStringField(f, &model->producer_version, "ModelProto.producer_version"));
        break;
      case 7:
        ONNX_WIRE(f, WireType::kLengthDelimited, "ModelProto.graph");
        model->graph = OnnxGraph();
        EDGERT_RETURN_IF_ERROR(ParseGraph(f.data, f.size, 1, &model->graph));
        model->has_graph = true;
        break;
      case 8: {
        ONNX_WIRE(f, WireType::kLengthDelimited, "ModelProto.opset_import");
        OnnxOpset op;
        ProtoReader orr(f.data, f.size, "OperatorSetIdProto");
        ProtoField of;
        while (orr.Next(&of)) {
          if (of.number == 1) {
            EDGERT_RETURN_IF_ERROR(ParseStringField(of, &op.domain, "OperatorSetIdProto.domain"));
          } else if (of.number == 2) {
            ONNX_WIRE(of, WireType::kVarint, "OperatorSetIdProto.version");
            op.version = of.as_int64();
          }
        }
        EDGERT_RETURN_IF_ERROR(orr.status());
        model->opset_import.push_back(op);
        break;
      }
      default: break;
    }
  }
  EDGERT_RETURN_IF_ERROR(r.status());
  if (!model->has_graph) return Status(StatusCode::kInvalidModel, "the ONNX model has no graph (ModelProto.graph)");
  return Status::Ok();
}

bool ElementCount(const std::vector<int64_t>& dims, int64_t limit, int64_t* count) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return false;
    if (d != 0 && n > limit / d) return false;
    n *= d;
  }
  if (n > limit) return false;
  *count = n;
  return true;
}

namespace {

Status CountOf(const OnnxTensor& t, int64_t* n) {
  if (t.external)
    return Status::Error(StatusCode::kUnsupported,
                         "tensor '%s' keeps its data in an external file (external_data); re-save the model with "
                         "the data embedded",
                         t.name.c_str());
  if (!ElementCount(t.dims, int64_t{1} << 40, n))
    return Status::Error(StatusCode::kInvalidModel, "tensor '%s' has invalid or too large dims", t.name.c_str());
  return Status::Ok();
}

Status CountMismatch(const OnnxTensor& t, int64_t want, size_t got) {
  return Status::Error(StatusCode::kInvalidModel, "tensor '%s' (%s) has %zu values, its dims say %lld",
                       t.name.c_str(), OnnxDataTypeName(t.data_type), got, static_cast<long long>(want));
}

template <typename T>
T LoadLE(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // little-endian host assumed (x86-64, AArch64)
  return v;
}

}  // namespace

Status TensorToFloats(const OnnxTensor& t, std::vector<float>* out) {
  int64_t n;
  EDGERT_RETURN_IF_ERROR(CountOf(t, &n));
  out->clear();
  const size_t count = static_cast<size_t>(n);
  const uint8_t* raw = reinterpret_cast<const uint8_t*>(t.raw_data.data());
  auto raw_ok = [&](size_t elem) { return t.raw_data.size() == count * elem; };
  switch (t.data_type) {
    case kOnnxFloat:
      if (t.has_raw_data) {
        if (!raw_ok(4)) return CountMismatch(t, n, t.raw_data.size() / 4);
        out->resize(count);
        for (size_t i = 0; i < count; ++i) (*out)[i] = LoadLE<float>(raw + 4 * i);
      } else {
        if (t.float_data.size() != count) return CountMismatch(t, n, t.float_data.size());
        *out = t.float_data;
      }
      return Status::Ok();
    case kOnnxDouble:
      if (t.has_raw_data) {
        if (!raw_ok(8)) return CountMismatch(t, n, t.raw_data.size() / 8);
        out->resize(count);
        for (size_t i = 0; i < count; ++i) (*out)[i] = static_cast<float>(LoadLE<double>(raw + 8 * i));
      } else {
        if (t.double_data.size() != count) return CountMismatch(t, n, t.double_data.size());
        for (double d : t.double_data) out->push_back(static_cast<float>(d));
      }
      return Status::Ok();
    default: {
      std::vector<int64_t> v;
      EDGERT_RETURN_IF_ERROR(TensorToInt64s(t, &v));
      out->reserve(v.size());
      for (int64_t x : v) out->push_back(static_cast<float>(x));
      return Status::Ok();
    }
  }
}

Status TensorToInt64s(const OnnxTensor& t, std::vector<int64_t>* out) {
  int64_t n;
  EDGERT_RETURN_IF_ERROR(CountOf(t, &n));
  out->clear();
  const size_t count = static_cast<size_t>(n);
  const uint8_t* raw = reinterpret_cast<const uint8_t*>(t.raw_data.data());
  size_t elem = 0;
  switch (t.data_type) {
    case kOnnxInt64: elem = 8; break;
    case kOnnxInt32: elem = 4; break;
    case kOnnxInt16: elem = 2; break;
    case kOnnxInt8:
    case kOnnxUint8:
    case kOnnxBool: elem = 1; break;
    default:
      return Status::Error(StatusCode::kUnsupported, "tensor '%s' has data type %s, expected an integer type",
                           t.name.c_str(), OnnxDataTypeName(t.data_type));
  }
  if (t.has_raw_data) {
    if (t.raw_data.size() != count * elem) return CountMismatch(t, n, t.raw_data.size() / elem);
    out->resize(count);
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* p = raw + elem * i;
      int64_t v = 0;
      switch (t.data_type) {
        case kOnnxInt64: v = LoadLE<int64_t>(p); break;
        case kOnnxInt32: v = LoadLE<int32_t>(p); break;
        case kOnnxInt16: v = LoadLE<int16_t>(p); break;
        case kOnnxInt8: v = static_cast<int8_t>(*p); break;
        default: v = *p; break;
      }
      (*out)[i] = v;
    }
    return Status::Ok();
  }
  const std::vector<int64_t>& src = t.data_type == kOnnxInt64 ? t.int64_data : t.int32_data;
  if (src.size() != count) return CountMismatch(t, n, src.size());
  *out = src;
  if (t.data_type != kOnnxInt64)
    for (int64_t& v : *out) v = static_cast<int32_t>(v);  // int32_data holds sign-extended 32-bit varints
  return Status::Ok();
}

const char* OnnxDataTypeName(int32_t t) {
  switch (t) {
    case kOnnxFloat: return "FLOAT";
    case kOnnxUint8: return "UINT8";
    case kOnnxInt8: return "INT8";
    case kOnnxUint16: return "UINT16";
    case kOnnxInt16: return "INT16";
    case kOnnxInt32: return "INT32";
    case kOnnxInt64: return "INT64";
    case kOnnxString: return "STRING";
    case kOnnxBool: return "BOOL";
    case kOnnxFloat16: return "FLOAT16";
    case kOnnxDouble: return "DOUBLE";
    case kOnnxUint32: return "UINT32";
    case kOnnxUint64: return "UINT64";
    default: return "UNKNOWN";
  }
}

}  // namespace onnx_import
}  // namespace edgert
