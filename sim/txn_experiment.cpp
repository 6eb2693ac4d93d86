// The transaction experiment (txn_experiment.hpp).

#include "sim/txn_experiment.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <vector>

#include "protocol/common/rng.hpp"
#include "protocol/ta/oracle.hpp"
#include "protocol/ta/ta_endpoint.hpp"
#include "sim/run_stats.hpp"
#include "sim/txn_transports.hpp"

namespace ub::sim {

namespace {

constexpr std::uint32_t kToken = 1;
constexpr std::uint32_t kTokenValue = 0x7E57;
constexpr std::uint32_t kJetty = 1;
constexpr std::uint32_t kJettyToken = 0x1E77;
constexpr std::uint64_t kPaBase = 0x4000'0000;
// MODEL: bytes each packet carries below the TA (LPH, NTH, TPH, ICRC), for serialisation only.
constexpr std::uint64_t kWireOverhead = 32;

Status bad(std::string_view option, std::string_view reason, std::uint64_t v) {
  return option_error("txn", option, reason, v);
}

bool compact_len(std::uint64_t n) {
  for (unsigned l = 0; l < 8; ++l) {
    if (n == (64U << l)) {
      return true;
    }
  }
  return false;
}

// Fans the engines' events out to the oracle and the experiment's own tallies.
class Tap final : public ta::TxnObserver {
public:
  explicit Tap(ta::Oracle& o) : oracle_(o) {}
  void on_posted(const ta::OpPosted& e) override { oracle_.on_posted(e); }
  void on_sent(const ta::SliceSent& e) override { oracle_.on_sent(e); }
  void on_executed(const ta::Executed& e) override { oracle_.on_executed(e); }
  void on_completed(const ta::OpCompleted& e) override { oracle_.on_completed(e); }
  void on_reported(const ta::OpReported& e) override { oracle_.on_reported(e); }
  void on_received(const ta::ReceiveCompleted& e) override { oracle_.on_received(e); }

private:
  ta::Oracle& oracle_;
};

} // namespace

Status TxnExperimentConfig::validate() const {
  if (initiators < 1 || initiators > 64) {
    return bad("--initiators", "must be 1..64", initiators);
  }
  if (targets < 1 || targets > 64) {
    return bad("--targets", "must be 1..64", targets);
  }
  if (queues < 1 || queues > 64) {
    return bad("--queues", "must be 1..64", queues);
  }
  if (ops < 1 || ops > 10'000'000) {
    return bad("--ops", "must be 1..10000000", ops);
  }
  if (depth < 1 || depth > 4096) {
    return bad("--depth", "must be 1..4096", depth);
  }
  if (mix.total() == 0) {
    return bad("--mix", "the weights add up to 0", 0);
  }
  if (!(loss >= 0.0 && loss < 1.0)) {
    return bad("--loss", "must be in [0, 1)", 0);
  }
  if (!(reorder >= 0.0 && reorder <= 1.0)) {
    return bad("--reorder", "must be in [0, 1]", 0);
  }
  if (!(bad_token_rate >= 0.0 && bad_token_rate <= 1.0)) {
    return bad("--bad-token-rate", "must be in [0, 1]", 0);
  }
  if (mtu < 256 || mtu > 8192 || mtu % 64 != 0) {
    return bad("--mtu", "must be 256..8192, a multiple of 64", mtu);
  }
  if (size < 1 || size > segment_bytes) {
    return bad("--size", "must be 1..segment size", size);
  }
  if (segment_bytes < 4096 || segment_bytes > (64U << 20)) {
    return bad("--segment-kb", "must be 4096..64 MiB", segment_bytes);
  }
  if (atomic_size == 0 || atomic_size > 64 || (atomic_size & (atomic_size - 1)) != 0) {
    return bad("--atomic-size", "must be 1, 2, 4, 8, 16, 32 or 64 (§7.4.2.3)", atomic_size);
  }
  if (rate_bps == 0) {
    return bad("--rate-gbps", "must be above 0", 0);
  }
  if (hops > 64) {
    return bad("--hops", "must be 0..64", hops);
  }
  if (channels < 1 || channels > 32) {
    return bad("--channels", "must be 1..32 (§6.5.1.1)", channels);
  }
  if (taack_coalesce < 1 || taack_coalesce > 32) {
    return bad("--taack-coalesce", "must be 1..32 (RSPINFO, Table 7-3)", taack_coalesce);
  }
  const bool multi = transport == ta::TransportKind::Rtp || transport == ta::TransportKind::Ideal;
  if (mode == ta::TaMode::Uno) {
    if (mix.send != mix.total()) {
      return bad("--mix", "UNO carries only sends (§7.3.3.5): use send:100", mix.total());
    }
    if (transport == ta::TransportKind::Rtp) {
      return bad("--transport", "UNO over RTP is not recommended (Table 7-15): use ctp or utp", 0);
    }
  } else if (transport == ta::TransportKind::Utp) {
    return bad("--transport", "UTP carries only UNO (Table 7-15)", 0);
  }
  if (transport == ta::TransportKind::Bypass) {
    if (mode == ta::TaMode::Rot) {
      return bad("--mode", "ROT needs the full TA headers: not over bypass (App. B.2.6)", 0);
    }
    if (mix.send != 0) {
      return bad("--mix", "sends do not exist in the compact format (App. B.2.6)", mix.send);
    }
    if (!compact_len(size) || size > mtu) {
      return bad("--size", "bypass carries 64 B x 2^L up to the MTU (§7.2.3)", size);
    }
    if (mix.atomic != 0 && atomic_size != 64) {
      return bad("--atomic-size", "bypass atomics are 64-byte (compact Length code 0)",
                 atomic_size);
    }
  }
  if (!multi && size > mtu && mix.send != 0) {
    return bad("--size", "a send over a one-packet transport fits the MTU", size);
  }
  return {};
}

TxnExperimentResult run_txn_experiment(const TxnExperimentConfig& c) {
  TxnExperimentResult res;
  const unsigned devices = c.initiators + c.targets;
  ta::Oracle oracle;
  Tap tap(oracle);

  ta::EndpointConfig ep;
  ep.target.exec_time = c.exec_time;
  ep.target.taack_coalesce = c.taack_coalesce;
  ep.target.sc_count = std::max<std::uint32_t>(64, c.initiators * c.queues);
  Rng setup_rng(c.seed, 31);
  TxnTransportParams tpp;
  tpp.kind = c.transport;
  tpp.mtu = c.mtu;
  tpp.channels = c.channels;
  tpp.status_in_tp_ack = c.mode == ta::TaMode::Rol;
  auto transports = make_txn_transports(tpp, devices, setup_rng);
  if (!transports) {
    res.setup_error = to_string(transports.error());
    return res;
  }
  std::vector<std::unique_ptr<ta::TaEndpoint>> eps;
  for (auto& t : *transports) {
    eps.push_back(std::make_unique<ta::TaEndpoint>(std::move(t), ep, &tap));
  }
  // Targets: one segment each, and a receive queue with a buffer for every possible send.
  const std::uint64_t rqes = c.mix.send == 0 ? 0 : c.ops;
  for (unsigned i = c.initiators; i < devices; ++i) {
    ta::TaTarget& t = eps[i]->target();
    auto& u = t.ummu();
    (void)u.add_entity(i);
    (void)u.add_token_context(i, kToken);
    (void)u.map(i, kToken, 0, c.segment_bytes, kPaBase);
    ta::PermissionEntry pe;
    pe.base = 0;
    pe.limit = c.segment_bytes - 1;
    pe.token_val0 = kTokenValue;
    (void)u.add_permission(i, kToken, pe);
    (void)t.add_receive_queue(kJetty, ta::ReceiveQueueConfig{kJettyToken});
    for (std::uint64_t k = 0; k < rqes; ++k) {
      (void)t.post_receive(kJetty, c.size);
    }
  }
  // Initiators: their queues (ROT static: one SC per queue and target).
  for (unsigned i = 0; i < c.initiators; ++i) {
    for (unsigned q = 0; q < c.queues; ++q) {
      ta::QueueConfig qc;
      qc.mode = c.mode;
      qc.on_error = ta::ExceptionMode::Continue;
      if (c.mode == ta::TaMode::Rot && c.rot_static_sc) {
        const std::uint32_t scid = i * c.queues + q;
        for (unsigned t = c.initiators; t < devices; ++t) {
          qc.static_sc[t] = scid;
          (void)eps[t]->target().add_static_sc(scid, i, q);
        }
      }
      (void)eps[i]->initiator().add_queue(q, qc);
    }
  }

  // The op generator: everything about op n comes from the seed's stream 32.
  Rng gen(c.seed, 32);
  Rng net_rng(c.seed, 33);
  const std::uint64_t slots = (c.segment_bytes - std::max(c.size, 64U)) / 64 + 1;
  auto make_op = [&](std::uint64_t id) {
    ta::TxnOp op;
    op.id = id;
    op.order = c.order;
    op.target = c.initiators + static_cast<ta::PeerId>(gen.below(c.targets));
    op.token_id = kToken;
    op.token_value = kTokenValue;
    std::uint64_t pick = gen.below(c.mix.total());
    if (pick < c.mix.read) {
      op.opcode = static_cast<std::uint8_t>(ta::TaOpcode::Read);
      op.length = c.size;
      op.uba = gen.below(slots) * 64;
    } else if ((pick -= c.mix.read) < c.mix.write) {
      op.opcode = static_cast<std::uint8_t>(ta::TaOpcode::Write);
      op.length = c.size;
      op.uba = gen.below(slots) * 64;
      op.data.resize(c.size);
      for (auto& b : op.data) {
        b = static_cast<Byte>(gen.next());
      }
    } else if ((pick -= c.mix.write) < c.mix.atomic) {
      static constexpr ta::TaOpcode kinds[] = {
          ta::TaOpcode::AtomicFetchAdd, ta::TaOpcode::AtomicSwap, ta::TaOpcode::AtomicCompareSwap};
      op.opcode = static_cast<std::uint8_t>(kinds[gen.below(3)]);
      op.length = c.atomic_size;
      // Atomics share a few hot words so that they contend.
      op.uba = gen.below(4) * 64;
      op.data.resize(2U * c.atomic_size);
      for (auto& b : op.data) {
        b = static_cast<Byte>(gen.below(4));
      }
    } else {
      op.opcode = static_cast<std::uint8_t>(ta::TaOpcode::Send);
      op.length = c.size;
      op.target_jetty = kJetty;
      op.token_value = kJettyToken;
      op.data.resize(c.size);
      for (auto& b : op.data) {
        b = static_cast<Byte>(gen.next());
      }
    }
    if (c.bad_token_rate > 0 && gen.uniform() < c.bad_token_rate) {
      op.token_value = *op.token_value ^ 0x5A5A;
      op.expect_denied = true;
      ++res.expected_denied;
    }
    return op;
  };

  struct Flight {
    Time at{0};
    std::uint64_t seq = 0;
    ta::NetPacket p;
  };
  auto later = [](const Flight& a, const Flight& b) {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  };
  std::vector<Flight> wire; // a heap
  std::uint64_t wire_seq = 0;
  std::vector<Time> link_free(devices, Time{0});
  std::vector<std::vector<unsigned>> outstanding(c.initiators, std::vector<unsigned>(c.queues, 0));
  std::uint64_t next_id = 0;
  std::uint64_t done_count = 0;
  std::vector<double> latencies;
  RunFingerprint fp;
  Time now{0};
  Time last_done{0};

  auto post_more = [&] {
    bool again = true;
    while (again && next_id < c.ops) {
      again = false;
      for (unsigned i = 0; i < c.initiators && next_id < c.ops; ++i) {
        for (unsigned q = 0; q < c.queues && next_id < c.ops; ++q) {
          if (outstanding[i][q] >= c.depth) {
            continue;
          }
          const ta::TxnOp op = make_op(next_id++);
          if (eps[i]->post(q, op, now)) {
            ++outstanding[i][q];
            ++res.ops;
          } else {
            ++res.refused;
          }
          again = true;
        }
      }
    }
  };
  auto drain_completions = [&] {
    for (unsigned i = 0; i < c.initiators; ++i) {
      while (auto cq = eps[i]->poll_completion()) {
        --outstanding[i][cq->queue];
        ++done_count;
        last_done = now;
        if (cq->status == fn::CqeStatus::Success) {
          ++res.completed;
        } else {
          ++res.failed_by_status[std::string(fn::to_string(cq->status))];
        }
        latencies.push_back(static_cast<double>((cq->done - cq->posted).count()) / 1e6);
        fp.add(cq->id);
        fp.add(static_cast<std::uint64_t>(cq->status));
        fp.add(static_cast<std::uint64_t>(cq->done.count()));
        for (Byte b : cq->data) {
          fp.add(b);
        }
      }
    }
  };
  auto transmit = [&] {
    bool any = true;
    while (any) {
      any = false;
      for (unsigned d = 0; d < devices; ++d) {
        while (auto p = eps[d]->poll_transmit(now)) {
          any = true;
          ++res.packets;
          const std::uint64_t bits = (p->bytes.size() + kWireOverhead) * 8;
          const Time ser = BitRate{c.rate_bps}.time_for_bits(bits);
          link_free[d] = std::max(link_free[d], now) + ser;
          if (c.loss > 0 && net_rng.uniform() < c.loss) {
            const bool link_retry = (c.transport == ta::TransportKind::Ctp ||
                                     c.transport == ta::TransportKind::Bypass ||
                                     c.transport == ta::TransportKind::Utp) &&
                                    !c.loss_drops;
            if (!link_retry) {
              ++res.dropped;
              continue;
            }
            // The data link resends it (§4.5): the link is busy for the retry, so the packets
            // behind it wait too and the link's order holds.
            ++res.link_retries;
            link_free[d] += c.link_retry_delay;
          }
          Time at = link_free[d] + c.hop_delay * c.hops;
          if (c.reorder > 0 && (p->rt & 1U) != 0 && net_rng.uniform() < c.reorder) {
            at += c.reorder_delay;
          }
          wire.push_back(Flight{at, wire_seq++, std::move(*p)});
          std::push_heap(wire.begin(), wire.end(), later);
        }
      }
    }
  };

  post_more();
  for (std::uint64_t guard = 0; guard < 100'000'000; ++guard) {
    transmit();
    drain_completions();
    post_more();
    transmit();
    if (done_count == res.ops && next_id >= c.ops && wire.empty()) {
      res.finished = true;
      break;
    }
    Time next = wire.empty() ? kNever : wire.front().at;
    for (auto& e : eps) {
      next = std::min(next, e->next_timeout());
    }
    if (next == kNever || next > c.time_limit) {
      break;
    }
    now = std::max(now, next);
    while (!wire.empty() && wire.front().at <= now) {
      std::pop_heap(wire.begin(), wire.end(), later);
      Flight f = std::move(wire.back());
      wire.pop_back();
      if (f.p.dst < devices) {
        eps[f.p.dst]->on_receive(f.p, now);
      }
    }
    for (auto& e : eps) {
      if (e->next_timeout() <= now) {
        e->on_timeout(now);
      }
    }
  }
  drain_completions();

  for (unsigned i = 0; i < c.initiators; ++i) {
    const auto& k = eps[i]->initiator().counters();
    res.ordered_ops += k.ordered_ops;
    res.stalls += k.stalls;
    res.retries += k.retries;
    res.timeouts += k.timeouts;
    res.taack_coalesced += k.taack_coalesced;
  }
  res.round_trips_per_ordered_op =
      res.ordered_ops == 0 ? 0.0
                           : static_cast<double>(res.stalls) / static_cast<double>(res.ordered_ops);
  res.oracle_violations = oracle.counters().violations;
  res.oracle_summary = oracle.summary();
  res.p50_latency_us = percentile(latencies, 50);
  res.p99_latency_us = percentile(latencies, 99);
  res.elapsed_us = static_cast<double>(last_done.count()) / 1e6;
  res.ops_per_us = res.elapsed_us > 0 ? static_cast<double>(done_count) / res.elapsed_us : 0.0;
  res.packets_per_op =
      res.ops == 0 ? 0.0 : static_cast<double>(res.packets) / static_cast<double>(res.ops);
  fp.add(res.packets);
  fp.add(res.dropped);
  fp.add(res.link_retries);
  fp.add(res.stalls);
  fp.add(res.retries);
  fp.add(res.oracle_violations);
  res.fingerprint = fp.h;
  return res;
}

} // namespace ub::sim
