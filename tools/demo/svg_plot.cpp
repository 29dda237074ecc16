#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace demo::svg {
namespace {

std::string escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A tick step of 1, 2 or 5 times a power of ten giving about `ticks` ticks.
double nice_step(double range, int ticks) {
  if (range <= 0) return 1;
  const double raw = range / ticks;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * power) return m * power;
  return 10 * power;
}

std::string tick_label(double v, double step) {
  char buf[32];
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// stroke="..." stroke-width="..." (and a dash pattern) for a series.
std::string stroke(const Series &s, double width) {
  std::string out = " stroke=\"" + escape(s.color) + "\" stroke-width=\"" +
                    num(s.dashed ? width * 0.75 : width) + '"';
  if (s.dashed) out += " stroke-dasharray=\"7 4\"";
  return out;
}

}  // namespace

std::string render(const LinePlot &plot) {
  const double W = plot.width, H = plot.height;
  // The legend sits right of the plot area, where it hides no data.
  std::size_t longest = 0;
  for (const auto &s : plot.series) longest = std::max(longest, s.name.size());
  const double lw = 44 + 7.2 * static_cast<double>(longest), lh = 10 + 20.0 * plot.series.size();
  const double left = 72, right = lw + 32, top = 48, bottom = 64;
  const double pw = W - left - right, ph = H - top - bottom;

  double x_max = 0, y_max = 0;
  for (const auto &s : plot.series)
    for (const auto &[x, y] : s.points) {
      x_max = std::max(x_max, x);
      y_max = std::max(y_max, y);
    }
  for (const auto &b : plot.bands) x_max = std::max(x_max, b.to);
  const double x_step = nice_step(x_max > 0 ? x_max : 1, 10);
  x_max = x_max > 0 ? std::ceil(x_max / x_step - 1e-9) * x_step : 1;
  const double y_step = nice_step(y_max > 0 ? y_max * 1.15 : 1, 6);
  y_max = std::max(std::ceil(y_max * 1.15 / y_step - 1e-9) * y_step, y_step);
  auto px = [&](double x) { return left + std::clamp(x / x_max, 0.0, 1.0) * pw; };
  auto py = [&](double y) { return top + ph - std::clamp(y / y_max, 0.0, 1.0) * ph; };

  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << plot.width << "\" height=\""
    << plot.height << "\" viewBox=\"0 0 " << plot.width << ' ' << plot.height
    << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"13\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << num(W / 2) << "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">"
    << escape(plot.title) << "</text>\n";

  // Shaded intervals under everything else.
  for (const auto &b : plot.bands) {
    if (b.to <= b.from) continue;
    o << "<rect x=\"" << num(px(b.from)) << "\" y=\"" << num(top) << "\" width=\""
      << num(px(b.to) - px(b.from)) << "\" height=\"" << num(ph)
      << "\" fill=\"#d0d0d0\" fill-opacity=\"0.55\"/>\n"
      << "<text x=\"" << num((px(b.from) + px(b.to)) / 2) << "\" y=\"" << num(top + 18)
      << "\" text-anchor=\"middle\" fill=\"#555\">" << escape(b.label) << "</text>\n";
  }

  // Grid, ticks and tick labels.
  for (double y = 0; y <= y_max + y_step / 2; y += y_step) {
    o << "<line x1=\"" << num(left) << "\" y1=\"" << num(py(y)) << "\" x2=\"" << num(left + pw)
      << "\" y2=\"" << num(py(y)) << "\" stroke=\"#e4e4e4\"/>\n"
      << "<text x=\"" << num(left - 8) << "\" y=\"" << num(py(y) + 4) << "\" text-anchor=\"end\">"
      << tick_label(y, y_step) << "</text>\n";
  }
  for (double x = 0; x <= x_max + x_step / 2; x += x_step) {
    o << "<line x1=\"" << num(px(x)) << "\" y1=\"" << num(top + ph) << "\" x2=\"" << num(px(x))
      << "\" y2=\"" << num(top + ph + 5) << "\" stroke=\"black\"/>\n"
      << "<text x=\"" << num(px(x)) << "\" y=\"" << num(top + ph + 20)
      << "\" text-anchor=\"middle\">" << tick_label(x, x_step) << "</text>\n";
  }
  // Axes and their labels.
  o << "<polyline points=\"" << num(left) << ',' << num(top) << ' ' << num(left) << ','
    << num(top + ph) << ' ' << num(left + pw) << ',' << num(top + ph)
    << "\" fill=\"none\" stroke=\"black\"/>\n"
    << "<text x=\"" << num(left + pw / 2) << "\" y=\"" << num(H - 16)
    << "\" text-anchor=\"middle\">" << escape(plot.x_label) << "</text>\n"
    << "<text transform=\"translate(20 " << num(top + ph / 2)
    << ") rotate(-90)\" text-anchor=\"middle\">" << escape(plot.y_label) << "</text>\n";

  // One polyline per series.
  for (const auto &s : plot.series) {
    if (s.points.empty()) continue;
    o << "<polyline fill=\"none\"" << stroke(s, 2) << " stroke-linejoin=\"round\" points=\"";
    for (const auto &[x, y] : s.points) o << num(px(x)) << ',' << num(py(y)) << ' ';
    o << "\"/>\n";
  }

  // Legend.
  const double lx = left + pw + 16, ly = top;
  o << "<rect x=\"" << num(lx) << "\" y=\"" << num(ly) << "\" width=\"" << num(lw) << "\" height=\""
    << num(lh) << "\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999\"/>\n";
  for (std::size_t i = 0; i < plot.series.size(); ++i) {
    const double y = ly + 15 + 20.0 * i;
    o << "<line x1=\"" << num(lx + 8) << "\" y1=\"" << num(y) << "\" x2=\"" << num(lx + 32)
      << "\" y2=\"" << num(y) << '"' << stroke(plot.series[i], 3) << "/>\n"
      << "<text x=\"" << num(lx + 38) << "\" y=\"" << num(y + 4) << "\">"
      << escape(plot.series[i].name) << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

bool write_file(const LinePlot &plot, const std::string &path, std::string *error) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) {
    *error = "cannot create " + p.parent_path().string() + ": " + ec.message();
    return false;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << render(plot);
  out.close();
  if (!out) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace demo::svg
