#include "enforce/bpf_simulator.h"

#include <algorithm>

#include <fmt/format.h>

namespace sysfence::enforce {
namespace {

constexpr uint32_t kDataSize = 64;  // sizeof(struct seccomp_data)
constexpr uint32_t kMemWords = 16;  // BPF_MEMWORDS

/// seccomp_data as bytes in the filtered architecture's order (the kernel fills it in
/// its own, which is the architecture's).
std::array<uint8_t, kDataSize> layout(const SeccompData& d, bool big_endian) {
  std::array<uint8_t, kDataSize> bytes{};
  auto put = [&](uint32_t offset, uint64_t value, int width) {
    for (int i = 0; i < width; ++i) {
      const int shift = 8 * (big_endian ? width - 1 - i : i);
      bytes[offset + i] = static_cast<uint8_t>(value >> shift);
    }
  };
  put(0, static_cast<uint32_t>(d.nr), 4);
  put(4, d.arch, 4);
  put(8, d.instruction_pointer, 8);
  for (int i = 0; i < 6; ++i) put(16 + 8 * i, d.args[i], 8);
  return bytes;
}

uint32_t word_at(const std::array<uint8_t, kDataSize>& bytes, uint32_t offset, bool big_endian) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int shift = 8 * (big_endian ? 3 - i : i);
    v |= uint32_t{bytes[offset + i]} << shift;
  }
  return v;
}

}  // namespace

bool big_endian_arch(std::string_view arch) {
  for (const char* be : {"mips", "mips64", "mips64n32", "ppc", "ppc64", "s390", "s390x", "parisc", "parisc64"}) {
    if (arch == be) return true;
  }
  return false;
}

Result<Verdict> run_filter(std::span<const sock_filter> program, const SeccompData& data, bool big_endian) {
  if (program.empty() || program.size() > BPF_MAXINSNS) {
    return Error{fmt::format("a filter has 1 to {} instructions, not {}", BPF_MAXINSNS, program.size())};
  }
  const auto bytes = layout(data, big_endian);
  uint32_t a = 0, x = 0;
  std::array<uint32_t, kMemWords> mem{};
  Verdict verdict;
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& in = program[pc];
    ++verdict.instructions;
    auto bad = [&](const char* why) {
      return Error{fmt::format("instruction {} (code {:#x}): {}", pc, in.code, why)};
    };
    const uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
      case BPF_LDX: {
        uint32_t value = 0;
        switch (BPF_MODE(in.code)) {
          case BPF_ABS:
            if (BPF_SIZE(in.code) != BPF_W || in.k % 4 != 0 || in.k >= kDataSize) return bad("seccomp loads aligned words of seccomp_data only");
            if (in.k >= 16 && data.unknown_args[(in.k - 16) / 8]) {
              verdict.depends_on_unknown = true;
              verdict.unknown_args_read |= static_cast<uint8_t>(1u << ((in.k - 16) / 8));
            }
            value = word_at(bytes, in.k, big_endian);
            break;
          case BPF_LEN: value = kDataSize; break;
          case BPF_IMM: value = in.k; break;
          case BPF_MEM:
            if (in.k >= kMemWords) return bad("scratch memory index out of range");
            value = mem[in.k];
            break;
          default: return bad("load mode seccomp does not allow");
        }
        (BPF_CLASS(in.code) == BPF_LD ? a : x) = value;
        break;
      }
      case BPF_ST:
      case BPF_STX:
        if (in.k >= kMemWords) return bad("scratch memory index out of range");
        mem[in.k] = BPF_CLASS(in.code) == BPF_ST ? a : x;
        break;
      case BPF_ALU:
        switch (BPF_OP(in.code)) {
          case BPF_ADD: a += operand; break;
          case BPF_SUB: a -= operand; break;
          case BPF_MUL: a *= operand; break;
          case BPF_DIV:
            if (operand == 0) return verdict;  // action 0: the kernel kills
            a /= operand;
            break;
          case BPF_MOD:
            if (operand == 0) return verdict;
            a %= operand;
            break;
          case BPF_AND: a &= operand; break;
          case BPF_OR: a |= operand; break;
          case BPF_XOR: a ^= operand; break;
          case BPF_LSH: a = operand >= 32 ? 0 : a << operand; break;
          case BPF_RSH: a = operand >= 32 ? 0 : a >> operand; break;
          case BPF_NEG: a = -a; break;
          default: return bad("unknown ALU operation");
        }
        break;
      case BPF_JMP: {
        if (BPF_OP(in.code) == BPF_JA) {
          if (pc + 1 + in.k >= program.size()) return bad("jump past the end");
          pc += in.k;
          break;
        }
        bool taken = false;
        switch (BPF_OP(in.code)) {
          case BPF_JEQ: taken = a == operand; break;
          case BPF_JGT: taken = a > operand; break;
          case BPF_JGE: taken = a >= operand; break;
          case BPF_JSET: taken = (a & operand) != 0; break;
          default: return bad("unknown jump");
        }
        const size_t offset = taken ? in.jt : in.jf;
        if (pc + 1 + offset >= program.size()) return bad("jump past the end");
        pc += offset;
        break;
      }
      case BPF_RET:
        verdict.action = BPF_RVAL(in.code) == BPF_A ? a : in.k;
        return verdict;
      case BPF_MISC:
        if (BPF_MISCOP(in.code) == BPF_TAX) {
          x = a;
        } else {
          a = x;
        }
        break;
      default: return bad("unknown instruction class");
    }
  }
  return Error{"the filter runs off its end without returning"};
}

std::vector<uint32_t> checked_architectures(std::span<const sock_filter> program) {
  constexpr uint32_t kArchOffset = 4;  // offsetof(struct seccomp_data, arch)
  std::vector<uint32_t> checked;
  bool holds_arch = false;  // the accumulator holds the arch word
  for (const sock_filter& insn : program) {
    if (BPF_CLASS(insn.code) == BPF_LD || BPF_CLASS(insn.code) == BPF_LDX || BPF_CLASS(insn.code) == BPF_ALU ||
        BPF_CLASS(insn.code) == BPF_MISC) {
      holds_arch = insn.code == (BPF_LD | BPF_W | BPF_ABS) && insn.k == kArchOffset;
    } else if (holds_arch && insn.code == (BPF_JMP | BPF_JEQ | BPF_K) &&
               std::find(checked.begin(), checked.end(), insn.k) == checked.end()) {
      checked.push_back(insn.k);
    }
  }
  return checked;
}

}  // namespace sysfence::enforce
