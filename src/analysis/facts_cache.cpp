#include "analysis/facts_cache.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "elf/elf_file.h"
#include "util/byte_reader.h"
#include "util/mapped_file.h"

namespace sysfence::analysis {
namespace {

// Bump when the file layout changes; a change in the analysis is covered by the
// analyser's identity in the key.
constexpr uint32_t kFormatVersion = 14;
constexpr char kMagic[8] = {'S', 'F', 'F', 'A', 'C', 'T', 'S', '\0'};

/// Writes the facts straight to the file (a large program's would take hundreds of
/// megabytes as one buffer). Numbers other than bytes are LEB128 varints: most are small
/// (counts, offsets, registers), so a program's file is a fraction of fixed-width words;
/// signed ones zigzag-encoded, masks as their complement (usually all ones).
class Writer {
 public:
  explicit Writer(std::ostream& out) : out_(out) {}
  void u8(uint64_t v) { out_.put(static_cast<char>(v)); }
  void u32(uint64_t v) { u64(v); }
  void u64(uint64_t v) {
    for (; v >= 0x80; v >>= 7) u8((v & 0x7f) | 0x80);
    u8(v);
  }
  void s64(int64_t v) { u64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void mask(uint64_t v) { u64(~v); }
  void value(const Value& v) {
    u8(static_cast<uint8_t>(v.kind()));
    switch (v.kind()) {
      case Value::Kind::Unknown: break;
      case Value::Kind::Constants:
        u8(v.size());
        for (uint64_t c : v) u64(c);
        break;
      case Value::Kind::Parameter:
        u8(v.parameter_index());
        s64(v.addend());
        u8(static_cast<uint8_t>(v.left_shift()));
        u64(v.xor_bits());
        u64(v.or_bits());
        mask(v.and_mask());
        u8(static_cast<uint8_t>(v.sign_extended_from()));
        break;
      case Value::Kind::Fields:
        u8(v.field_count());
        for (int i = 0; i < v.field_count(); ++i) field(v.field_at(i));
        u64(v.or_bits());
        mask(v.and_mask());
        u8(static_cast<uint8_t>(v.sign_extended_from()));
        break;
      case Value::Kind::Global:
        u64(v.global_address());
        u8(v.global_width());
        u8(v.global_through());
        s64(v.global_offset());
        u8(v.global_sign_extended());
        break;
      case Value::Kind::Stack: s64(v.stack_offset()); break;
      case Value::Kind::Import: u32(v.import_symbol()); break;
      case Value::Kind::LibraryObject: u8(v.library_object()); break;
    }
  }
  void field(const Value::FieldRef& f) {
    u8(f.index);
    s64(f.offset);
    u8(f.width);
  }
  /// A syscall's arguments (a vector) or a call's (CallArguments), read back alike.
  template <class IndexedValues>
  void indexed(const IndexedValues& values) {
    u32(values.size());
    for (const IndexedValue& v : values) {
      u8(v.index);
      value(v.value);
    }
  }

 private:
  std::ostream& out_;
};

/// Reads what Writer wrote; any inconsistency makes `ok()` false (a damaged file).
class Reader {
 public:
  explicit Reader(const ByteReader& r) : r_(r) {}
  bool ok() const { return ok_; }
  uint64_t u8() { return take<uint8_t>(); }
  uint64_t u32() {
    const uint64_t v = u64();
    if (v > UINT32_MAX) ok_ = false;
    return ok_ ? v : 0;
  }
  uint64_t u64() {
    uint64_t v = 0;
    for (int shift = 0; ok_ && shift < 64; shift += 7) {
      const uint64_t byte = u8();
      v |= (byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    ok_ = false;  // cut short, or longer than any 64-bit number
    return 0;
  }
  int64_t s64() {
    const uint64_t v = u64();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  uint64_t mask() { return ~u64(); }
  /// A count of items that each need at least `min_size` more bytes.
  uint64_t count(uint64_t min_size) {
    uint64_t n = u32();
    if (n * min_size > r_.size() - pos_) ok_ = false;
    return ok_ ? n : 0;
  }
  Value value() {
    switch (static_cast<Value::Kind>(u8())) {
      case Value::Kind::Unknown: return Value::unknown();
      case Value::Kind::Constants: {
        uint64_t n = u8();
        if (n == 0 || n > Value::kMaxConstants) return fail();
        Value v = Value::constant(u64());
        for (uint64_t i = 1; i < n; ++i) v = v.join(Value::constant(u64()));
        return v;
      }
      case Value::Kind::Parameter: {
        Value v = Value::parameter(static_cast<uint8_t>(u8()));
        const int64_t addend = s64();
        const int left_shift = u8();
        const uint64_t xor_bits = u64();
        const uint64_t or_bits = u64();
        const uint64_t and_mask = mask();
        const int sign_extended_from = u8();
        v = v.add(addend, 64).shift_left(left_shift, 64).bit_xor(xor_bits, 64).bit_or(or_bits, 64).bit_and(and_mask, 64);
        return sign_extended_from != 0 ? v.sign_extend(sign_extended_from, 64) : v;
      }
      case Value::Kind::Fields: {
        const uint64_t n = u8();
        if (n == 0 || n > Value::kMaxFields) return fail();
        Value v = Value::field(field());
        for (uint64_t i = 1; i < n; ++i) v = v.bit_or(Value::field(field()), 64);
        const uint64_t or_bits = u64();
        const uint64_t and_mask = mask();
        const int sign_extended_from = u8();
        v = v.bit_or(or_bits, 64).bit_and(and_mask, 64);
        v = sign_extended_from != 0 ? v.sign_extend(sign_extended_from, 64) : v;
        return v.is_unknown() ? fail() : v;
      }
      case Value::Kind::Global: {
        const uint64_t address = u64();
        const auto width = static_cast<uint8_t>(u8());
        const bool through = u8() != 0;
        const int64_t offset = s64();
        return Value::global(address, width, through, offset, u8() != 0);
      }
      case Value::Kind::Stack: return Value::stack(s64());
      case Value::Kind::Import: return Value::import(static_cast<uint32_t>(u32()));
      case Value::Kind::LibraryObject: return Value::library_object(static_cast<uint8_t>(u8()));
      default: return fail();
    }
  }
  Value::FieldRef field() {
    Value::FieldRef f;
    f.index = static_cast<uint8_t>(u8());
    f.offset = s64();
    f.width = static_cast<uint8_t>(u8());
    return f;
  }
  std::vector<IndexedValue> indexed() {
    std::vector<IndexedValue> out(count(2));
    for (auto& v : out) {
      v.index = static_cast<uint8_t>(u8());
      v.value = value();
    }
    return out;
  }

 private:
  Value fail() {
    ok_ = false;
    return Value::unknown();
  }
  template <class T>
  uint64_t take() {
    auto v = r_.read<T>(pos_);
    if (!v) {
      ok_ = false;
      return 0;
    }
    pos_ += sizeof(T);
    return *v;
  }
  const ByteReader& r_;
  uint64_t pos_ = 0;
  bool ok_ = true;
};

/// Which analysis produced the facts: the build-id of this sysfence executable, so that
/// a rebuilt analyser never reads facts an older one computed ("dev" when it has none).
const std::string& analyser_identity() {
  static const std::string identity = [] {
    auto self = MappedFile::open("/proc/self/exe");
    if (!self) return std::string("dev");
    auto elf = elf::ElfFile::parse(self->bytes(), self->path());
    if (!elf || elf->build_id().empty()) return std::string("dev");
    return elf->build_id().substr(0, 16);
  }();
  return identity;
}

}  // namespace

std::string FactsCache::key(std::span<const uint8_t> module_bytes) {
  // FNV-1a over 64-bit words (a word at a time: a libcrypto is hashed on every run),
  // then the tail bytes.
  uint64_t hash = 1469598103934665603ull;
  const size_t words = module_bytes.size() / 8;
  for (size_t i = 0; i < words; ++i) {
    uint64_t word = 0;
    std::memcpy(&word, module_bytes.data() + 8 * i, 8);
    hash = (hash ^ word) * 1099511628211ull;
    hash ^= hash >> 32;
  }
  for (size_t i = 8 * words; i < module_bytes.size(); ++i) hash = (hash ^ module_bytes[i]) * 1099511628211ull;
  return fmt::format("{:016x}-{}-v{}-{}", hash, module_bytes.size(), kFormatVersion, analyser_identity());
}

std::filesystem::path FactsCache::default_directory() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "sysfence";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".cache" / "sysfence";
  }
  return std::filesystem::temp_directory_path() / "sysfence-cache";
}

ModuleFacts FactsCache::load(const std::string& key) const {
  auto mapped = MappedFile::open((directory_ / (key + ".facts")).string());
  if (!mapped) return {};
  const std::span<const uint8_t> bytes = mapped->bytes();
  if (bytes.size() < sizeof(kMagic) || !std::equal(std::begin(kMagic), std::end(kMagic), bytes.begin())) return {};
  const ByteReader body(bytes.subspan(sizeof(kMagic)), ByteOrder::Little, key);
  Reader r(body);
  ModuleFacts out;
  const uint64_t functions = r.count(5);
  for (uint64_t i = 0; i < functions && r.ok(); ++i) {
    FunctionFacts f;
    f.start = r.u64();
    f.end = r.u64();
    f.thumb = r.u8() != 0;
    f.undecodable = static_cast<uint32_t>(r.u32());
    f.data_reference_lost = r.u8() != 0;
    f.syscalls.resize(r.count(3));
    for (auto& s : f.syscalls) {
      s.address = r.u64();
      s.number = r.value();
      s.args = r.indexed();
    }
    f.calls.resize(r.count(8));
    for (auto& c : f.calls) {
      c.address = r.u64();
      const uint64_t kind = r.u8();
      if (kind > static_cast<uint64_t>(CallSite::Kind::Unknown)) return {};
      c.kind = static_cast<CallSite::Kind>(kind);
      c.target = r.u64();
      c.target_thumb = r.u8() != 0;
      c.symbol = static_cast<uint32_t>(r.u32());
      c.tail = r.u8() != 0;
      c.args = r.indexed();
      std::vector<PassedField> passed(r.count(4));
      for (auto& p : passed) {
        const Value::FieldRef f = r.field();
        if (f.offset != static_cast<int32_t>(f.offset)) return {};  // PassedFieldTraits::Key
        p = {f.index, f.offset, f.width, r.value()};
      }
      c.passed = passed;
      c.memory_written = r.u8() != 0;
    }
    f.taken_code.resize(r.count(1));
    for (auto& t : f.taken_code) t = r.u64();
    f.taken_imports.resize(r.count(1));
    for (auto& t : f.taken_imports) t = static_cast<uint32_t>(r.u32());
    f.data_refs.resize(r.count(1));
    for (auto& d : f.data_refs) d = r.u64();
    f.global_stores.resize(r.count(3));
    for (auto& g : f.global_stores) {
      g.address = r.u64();
      g.width = static_cast<uint8_t>(r.u8());
      g.value = r.value();
    }
    f.escaped_data.resize(r.count(1));
    for (auto& d : f.escaped_data) d = r.u64();
    out.functions.emplace(facts_key(f.start, f.thumb), std::move(f));
  }
  if (r.u8() != 0) {
    out.computed_addresses.emplace(r.count(1));
    for (auto& a : *out.computed_addresses) a = r.u64();
  }
  if (!r.ok()) return {};
  return out;  // not `r.ok() ? out : {}`, which would copy every function's facts
}

void FactsCache::store(const std::string& key, const std::vector<const FunctionFacts*>& facts,
                       const std::optional<std::vector<uint64_t>>& computed_addresses) const {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  const auto final_path = directory_ / (key + ".facts");
  // A temporary name of this process's and this call's own: runs in parallel, and
  // analyses in parallel threads (analyze-root -j), must not write one file.
  static std::atomic<unsigned> stores = 0;
  const auto temporary = directory_ / fmt::format("{}.facts.{}.{}.tmp", key, ::getpid(), stores++);
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  Writer w(out);
  for (char c : kMagic) w.u8(static_cast<uint8_t>(c));
  w.u32(facts.size());
  for (const FunctionFacts* fp : facts) {
    const FunctionFacts& f = *fp;
    w.u64(f.start);
    w.u64(f.end);
    w.u8(f.thumb);
    w.u32(f.undecodable);
    w.u8(f.data_reference_lost);
    w.u32(f.syscalls.size());
    for (const auto& s : f.syscalls) {
      w.u64(s.address);
      w.value(s.number);
      w.indexed(s.args);
    }
    w.u32(f.calls.size());
    for (const auto& c : f.calls) {
      w.u64(c.address);
      w.u8(static_cast<uint8_t>(c.kind));
      w.u64(c.target);
      w.u8(c.target_thumb);
      w.u32(c.symbol);
      w.u8(c.tail);
      w.indexed(c.args);
      w.u32(c.passed.size());
      for (const auto& p : c.passed) {
        w.field({p.index, p.offset, p.width});
        w.value(p.value);
      }
      w.u8(c.memory_written);
    }
    w.u32(f.taken_code.size());
    for (uint64_t t : f.taken_code) w.u64(t);
    w.u32(f.taken_imports.size());
    for (uint32_t t : f.taken_imports) w.u32(t);
    w.u32(f.data_refs.size());
    for (uint64_t d : f.data_refs) w.u64(d);
    w.u32(f.global_stores.size());
    for (const auto& g : f.global_stores) {
      w.u64(g.address);
      w.u8(g.width);
      w.value(g.value);
    }
    w.u32(f.escaped_data.size());
    for (uint64_t d : f.escaped_data) w.u64(d);
  }
  w.u8(computed_addresses.has_value());
  if (computed_addresses) {
    w.u32(computed_addresses->size());
    for (uint64_t a : *computed_addresses) w.u64(a);
  }
  out.close();
  if (!out) {  // an unwritable cache only costs time
    std::filesystem::remove(temporary, ec);
    return;
  }
  std::filesystem::rename(temporary, final_path, ec);
  if (!ec) remove_superseded(key);
}

void FactsCache::remove_superseded(const std::string& key) const {
  // Keys are "<content hash>-<size>-v<format>-<analyser>": the same module's facts from
  // another format or analyser build can never be read again.
  const std::string module = key.substr(0, key.find("-v") + 2);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(module) && name.ends_with(".facts") && name != key + ".facts") {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

}  // namespace sysfence::analysis
