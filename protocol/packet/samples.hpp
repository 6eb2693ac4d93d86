#pragma once
// One valid packet of each kind, built from typed headers: every CFG (3, 4, 5, 6, 7, 9), every
// transport (RTP data and each ACK form, UTP, CTP, CNP), every TAOpcode, the enumeration and
// management packets. Used by `ubmodel samples` / `ubmodel demo`, as fuzz seed corpora, and by
// the tests. Payloads point at static storage, so a Sample may be copied freely.

#include <span>
#include <string_view>
#include <vector>

#include "protocol/nl/cci.hpp"
#include "protocol/packet/packet.hpp"

namespace ub::pkt {

struct PacketSample {
  std::string_view name;        // short id, e.g. "cfg7-rtp-write"
  std::string_view description; // one line
  Packet packet;
};

// All packet samples, in a fixed order, in CRC30 mode (the default block mode).
[[nodiscard]] std::vector<PacketSample> packet_samples();

} // namespace ub::pkt

#include "protocol/dl/control_blocks.hpp"

namespace ub::pkt {

struct ControlSample {
  std::string_view name;
  std::string_view description;
  dl::ControlBlock block;
};

// One control block of each DLLCB type (§4.3.3), with representative field values.
[[nodiscard]] std::vector<ControlSample> control_samples();

} // namespace ub::pkt
