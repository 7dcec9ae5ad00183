// Escaping for values that land in an HTML page (every value taken from a history goes
// through one of these before it is written).
//
//   html_escape      text for element content and double- or single-quoted attribute values:
//                    & < > " ' become entities, nothing else changes;
//   script_json      a JSON document for an inline <script type="application/json"> (or JS)
//                    block: compact JSON in which '<', '>' and '&' are written \u003c, \u003e,
//                    \u0026 and U+2028/U+2029 as \u2028/\u2029, so no value (e.g. "</script>" or
//                    "<!--") can end or change the block; JSON.parse reads it back unchanged.
//                    Invalid UTF-8 in strings is replaced (U+FFFD), never an exception.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace faultline::reports {

std::string html_escape(std::string_view s);
void append_html_escaped(std::string& out, std::string_view s);
std::string script_json(const nlohmann::json& j);

// A JSON value as short display text (strings without quotes), at most `max` bytes (cut with
// "…"); the result is plain text, still to be escaped for where it lands.
std::string display_value(const nlohmann::json& v, size_t max = 200);

}  // namespace faultline::reports
