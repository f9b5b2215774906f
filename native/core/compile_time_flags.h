// SPDX-License-Identifier: MIT
// Turns runtime flags into compile-time ones, so a kernel is instantiated once per flag
// combination and its inner loop carries no branches on them (the fused optimizer steps of
// cpu/optim.cc and cuda/optim.cu).
#pragma once
#include <type_traits>

namespace kiln {

// Calls f(std::bool_constant<b>...) with the runtime flags turned into compile-time ones.
template <class F>
void with_flags(F&& f) {
  f();
}
template <class F, class... Rest>
void with_flags(F&& f, bool first, Rest... rest) {
  if (first)
    with_flags([&](auto... bs) { f(std::true_type{}, bs...); }, rest...);
  else
    with_flags([&](auto... bs) { f(std::false_type{}, bs...); }, rest...);
}

}  // namespace kiln
