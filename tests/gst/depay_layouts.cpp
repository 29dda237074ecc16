#include "depay_layouts.hpp"

#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <sstream>

namespace layouts {

namespace {

struct HarnessDeleter {
  void operator()(GstHarness *h) const { gst_harness_teardown(h); }
};
using HarnessPtr = std::unique_ptr<GstHarness, HarnessDeleter>;
struct BufferUnref {
  void operator()(GstBuffer *b) const { gst_buffer_unref(b); }
};
using BufferPtr = std::unique_ptr<GstBuffer, BufferUnref>;
struct MemoryUnref {
  void operator()(GstMemory *m) const { gst_memory_unref(m); }
};
using MemoryPtr = std::unique_ptr<GstMemory, MemoryUnref>;

constexpr guint kOutputFlags =
    GST_BUFFER_FLAG_LIVE | GST_BUFFER_FLAG_DECODE_ONLY | GST_BUFFER_FLAG_DISCONT |
    GST_BUFFER_FLAG_RESYNC | GST_BUFFER_FLAG_CORRUPTED | GST_BUFFER_FLAG_MARKER |
    GST_BUFFER_FLAG_HEADER | GST_BUFFER_FLAG_GAP | GST_BUFFER_FLAG_DROPPABLE |
    GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_SYNC_AFTER | GST_BUFFER_FLAG_NON_DROPPABLE;

constexpr gsize kHeader = 12;

Bytes bytes_of(GstBuffer *b) {
  Bytes v(gst_buffer_get_size(b));
  gst_buffer_extract(b, 0, v.data(), v.size());
  return v;
}

GstMemory *memory_of(const std::uint8_t *data, gsize size) {
  GstMemory *m = gst_allocator_alloc(nullptr, size, nullptr);
  GstMapInfo map;
  gst_memory_map(m, &map, GST_MAP_WRITE);
  std::copy(data, data + size, map.data);
  gst_memory_unmap(m, &map);
  return m;
}

void set_metadata(GstBuffer *b, const Packet &p) {
  GST_BUFFER_PTS(b) = p.pts;
  if (p.discont) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
}

// The packet in memories cut at `cuts` (offsets into it, ascending, each
// inside the packet).
GstBuffer *cut(const Packet &p, std::vector<gsize> cuts) {
  GstBuffer *b = gst_buffer_new();
  gsize from = 0;
  cuts.push_back(p.bytes.size());
  for (gsize to : cuts) {
    if (to <= from) continue;
    gst_buffer_append_memory(b, memory_of(p.bytes.data() + from, to - from));
    from = to;
  }
  set_metadata(b, p);
  return b;
}

// What the test holds on to, and the bytes it had before the run.
struct Held {
  std::vector<BufferPtr> buffers;
  std::vector<Bytes> buffer_bytes;
  std::vector<guint> buffer_memories;
  MemoryPtr block;
  Bytes block_bytes;
};

Bytes memory_bytes(GstMemory *m) {
  GstMapInfo map;
  if (!gst_memory_map(m, &map, GST_MAP_READ)) return {};
  Bytes v(map.data, map.data + map.size);
  gst_memory_unmap(m, &map);
  return v;
}

std::vector<GstBuffer *> make_inputs(const std::vector<Packet> &packets, Layout layout,
                                     Held &held) {
  std::vector<GstBuffer *> in;
  if (layout == Layout::kBlock || layout == Layout::kBlockShared) {
    // Every packet a part of one memory, 8-byte aligned as our payloaders carve them.
    std::vector<gsize> offsets;
    Bytes all;
    for (const auto &p : packets) {
      offsets.push_back(all.size());
      all.insert(all.end(), p.bytes.begin(), p.bytes.end());
      all.resize((all.size() + 7) & ~gsize{7});
    }
    held.block.reset(memory_of(all.data(), all.size()));
    held.block_bytes = all;
    for (size_t i = 0; i < packets.size(); ++i) {
      GstBuffer *b = gst_buffer_new();
      gst_buffer_append_memory(b,
                               gst_memory_share(held.block.get(), static_cast<gssize>(offsets[i]),
                                                static_cast<gssize>(packets[i].bytes.size())));
      set_metadata(b, packets[i]);
      in.push_back(b);
    }
  } else {
    for (const auto &p : packets) {
      const gsize n = p.bytes.size();
      switch (layout) {
        case Layout::kTwoMem:
          in.push_back(cut(p, {kHeader}));
          break;
        case Layout::kHeaderPlus2:
          in.push_back(cut(p, {std::min(n, kHeader + 2)}));
          break;
        case Layout::kSplitPayload:
          in.push_back(cut(p, {kHeader, kHeader + (n - std::min(n, kHeader)) / 2}));
          break;
        default:
          in.push_back(cut(p, {}));
          break;
      }
    }
  }
  if (layout == Layout::kShared || layout == Layout::kBlockShared) {
    for (GstBuffer *b : in) {
      held.buffers.emplace_back(gst_buffer_ref(b));
      held.buffer_bytes.push_back(bytes_of(b));
      held.buffer_memories.push_back(gst_buffer_n_memory(b));
    }
  }
  return in;
}

std::string check_unchanged(const Held &held) {
  std::ostringstream what;
  for (size_t i = 0; i < held.buffers.size(); ++i) {
    GstBuffer *b = held.buffers[i].get();
    if (bytes_of(b) != held.buffer_bytes[i]) what << "bytes of input " << i << " changed; ";
    if (gst_buffer_n_memory(b) != held.buffer_memories[i])
      what << "memories of input " << i << " changed; ";
  }
  if (held.block && memory_bytes(held.block.get()) != held.block_bytes)
    what << "the shared block changed; ";
  return what.str();
}

void set_props(GstElement *element, const std::string &props) {
  std::istringstream in(props);
  for (std::string kv; in >> kv;) {
    const auto eq = kv.find('=');
    gst_util_set_object_arg(G_OBJECT(element), kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str());
  }
}

}  // namespace

const char *name(Layout l) {
  switch (l) {
    case Layout::kUnique:
      return "unique";
    case Layout::kShared:
      return "shared";
    case Layout::kTwoMem:
      return "header|payload";
    case Layout::kHeaderPlus2:
      return "header+2|rest";
    case Layout::kSplitPayload:
      return "header|payload/2|payload/2";
    case Layout::kBlock:
      return "block";
    case Layout::kBlockShared:
      return "block, shared";
  }
  return "?";
}

std::string describe(const OutBuffer &b) {
  char line[160];
  std::snprintf(line, sizeof line,
                "%zu bytes, pts %" G_GUINT64_FORMAT ", dts %" G_GUINT64_FORMAT
                ", duration %" G_GUINT64_FORMAT ", flags 0x%x",
                b.bytes.size(), b.pts, b.dts, b.duration, b.flags);
  return line;
}

Outcome run(const std::string &element, const std::string &props, const std::string &rtp_caps,
            const std::string &out_caps, const std::vector<Packet> &packets, Layout layout,
            guint list_size) {
  HarnessPtr h(gst_harness_new(element.c_str()));
  set_props(h->element, props);
  if (!out_caps.empty()) gst_harness_set_sink_caps_str(h.get(), out_caps.c_str());
  gst_harness_set_src_caps_str(h.get(), rtp_caps.c_str());
  Held held;
  std::vector<GstBuffer *> in = make_inputs(packets, layout, held);
  for (size_t i = 0; i < in.size();) {
    if (list_size == 0) {
      EXPECT_EQ(gst_harness_push(h.get(), in[i++]), GST_FLOW_OK);
      continue;
    }
    GstBufferList *list = gst_buffer_list_new();
    for (size_t stop = std::min(in.size(), i + list_size); i < stop; ++i)
      gst_buffer_list_add(list, in[i]);
    EXPECT_EQ(gst_pad_push_list(h->srcpad, list), GST_FLOW_OK);
  }
  EXPECT_TRUE(gst_harness_push_event(h.get(), gst_event_new_eos()));
  Outcome o;
  while (GstBuffer *b = gst_harness_try_pull(h.get())) {
    o.out.push_back({bytes_of(b), GST_BUFFER_PTS(b), GST_BUFFER_DTS(b), GST_BUFFER_DURATION(b),
                     GST_BUFFER_FLAGS(b) & kOutputFlags});
    gst_buffer_unref(b);
  }
  if (GstCaps *caps = gst_pad_get_current_caps(h->sinkpad)) {
    gchar *s = gst_caps_to_string(caps);
    o.caps = s;
    g_free(s);
    gst_caps_unref(caps);
  }
  o.inputs_modified = check_unchanged(held);
  return o;
}

void expect_same_output_in_every_layout(const std::string &element, const std::string &props,
                                        const std::string &rtp_caps, const std::string &out_caps,
                                        const std::vector<Packet> &packets,
                                        size_t expected_outputs) {
  const Outcome want = run(element, props, rtp_caps, out_caps, packets, Layout::kUnique, 0);
  ASSERT_EQ(want.out.size(), expected_outputs);
  for (const Layout layout : kAll) {
    for (const guint list_size : {0u, 3u}) {
      SCOPED_TRACE(std::string(name(layout)) + (list_size ? ", lists of 3" : ", single buffers"));
      const Outcome got = run(element, props, rtp_caps, out_caps, packets, layout, list_size);
      EXPECT_EQ(got.caps, want.caps);
      EXPECT_EQ(got.inputs_modified, "");
      ASSERT_EQ(got.out.size(), want.out.size());
      for (size_t i = 0; i < want.out.size(); ++i) {
        EXPECT_EQ(got.out[i].bytes, want.out[i].bytes) << "output " << i;
        EXPECT_EQ(describe(got.out[i]), describe(want.out[i])) << "output " << i;
      }
    }
  }
}

Bytes rtp(const Bytes &payload, std::uint16_t seq, std::uint32_t ts, bool marker, std::uint8_t pt) {
  Bytes b = {0x80,
             static_cast<std::uint8_t>((marker ? 0x80 : 0) | pt),
             static_cast<std::uint8_t>(seq >> 8),
             static_cast<std::uint8_t>(seq),
             static_cast<std::uint8_t>(ts >> 24),
             static_cast<std::uint8_t>(ts >> 16),
             static_cast<std::uint8_t>(ts >> 8),
             static_cast<std::uint8_t>(ts),
             0x12,
             0x34,
             0x56,
             0x78};
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

}  // namespace layouts
