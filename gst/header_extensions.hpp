// GstRTPHeaderExtension objects in our payloader and depayloader bases, the
// way GstRTPBasePayload / GstRTPBaseDepayload have them: the same signals and
// properties, extmap-N caps fields, and the extensions' own write/read code.
// The RFC 8285 block itself is srt-core's (rtp/header_extension.hpp).
#pragma once

#include <gst/gst.h>
#include <gst/rtp/gstrtphdrext.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "rtp/header_extension.hpp"

namespace srtrtp {

struct GstObjectUnref {
  void operator()(gpointer obj) const { gst_object_unref(obj); }
};
using HeaderExtensionPtr = std::unique_ptr<GstRTPHeaderExtension, GstObjectUnref>;

// One extension as the streaming thread uses it: its class and what it
// said of itself (id, supported flags) when the set or the caps last
// changed, so a packet asks the object only for its max size and data.
// The class's vfuncs are called directly: the gst_rtp_header_extension_*
// wrappers' checks (type, id range, a writable output, a locked CAS per
// call) hold by construction here and cost ~20 ns each per packet.
struct ActiveExtension {
  HeaderExtensionPtr ref;
  GstRTPHeaderExtensionClass *klass = nullptr;
  guint id = 0;
  bool one_byte = false;
  bool two_byte = false;
  GstRTPHeaderExtension *get() const { return ref.get(); }
};
using ActiveExtensions = std::vector<ActiveExtension>;

// The extensions of one element. Changed from any thread (signals, caps);
// the streaming thread works on its own copy, refreshed after a change.
class HeaderExtensionSet {
 public:
  // Takes a new reference to `ext`.
  void add(GstRTPHeaderExtension *ext);
  void clear();
  // The "extensions" property: a GstValueArray of the extensions.
  void to_value(GValue *array) const;
  // extmap-N fields of `caps`: an extension already there with that id and
  // uri is kept (and given the caps' attributes), others come from the
  // element's "request-extension" signal. False: caps the extensions refuse.
  bool configure_from_caps(GstElement *element, guint request_signal, const GstCaps *caps);
  // Streaming thread: the extensions as of the last change. `changed` is set
  // when the copy was refreshed by this call. Extensions without a usable
  // id (1..255) or class are left out of the copy, with a warning.
  const ActiveExtensions &current(bool *changed = nullptr);
  // The copy current() last made, without looking for changes: stable for
  // the packets of one input buffer.
  const ActiveExtensions &snapshot() const { return snapshot_; }
  // Streaming thread: asks each extension of the copy again for its id and
  // flags (after new caps, which change e.g. colorspace's two-byte need).
  void refresh_facts();

 private:
  void changed_locked();

  mutable std::mutex mutex_;
  std::vector<HeaderExtensionPtr> exts_;  // under mutex_
  std::atomic<bool> dirty_{false};
  ActiveExtensions snapshot_;  // streaming thread only
};

// The layout of the extension block for the packets of one input buffer.
struct HeaderExtensionPlan {
  srtcore::rtp::hdrext::Form form;
  std::size_t reserve;  // block bytes after the 4-byte block header
};

// Form and size for `exts` given the input's metadata; nullopt when there is
// nothing to write or no one form fits them all (logged on `element`).
std::optional<HeaderExtensionPlan> plan_header_extensions(GstElement *element,
                                                          const ActiveExtensions &exts,
                                                          const GstBuffer *input_meta);

// Lets each extension write its element into `block` (plan.reserve bytes,
// after the block header) of the packet `output`. Returns the block's
// length, zero-padded to a word (0: nothing written). Failures are counted.
std::size_t write_header_extensions(GstElement *element, const ActiveExtensions &exts,
                                    const HeaderExtensionPlan &plan, const GstBuffer *input_meta,
                                    GstBuffer *output, std::uint8_t *block, guint64 *failures);

// Hands each element of a received block to the extension with its id, to
// put its value on `output`. True when an extension asks for new src caps.
// Elements no extension claims are skipped; read failures are counted.
bool read_header_extensions(GstElement *element, const ActiveExtensions &exts,
                            std::uint16_t profile, srtcore::ByteSpan block, GstBuffer *output,
                            guint64 *failures);

// `caps` (current src caps) as the extensions want them after a read; null
// when an extension refused (error posted on `element`).
GstCaps *header_extension_src_caps(GstElement *element, const ActiveExtensions &exts,
                                   GstCaps *caps);

// Class set-up shared by both bases: the auto-header-extension and
// extensions properties, the add-extension / clear-extensions action signals
// and request-extension, with the C elements' names, types and flags.
struct HeaderExtensionClassIds {
  guint request_signal;
  GParamSpec *extensions_pspec;
};
HeaderExtensionClassIds install_header_extension_api(GObjectClass *klass, guint prop_auto,
                                                     guint prop_extensions, GCallback add,
                                                     GCallback clear, GCallback request_default);
// The default request-extension handler: an extension for `uri` from the
// registry (gst_rtp_header_extension_create_from_uri) when `auto_on`.
GstRTPHeaderExtension *auto_header_extension(GstElement *element, bool auto_on, guint id,
                                             const gchar *uri);

}  // namespace srtrtp
