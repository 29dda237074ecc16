// SRTO_PACKETFILTER: the configuration string of SRT's packet filter
// ("fec,cols:10,rows:5,layout:staircase,arq:onreq"), its checks and the
// handshake negotiation of the two sides' strings, as libsrt 1.5 does them:
//  - "<type>,<key>:<value>[,...]"; keys and values case-sensitive; "fec" is
//    the only filter type;
//  - fec keys: cols (>= 2, required once negotiated), rows (1: rows only,
//    >= 2: rows and columns, <= -2: columns only; default 1), layout
//    (staircase (default) or even), arq (always, onreq (default), never);
//  - negotiation: a side without a filter takes the other's; otherwise the
//    types must match and every key both sides set must have the same
//    value; the union, completed with the defaults, is what both run. Any
//    conflict refuses the connection with SRT_REJ_FILTER.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace srtcore::srt {

struct FilterConfig {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;  // in the order given, keys unique

  const std::string *find(std::string_view key) const;
  void set(std::string_view key, std::string_view value);
  friend bool operator==(const FilterConfig &, const FilterConfig &) = default;
};

// Splits the string; nullopt when it is not "<type>[,<key>:<value>...]"
// (empty, empty type, a part without ':' or with an empty key). A repeated
// key keeps the last value, as libsrt's map does.
std::optional<FilterConfig> parse_filter_config(std::string_view text);
std::string to_string(const FilterConfig &c);

// libsrt's SRT_ARQLevel.
enum class ArqLevel : std::uint8_t { kNever = 0, kOnReq = 1, kAlways = 2 };

// A checked fec configuration.
struct FecParams {
  int cols = 0;  // packets in a row = number of columns
  int rows = 1;  // as configured: 1, >= 2, or <= -2
  bool staircase = true;
  ArqLevel arq = ArqLevel::kOnReq;

  int column_size() const { return rows < 0 ? -rows : rows; }  // packets in a column
  bool row_fec() const { return rows > 0; }                    // row FEC packets are sent
  bool column_fec() const { return column_size() >= 2; }       // column FEC packets are sent
  friend bool operator==(const FecParams &, const FecParams &) = default;
};

// Our bound on the matrix (libsrt allows up to 32768 each): the receiver
// holds about three matrices of packets, allocated once per connection.
inline constexpr int kMaxFecCols = 256;
inline constexpr int kMaxFecRows = 256;

// Checks a fec configuration. `require_cols` false accepts a configuration
// that only names the type or leaves cols to the peer (what a side may set
// before the handshake); a negotiated one must have cols. On error, a
// sentence saying what is wrong.
std::variant<FecParams, std::string> check_fec_config(const FilterConfig &c, bool require_cols);
// The same from the string (SRTO_PACKETFILTER as the user wrote it).
std::variant<FecParams, std::string> check_filter_string(std::string_view text, bool require_cols);

// The configuration both sides run, from ours (may be empty: none) and the
// peer's (non-empty), or nullopt when they conflict or the result is not a
// complete valid fec configuration (SRT_REJ_FILTER).
std::optional<std::string> negotiate_filter(std::string_view ours, std::string_view peer);

}  // namespace srtcore::srt
