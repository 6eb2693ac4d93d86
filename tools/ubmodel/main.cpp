// ubmodel: the command-line tool of the ubmodel UB 2.0 model.
//   ubmodel demo                      decode and pretty-print a built-in sample of each kind
//   ubmodel samples [--only NAME]     one valid unit of each kind, as hex
//   ubmodel decode [--json] [--header NAME] HEX | @FILE | -
//   ubmodel encode [--header NAME] [FILE]      JSON on standard input (or FILE) -> hex
//   ubmodel headers                   the header names decode/encode --header accept
//   ubmodel link [options] [--json]   two ports over one link: retry, credits, goodput
//   ubmodel transport [options] [--json]  two RTP ends over a lossy multipath network
//   ubmodel txn [options] [--json]    initiators and targets: memory semantics, ordering, oracle
//   ubmodel sim [SCENARIO | NS3_DIR]  the fabric simulator (default: the built-in scenario)
// Bad input of any kind: exit status 2 and one line on stderr.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "protocol/packet/registry.hpp"
#include "protocol/packet/samples.hpp"
#include "sim/huge_pages.hpp"
#include "tools/ubmodel/hex.hpp"
#include "tools/ubmodel/json_io.hpp"
#include "tools/ubmodel/link_cmd.hpp"
#include "tools/ubmodel/pretty.hpp"
#include "tools/ubmodel/sim_cmd.hpp"
#include "tools/ubmodel/transport_cmd.hpp"
#include "tools/ubmodel/txn_cmd.hpp"

namespace {

using namespace ub;
using namespace ub::tool;

constexpr int kBadInput = 2;

int fail(const std::string& message) {
  std::cerr << "ubmodel: error: " << message << '\n';
  return kBadInput;
}

struct CommonOptions {
  std::string mode = "crc30";
  std::string cetph = "ldcp";
  bool no_enum_icrc = false;

  [[nodiscard]] pkt::DecodeOptions decode_options() const {
    pkt::DecodeOptions o{};
    o.mode = *dl::block_mode_from_string(mode);
    o.cetph = cetph == "caqm" ? ub::tp::CetphForm::Caqm : ub::tp::CetphForm::Ldcp;
    o.enumeration_icrc = !no_enum_icrc;
    return o;
  }
};

void add_common(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--mode", o.mode, "data-link block mode: crc30 (default), crc62 or noncrc")
      ->check(CLI::IsMember({"crc30", "crc62", "noncrc"}));
  cmd->add_option("--cetph", o.cetph,
                  "CETPH form of the channel's congestion control: ldcp (default) or caqm")
      ->check(CLI::IsMember({"ldcp", "caqm"}));
  cmd->add_flag("--no-enum-icrc", o.no_enum_icrc,
                "enumeration packets (CFG 6, NLP 1) carry no ICRC (§10.4.3.1)");
}

// Reads the input argument: hex text, @FILE (hex text, or raw bytes with --raw), or - (stdin).
ToolResult<std::vector<std::uint8_t>> read_input(const std::string& arg, bool raw) {
  std::string text;
  std::string where = "argument";
  if (arg == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
    where = "stdin";
  } else if (!arg.empty() && arg[0] == '@') {
    const std::string path = arg.substr(1);
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      return make_unexpected(ToolError{fmt::format("{}: cannot open file", path)});
    }
    text.assign(std::istreambuf_iterator<char>(f), {});
    where = path;
  } else {
    text = arg;
  }
  if (raw) {
    return std::vector<std::uint8_t>(text.begin(), text.end());
  }
  auto bytes = parse_hex(text);
  if (!bytes) {
    return make_unexpected(ToolError{
        fmt::format("{}: character {}: {}", where, bytes.error().position, bytes.error().reason)});
  }
  if (bytes->empty()) {
    return make_unexpected(ToolError{fmt::format("{}: no bytes given", where)});
  }
  return *bytes;
}

ToolResult<json> read_json(const std::string& path) {
  std::string text;
  std::string where = "stdin";
  if (path.empty() || path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      return make_unexpected(ToolError{fmt::format("{}: cannot open file", path)});
    }
    text.assign(std::istreambuf_iterator<char>(f), {});
    where = path;
  }
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    return make_unexpected(
        ToolError{fmt::format("{}: byte {}: JSON parse error: {}", where, e.byte, e.what())});
  }
}

// Every sample, encoded in `mode`: (name, description, bytes).
struct EncodedSample {
  std::string name;
  std::string description;
  std::vector<std::uint8_t> bytes;
};

ToolResult<std::vector<EncodedSample>> encoded_samples(dl::BlockMode mode) {
  std::vector<EncodedSample> out;
  std::vector<std::uint8_t> scratch(pkt::kMaxNetBytes);
  for (const auto& s : pkt::packet_samples()) {
    pkt::Packet p = s.packet;
    p.mode = mode;
    std::vector<std::uint8_t> wire(pkt::kMaxWireBytes);
    auto n = pkt::encode_packet(p, wire, scratch);
    if (!n) {
      return make_unexpected(ToolError{fmt::format("sample {}: {}", s.name, to_string(n.error()))});
    }
    wire.resize(*n);
    out.push_back({std::string(s.name), std::string(s.description), std::move(wire)});
  }
  for (const auto& s : pkt::control_samples()) {
    std::vector<std::uint8_t> wire(dl::control_block_flits(s.block) * dl::kFlitBytes);
    auto n = dl::encode_control_block(s.block, mode, wire);
    if (!n) {
      return make_unexpected(ToolError{fmt::format("sample {}: {}", s.name, to_string(n.error()))});
    }
    wire.resize(*n);
    out.push_back({std::string(s.name), std::string(s.description), std::move(wire)});
  }
  return out;
}

int run_decode(const CommonOptions& common, bool as_json, const std::string& header,
               const std::string& input, bool raw) {
  auto bytes = read_input(input, raw);
  if (!bytes) {
    return fail(bytes.error().message);
  }
  const auto opts = common.decode_options();
  if (!header.empty()) {
    auto j = decode_header_json(header, *bytes, opts);
    if (!j) {
      return fail(j.error().message);
    }
    if (as_json) {
      std::cout << j->dump() << '\n';
    } else {
      auto fields = pkt::find_header(header)->decode(*bytes, opts);
      std::cout << pretty_header(header, *fields);
    }
    return 0;
  }
  auto unit = decode_unit(*bytes, opts);
  if (!unit) {
    return fail(unit.error().message);
  }
  if (as_json) {
    std::cout << unit_to_json(*unit).dump() << '\n';
  } else {
    std::cout << pretty_unit(*unit, bytes->size());
  }
  return 0;
}

int run_encode(const CommonOptions& common, const std::string& header, const std::string& path) {
  auto j = read_json(path);
  if (!j) {
    return fail(j.error().message);
  }
  const auto opts = common.decode_options();
  if (!header.empty()) {
    auto bytes = encode_header_json(header, *j, opts);
    if (!bytes) {
      return fail(bytes.error().message);
    }
    std::cout << to_hex(*bytes) << '\n';
    return 0;
  }
  auto unit = unit_from_json(*j, opts);
  if (!unit) {
    return fail(unit.error().message);
  }
  auto bytes = encode_unit(*unit);
  if (!bytes) {
    return fail(bytes.error().message);
  }
  // Decode what we produced and hold it against every field the input gave.
  pkt::DecodeOptions check = opts;
  check.mode = unit->mode;
  if (const auto* c = unit->packet.find<ub::tp::CetphCaqm>(); c != nullptr) {
    check.cetph = ub::tp::CetphForm::Caqm;
  }
  auto back = decode_unit(*bytes, check);
  if (!back) {
    return fail("internal: the encoded unit does not decode: " + back.error().message);
  }
  if (auto st = check_given_fields(*j, *back); !st) {
    return fail(st.error().message);
  }
  std::cout << to_hex(*bytes) << '\n';
  return 0;
}

int run_samples(const CommonOptions& common, const std::string& only, bool list) {
  auto samples = encoded_samples(common.decode_options().mode);
  if (!samples) {
    return fail(samples.error().message);
  }
  bool found = only.empty();
  for (const auto& s : *samples) {
    if (!only.empty() && s.name != only) {
      continue;
    }
    found = true;
    if (list) {
      std::cout << fmt::format("{:<28} {}\n", s.name, s.description);
    } else if (!only.empty()) {
      std::cout << to_hex(s.bytes) << '\n';
    } else {
      std::cout << s.name << '\t' << to_hex(s.bytes) << '\n';
    }
  }
  if (!found) {
    return fail(fmt::format("--only: no sample named \"{}\" (see `ubmodel samples --list`)", only));
  }
  return 0;
}

int run_demo(const CommonOptions& common) {
  const auto opts = common.decode_options();
  auto samples = encoded_samples(opts.mode);
  if (!samples) {
    return fail(samples.error().message);
  }
  std::cout << fmt::format(
      "ubmodel demo: {} built-in units, decoded from their wire bytes ({})\n\n", samples->size(),
      dl::to_string(opts.mode));
  for (const auto& s : *samples) {
    auto unit = decode_unit(s.bytes, opts);
    if (!unit) {
      return fail(fmt::format("sample {}: {}", s.name, unit.error().message));
    }
    std::cout << fmt::format("== {}: {}\n", s.name, s.description);
    std::cout << "   hex: " << to_hex(s.bytes) << '\n';
    std::cout << pretty_unit(*unit, s.bytes.size()) << '\n';
  }
  return 0;
}

int run_headers() {
  for (const auto& e : pkt::header_registry()) {
    std::cout << fmt::format("{:<16} UB-Base-2.0 {:<12} {}\n", e.name, e.clause, e.summary);
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view{argv[1]} == "sim") {
    ub::sim::setup_heap(argv); // fabric runs touch gigabytes (sim/huge_pages.hpp)
  }
  CLI::App app{"ubmodel: an executable model of the UnifiedBus (UB) 2.0 interconnect"};
  app.require_subcommand(1);
  CommonOptions common;

  auto* demo = app.add_subcommand("demo", "decode and pretty-print a built-in sample of each kind");
  add_common(demo, common);

  bool as_json = false;
  bool raw = false;
  std::string header;
  std::string input;
  auto* decode = app.add_subcommand("decode", "decode a data-link unit (or one header)");
  decode->add_flag("--json", as_json, "print JSON instead of a tree");
  decode->add_option("--header", header, "decode a single header by its spec name");
  decode->add_flag("--raw", raw, "@FILE holds raw bytes, not hex text");
  decode->add_option("input", input, "hex bytes, @FILE, or - for standard input")->required();
  add_common(decode, common);

  std::string json_path;
  auto* encode = app.add_subcommand("encode", "encode JSON (from decode --json) back to hex");
  encode->add_option("--header", header, "encode a single header by its spec name");
  encode->add_option("file", json_path, "JSON file (default: standard input)");
  add_common(encode, common);

  std::string only;
  bool list = false;
  auto* samples = app.add_subcommand("samples", "print one valid unit of each kind as hex");
  samples->add_option("--only", only, "print only the named sample's hex");
  samples->add_flag("--list", list, "list sample names and descriptions");
  add_common(samples, common);

  auto* headers = app.add_subcommand("headers", "list the header names --header accepts");

  LinkOptions link_opts;
  auto* link = app.add_subcommand(
      "link", "two UB ports over one link (data link + PHY): retry, credits, goodput");
  add_link_options(link, link_opts);

  TransportOptions transport_opts;
  auto* transport = app.add_subcommand(
      "transport", "two RTP TP Channel ends over a lossy, reordering, multipath network");
  add_transport_options(transport, transport_opts);

  TxnOptions txn_opts;
  auto* txn = app.add_subcommand(
      "txn", "initiators and targets over a lossy transport: reads, writes, atomics, sends on "
             "shared segments, checked by the reference oracle");
  add_txn_options(txn, txn_opts);

  SimOptions sim_opts;
  auto* sim = app.add_subcommand(
      "sim", "the fabric simulator: UB controllers and switches over a topology, running a "
             "scenario's traffic with faults, checked by the oracle");
  add_sim_options(sim, sim_opts);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (see ubmodel --help)");
  }

  if (demo->parsed()) {
    return run_demo(common);
  }
  if (decode->parsed()) {
    return run_decode(common, as_json, header, input, raw);
  }
  if (encode->parsed()) {
    return run_encode(common, header, json_path);
  }
  if (samples->parsed()) {
    return run_samples(common, only, list);
  }
  if (headers->parsed()) {
    return run_headers();
  }
  if (link->parsed()) {
    return run_link(link_opts);
  }
  if (transport->parsed()) {
    return run_transport(transport_opts);
  }
  if (txn->parsed()) {
    return run_txn(txn_opts);
  }
  if (sim->parsed()) {
    return run_sim(sim_opts);
  }
  return fail("no command given (see ubmodel --help)");
}
