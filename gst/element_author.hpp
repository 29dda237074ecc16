// The author field of every element's metadata, in one place so that they
// all say the same. No e-mail address: the project has no list to name.
#pragma once

namespace srtrtp {

inline constexpr char kElementAuthor[] = "The srtrtp authors";

}  // namespace srtrtp
