// SPDX-License-Identifier: MIT
// A non-owning reference to a callable (like C++26's std::function_ref). The thread pool takes
// its work as a FunctionRef: a std::function copies a lambda that captures more than two
// pointers to the heap, which costs a malloc and a free on every kernel call. The callable
// must outlive the FunctionRef, as it does when a lambda is passed straight to a call.
#pragma once
#include <memory>
#include <type_traits>
#include <utility>

namespace kiln::cpu {

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  // Implicit, so that a lambda converts at the call site as it would to a std::function.
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& fn) noexcept  // NOLINT(google-explicit-constructor)
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(fn)))),
        call_(&invoke<std::remove_reference_t<F>>) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  template <class F>
  static R invoke(void* object, Args... args) {
    return (*static_cast<F*>(object))(std::forward<Args>(args)...);
  }

  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace kiln::cpu
