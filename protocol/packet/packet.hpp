#pragma once
// A whole data-link packet, decoded by following CFG and each layer's NLP through every header
// into one typed value (UB-Base-2.0 App. B, Figs. B-1..B-12), and encoded back.
//
//   CFG 3/4  LPH | NTH_IP | RTPH or UTPH | [UPIH32 EIDH256] | TAH ... | payload | pad | ICRC
//            (an IP packet that is not UDP to port 4792 is carried opaque: LPH | NTH_IP | bytes |
//            ICRC)
//   CFG 5    LPH | NET_MGMT | PDU
//   CFG 6    LPH | NTH_CNA16 | CTPH | [UPIH16 EIDH40 | UPIH32 EIDH256] | TAH ... | payload | pad |
//   ICRC
//            LPH | NTH_CNA16 (NLP 1) | UPIH16 | SCAN | paths + Scan PDU | [ICRC]   (enumeration)
//   CFG 7    LPH | NTH_CNA24 | CTPH ... as CFG 6, or RTPH/UTPH ... as CFG 3/4
//   CFG 9    LPH | NTH_CNA16 | BTAH_COMPACT/ATAH_COMPACT | [UDETAH] | [MAETAH_COMPACT] | [TVETAH]
//            | [BEETAH] | payload                                        (no TPH, no ICRC)
//   TP ACKs  ... | RTPH | [CETPH] | [SAETPH] | pad | ICRC;  CNP ... | RTPH or CTPH | CNP | pad |
//   ICRC
// CIPH (§11.5.2.3, no layout published) is reported as NotModelled.
//
// Decoding never reads past its input and never allocates: headers land in a fixed array inside
// the Packet, and the payload is a view into the input (or into the caller's scratch buffer for
// a multi-block packet).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "protocol/common/error.hpp"
#include "protocol/dl/block_mode.hpp"
#include "protocol/dl/frame.hpp"
#include "protocol/dl/link_headers.hpp"
#include "protocol/mgmt/net_mgmt.hpp"
#include "protocol/mgmt/scan_header.hpp"
#include "protocol/nl/eidh.hpp"
#include "protocol/nl/nth_cna.hpp"
#include "protocol/nl/nth_ip.hpp"
#include "protocol/nl/upih.hpp"
#include "protocol/ta/beetah.hpp"
#include "protocol/ta/ext_headers.hpp"
#include "protocol/ta/tah.hpp"
#include "protocol/tp/cetph.hpp"
#include "protocol/tp/ctph.hpp"
#include "protocol/tp/rtph.hpp"
#include "protocol/tp/saetph.hpp"

namespace ub::pkt {

// Every header that can follow the LPH.
using Header =
    std::variant<nl::NthCna16, nl::NthCna24, nl::NthIp, mgmt::NetMgmtHeader, nl::Upih16, nl::Upih32,
                 nl::Eidh40, nl::Eidh256, mgmt::ScanHeader, tp::Rtph, tp::Utph, tp::Ctph,
                 tp::CetphLdcp, tp::CetphCaqm, tp::Saetph, tp::CnpCetph, ta::Btah, ta::BtahCompact,
                 ta::Atah, ta::AtahCompact, ta::Maetah, ta::MaetahCompact, ta::Mtetah, ta::Tvetah,
                 ta::Taidetah, ta::Ofstetah, ta::Immetah, ta::Ntfetah, ta::Beetah, ta::Udetah,
                 ta::Mgmtetah>;

inline constexpr std::size_t kMaxHeaders = 12;

struct DecodeOptions {
  dl::BlockMode mode = dl::BlockMode::Crc30;
  tp::CetphForm cetph = tp::CetphForm::Ldcp; // negotiated per channel (§6.2.2), not on the wire
  bool enumeration_icrc = true;              // optional for enumeration packets (§10.4.3.1)
  // MODEL: a simulator whose links cannot corrupt bytes may skip the ICRC computation; the
  // field is still read and reported. Receivers of real bytes leave this on.
  bool verify_icrc = true;
};

struct Packet {
  // Data link (§4.3.2).
  dl::BlockMode mode = dl::BlockMode::Crc30;
  dl::Lph lph{};
  std::array<dl::Lbh, dl::kMaxBlocks - 1> lbh{};
  std::uint8_t lbh_count = 0;
  bool error_flag = false;
  // Headers after the LPH, in wire order.
  std::array<Header, kMaxHeaders> headers{};
  std::uint8_t header_count = 0;
  // Transaction payload (or the opaque rest of a non-UB IP packet, or a management PDU).
  std::span<const Byte> payload{};
  std::uint8_t pad_bytes = 0; // TPH Padding (zero bytes before the ICRC)
  bool has_icrc = false;
  std::uint32_t icrc = 0; // as received (decode) or as computed (encode)
  // Enumeration packets (CFG 6, NTH.NLP 1) may go without an ICRC (§10.4.3.1); set by the
  // decoder from DecodeOptions::enumeration_icrc, read by the encoder. Refused elsewhere.
  bool omit_icrc = false;
  bool canonical = true; // false if ignored bits or bytes (padding, reserved) were non-zero

  [[nodiscard]] std::span<const Header> header_list() const noexcept {
    return {headers.data(), header_count};
  }
  template <class H>
  [[nodiscard]] const H* find() const noexcept {
    for (std::size_t i = 0; i < header_count; ++i) {
      if (const H* h = std::get_if<H>(&headers[i])) {
        return h;
      }
    }
    return nullptr;
  }
  template <class H>
  [[nodiscard]] H* find() noexcept {
    for (std::size_t i = 0; i < header_count; ++i) {
      if (H* h = std::get_if<H>(&headers[i])) {
        return h;
      }
    }
    return nullptr;
  }
  // Appends a header (builder use); false if the list is full.
  bool push(const Header& h) noexcept {
    if (header_count >= kMaxHeaders) {
      return false;
    }
    headers[header_count++] = h;
    return true;
  }
};

// True for an enumeration packet: CFG 6 whose NTH_CNA16 has NLP 1 (§10.4.3.1).
[[nodiscard]] bool is_enumeration(const Packet& p) noexcept;

// `h` with the fields the encoder computes (TPH Padding, IP/UDP lengths, MGMTETAH.PDU_Length)
// set to zero: what two headers are compared on when one was given and one decoded.
[[nodiscard]] Header without_derived(Header h) noexcept;

// Spec name of a header ("NTH_CNA24", "RTPH", ...).
[[nodiscard]] std::string_view header_name(const Header& h) noexcept;

// Decodes the network packet that follows `lph` (`net` = the bytes after the LPH, de-framed,
// ICRC included). Error offsets are relative to `net`. `out.payload` points into `net`.
// Errors: those of each header's decoder, plus
//   NotAllowed      a header or value the packet's CFG or previous headers forbid (e.g. NLP 1
//                   in CFG 9, an opcode with the wrong TAH form, MT_EN against the opcode)
//   LengthMismatch  IP/UDP lengths, PDU_Length, Padding alignment, payload size rules
//   IcrcMismatch    the ICRC does not match
//   NotModelled     CIPH
//   Truncated       bytes end before the headers, padding or ICRC the packet needs
[[nodiscard]] Status decode_network(const dl::Lph& lph, std::span<const Byte> net,
                                    const DecodeOptions& opts, Packet& out) noexcept;

// Decodes one framed data packet (flits) into `out`. `scratch` must hold max_payload(mode)
// bytes for multi-block packets. Error offsets are byte offsets in `wire`.
[[nodiscard]] Status decode_packet(std::span<const Byte> wire, const DecodeOptions& opts,
                                   std::span<Byte> scratch, Packet& out) noexcept;

// Serialises the network packet (bytes after the LPH, ICRC included) into `out`, computing the
// derived fields: TPH Padding, IP/UDP lengths, MGMTETAH.PDU_Length and the ICRC. The header list
// must follow the same grammar decode_network checks. Returns the bytes written.
// Errors: NotAllowed (a header where the grammar wants another), OutOfRange / ReservedValue (a
// field), LengthMismatch (payload rules), BufferTooSmall.
[[nodiscard]] Result<std::size_t> encode_network(const Packet& p, std::span<Byte> out) noexcept;

// encode_network, then framing into flits (LPH.PLENGTH computed). `scratch` holds the network
// packet (max_payload(mode) bytes is enough). Returns the framed size.
[[nodiscard]] Result<std::size_t> encode_packet(const Packet& p, std::span<Byte> out,
                                                std::span<Byte> scratch) noexcept;

// The largest framed packet, for buffer sizing.
inline constexpr std::size_t kMaxWireBytes = std::size_t{dl::kMaxPacketFlits} * dl::kFlitBytes;
inline constexpr std::size_t kMaxNetBytes = 10205; // dl::max_payload(NonCrc)

} // namespace ub::pkt
