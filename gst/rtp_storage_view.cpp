#include "rtp_storage_view.hpp"

#include <cstring>

#include "buffer_bytes.hpp"

namespace srtrtp {

namespace {

// gst-plugins-good 1.22, gst/rtp/rtpstorage.h and rtpstoragestream.h:
// facts about its memory layout, not its code.
struct StorageLayout {
  GObject parent;
  GstClockTime size_time;
  GHashTable *streams;  // ssrc -> StreamLayout*
  GMutex streams_lock;
};
struct StreamLayout {
  GQueue queue;  // of ItemLayout*, newest sequence number at the head
  GMutex stream_lock;
  guint32 ssrc;
  GstClockTime max_arrival_time;
};
struct ItemLayout {
  GstBuffer *buffer;
  guint16 seq;
  guint8 pt;
};

}  // namespace

bool rtp_storage_supported(GObject *storage) {
  if (!storage || std::strcmp(G_OBJECT_TYPE_NAME(storage), "RtpStorage") != 0) return false;
  GTypeQuery q;
  g_type_query(G_OBJECT_TYPE(storage), &q);
  return q.instance_size == sizeof(StorageLayout);
}

bool rtp_storage_visit(GObject *storage, guint32 ssrc, guint16 around, int window,
                       const std::function<bool(guint16, guint8)> &want,
                       const std::function<void(srtcore::ByteSpan)> &visit) {
  if (!rtp_storage_supported(storage)) return false;
  auto *s = reinterpret_cast<StorageLayout *>(storage);
  g_mutex_lock(&s->streams_lock);
  auto *stream =
      s->streams
          ? static_cast<StreamLayout *>(g_hash_table_lookup(s->streams, GUINT_TO_POINTER(ssrc)))
          : nullptr;
  g_mutex_unlock(&s->streams_lock);
  if (!stream) return false;
  g_mutex_lock(&stream->stream_lock);
  // Newest first; stop once far enough behind `around`.
  for (GList *it = stream->queue.head; it; it = it->next) {
    const auto *item = static_cast<const ItemLayout *>(it->data);
    const int d = static_cast<gint16>(item->seq - around);
    if (d < -window) break;
    if (d > window || !want(item->seq, item->pt)) continue;
    ReadMap map(item->buffer);
    if (map.ok()) visit(map.span());
  }
  g_mutex_unlock(&stream->stream_lock);
  return true;
}

}  // namespace srtrtp
