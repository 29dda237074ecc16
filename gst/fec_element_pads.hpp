// Pad plumbing shared by the FEC elements (rtpst2022-1-fecenc2/dec2,
// rtpflexfecenc/dec): the media passes from 'sink' to 'src', FEC pads are
// side streams.
#pragma once

#include <gst/gst.h>

#include <mutex>

namespace srtrtp::fec_pads {

// An iterator over `other`, the one pad linked inside the element to the
// pad asked about (nullptr: none).
inline GstIterator *single_link(GstPad *other) {
  if (!other) return nullptr;
  GValue v = G_VALUE_INIT;
  g_value_init(&v, GST_TYPE_PAD);
  g_value_set_object(&v, other);
  GstIterator *it = gst_iterator_new_single(GST_TYPE_PAD, &v);
  g_value_unset(&v);
  return it;
}

// A decoder's media-sink event: the serialized ones go out under
// `push_lock`, which the FEC pads' threads hold while they push rebuilt
// packets, so that no event overtakes or splits them.
inline gboolean forward_media_event(GstPad *pad, GstObject *parent, GstEvent *event,
                                    std::mutex &push_lock) {
  const bool serialized = (static_cast<guint>(GST_EVENT_TYPE(event)) &
                           static_cast<guint>(GST_EVENT_TYPE_SERIALIZED)) != 0;
  if (!serialized) return gst_pad_event_default(pad, parent, event);
  std::lock_guard push(push_lock);
  return gst_pad_event_default(pad, parent, event);
}

// A decoder's FEC inputs keep their own events (caps, segment, EOS): 'src'
// carries the media stream's.
inline gboolean drop_event(GstPad *, GstObject *, GstEvent *event) {
  gst_event_unref(event);
  return TRUE;
}

}  // namespace srtrtp::fec_pads
