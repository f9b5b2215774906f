// SPDX-License-Identifier: MIT
// Argument helpers shared by the binding files (module.cc, optim_binding.cc): the error guard
// every exported function is wrapped in, number arguments, and view decoding by slot.
#pragma once
#include <napi.h>

#include <new>
#include <stdexcept>

#include "../core/error.h"
#include "view_codec.h"

namespace kiln::binding {

using Fn = Napi::Value (*)(const Napi::CallbackInfo&);

// Turns kiln errors into JS errors with a code; anything else becomes KILN_INTERNAL.
template <Fn F>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    Napi::Error err = Napi::Error::New(info.Env(), e.what());
    err.Set("code", Napi::String::New(info.Env(), error_code_name(e.code())));
    throw err;
  } catch (const std::bad_alloc&) {
    Napi::Error err = Napi::Error::New(info.Env(), "kiln: out of memory");
    err.Set("code", Napi::String::New(info.Env(), "KILN_OUT_OF_MEMORY"));
    throw err;
  } catch (const std::exception& e) {
    Napi::Error err = Napi::Error::New(info.Env(), e.what());
    err.Set("code", Napi::String::New(info.Env(), "KILN_INTERNAL"));
    throw err;
  }
}

inline double num(const Napi::CallbackInfo& info, size_t i, const char* op) {
  KILN_CHECK(info[i].IsNumber(), InvalidArgument, op, ": argument ", i, " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}
inline int integer(const Napi::CallbackInfo& info, size_t i, const char* op) {
  double v = num(info, i, op);
  KILN_CHECK(v == static_cast<int>(v), InvalidArgument, op, ": argument ", i,
             " must be an integer, got ", v);
  return static_cast<int>(v);
}
// The view in metadata slot `slot`, bound to the storage passed as argument `arg`.
inline TensorView view(const Napi::CallbackInfo& info, int slot, size_t arg, const char* op,
                       const char* what) {
  return decode_view(info.Env(), slot, info[arg], op, what);
}

}  // namespace kiln::binding
