#include "header_extensions.hpp"

#include <algorithm>
#include <cstring>

GST_DEBUG_CATEGORY_STATIC(hdrext_debug);
#define GST_CAT_DEFAULT hdrext_debug

namespace hdrext = srtcore::rtp::hdrext;

namespace srtrtp {

namespace {

void ensure_debug_category() {
  static std::once_flag once;
  std::call_once(once, [] {
    GST_DEBUG_CATEGORY_INIT(hdrext_debug, "srtrtphdrext", 0, "srtrtp RTP header extensions");
  });
}

HeaderExtensionPtr ref(GstRTPHeaderExtension *ext) {
  return HeaderExtensionPtr(static_cast<GstRTPHeaderExtension *>(gst_object_ref(ext)));
}

// extmap-N values are the uri, or (direction, uri, attributes).
const gchar *extmap_uri(const GValue *v) {
  if (G_VALUE_HOLDS_STRING(v)) return g_value_get_string(v);
  if (GST_VALUE_HOLDS_ARRAY(v) && gst_value_array_get_size(v) >= 2) {
    const GValue *uri = gst_value_array_get_value(v, 1);
    if (G_VALUE_HOLDS_STRING(uri)) return g_value_get_string(uri);
  }
  return nullptr;
}

}  // namespace

void HeaderExtensionSet::changed_locked() {
  dirty_.store(true, std::memory_order_release);
}

void HeaderExtensionSet::add(GstRTPHeaderExtension *ext) {
  const std::lock_guard lock(mutex_);
  exts_.push_back(ref(ext));
  changed_locked();
}

void HeaderExtensionSet::clear() {
  const std::lock_guard lock(mutex_);
  exts_.clear();
  changed_locked();
}

void HeaderExtensionSet::to_value(GValue *array) const {
  const std::lock_guard lock(mutex_);
  for (const auto &ext : exts_) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_RTP_HEADER_EXTENSION);
    g_value_set_object(&v, ext.get());
    gst_value_array_append_and_take_value(array, &v);
  }
}

namespace {

// Fills in what `e` says of itself; false when it cannot be used (logged).
bool learn_facts(ActiveExtension &e) {
  e.klass = GST_RTP_HEADER_EXTENSION_GET_CLASS(e.get());
  e.id = gst_rtp_header_extension_get_id(e.get());
  const auto flags = gst_rtp_header_extension_get_supported_flags(e.get());
  e.one_byte = (flags & GST_RTP_HEADER_EXTENSION_ONE_BYTE) != 0;
  e.two_byte = (flags & GST_RTP_HEADER_EXTENSION_TWO_BYTE) != 0;
  if (e.id >= 1 && e.id <= 255 && e.klass->get_max_size && e.klass->write && e.klass->read)
    return true;
  ensure_debug_category();
  GST_WARNING(
      "extension %s left out: its id %u is not 1..255 or its class lacks "
      "get_max_size/write/read; give it an id with gst_rtp_header_extension_set_id()",
      GST_OBJECT_NAME(e.get()), e.id);
  return false;
}

}  // namespace

const ActiveExtensions &HeaderExtensionSet::current(bool *changed) {
  // A plain load first: the usual answer (no change) costs no locked operation.
  const bool refresh =
      dirty_.load(std::memory_order_relaxed) && dirty_.exchange(false, std::memory_order_acquire);
  if (refresh) {
    const std::lock_guard lock(mutex_);
    snapshot_.clear();
    for (const auto &ext : exts_) {
      ActiveExtension e{ref(ext.get())};
      if (learn_facts(e)) snapshot_.push_back(std::move(e));
    }
  }
  if (changed) *changed = refresh;
  return snapshot_;
}

void HeaderExtensionSet::refresh_facts() {
  std::erase_if(snapshot_, [](ActiveExtension &e) { return !learn_facts(e); });
}

bool HeaderExtensionSet::configure_from_caps(GstElement *element, guint request_signal,
                                             const GstCaps *caps) {
  ensure_debug_category();
  if (!caps || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) return true;
  const GstStructure *st = gst_caps_get_structure(caps, 0);
  // Worked on outside the lock: request-extension handlers may call
  // add-extension.
  std::vector<HeaderExtensionPtr> work;
  {
    const std::lock_guard lock(mutex_);
    for (const auto &ext : exts_) work.push_back(ref(ext.get()));
  }
  bool ok = true;
  bool touched = false;
  const gint n = gst_structure_n_fields(st);
  for (gint i = 0; i < n; ++i) {
    const gchar *name = gst_structure_nth_field_name(st, static_cast<guint>(i));
    if (!g_str_has_prefix(name, "extmap-")) continue;
    const gchar *digits = name + std::strlen("extmap-");
    gchar *end = nullptr;
    const guint64 id = g_ascii_strtoull(digits, &end, 10);
    const gchar *uri = extmap_uri(gst_structure_get_value(st, name));
    if (end == digits || *end != '\0' || id == 0 || id > hdrext::kTwoByteMaxId || !uri) {
      GST_WARNING_OBJECT(element, "ignoring caps field %s: not extmap-<1..255> with a uri", name);
      ok = false;
      continue;
    }
    auto it = std::find_if(work.begin(), work.end(), [id](const HeaderExtensionPtr &e) {
      return gst_rtp_header_extension_get_id(e.get()) == id;
    });
    if (it != work.end() && g_strcmp0(gst_rtp_header_extension_get_uri(it->get()), uri) == 0) {
      if (!gst_rtp_header_extension_set_attributes_from_caps(it->get(), caps)) {
        GST_WARNING_OBJECT(element, "extension %s refused the attributes of %s", uri, name);
        ok = false;
      }
      continue;
    }
    touched = true;
    if (it != work.end()) work.erase(it);  // the id now means another uri
    GstRTPHeaderExtension *got = nullptr;
    g_signal_emit(element, request_signal, 0, static_cast<guint>(id), uri, &got);
    if (!got) {
      GST_DEBUG_OBJECT(element, "no extension for %s = %s", name, uri);
      continue;
    }
    if (g_object_is_floating(got)) gst_object_ref_sink(got);
    HeaderExtensionPtr ext(got);
    if (gst_rtp_header_extension_get_id(got) != id) {
      GST_WARNING_OBJECT(element,
                         "request-extension gave an extension with id %u for %s; set its id "
                         "with gst_rtp_header_extension_set_id()",
                         gst_rtp_header_extension_get_id(got), name);
      continue;
    }
    if (!gst_rtp_header_extension_set_attributes_from_caps(got, caps)) {
      GST_WARNING_OBJECT(element, "extension %s refused the attributes of %s", uri, name);
      ok = false;
      continue;
    }
    GST_DEBUG_OBJECT(element, "using %s for %s = %s", GST_OBJECT_NAME(got), name, uri);
    work.push_back(std::move(ext));
  }
  if (touched) {
    const std::lock_guard lock(mutex_);
    exts_ = std::move(work);
    changed_locked();
  }
  return ok;
}

std::optional<HeaderExtensionPlan> plan_header_extensions(GstElement *element,
                                                          const ActiveExtensions &exts,
                                                          const GstBuffer *input_meta) {
  if (exts.empty()) return std::nullopt;
  hdrext::FormChooser chooser;
  for (const auto &e : exts)
    chooser.add(e.id, e.klass->get_max_size(e.get(), input_meta), e.one_byte, e.two_byte);
  const auto form = chooser.form();
  if (!form) {
    ensure_debug_category();
    GST_WARNING_OBJECT(element,
                       "the header extensions need both one-byte and two-byte elements; "
                       "none written (give them ids and sizes one form can carry)");
    return std::nullopt;
  }
  return HeaderExtensionPlan{*form, chooser.reserve_size()};
}

std::size_t write_header_extensions(GstElement *element, const ActiveExtensions &exts,
                                    const HeaderExtensionPlan &plan, const GstBuffer *input_meta,
                                    GstBuffer *output, std::uint8_t *block, guint64 *failures) {
  hdrext::BlockWriter writer(plan.form, srtcore::MutableByteSpan(block, plan.reserve));
  const auto flag = plan.form == hdrext::Form::kOneByte ? GST_RTP_HEADER_EXTENSION_ONE_BYTE
                                                        : GST_RTP_HEADER_EXTENSION_TWO_BYTE;
  for (const auto &e : exts) {
    const auto space = writer.data_space();
    if (space.empty()) break;
    // The output is the payloader's own new packet: writable, as write() needs.
    const gssize n = e.klass->write(e.get(), input_meta, flag, output, space.data(), space.size());
    if (n == 0) continue;
    const guint id = e.id;
    if (n < 0 || static_cast<gsize>(n) > space.size() ||
        !writer.commit(id, static_cast<gsize>(n))) {
      ensure_debug_category();
      if (n > 0 && static_cast<gsize>(n) > space.size())
        g_error("%s wrote %" G_GSSIZE_FORMAT " bytes where %" G_GSIZE_FORMAT
                " were reserved for it: its get_max_size is wrong; memory is corrupted",
                GST_OBJECT_NAME(e.get()), n, space.size());
      ++*failures;
      GST_WARNING_OBJECT(element,
                         "extension %s (id %u) could not write its element (%" G_GSSIZE_FORMAT ")",
                         GST_OBJECT_NAME(e.get()), id, n);
    }
  }
  return writer.finish();
}

bool read_header_extensions(GstElement *element, const ActiveExtensions &exts,
                            std::uint16_t profile, srtcore::ByteSpan block, GstBuffer *output,
                            guint64 *failures) {
  hdrext::ElementReader reader(profile, block);
  if (!reader.form()) return false;
  const auto flag = *reader.form() == hdrext::Form::kOneByte ? GST_RTP_HEADER_EXTENSION_ONE_BYTE
                                                             : GST_RTP_HEADER_EXTENSION_TWO_BYTE;
  bool update_caps = false;
  while (const auto e = reader.next()) {
    for (const auto &ext : exts) {
      if (ext.id != e->id) continue;
      // `output` was made writable by the depayloader, as read() needs.
      if (!ext.klass->read(ext.get(), flag, e->data.data(), e->data.size(), output)) {
        ensure_debug_category();
        ++*failures;
        GST_INFO_OBJECT(element,
                        "extension %s could not read element %u of %" G_GSIZE_FORMAT " bytes",
                        GST_OBJECT_NAME(ext.get()), e->id, e->data.size());
      } else if (gst_rtp_header_extension_wants_update_non_rtp_src_caps(ext.get())) {
        update_caps = true;
      }
      break;
    }
  }
  return update_caps;
}

GstCaps *header_extension_src_caps(GstElement *element, const ActiveExtensions &exts,
                                   GstCaps *caps) {
  GstCaps *out = gst_caps_copy(caps);
  for (const auto &ext : exts) {
    if (!gst_rtp_header_extension_update_non_rtp_src_caps(ext.get(), out)) {
      GST_ELEMENT_ERROR(
          element, STREAM, DECODE,
          ("RTP header extension %s could not update the output caps.", GST_OBJECT_NAME(ext.get())),
          ("the extension refused caps %" GST_PTR_FORMAT
           "; remove it (clear-extensions) or fix the sender's extension data",
           out));
      gst_caps_unref(out);
      return nullptr;
    }
  }
  return out;
}

namespace {

// request-extension: the first handler to return an extension wins; the
// default (auto-header-extension) runs only when none did.
gboolean first_extension(GSignalInvocationHint *, GValue *accu, const GValue *ret, gpointer) {
  GObject *ext = static_cast<GObject *>(g_value_get_object(ret));
  if (!ext) return TRUE;
  g_value_set_object(accu, ext);
  return FALSE;
}

}  // namespace

HeaderExtensionClassIds install_header_extension_api(GObjectClass *klass, guint prop_auto,
                                                     guint prop_extensions, GCallback add,
                                                     GCallback clear, GCallback request_default) {
  ensure_debug_category();
  const GType type = G_TYPE_FROM_CLASS(klass);
  g_object_class_install_property(
      klass, prop_auto,
      g_param_spec_boolean(
          "auto-header-extension", "Automatic RTP header extension",
          "Whether RTP header extensions should be automatically enabled, if an implementation "
          "is available",
          TRUE, static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  GParamSpec *exts = gst_param_spec_array(
      "extensions", "RTP header extensions", "A list of already enabled RTP header extensions",
      g_param_spec_object("extension", "RTP header extension", "An already enabled RTP extension",
                          GST_TYPE_RTP_HEADER_EXTENSION,
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)),
      static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property(klass, prop_extensions, exts);
  g_signal_new_class_handler(
      "add-extension", type, static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), add,
      nullptr, nullptr, nullptr, G_TYPE_NONE, 1, GST_TYPE_RTP_HEADER_EXTENSION);
  const guint request = g_signal_new_class_handler(
      "request-extension", type, G_SIGNAL_RUN_LAST, request_default, first_extension, nullptr,
      nullptr, GST_TYPE_RTP_HEADER_EXTENSION, 2, G_TYPE_UINT, G_TYPE_STRING);
  g_signal_new_class_handler("clear-extensions", type,
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), clear,
                             nullptr, nullptr, nullptr, G_TYPE_NONE, 0);
  return {request, exts};
}

GstRTPHeaderExtension *auto_header_extension(GstElement *element, bool auto_on, guint id,
                                             const gchar *uri) {
  if (!auto_on) return nullptr;
  GstRTPHeaderExtension *ext = gst_rtp_header_extension_create_from_uri(uri);
  if (!ext) {
    GST_DEBUG_OBJECT(element, "no extension implements %s", uri);
    return nullptr;
  }
  gst_object_ref_sink(ext);  // a new element is floating: make the reference plainly ours
  gst_rtp_header_extension_set_id(ext, id);
  GST_DEBUG_OBJECT(element, "automatically enabled %s for %s", GST_OBJECT_NAME(ext), uri);
  return ext;
}

}  // namespace srtrtp
