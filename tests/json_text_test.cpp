// JSON text from names that need not be UTF-8 (util/json_text.h).

#include "util/json_text.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(JsonText, ValidUtf8IsUnchanged) {
  for (const char* text : {"", "libc.so.6", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x92"}) {
    EXPECT_EQ(escape_invalid_utf8(text), text);
  }
}

TEST(JsonText, InvalidBytesAreEscapedOneByOne) {
  EXPECT_EQ(escape_invalid_utf8("a\x89z"), "a\\x89z");
  EXPECT_EQ(escape_invalid_utf8("\xc0\xaf"), "\\xc0\\xaf");              // overlong '/'
  EXPECT_EQ(escape_invalid_utf8("\xed\xa0\x80"), "\\xed\\xa0\\x80");     // a surrogate
  EXPECT_EQ(escape_invalid_utf8("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(escape_invalid_utf8("\xe2\x82"), "\\xe2\\x82");              // cut short
  EXPECT_EQ(escape_invalid_utf8("\xe2\x82\xac\xff"), "\xe2\x82\xac\\xff");
}

TEST(JsonText, KeysAndNestedStringsAreEscapedInsteadOfAborting) {
  nlohmann::json value = {{"ok", "x"}, {"bad\xfe", {"y\x80", 1}}};
  EXPECT_THROW((void)value.dump(), nlohmann::json::type_error);  // the premise
  const auto text = json_text(value, 2);
  const auto back = nlohmann::json::parse(text);
  EXPECT_EQ(back["ok"], "x");
  ASSERT_TRUE(back.contains("bad\\xfe"));
  EXPECT_EQ(back["bad\\xfe"][0], "y\\x80");
}

}  // namespace
}  // namespace sysfence
