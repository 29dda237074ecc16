#include "element_registry.hpp"

#include <cstring>

namespace srtrtp::metrics {

namespace {

bool from_srtrtp_plugin(GstElement *element) {
  GstElementFactory *factory = gst_element_get_factory(element);
  if (!factory) return false;
  const gchar *plugin = gst_plugin_feature_get_plugin_name(GST_PLUGIN_FEATURE(factory));
  return plugin && std::strcmp(plugin, "srtrtp") == 0;
}

GWeakRef *new_weak_ref(GstElement *element) {
  auto *ref = g_new0(GWeakRef, 1);
  g_weak_ref_init(ref, element);
  return ref;
}

void free_weak_ref(GWeakRef *ref) {
  g_weak_ref_clear(ref);
  g_free(ref);
}

}  // namespace

ElementRegistry &ElementRegistry::instance() {
  static ElementRegistry registry;
  return registry;
}

ElementRegistry::ElementRegistry() : quark_(g_quark_from_static_string("srtrtp-metrics")) {}

bool ElementRegistry::is_tracked_type(GType type) const {
  const std::size_t n = type_count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i)
    if (types_[i].load(std::memory_order_relaxed) == type) return true;
  return false;
}

void ElementRegistry::track(GstElement *element) {
  if (!from_srtrtp_plugin(element)) return;
  std::lock_guard lock(lock_);
  if (g_object_get_qdata(G_OBJECT(element), quark_)) return;
  auto metrics = std::make_shared<ElementMetrics>();
  // The element owns a reference too, so a pad hook never sees freed metrics.
  g_object_set_qdata_full(
      G_OBJECT(element), quark_, new std::shared_ptr<ElementMetrics>(metrics),
      [](gpointer p) { delete static_cast<std::shared_ptr<ElementMetrics> *>(p); });
  entries_.push_back(Entry{{new_weak_ref(element), free_weak_ref}, std::move(metrics)});
  const GType type = G_OBJECT_TYPE(element);
  if (!is_tracked_type(type)) {
    const std::size_t n = type_count_.load(std::memory_order_relaxed);
    if (n < kMaxTypes) {
      types_[n].store(type, std::memory_order_relaxed);
      type_count_.store(n + 1, std::memory_order_release);
    }
  }
}

ElementMetrics *ElementRegistry::find(GstElement *element) const {
  if (!element || !is_tracked_type(G_OBJECT_TYPE(element))) return nullptr;
  auto *p =
      static_cast<std::shared_ptr<ElementMetrics> *>(g_object_get_qdata(G_OBJECT(element), quark_));
  return p ? p->get() : nullptr;
}

std::vector<ElementRef> ElementRegistry::live() {
  std::vector<ElementRef> out;
  std::lock_guard lock(lock_);
  std::erase_if(entries_, [&](Entry &e) {
    auto *element = static_cast<GstElement *>(g_weak_ref_get(e.ref.get()));
    if (!element) return true;
    out.push_back(ElementRef{std::unique_ptr<GstElement, ElementRef::Unref>(element), e.metrics});
    return false;
  });
  return out;
}

}  // namespace srtrtp::metrics
