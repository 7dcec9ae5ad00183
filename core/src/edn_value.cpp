// EdnValue helpers and the public EdnReader (a thin wrapper over the internal EdnParser).
#include "faultline/core/edn.h"

#include "edn_parser.h"

namespace faultline {

std::string_view to_string(EdnKind k) {
  switch (k) {
    case EdnKind::Nil: return "nil";
    case EdnKind::Bool: return "boolean";
    case EdnKind::Int: return "integer";
    case EdnKind::BigInt: return "big integer";
    case EdnKind::Float: return "float";
    case EdnKind::BigDecimal: return "big decimal";
    case EdnKind::Ratio: return "ratio";
    case EdnKind::Char: return "character";
    case EdnKind::String: return "string";
    case EdnKind::Keyword: return "keyword";
    case EdnKind::Symbol: return "symbol";
    case EdnKind::List: return "list";
    case EdnKind::Vector: return "vector";
    case EdnKind::Map: return "map";
    case EdnKind::Set: return "set";
    case EdnKind::Tagged: return "tagged literal";
  }
  return "?";
}

bool operator==(const EdnValue& a, const EdnValue& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case EdnKind::Nil: return true;
    case EdnKind::Bool: return a.boolean == b.boolean;
    case EdnKind::Int: return a.integer == b.integer;
    case EdnKind::Float:
      return a.number == b.number || (a.number != a.number && b.number != b.number);  // NaN
    case EdnKind::Char: return a.character == b.character;
    case EdnKind::BigInt:
    case EdnKind::BigDecimal:
    case EdnKind::Ratio:
    case EdnKind::String:
    case EdnKind::Keyword:
    case EdnKind::Symbol: return a.text == b.text;
    case EdnKind::List:
    case EdnKind::Vector:
    case EdnKind::Map:
    case EdnKind::Set:
    case EdnKind::Tagged: return a.text == b.text && a.items == b.items;
  }
  return false;
}

const EdnValue* EdnValue::find_keyword(std::string_view name) const {
  if (kind != EdnKind::Map) return nullptr;
  for (size_t i = 0; i + 1 < items.size(); i += 2) {
    if (items[i].kind == EdnKind::Keyword && items[i].text == name) return &items[i + 1];
  }
  return nullptr;
}

EdnValue EdnValue::boolean_of(bool b) {
  EdnValue v;
  v.kind = EdnKind::Bool;
  v.boolean = b;
  return v;
}
EdnValue EdnValue::int_of(int64_t i) {
  EdnValue v;
  v.kind = EdnKind::Int;
  v.integer = i;
  return v;
}
EdnValue EdnValue::float_of(double d) {
  EdnValue v;
  v.kind = EdnKind::Float;
  v.number = d;
  return v;
}
EdnValue EdnValue::string_of(std::string s) {
  EdnValue v;
  v.kind = EdnKind::String;
  v.text = std::move(s);
  return v;
}
EdnValue EdnValue::keyword_of(std::string name) {
  EdnValue v;
  v.kind = EdnKind::Keyword;
  v.text = std::move(name);
  return v;
}
EdnValue EdnValue::symbol_of(std::string name) {
  EdnValue v;
  v.kind = EdnKind::Symbol;
  v.text = std::move(name);
  return v;
}
EdnValue EdnValue::char_of(char32_t c) {
  EdnValue v;
  v.kind = EdnKind::Char;
  v.character = c;
  return v;
}
EdnValue EdnValue::collection_of(EdnKind kind, std::vector<EdnValue> items) {
  EdnValue v;
  v.kind = kind;
  v.items = std::move(items);
  return v;
}

struct EdnReader::Impl {
  Impl(std::string_view text, std::string name) : source(text, std::move(name)), parser(source) {}
  detail::ByteSource source;
  detail::EdnParser parser;
};

EdnReader::EdnReader(std::string_view text, std::string name)
    : impl_(std::make_unique<Impl>(text, std::move(name))) {}
EdnReader::~EdnReader() = default;

bool EdnReader::next(EdnValue& out) {
  return impl_->parser.next(out) == detail::EdnParser::Next::Form;
}

EdnValue parse_edn(std::string_view text, const std::string& name) {
  detail::ByteSource source(text, name);
  detail::EdnParser parser(source);
  EdnValue v;
  if (parser.next(v) != detail::EdnParser::Next::Form) {
    const SourcePos end = source.pos();
    parser.fail(end.line, end.col, "expected an EDN form, found end of input");
  }
  EdnValue extra;
  if (parser.next(extra) == detail::EdnParser::Next::Form) {
    parser.fail(extra.line, extra.col, "expected one EDN form, found a second one");
  }
  return v;
}

std::vector<EdnValue> parse_edn_all(std::string_view text, const std::string& name) {
  EdnReader reader(text, name);
  std::vector<EdnValue> forms;
  EdnValue v;
  while (reader.next(v)) forms.push_back(std::move(v));
  return forms;
}

}  // namespace faultline
