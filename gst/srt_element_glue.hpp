// The GObject, base-class and GstURIHandler glue srtbondsrc and srtbondsink
// share: everything that only forwards to the element's SrtElement.
#pragma once

#include <gst/gst.h>

#include "srt_element_common.hpp"

namespace srtrtp {

// unlock / unlock_stop of GstBaseSrc and GstBaseSink alike.
template <class Base>
gboolean srt_unlock(Base *base) {
  srt_element_of(base)->unlock();
  return TRUE;
}

template <class Base>
gboolean srt_unlock_stop(Base *base) {
  srt_element_of(base)->unlock_stop();
  return TRUE;
}

// The srt:// URI handler of an element of direction kType.
template <GstURIType kType>
void srt_uri_handler_init(gpointer g_iface, gpointer) {
  auto *iface = static_cast<GstURIHandlerInterface *>(g_iface);
  iface->get_type = [](GType) { return kType; };
  iface->get_protocols = [](GType) {
    static const gchar *const protocols[] = {"srt", nullptr};
    return protocols;
  };
  iface->get_uri = [](GstURIHandler *h) { return srt_element_of(h)->get_uri(); };
  iface->set_uri = [](GstURIHandler *h, const gchar *uri, GError **error) -> gboolean {
    return srt_element_of(h)->set_uri(uri, error);
  };
}

}  // namespace srtrtp
