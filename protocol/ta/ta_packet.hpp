#pragma once
// One packet's transaction-layer bytes: the base header (BTAH / ATAH, full or compact), the
// extension headers the opcode and flags call for, in wire order, and the TA payload.
// UB-Base-2.0 §7.2 (Tables 7-1..7-4: which extension headers each opcode carries and in what
// order), §7.4 (per-opcode payload rules), App. B.2 (which CFG carries which form).
//
// This is what travels inside a TP message (RTP/CTP/UTP: the bytes after the TPH) or directly
// after the NTH (TP bypass, CFG 9). The whole-packet codec (protocol/packet) follows the same
// grammar from the LPH; this one starts at the TAH, so the transaction engines can build and read
// per-packet TA bytes without the layers below.
//
// Three wire forms, chosen by the packet's CFG (nothing in the TA bytes names the form, so the
// caller, which knows the CFG, passes it; A-140):
//   TaWire::Cna16    full BTAH/ATAH; Read and Atomic requests and responses carry no TAIDETAH /
//                    OFSTETAH (CFG 6: NTH_CNA16 with CTPH or RTPH/UTPH)
//   TaWire::Taid     full BTAH/ATAH with TAIDETAH (and OFSTETAH for Read / Read_response)
//                    (CFG 3/4 IP and CFG 7 CNA24)
//   TaWire::Compact  BTAH_COMPACT / ATAH_COMPACT with MAETAH_COMPACT (CFG 9, TP bypass). A
//                    request is BTAH_COMPACT, [UDETAH], MAETAH_COMPACT, [TVETAH], [BEETAH],
//                    payload; a response is ATAH_COMPACT and its payload (App. B.2.6).
//
// The chain rules (which extension headers, in which order, and the payload rules) live in
// ta_chain.hpp, which the whole-packet codec walks too, so the two codecs cannot disagree.
// Every field, reserved ones included, is kept as received, so encode_ta(decode_ta(b)) == b.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/shared_bytes.hpp"
#include "protocol/ta/beetah.hpp"
#include "protocol/ta/ext_headers.hpp"
#include "protocol/ta/ta_opcode.hpp"
#include "protocol/ta/tah.hpp"

namespace ub::ta {

enum class TaWire : std::uint8_t { Cna16, Taid, Compact };
[[nodiscard]] std::string_view to_string(TaWire w) noexcept;

using TaBase = std::variant<Btah, BtahCompact, Atah, AtahCompact>;

struct TaPacket {
  TaBase base{Btah{}};
  // Extension headers: present iff the opcode, the flags (UD_Flag, TV_EN, MT_EN) and the wire
  // form call for them (Table 7-2). The encoder refuses a packet whose set does not match.
  std::optional<Udetah> ud;
  std::optional<Mtetah> mt;
  std::optional<Taidetah> taid;
  std::optional<Ofstetah> ofst;
  std::optional<Maetah> ma;
  std::optional<MaetahCompact> ma_compact;
  std::optional<Immetah> imm;
  std::optional<Ntfetah> ntf;
  std::optional<Tvetah> tv;
  std::optional<Beetah> be;
  std::optional<Mgmtetah> mgmt;
  std::vector<Byte> payload;
  // Or, decoded by decode_ta_shared, the payload as a share of the received buffer (`payload` is
  // then empty): a receiver reads payload_view(), which is either. Not part of the wire format.
  SharedBytes payload_share;

  [[nodiscard]] std::span<const Byte> payload_view() const noexcept {
    return payload_share.empty() ? std::span<const Byte>(payload) : payload_share.view();
  }
  [[nodiscard]] std::uint8_t opcode() const noexcept;
  [[nodiscard]] bool is_response() const noexcept; // ATAH or ATAH_COMPACT
  [[nodiscard]] std::uint16_t ini_tassn() const noexcept;
  // Every header, and the payload's bytes wherever they are held.
  friend bool operator==(const TaPacket& a, const TaPacket& b) noexcept {
    const auto pa = a.payload_view();
    const auto pb = b.payload_view();
    return a.base == b.base && a.ud == b.ud && a.mt == b.mt && a.taid == b.taid &&
           a.ofst == b.ofst && a.ma == b.ma && a.ma_compact == b.ma_compact && a.imm == b.imm &&
           a.ntf == b.ntf && a.tv == b.tv && a.be == b.be && a.mgmt == b.mgmt &&
           std::equal(pa.begin(), pa.end(), pb.begin(), pb.end());
  }
};

// Bytes of the headers alone (base + extensions) for `p` in form `w`: the base header and every
// extension header present. For a packet encode_ta accepts, exactly what it writes before the
// payload. (The base header's variant already tells full from compact; `w` is there so callers
// state the form as they do for encode_ta.)
[[nodiscard]] std::size_t ta_header_size(const TaPacket& p, TaWire w) noexcept;

// Appends the packet's bytes to `out`: headers, then payload. Errors (nothing appended), with the
// byte offset the header has (or would have) in the output:
//   NotAllowed      a header the opcode / flags / form forbid, or a missing one it requires
//                   (header "TaPacket", field the extension header's name, e.g. "MTETAH"); a base
//                   header of the wrong form (header "TaPacket", field "BTAH", "ATAH_COMPACT",
//                   ...); a response opcode in a BTAH or a request opcode in an ATAH, or an opcode
//                   CFG 9 does not carry in a BTAH_COMPACT (field "TAOpcode"); MT_EN against the
//                   opcode, TV_EN on Management / Prefetch_tgt; a BEETAH of the wrong width
//   ReservedValue   reserved TAOpcode (0x02, 0x16, 0x19..) and the headers' other reserved codes
//   LengthMismatch  the payload against the opcode's rules (§7.4: no payload for Read /
//                   Prefetch / Transaction_ACK, 2 x Length for atomics, PDU_Length, compact
//                   Length for CFG 9 writes). MGMTETAH.PDU_Length is checked, not computed.
// Header field range errors (OutOfRange) come from each header's own encoder.
[[nodiscard]] Status encode_ta(const TaPacket& p, TaWire w, std::vector<Byte>& out);
[[nodiscard]] Result<std::vector<Byte>> encode_ta(const TaPacket& p, TaWire w);
// The headers alone of a packet whose payload of `payload_size` bytes the caller holds elsewhere
// (p.payload is not used): exactly what encode_ta writes before the payload for that packet with
// such a payload, after the same checks, which judge `payload_size` as the payload's length.
[[nodiscard]] Status encode_ta_headers(const TaPacket& p, std::size_t payload_size, TaWire w,
                                       std::vector<Byte>& out);

// Decodes one packet's TA bytes: the opcode in byte 0 picks the ATAH (0x11..0x13) or the BTAH,
// whose opcode and flags pick the chain; every byte after the chain is payload (the TP padding
// must already be gone; A-140). Error offsets are relative to `bytes`; the same error kinds as
// encode_ta, plus Truncated (offset: the end of the input) when the bytes end inside a header the
// chain calls for. Never reads past `bytes`, never crashes on any input.
[[nodiscard]] Result<TaPacket> decode_ta(std::span<const Byte> bytes, TaWire w);
// decode_ta, keeping the buffer: on success the payload is `bytes` with the headers cut off
// (no new allocation); on failure `bytes` is left as it was.
[[nodiscard]] Result<TaPacket> decode_ta_owned(std::vector<Byte>&& bytes, TaWire w);
// decode_ta over bytes.view(), leaving the payload where it is: on success `payload` is empty and
// `payload_share` is the range of `bytes` after the headers (no copy, no allocation).
[[nodiscard]] Result<TaPacket> decode_ta_shared(const SharedBytes& bytes, TaWire w);

} // namespace ub::ta
