#include "srt/filter_config.hpp"

#include <charconv>

namespace srtcore::srt {

const std::string *FilterConfig::find(std::string_view key) const {
  for (const auto &[k, v] : params) {
    if (k == key) return &v;
  }
  return nullptr;
}

void FilterConfig::set(std::string_view key, std::string_view value) {
  for (auto &[k, v] : params) {
    if (k == key) {
      v = value;
      return;
    }
  }
  params.emplace_back(key, value);
}

std::optional<FilterConfig> parse_filter_config(std::string_view text) {
  FilterConfig c;
  bool first = true;
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    if (first) {
      if (part.empty()) return std::nullopt;
      c.type = part;
      first = false;
    } else {
      const std::size_t colon = part.find(':');
      if (colon == std::string_view::npos || colon == 0) return std::nullopt;
      c.set(part.substr(0, colon), part.substr(colon + 1));
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return c;
}

std::string to_string(const FilterConfig &c) {
  std::string s = c.type;
  for (const auto &[k, v] : c.params) s += "," + k + ":" + v;
  return s;
}

namespace {

std::optional<int> to_int(const std::string &s) {
  int v = 0;
  const char *end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, v);
  if (r.ec != std::errc() || r.ptr != end) return std::nullopt;
  return v;
}

// libsrt's FECFilterBuiltin::defaultConfig.
constexpr std::pair<const char *, const char *> kFecDefaults[] = {
    {"rows", "1"}, {"layout", "staircase"}, {"arq", "onreq"}};

}  // namespace

std::variant<FecParams, std::string> check_fec_config(const FilterConfig &c, bool require_cols) {
  if (c.type != "fec") return "unknown packet filter '" + c.type + "' (only 'fec' exists)";
  FecParams p;
  for (const auto &[k, v] : c.params) {
    if (k == "cols") {
      const auto n = to_int(v);
      if (!n || *n < 2) return std::string("'cols' must be a number >= 2");
      if (*n > kMaxFecCols) return "'cols' must be at most " + std::to_string(kMaxFecCols);
      p.cols = *n;
    } else if (k == "rows") {
      const auto n = to_int(v);
      if (!n || (*n >= -1 && *n < 1)) return std::string("'rows' must be >= 1 or <= -2");
      if (*n > kMaxFecRows || *n < -kMaxFecRows) {
        return "'rows' must be within -" + std::to_string(kMaxFecRows) + ".." +
               std::to_string(kMaxFecRows);
      }
      p.rows = *n;
    } else if (k == "layout") {
      if (v != "staircase" && v != "even") {
        return std::string("'layout' must be 'even' or 'staircase'");
      }
      p.staircase = v == "staircase";
    } else if (k == "arq") {
      if (v == "never") {
        p.arq = ArqLevel::kNever;
      } else if (v == "onreq") {
        p.arq = ArqLevel::kOnReq;
      } else if (v == "always") {
        p.arq = ArqLevel::kAlways;
      } else {
        return "'arq' value '" + v + "' is invalid (never, onreq, always)";
      }
    } else {
      return "unknown fec parameter '" + k + "' (cols, rows, layout, arq)";
    }
  }
  if (require_cols && p.cols == 0) return std::string("'cols' is required");
  return p;
}

std::variant<FecParams, std::string> check_filter_string(std::string_view text, bool require_cols) {
  const auto c = parse_filter_config(text);
  if (!c) return "'" + std::string(text) + "' is not '<type>,<key>:<value>,...'";
  return check_fec_config(*c, require_cols);
}

std::optional<std::string> negotiate_filter(std::string_view ours, std::string_view peer) {
  auto theirs = parse_filter_config(peer);
  if (!theirs) return std::nullopt;
  FilterConfig merged = *theirs;
  if (!ours.empty()) {
    const auto mine = parse_filter_config(ours);
    if (!mine || mine->type != theirs->type) return std::nullopt;
    merged = *mine;
    for (const auto &[k, v] : theirs->params) {
      const std::string *have = merged.find(k);
      if (have && *have != v) return std::nullopt;
      merged.set(k, v);
    }
  }
  if (merged.type == "fec") {
    for (const auto &[k, v] : kFecDefaults) {
      if (!merged.find(k)) merged.set(k, v);
    }
  }
  if (std::holds_alternative<std::string>(check_fec_config(merged, true))) return std::nullopt;
  return to_string(merged);
}

}  // namespace srtcore::srt
