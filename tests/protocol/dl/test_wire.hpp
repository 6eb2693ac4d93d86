#pragma once
// A test wire for two DataLink endpoints: one flit per direction per step, a fixed delay in
// flit times, and a script that may corrupt or drop any flit. The upper layers on both ends are
// a traffic source (sequence-numbered packets per VL) and a sink that checks what arrives.
// After every step the caller may check the invariants of check_invariants().

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/dl/data_link.hpp"

namespace ub::dl::test {

// Payload of a test packet: VL, sequence number and length, then a pattern the sink re-derives.
inline std::vector<Byte> make_payload(unsigned vl, std::uint32_t seq, std::size_t size) {
  std::vector<Byte> p(size < 8 ? 8 : size);
  p[0] = static_cast<Byte>(vl);
  p[1] = static_cast<Byte>(seq >> 24);
  p[2] = static_cast<Byte>(seq >> 16);
  p[3] = static_cast<Byte>(seq >> 8);
  p[4] = static_cast<Byte>(seq);
  p[5] = static_cast<Byte>(p.size() >> 8);
  p[6] = static_cast<Byte>(p.size());
  p[7] = 0xA5;
  for (std::size_t i = 8; i < p.size(); ++i) {
    p[i] = static_cast<Byte>(seq * 31U + i * 7U + vl);
  }
  return p;
}

struct SinkStats {
  std::uint64_t delivered = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t corrupted = 0;
  std::uint64_t error_flagged = 0;
  std::array<std::int64_t, kMaxVls> next_seq{}; // next expected sequence number per VL
  // After a link down or reset the packets sent before it may be gone: a gap is allowed when
  // every missing packet was sent before the last such event (sequence < lost_before[vl]).
  std::array<std::int64_t, kMaxVls> lost_before{};
  std::string last_problem; // what the last duplicate, gap or corrupted packet looked like
};

// Checks one delivered packet against make_payload().
inline void sink_check(SinkStats& s, const RxPacket& p) {
  ++s.delivered;
  const auto& n = p.net;
  if (p.error_flag) {
    ++s.error_flagged; // bad by the sender's own word: not checked (a cut-through pad is zeros)
    if (n.size() < 8 || n[7] != 0xA5) {
      return;
    }
  }
  if (n.size() < 8) {
    ++s.corrupted;
    s.last_problem = "packet of " + std::to_string(n.size()) + " bytes";
    return;
  }
  const unsigned vl = n[0];
  const std::uint32_t seq =
      (std::uint32_t{n[1]} << 24) | (std::uint32_t{n[2]} << 16) | (std::uint32_t{n[3]} << 8) | n[4];
  const std::size_t size = (std::size_t{n[5]} << 8) | n[6];
  if (vl >= kMaxVls || vl != p.lph.vl || size != n.size() ||
      (!p.error_flag && make_payload(vl, seq, size) != n)) {
    ++s.corrupted;
    s.last_problem = "corrupted: LPH.VL " + std::to_string(p.lph.vl) + ", payload VL " +
                     std::to_string(vl) + ", seq " + std::to_string(seq) + ", size field " +
                     std::to_string(size) + ", bytes " + std::to_string(n.size()) + ", flagged " +
                     std::to_string(p.error_flag);
    return;
  }
  const auto expect = s.next_seq[vl];
  if (static_cast<std::int64_t>(seq) > expect &&
      static_cast<std::int64_t>(seq) <= s.lost_before[vl]) {
    s.next_seq[vl] = static_cast<std::int64_t>(seq) + 1; // the gap was lost to a link down
    return;
  }
  if (static_cast<std::int64_t>(seq) < expect) {
    ++s.duplicates;
    s.last_problem = "VL " + std::to_string(vl) + " seq " + std::to_string(seq) + ", expected " +
                     std::to_string(expect);
  } else if (static_cast<std::int64_t>(seq) > expect) {
    ++s.out_of_order;
    s.last_problem = "VL " + std::to_string(vl) + " seq " + std::to_string(seq) + ", expected " +
                     std::to_string(expect);
    s.next_seq[vl] = static_cast<std::int64_t>(seq) + 1;
  } else {
    s.next_seq[vl] = expect + 1;
  }
}

struct Source {
  std::array<std::uint32_t, kMaxVls> next_seq{};
  std::array<std::uint32_t, kMaxVls> to_send{}; // packets still to offer per VL
  std::size_t size = 64;
  std::uint64_t accepted = 0;
  std::uint64_t refused_not_ready = 0;
  std::uint64_t refused_too_large = 0;
};

class TestWire {
public:
  enum class Fate : std::uint8_t { Deliver, Drop, FecFail };
  // Called for every flit put on the wire: may modify the 20 bytes, or drop it.
  using Script = std::function<Fate(std::size_t dir, std::uint64_t flit_no, Byte* flit)>;

  TestWire(const DataLinkConfig& a, const DataLinkConfig& b, Tracer* ta = nullptr,
           Tracer* tb = nullptr)
      : end_{DataLink(a, ta), DataLink(b, tb)} {}

  DataLink& a() { return end_[0]; }
  DataLink& b() { return end_[1]; }
  DataLink& end(std::size_t i) { return end_[i]; }
  SinkStats& sink(std::size_t i) { return sink_[i]; }
  Source& source(std::size_t i) { return source_[i]; }
  [[nodiscard]] Time now() const { return now_; }
  [[nodiscard]] std::uint64_t steps() const { return steps_; }
  [[nodiscard]] std::uint64_t flits_on_wire(std::size_t dir) const { return flit_no_[dir]; }
  [[nodiscard]] std::uint64_t retrains() const { return retrains_; }

  Script script;
  Time flit_time{1000};      // 1 ns per flit
  unsigned delay_flits = 16; // propagation in flit times
  Time retrain_time{2'000'000};
  bool read_rx = true;     // the upper layers read deliveries at once
  unsigned read_every = 1; // read at most one packet every `read_every` steps (slow reader)

  void link_up() {
    end_[0].on_link_up(now_);
    end_[1].on_link_up(now_);
  }
  void link_down() {
    end_[0].on_link_down(now_);
    end_[1].on_link_down(now_);
    wire_[0].clear();
    wire_[1].clear();
    retraining_ = false;
    resync_sinks();
  }
  // Packets sent so far may be lost (a link down or a reset): the sinks accept gaps among them.
  void resync_sinks() {
    for (std::size_t e = 0; e < 2; ++e) {
      for (unsigned vl = 0; vl < kMaxVls; ++vl) {
        sink_[1 - e].lost_before[vl] = source_[e].next_seq[vl];
      }
    }
  }
  // The PHY retrains on its own (both ends see the flag).
  void force_retrain() {
    if (retraining_) {
      return;
    }
    ++retrains_;
    retraining_ = true;
    retrain_done_ = now_ + retrain_time;
    end_[0].on_retrain_start(now_);
    end_[1].on_retrain_start(now_);
    wire_[0].clear();
    wire_[1].clear();
  }
  // The PHY lost flits in direction `dir`: the next flit it delivers carries an FEC failure
  // (a Null block if the sender is idle), so the receiver learns of the loss.
  void signal_loss(std::size_t dir) { pending_fec_fail_[dir] = true; }
  // Idle time: no flits, then one step.
  void advance(Time dt) {
    now_ += dt;
    step();
  }

  void step() {
    now_ += flit_time;
    ++steps_;
    // Upper layers offer traffic.
    for (std::size_t e = 0; e < 2; ++e) {
      offer(e);
    }
    // One flit each way.
    for (std::size_t d = 0; d < 2; ++d) {
      if (retraining_) {
        break;
      }
      std::array<Byte, kFlitBytes> f{};
      if (end_[d].poll_transmit(f, now_) == 0) {
        // Idle: a PHY would send Null blocks; the wire sends one when the peer's receiver waits
        // inside a block or a loss must be flagged.
        if (!pending_fec_fail_[d] && (end_[d].failed() || !end_[1 - d].rx_mid_block())) {
          continue;
        }
        const auto null = end_[d].null_flit();
        std::copy(null.begin(), null.end(), f.begin());
      }
      const std::uint64_t no = flit_no_[d]++;
      Fate fate = script ? script(d, no, f.data()) : Fate::Deliver;
      if (fate == Fate::Drop) {
        continue;
      }
      if (pending_fec_fail_[d]) {
        pending_fec_fail_[d] = false;
        fate = Fate::FecFail;
      }
      // A link never reorders: a longer delay only holds later flits back.
      Time at = now_ + flit_time * delay_flits;
      if (!wire_[d].empty() && wire_[d].back().at > at) {
        at = wire_[d].back().at;
      }
      wire_[d].push_back({at, f, fate == Fate::FecFail});
    }
    // Arrivals.
    for (std::size_t d = 0; d < 2; ++d) {
      while (!wire_[d].empty() && wire_[d].front().at <= now_) {
        end_[1 - d].on_receive(wire_[d].front().flit, now_, wire_[d].front().fec_failed);
        wire_[d].pop_front();
      }
    }
    // Timers.
    for (auto& e : end_) {
      if (e.next_timeout() <= now_) {
        e.on_timeout(now_);
      }
    }
    // PHY retrain: the whole link stops, in-flight flits are lost.
    // Both ends' requests are taken (no short circuit): one retrain answers both.
    if (!retraining_ && (static_cast<int>(end_[0].take_retrain_request()) |
                         static_cast<int>(end_[1].take_retrain_request())) != 0) {
      force_retrain();
    }
    if (retraining_ && now_ >= retrain_done_) {
      retraining_ = false;
      end_[0].on_retrain_done(now_);
      end_[1].on_retrain_done(now_);
    }
    // Upper layers read.
    if (read_rx && steps_ % read_every == 0) {
      for (std::size_t e = 0; e < 2; ++e) {
        if (auto p = end_[e].poll_deliver()) {
          sink_check(sink_[e], *p);
          if (read_every == 1) {
            while (auto q = end_[e].poll_deliver()) {
              sink_check(sink_[e], *q);
            }
          }
        }
      }
    }
  }

  void run(std::uint64_t n, const std::function<void()>& after_step = {}) {
    for (std::uint64_t i = 0; i < n; ++i) {
      step();
      if (after_step) {
        after_step();
      }
    }
  }

  // Steps until both sources are empty and everything is delivered, or `limit` steps pass.
  bool run_until_done(std::uint64_t limit, const std::function<void()>& after_step = {}) {
    for (std::uint64_t i = 0; i < limit; ++i) {
      step();
      if (after_step) {
        after_step();
      }
      if (done()) {
        return true;
      }
    }
    return false;
  }

  [[nodiscard]] bool done() const {
    for (std::size_t e = 0; e < 2; ++e) {
      for (unsigned vl = 0; vl < kMaxVls; ++vl) {
        if (source_[e].to_send[vl] != 0) {
          return false;
        }
      }
      if (sink_[1 - e].delivered != source_[e].accepted) {
        return false;
      }
    }
    return true;
  }

  [[nodiscard]] std::size_t in_flight(std::size_t dir) const { return wire_[dir].size(); }

private:
  void offer(std::size_t e) {
    auto& src = source_[e];
    DataLink& d = end_[e];
    if (d.state() != DllState::Normal || d.failed()) {
      for (const auto n : src.to_send) {
        src.refused_not_ready += n > 0 ? 1 : 0;
      }
      return; // send() would refuse: skip building payloads
    }
    for (unsigned vl = 0; vl < kMaxVls; ++vl) {
      while (src.to_send[vl] > 0 && d.tx_queued(vl) < d.config().tx_queue_limit) {
        const auto p = make_payload(vl, src.next_seq[vl], src.size);
        const auto st = end_[e].send(p, cfg::kCna16, static_cast<std::uint8_t>(vl));
        if (st == DataLink::SendStatus::TooLarge || st == DataLink::SendStatus::BadVl) {
          ++src.refused_too_large; // can never go: give up on this VL's packets
          src.to_send[vl] = 0;
          break;
        }
        if (st != DataLink::SendStatus::Queued) {
          if (st == DataLink::SendStatus::NotReady) {
            ++src.refused_not_ready;
          }
          break;
        }
        ++src.next_seq[vl];
        --src.to_send[vl];
        ++src.accepted;
      }
    }
  }

  std::array<DataLink, 2> end_;
  std::array<SinkStats, 2> sink_{};
  std::array<Source, 2> source_{};
  struct InFlight {
    Time at;
    std::array<Byte, kFlitBytes> flit;
    bool fec_failed;
  };
  std::array<std::deque<InFlight>, 2> wire_{};
  std::array<std::uint64_t, 2> flit_no_{};
  std::array<bool, 2> pending_fec_fail_{};
  Time now_{};
  std::uint64_t steps_ = 0;
  bool retraining_ = false;
  Time retrain_done_{};
  std::uint64_t retrains_ = 0;
};

} // namespace ub::dl::test

namespace ub::dl::test {

// The invariants of issue 3, checked after every step: no overflowing retry buffer, credits
// conserved at each end and across the link, exactly-once in-order delivery per VL.
// Returns an empty string when all hold, else what broke.
inline std::string check_invariants(TestWire& w) {
  for (std::size_t e = 0; e < 2; ++e) {
    const DataLink& d = w.end(e);
    const RetryBuffer& rb = d.retry_buffer();
    if (rb.num_free() > rb.depth()) {
      return "retry buffer NumFreeBuf above its depth";
    }
    const std::uint32_t span = rb.distance(rb.tail_ptr(), rb.wr_ptr());
    if (!(span == rb.used() || (rb.used() == rb.depth() && span == 0))) {
      return "retry buffer pointers disagree with NumFreeBuf";
    }
    const CreditSender& cs = d.tx_credits();
    if (cs.held() + cs.in_flight() != cs.granted()) {
      return "sender credits: held + in flight != granted";
    }
    const SinkStats& s = w.sink(e);
    if (s.duplicates != 0) {
      return "sink " + std::to_string(e) + " saw a duplicate: " + s.last_problem;
    }
    if (s.out_of_order != 0) {
      return "sink " + std::to_string(e) + " saw a gap: " + s.last_problem;
    }
    if (s.corrupted != 0) {
      return "sink " + std::to_string(e) + " saw a corrupted packet: " + s.last_problem;
    }
    for (unsigned vl = 0; vl < kMaxVls; ++vl) {
      const CreditReceiver& cr = d.rx_credits();
      if (cr.occupancy(vl) > cr.capacity(vl) && !d.config().offer.rxbuf_vl_share) {
        return "receive buffer above its capacity";
      }
    }
  }
  if (w.a().state() == DllState::Normal && w.b().state() == DllState::Normal) {
    for (std::size_t e = 0; e < 2; ++e) {
      const auto& tx = w.end(e).counters();
      const auto& rx = w.end(1 - e).counters();
      if (rx.cells_admitted > tx.cells_consumed) {
        return "receiver admitted cells the sender never spent";
      }
      if (tx.cells_given_back > rx.cells_returned) {
        return "sender got back credits the receiver never returned";
      }
    }
  }
  return {};
}

} // namespace ub::dl::test

namespace ub::dl::test {

// One line per end with the state a failure report needs.
inline std::string describe(const DataLink& d) {
  const auto& c = d.counters();
  std::string s =
      std::string(to_string(d.state())) + " req=" + std::string(to_string(d.retry_req_state())) +
      " ack=" + std::string(to_string(d.retry_ack_state())) +
      " failed=" + std::to_string(d.failed()) + " rcv=" + std::to_string(d.rcv_ptr()) +
      " wr=" + std::to_string(d.retry_buffer().wr_ptr()) +
      " tail=" + std::to_string(d.retry_buffer().tail_ptr()) +
      " free=" + std::to_string(d.retry_buffer().num_free()) +
      " txq=" + std::to_string(d.tx_queued_total()) + " rxq=" + std::to_string(d.rx_queued()) +
      " ack_pending=" + std::to_string(d.pending_ack_flits()) + " credits:";
  for (unsigned vl = 0; vl < 4; ++vl) {
    s += " vl" + std::to_string(vl) + "[avail " + std::to_string(d.tx_credits().available(vl)) +
         " rxocc " + std::to_string(d.rx_credits().occupancy(vl)) + " rxpend " +
         std::to_string(d.rx_credits().pending(vl)) + "]";
  }
  s += " inflight=" + std::to_string(d.tx_credits().in_flight()) +
       " granted=" + std::to_string(d.tx_credits().granted()) +
       " consumed=" + std::to_string(c.cells_consumed) +
       " given_back=" + std::to_string(c.cells_given_back) +
       " admitted=" + std::to_string(c.cells_admitted) +
       " returned=" + std::to_string(c.cells_returned);
  return s;
}

} // namespace ub::dl::test
