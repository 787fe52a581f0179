// Hostile files: thousands of truncated and bit-flipped variants of valid
// models are loaded, prepared and run. Any crash, hang or sanitizer report
// fails the suite (the CI runs this under AddressSanitizer and UBSan); each
// rejection must come with a message.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <random>

#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"
#include "tests/test_models.h"
#include "tools/demo_model.h"
#include "tools/inputs.h"

using namespace edgert;

namespace {

struct Outcome {
  int loaded = 0, prepared = 0, invoked = 0, rejected = 0;
};

void TryModel(const std::vector<uint8_t>& bytes, const OpResolver& resolver, Outcome* o) {
  std::shared_ptr<const Model> model;
  Status s = Model::LoadBuffer(bytes.data(), bytes.size(), true, &model);
  if (!s.ok()) {
    REQUIRE(!s.message().empty());
    ++o->rejected;
    return;
  }
  ++o->loaded;
  InterpreterOptions options;
  options.max_arena_bytes = 64u << 20;  // a flipped dimension must not make the test allocate gigabytes
  Interpreter interp(model, &resolver, options);
  s = interp.Prepare();
  if (!s.ok()) {
    REQUIRE(!s.message().empty());
    return;
  }
  ++o->prepared;
  FeedInputs(interp, {});
  if (interp.Invoke().ok()) ++o->invoked;
}

void Corrupt(const std::vector<uint8_t>& original, int variants, uint32_t seed, Outcome* o) {
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  std::mt19937 rng(seed);
  uint32_t fb_size;
  std::memcpy(&fb_size, original.data(), 4);
  const size_t structure = std::min<size_t>(original.size(), fb_size + 4);
  for (int v = 0; v < variants; ++v) {
    std::vector<uint8_t> bytes = original;
    const int kind = v % 4;
    if (kind == 0) {
      bytes.resize(rng() % original.size());  // truncation
    } else {
      // 1-8 bit flips, mostly inside the FlatBuffer where structure lives.
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int k = 0; k < flips; ++k) {
        const size_t pos = (kind == 3) ? rng() % bytes.size() : rng() % structure;
        bytes[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      if (kind == 2) {  // also overwrite a 4-byte word with an extreme value
        const size_t pos = (rng() % (structure / 4)) * 4;
        const uint32_t extremes[] = {0u, 0xffffffffu, 0x7fffffffu, 0x80000000u, 0x10000u};
        std::memcpy(&bytes[pos], &extremes[rng() % 5], 4);
      }
    }
    TryModel(bytes, resolver, o);
  }
}

}  // namespace

TEST_CASE("corrupted variants of the demo MobileNet never crash", "[corruption]") {
  const std::vector<uint8_t> model = BuildDemoMobileNet(32, 10);
  Outcome o;
  Corrupt(model, 2000, 1, &o);
  INFO("loaded " << o.loaded << " prepared " << o.prepared << " invoked " << o.invoked << " rejected " << o.rejected);
  REQUIRE(o.rejected > 0);
  REQUIRE(o.loaded + o.rejected == 2000);
}

TEST_CASE("corrupted variants of a small graph never crash", "[corruption]") {
  const std::vector<uint8_t> model = edgert::testing::BuildAddReluReshape(true);
  Outcome o;
  Corrupt(model, 2000, 2, &o);
  INFO("loaded " << o.loaded << " prepared " << o.prepared << " invoked " << o.invoked << " rejected " << o.rejected);
  REQUIRE(o.rejected > 0);
  REQUIRE(o.loaded > 0);
}

TEST_CASE("inputs the fuzzer once broke the runtime with are handled", "[corruption]") {
  // misaligned-segment-table.bin: an 8-byte struct vector at a 4-byte offset (undefined
  // behaviour before the loader checked it); huge-pool-filter.bin: an average pool whose
  // filter is far larger than its input (invoke used to walk the whole filter).
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  for (const char* name : {"misaligned-segment-table.bin", "huge-pool-filter.bin"}) {
    const std::string path = std::string(EDGERT_SOURCE_DIR) + "/tests/data/fuzz-regressions/" + name;
    std::ifstream f(path, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    INFO(path);
    REQUIRE(!bytes.empty());
    Outcome o;
    TryModel(bytes, resolver, &o);
    REQUIRE(o.loaded + o.rejected == 1);
  }
}
