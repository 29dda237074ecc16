// What srtbondsink and srtbondsrc share, mirroring gst-plugins-bad's
// GstSRTObject: the srtsrc/srtsink properties and signals, the URI handler's
// state, the endpoint's lifetime (open, reconnect, close, unlock), the
// `stats` structure and element errors that say what to check.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "io/endpoint.hpp"
#include "metrics/buffer_timer.hpp"
#include "srt_uri.hpp"

namespace srtrtp {

// Property ids shared by both elements; element-only ones follow kPropCommonLast.
enum SrtProp : guint {
  kPropUri = 1,
  kPropMode,
  kPropLocalAddress,
  kPropLocalPort,
  kPropPassphrase,
  kPropPbKeyLen,
  kPropPollTimeout,
  kPropLatency,
  kPropStats,
  kPropWaitForConnection,
  kPropStreamId,
  kPropAuthentication,
  kPropAutoReconnect,
  kPropBondMode,
  kPropLinks,
  kPropStatsInterval,
  kPropKmRefreshRate,
  kPropKmPreannounce,
  kPropCallerRejectCode,
  kPropCryptoMode,
  kPropPacketFilter,
  kPropMaxConnections,
  kPropCommonLast,
};

enum SrtSignal : guint {
  kSigCallerAdded,
  kSigCallerRemoved,
  kSigCallerRejected,
  kSigCallerConnecting,
  kSigAddLink,           // action: (uri) -> gboolean
  kSigRemoveLink,        // action: (uri) -> gboolean
  kSigLinkAdded,         // (uri)
  kSigLinkRemoved,       // (uri)
  kSigLinkStateChanged,  // (uri, old GstSrtBondLinkState, new GstSrtBondLinkState)
  kSigLast,
};

// Own type names: libgstsrt registers GstSRTConnectionMode, and both plugins
// may live in one process. The values and nicks are srtsrc's.
GType srt_bond_connection_mode_get_type();
GType srt_bond_key_length_get_type();
// libsrt's SRTO_CRYPTOMODE values (srtsrc/srtsink 1.22 have no such property).
GType srt_bond_crypto_mode_get_type();
GType srt_bond_mode_get_type();
GType srt_bond_link_state_get_type();

void install_srt_properties(GObjectClass *klass);
// caller-added, caller-removed, caller-rejected, caller-connecting (its
// default handler accepts; the first handler returning FALSE refuses).
void install_srt_signals(GType type, guint signals[kSigLast]);

class SrtObserver;

// Per-element state. The GObject holds it by pointer (created in _init,
// deleted in finalize). Settings are guarded by GST_OBJECT_LOCK(element).
class SrtElement {
 public:
  SrtElement(GstElement *element, bool is_sink, const guint *signals);
  ~SrtElement();
  SrtElement(const SrtElement &) = delete;
  SrtElement &operator=(const SrtElement &) = delete;

  bool set_property(guint prop_id, const GValue *value);
  bool get_property(guint prop_id, GValue *value);
  bool set_uri(const gchar *uri, GError **error);
  gchar *get_uri();

  // Opens the endpoint (bind, start connecting). Posts an element error and
  // returns false when the settings or the socket do not work.
  bool open();
  void close();

  // Waits until a peer is connected, reconnecting when the settings say so.
  enum class Wait { kConnected, kFlushing, kError, kPeerGone };
  Wait wait_connected();
  // After a failure: reconnect (true) or post the error (false), as
  // auto-reconnect says.
  bool handle_failure(bool reading);

  // unlock / unlock_stop of the base classes.
  void unlock();
  void unlock_stop();
  bool flushing() const { return flushing_.load(); }

  // The streaming thread's endpoint (only it and open/close replace it).
  srtcore::io::Endpoint *endpoint() const { return endpoint_.get(); }
  std::size_t payload_size() const { return payload_size_; }
  // Bytes a received message may have: the peer's payload size may exceed ours.
  std::size_t receive_size() const;
  SrtMode mode() const { return mode_; }
  std::chrono::milliseconds wait_slice() const { return wait_slice_; }
  bool wait_for_connection();
  bool keep_listening();
  void set_keep_listening(bool v);
  // The configured receive latency, for latency queries before connecting.
  std::chrono::milliseconds configured_recv_latency();
  std::optional<srtcore::srt::Duration> negotiated_recv_latency();

  // Callers that left since the last call (listener sources watch this).
  unsigned take_disconnects() { return disconnects_.exchange(0); }
  void count_bytes(std::uint64_t n) { bytes_ += n; }

  GstStructure *stats();
  // Time in element for srtrtp-metrics (the sink's render; the source has none).
  metrics::BufferTimer &buffer_timer() { return buffer_timer_; }

  // Called by the observer on the reactor thread.
  std::optional<std::uint32_t> on_caller_connecting(const srtcore::srt::CallerRequest &req);
  void on_connected(const srtcore::io::PeerInfo &peer);
  void on_disconnected(const srtcore::io::PeerInfo &peer, const std::string &detail);
  // Listener: a caller refused for encryption (wrong or missing passphrase).
  void on_rejected(const srtcore::io::PeerInfo &peer, std::uint32_t code);
  void on_link_state(const srtcore::io::LinkReport &link, srtcore::bond::LinkState from,
                     srtcore::bond::LinkState to, const std::string &detail);

  // The add-link / remove-link action signals.
  bool add_link(const gchar *uri);
  bool remove_link(const gchar *uri);

 private:
  void start_stats_timer();
  void stop_stats_timer();
  static gboolean post_stats(GstClock *clock, GstClockTime time, GstClockID id, gpointer self);

  bool post_config_error(const std::string &what);
  void post_endpoint_error(const srtcore::io::EndpointError &e, bool reading);
  std::unique_ptr<srtcore::io::Endpoint> take_endpoint();
  // Waits for `d` unless unlocked first; false when flushing.
  bool backoff(std::chrono::milliseconds d);

  GstElement *element_;
  metrics::BufferTimer buffer_timer_;
  const bool is_sink_;
  const guint *signals_;

  // Guarded by GST_OBJECT_LOCK(element_).
  SrtParams params_;
  std::string uri_error_;
  bool wait_for_connection_ = true;
  bool authentication_ = true;
  bool auto_reconnect_ = true;
  bool keep_listening_ = false;
  BondMode bond_mode_ = BondMode::kNone;
  std::string links_;
  guint stats_interval_ms_ = 0;

  // Fixed while open.
  srtcore::io::EndpointConfig config_{};
  std::size_t payload_size_ = 1316;
  SrtMode mode_ = SrtMode::kCaller;
  std::chrono::milliseconds wait_slice_{200};

  std::unique_ptr<SrtObserver> observer_;
  mutable std::mutex endpoint_lock_;  // guards replacing endpoint_ against readers
  std::unique_ptr<srtcore::io::Endpoint> endpoint_;
  std::atomic<bool> flushing_{false};
  std::atomic<bool> auth_enabled_{true};
  // The code a caller refused by caller-connecting gets (a handler may set
  // it per caller before returning FALSE).
  std::atomic<std::uint32_t> caller_reject_code_{1403};
  guint max_connections_ = 1000;  // listener: callers served at once
  std::atomic<unsigned> disconnects_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::mutex backoff_lock_;
  std::condition_variable backoff_cv_;
  std::mutex stats_timer_lock_;
  GstClockID stats_timer_ = nullptr;
};

// The SrtElement of an srtbondsrc/srtbondsink instance (set by its constructor).
SrtElement *srt_element_of(gpointer instance);

// A GSocketAddress for `a` (full reference).
GSocketAddress *to_socket_address(const srtcore::srt::NetAddress &a);

}  // namespace srtrtp
