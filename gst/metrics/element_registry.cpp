#include "element_registry.hpp"

namespace srtrtp::metrics {

namespace {

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

void BufferTimer::attach(GstElement *element) {
  metrics_ = ElementRegistry::instance().add(element);
}

std::shared_ptr<ElementMetrics> ElementRegistry::add(GstElement *element) {
  auto metrics = std::make_shared<ElementMetrics>();
  std::lock_guard lock(lock_);
  // Applications that make and drop elements for ever must not grow the list.
  if (entries_.size() >= 64 && (entries_.size() & (entries_.size() - 1)) == 0) forget_dead();
  entries_.push_back(Entry{{new_weak_ref(element), free_weak_ref}, metrics});
  return metrics;
}

void ElementRegistry::forget_dead() {
  std::erase_if(entries_, [](Entry &e) {
    auto *o = static_cast<GObject *>(g_weak_ref_get(e.ref.get()));
    if (o) g_object_unref(o);
    return o == nullptr;
  });
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
