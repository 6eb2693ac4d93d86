#pragma once
// A readable tree of a decoded unit, in the manner of a protocol analyser.

#include <string>

#include "tools/ubmodel/json_io.hpp"

namespace ub::tool {

[[nodiscard]] std::string pretty_unit(const Unit& u, std::size_t wire_bytes);
[[nodiscard]] std::string pretty_header(std::string_view name,
                                        const std::vector<pkt::FieldEntry>& fields);

} // namespace ub::tool
