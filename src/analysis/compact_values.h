#pragma once
/// Lists of values a function's facts keep for each call, in little memory. A program's
/// facts hold millions of them (GCC's cc1plus: 5.7 million arguments at 800,000 call
/// sites; node passes 1.1 million fields of stack objects), as whole Values most of its
/// analysis's peak memory; most are a parameter of the caller passed on (plus a
/// constant), a single constant or an address in the caller's frame. Those take 16 or 24
/// bytes here, the rest a whole Value besides.

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <vector>

#include "analysis/value.h"

namespace sysfence::analysis {

/// A known (not Unknown) value of argument or parameter `index`.
struct IndexedValue {
  uint8_t index = 0;
  Value value;
};

/// What the caller's stack holds, at a call, in a field of an object whose address it
/// passes: `width` bytes at `offset` past argument `index`.
struct PassedField {
  uint8_t index = 0;
  int64_t offset = 0;
  uint8_t width = 0;
  Value value;
};

/// A list of `Item`s (each a Value with a key: IndexedValue, PassedField) that reads back
/// what it was given, in order. `Traits` splits an item into its key and Value and puts
/// them together again.
template <class Item, class Traits>
class CompactValues {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Item;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Item;

    Iterator(const CompactValues& owner, size_t at) : owner_(&owner), at_(at) {}
    Item operator*() const { return owner_->at(at_); }
    Iterator& operator++() {
      ++at_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return at_ == other.at_; }
    bool operator!=(const Iterator& other) const { return at_ != other.at_; }

   private:
    const CompactValues* owner_;
    size_t at_;
  };

  CompactValues() = default;
  CompactValues(const std::vector<Item>& items) { assign(items.begin(), items.end()); }  // NOLINT(google-explicit-constructor)
  CompactValues(std::initializer_list<Item> items) { assign(items.begin(), items.end()); }

  Iterator begin() const { return {*this, 0}; }
  Iterator end() const { return {*this, entries_.size()}; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  /// The `i`th item given.
  Item at(size_t i) const {
    const Entry& e = entries_[i];
    switch (e.form) {
      case Form::Parameter: return Traits::make(e.key, parameter_plus(e.parameter, e.constant));
      case Form::Constant: return Traits::make(e.key, Value::constant(e.constant));
      case Form::Stack: return Traits::make(e.key, Value::stack(static_cast<int64_t>(e.constant)));
      case Form::Other: break;
    }
    return Traits::make(e.key, others_[e.other]);
  }
  /// Every item, in the order given.
  std::vector<Item> items() const { return {begin(), end()}; }

 private:
  template <class It>
  void assign(It first, It last) {
    entries_.reserve(static_cast<size_t>(std::distance(first, last)));
    for (; first != last; ++first) add(*first);
    others_.shrink_to_fit();
  }

  /// A parameter plus a constant (`this` + 8: a member object passed on).
  static Value parameter_plus(uint8_t index, uint64_t addend) {
    return Value::parameter(index).add(static_cast<int64_t>(addend), 64);
  }

  void add(const Item& item) {
    const Value& value = Traits::value(item);
    Entry entry;
    entry.key = Traits::key(item);
    // Each small form is taken only where it gives back the very same Value.
    if (value.kind() == Value::Kind::Parameter &&
        value == parameter_plus(value.parameter_index(), static_cast<uint64_t>(value.addend()))) {
      entry.form = Form::Parameter;
      entry.parameter = value.parameter_index();
      entry.constant = static_cast<uint64_t>(value.addend());
    } else if (auto single = value.single()) {
      entry.form = Form::Constant;
      entry.constant = *single;
    } else if (value.kind() == Value::Kind::Stack) {
      entry.form = Form::Stack;
      entry.constant = static_cast<uint64_t>(value.stack_offset());
    } else {
      entry.other = static_cast<uint32_t>(others_.size());
      others_.push_back(value);
    }
    entries_.push_back(entry);
  }

  enum class Form : uint8_t { Parameter, Constant, Stack, Other };
  struct Entry {
    typename Traits::Key key{};
    Form form = Form::Other;
    uint8_t parameter = 0;  ///< Form::Parameter: parameter_plus(parameter, constant)
    uint32_t other = 0;     ///< Form::Other: others_[other]
    uint64_t constant = 0;  ///< Form::Constant: Value::constant(constant); Form::Stack: the offset
  };
  std::vector<Entry> entries_;
  std::vector<Value> others_;
};

struct IndexedValueTraits {
  using Key = uint8_t;
  static Key key(const IndexedValue& v) { return v.index; }
  static const Value& value(const IndexedValue& v) { return v.value; }
  static IndexedValue make(Key key, Value value) { return {key, std::move(value)}; }
};

struct PassedFieldTraits {
  /// Objects passed are small (at most kMaxPassedObject bytes are recorded).
  struct Key {
    int32_t offset = 0;
    uint8_t index = 0;
    uint8_t width = 0;
  };
  static Key key(const PassedField& f) { return {static_cast<int32_t>(f.offset), f.index, f.width}; }
  static const Value& value(const PassedField& f) { return f.value; }
  static PassedField make(Key key, Value value) { return {key.index, key.offset, key.width, std::move(value)}; }
};

/// The known arguments of a call site.
using CallArguments = CompactValues<IndexedValue, IndexedValueTraits>;
/// The known fields of stack objects a call passes by address.
using PassedFields = CompactValues<PassedField, PassedFieldTraits>;

}  // namespace sysfence::analysis
